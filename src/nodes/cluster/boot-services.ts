import type { ConfigInput } from '../../core/config/cluster-config.js';
import { readOrCreateDevSecret } from '../../core/config/dev-secret.js';
import { ensureServices, type LocalCluster, type ServiceUrls } from '../../devtools/index.js';
import { migrate } from '../../core/storage/migrations.js';
import { createPool } from '../../core/storage/postgres.js';

export interface BootedServices {
  services: LocalCluster;
  /** The input with the services' URLs and a JWT key filled in. */
  input: ConfigInput & ServiceUrls;
}

/**
 * What a local cluster needs before its roles start: Postgres, Redis and NATS (found or
 * started), a signing key (the dev secret in the data folder when none is configured), and the
 * schema migrated.
 */
export async function bootServices(options: {
  dataDir: string;
  input: ConfigInput;
  databaseName?: string;
  onProgress: (line: string) => void;
}): Promise<BootedServices> {
  const { input, dataDir, onProgress } = options;
  const services = await ensureServices({
    dataDir,
    postgresUrl: input.postgresUrl,
    redisUrl: input.redisUrl,
    natsUrl: input.natsUrl,
    databaseName: options.databaseName,
    onProgress,
  });
  try {
    const hasKey = Boolean(input.jwt?.secret || input.jwt?.publicKey || input.jwt?.jwksUrl);
    const jwt = hasKey ? input.jwt : { ...input.jwt, secret: readOrCreateDevSecret(dataDir) };
    onProgress('applying database migrations');
    const pool = createPool(services.urls.postgresUrl, 1);
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    return { services, input: { ...input, ...services.urls, jwt } };
  } catch (error) {
    await services.stop();
    throw error;
  }
}
