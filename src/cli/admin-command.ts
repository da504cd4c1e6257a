import { Command, Flags } from '@oclif/core';
import type pg from 'pg';
import { AdminQueries } from '../core/storage/admin-queries.js';
import { createPool } from '../core/storage/postgres.js';

/** Base of the read-only `chat-node admin ...` commands: a Postgres pool and --json output. */
export abstract class AdminCommand extends Command {
  static override baseFlags = {
    'postgres-url': Flags.string({ description: 'Postgres URL', env: 'CHAT_POSTGRES_URL', required: true }),
    json: Flags.boolean({ description: 'print JSON instead of a table' }),
  };

  protected async withQueries<T>(url: string, fn: (queries: AdminQueries) => Promise<T>): Promise<T> {
    const pool: pg.Pool = createPool(url, 1);
    try {
      return await fn(new AdminQueries(pool));
    } catch (error) {
      this.error(`query failed: ${(error as Error).message}`, { exit: 1 });
    } finally {
      await pool.end();
    }
  }
}
