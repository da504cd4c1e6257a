import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { dropStaleManifest } from '../../src/cli/oclif-manifest.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A package root with a manifest written at `manifestAt` and commands compiled at `commandsAt` (s since the epoch). */
function packageWith(manifestAt: number, commandsAt: number[]): { manifest: URL; commands: URL } {
  const root = mkdtempSync(join(tmpdir(), 'manifest-'));
  dirs.push(root);
  mkdirSync(join(root, 'commands', 'admin'), { recursive: true });
  commandsAt.forEach((at, i) => {
    const file = join(root, 'commands', i % 2 ? 'admin' : '', `c${i}.js`);
    writeFileSync(file, '');
    utimesSync(file, at, at);
  });
  writeFileSync(join(root, 'oclif.manifest.json'), '{}');
  utimesSync(join(root, 'oclif.manifest.json'), manifestAt, manifestAt);
  return {
    manifest: pathToFileURL(join(root, 'oclif.manifest.json')),
    commands: pathToFileURL(join(root, 'commands/')),
  };
}

describe('dropStaleManifest', () => {
  it('keeps a manifest written after every command was compiled', () => {
    const { manifest, commands } = packageWith(2000, [1000, 1500, 1999]);
    expect(dropStaleManifest(manifest, commands)).toBe(false);
    expect(existsSync(manifest)).toBe(true);
  });

  it('removes a manifest older than a command compiled since, in a subfolder too', () => {
    const { manifest, commands } = packageWith(2000, [1000, 2500]);
    expect(dropStaleManifest(manifest, commands)).toBe(true);
    expect(existsSync(manifest)).toBe(false);
  });

  it('does nothing without a manifest', () => {
    const { manifest, commands } = packageWith(2000, [3000]);
    rmSync(manifest);
    expect(dropStaleManifest(manifest, commands)).toBe(false);
  });
});
