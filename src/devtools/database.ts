import pg from 'pg';

/** The same server URL pointing at another database. */
export function withDatabase(url: string, databaseName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(databaseName)}`;
  return parsed.toString();
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Creates the database when it is missing. Two processes may race to create it: losing the race
 * (duplicate_database, or the unique index on pg_database) means it exists, which is all we want.
 */
export async function ensureDatabase(serverUrl: string, databaseName: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => {
    // Reported through the failed query instead.
  });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [databaseName]);
    if (found.rowCount !== 0) return;
    await client.query(`CREATE DATABASE ${quoteIdentifier(databaseName)}`).catch((error: unknown) => {
      const code = (error as { code?: string }).code;
      if (code !== '42P04' && code !== '23505') throw error;
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
