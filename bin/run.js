#!/usr/bin/env node
// Production entry: runs the compiled commands in dist/.
import { execute } from '@oclif/core';
import { dropStaleManifest } from '../dist/cli/oclif-manifest.js';

dropStaleManifest(new URL('../oclif.manifest.json', import.meta.url), new URL('../dist/commands/', import.meta.url));
await execute({ dir: import.meta.url });
