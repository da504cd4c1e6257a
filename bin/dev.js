#!/usr/bin/env node
// Development entry: same commands, but oclif reports stack traces; run `npm run build` first.
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
