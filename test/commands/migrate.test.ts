import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it, vi } from 'vitest';
import Migrate from '../../src/commands/migrate.js';
import { SERVICES } from '../support/isolated-cluster.js';
import { runCommand } from '../support/run-command.js';

/** A database of the suite's own with no schema at all (useMigratedDatabase would apply it). */
const database = `chat_migrate_${randomBytes(4).toString('hex')}`;
const url = new URL(SERVICES.postgresAdmin);
url.pathname = `/${database}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVICES.postgresAdmin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

beforeAll(() => admin(`CREATE DATABASE ${database}`));
afterAll(() => admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));

describe('migrate', () => {
  beforeEach(() => vi.stubEnv('CHAT_POSTGRES_URL', undefined));
  afterEach(() => vi.unstubAllEnvs());

  it('applies every shipped migration once, in order; a second run has nothing to do', async () => {
    const before = await runCommand(Migrate, ['--postgres-url', url.toString(), '--status']);
    expect(before.code).toBe(0);
    expect(before.stdout).toMatch(/^database at version 0; shipped migrations: 001_init, 002_push, /);
    const first = await runCommand(Migrate, ['--postgres-url', url.toString()]);
    expect(first.code, first.stderr).toBe(0);
    const applied = /^applied (.*)$/m.exec(first.stdout)?.[1]?.split(', ') ?? [];
    expect(applied[0]).toBe('001_init');
    expect(applied).toEqual([...applied].sort());
    expect(applied.length).toBeGreaterThanOrEqual(6);
    const second = await runCommand(Migrate, ['--postgres-url', url.toString()]);
    expect(second.stdout.trim()).toBe('schema is up to date');
    // The environment variable does as well as the flag.
    vi.stubEnv('CHAT_POSTGRES_URL', url.toString());
    const after = await runCommand(Migrate, ['--status']);
    expect(after.stdout).toMatch(new RegExp(`^database at version ${applied.length}; `));
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const tables = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    await client.end();
    expect(tables.rows.map((row) => row.name)).toEqual(expect.arrayContaining(['rooms', 'members', 'messages']));
  });

  it('exits 1 with the reason when the database is out of reach', async () => {
    const run = await runCommand(Migrate, ['--postgres-url', 'postgresql://postgres@127.0.0.1:1/nowhere']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^migration failed: .*ECONNREFUSED/m);
  });

  it('without a Postgres URL is a usage error', async () => {
    const run = await runCommand(Migrate, []);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('postgres-url');
  });
});
