import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { migrate } from '../../src/core/storage/migrations.js';
import { SERVICES } from './isolated-cluster.js';

/**
 * A database of the suite's own on the machine's Postgres, with every migration applied: created
 * before the suite's tests, dropped after them. `pool` is set once the suite's beforeAll ran.
 */
export function useMigratedDatabase(prefix: string): { url: string; pool: () => pg.Pool } {
  const database = `${prefix}${randomBytes(4).toString('hex')}`;
  const url = new URL(SERVICES.postgresAdmin);
  url.pathname = `/${database}`;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${database}`);
    pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
    await migrate(pool);
  }, 30_000);
  afterAll(async () => {
    await pool?.end();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });
  return {
    url: url.toString(),
    pool: () => {
      if (!pool) throw new Error('the database is made in beforeAll');
      return pool;
    },
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVICES.postgresAdmin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
