import { existsSync } from 'node:fs';
import { mkdir, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServices, MissingBinaryError } from '../../src/devtools/index.js';
import { findBinary, defaultSearchPath } from '../../src/devtools/binaries.js';
import { closedDefaults, tempDataDir } from './helpers.js';

describe('services - missing binaries', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDataDir();
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('with no server installed, one error names every binary and the apt-get line', async () => {
    const emptyBin = join(root, 'empty-bin');
    await mkdir(emptyBin);
    const error = await ensureServices({
      dataDir: join(root, 'data-none'),
      defaults: await closedDefaults(),
      searchPath: [emptyBin],
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(MissingBinaryError);
    const missing = error as MissingBinaryError;
    expect(missing.debianPackages).toEqual(['postgresql', 'redis-server', 'nats-server']);
    expect(missing.binaries).toEqual(['initdb', 'pg_ctl', 'postgres', 'redis-server', 'nats-server']);
    expect(missing.message).toContain('apt-get install -y postgresql redis-server nats-server');
  });

  it('a missing postgres names the postgresql package, and what did start is stopped again', async () => {
    // Only redis-server and nats-server are "installed": they start, then must be stopped when postgres fails.
    const someBin = join(root, 'some-bin');
    await mkdir(someBin);
    for (const name of ['redis-server', 'nats-server']) {
      const found = findBinary(name, defaultSearchPath());
      if (found === undefined) throw new Error(`${name} must be installed for this test`);
      await symlink(found, join(someBin, name));
    }
    const dataDir = join(root, 'data-some');
    const error = await ensureServices({ dataDir, defaults: await closedDefaults(), searchPath: [someBin] }).catch(
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(MissingBinaryError);
    expect((error as MissingBinaryError).debianPackages).toEqual(['postgresql']);
    expect((error as Error).message).toMatch(
      /PostgreSQL \(initdb, pg_ctl, postgres\).*apt-get install -y postgresql\b/,
    );
    expect(existsSync(join(dataDir, 'redis', 'redis-server.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'nats', 'nats-server.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'chat-node.pid'))).toBe(false);
  });
});
