import { Command, Flags } from '@oclif/core';
import { createPool } from '../core/storage/postgres.js';
import { PushStore } from '../core/storage/push-store.js';

/** Base of the operator's `chat-node push ...` commands: a PushStore on the cluster's Postgres. */
export abstract class PushAdminCommand extends Command {
  static override baseFlags = {
    'postgres-url': Flags.string({ description: 'Postgres URL', env: 'CHAT_POSTGRES_URL', required: true }),
  };

  protected async withStore<T>(url: string, fn: (store: PushStore) => Promise<T>): Promise<T> {
    const pool = createPool(url, 1);
    try {
      return await fn(new PushStore(pool));
    } catch (error) {
      this.error(`push registration failed: ${(error as Error).message}`, { exit: 1 });
    } finally {
      await pool.end();
    }
  }
}
