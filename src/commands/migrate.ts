import { Command, Flags } from '@oclif/core';
import { createPool } from '../core/storage/postgres.js';
import { loadMigrations, migrate, schemaVersion } from '../core/storage/migrations.js';

export default class Migrate extends Command {
  static override summary = 'Apply the Postgres schema migrations';
  static override description =
    'Applies the versioned files in migrations/ that the database has not seen yet, each in a transaction, under an advisory lock.';
  static override examples = ['<%= config.bin %> migrate --postgres-url postgres://postgres@localhost/chat_node'];
  static override flags = {
    'postgres-url': Flags.string({ description: 'Postgres URL', env: 'CHAT_POSTGRES_URL', required: true }),
    status: Flags.boolean({ description: 'only print the applied and shipped versions' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Migrate);
    const pool = createPool(flags['postgres-url'], 1);
    try {
      const shipped = await loadMigrations();
      if (flags.status) {
        this.log(
          `database at version ${await schemaVersion(pool)}; shipped migrations: ${shipped.map((m) => m.name).join(', ')}`,
        );
        return;
      }
      const applied = await migrate(pool, shipped);
      this.log(applied.length === 0 ? 'schema is up to date' : `applied ${applied.join(', ')}`);
    } catch (error) {
      this.error(`migration failed: ${(error as Error).message}`, { exit: 1 });
    } finally {
      await pool.end();
    }
  }
}
