import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPgClusters, PostgresInstance, redisAnswers, RedisInstance } from '../../src/faults/service-faults.js';
import { isAlive } from '../../src/devtools/processes.js';
import { tempDataDir } from '../devtools/helpers.js';

let dir: string;
beforeAll(async () => {
  dir = await tempDataDir();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('service faults', () => {
  it('a Redis of our own: FLUSHALL empties it, shutdown nosave and SIGKILL take it down, restart brings it back empty on the same port', async () => {
    const redis = await RedisInstance.start(dir);
    const client = new Redis(redis.url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
    // Refused reconnects while Redis is down are the point of the test, not news.
    client.on('error', () => undefined);
    try {
      await client.set('k', 'v');
      await redis.flushAll();
      expect(await client.get('k')).toBeNull();

      await client.set('k', 'v');
      const pid = (await redis.pid())!;
      await redis.shutdownNoSave();
      expect(await isAlive(pid)).toBe(false);
      expect(await redisAnswers(redis.url)).toBe(false);

      const port = redis.port;
      await redis.restart();
      expect(redis.port).toBe(port);
      // The same client reconnects to the same URL and finds nothing: nosave.
      expect(await client.get('k')).toBeNull();

      await redis.kill();
      expect(await redisAnswers(redis.url)).toBe(false);
      await redis.restart();
      expect(await redisAnswers(redis.url)).toBe(true);
    } finally {
      client.disconnect();
      await redis.stop();
    }
  });

  it('a Postgres of our own survives an immediate stop with its committed rows, on the same port', async () => {
    const postgres = await PostgresInstance.start(dir, 'faults');
    const query = async (sql: string) => {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        return await client.query(sql);
      } finally {
        await client.end();
      }
    };
    try {
      await query('CREATE TABLE t (id int primary key)');
      await query('INSERT INTO t VALUES (1), (2)');
      const pid = (await postgres.pid())!;
      await postgres.stopImmediate();
      expect(await isAlive(pid)).toBe(false);
      await expect(query('SELECT 1')).rejects.toThrow();

      await postgres.start();
      expect((await query('SELECT count(*)::int AS n FROM t')).rows[0]).toEqual({ n: 2 });
    } finally {
      await postgres.stop();
    }
    expect(await postgres.pid()).toBeUndefined();
  }, 120_000);

  it('pg_lsclusters lists the machine clusters (read-only)', async () => {
    const clusters = await listPgClusters();
    for (const c of clusters)
      expect(c).toMatchObject({
        version: expect.stringMatching(/^\d+$/),
        name: expect.any(String),
        port: expect.any(Number),
      });
  });
});
