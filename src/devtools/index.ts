import { mkdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { defaultSearchPath, MissingBinaryError } from './binaries.js';
import { lockDataDir } from './data-dir-lock.js';
import { ensureDatabase, withDatabase } from './database.js';
import { startNats } from './nats.js';
import { startPostgres } from './postgres.js';
import { probeNats, probePostgres, probeRedis, redactUrl, type ProbeResult } from './probe.js';
import { startRedis } from './redis.js';
import type {
  EnsureServicesOptions,
  LocalCluster,
  ResolvedService,
  ServiceName,
  ServiceUrls,
  StartContext,
  StartedService,
} from './types.js';

export type { EnsureServicesOptions, LocalCluster, ResolvedService, ServiceName, ServiceUrls } from './types.js';
export { MissingBinaryError } from './binaries.js';
export { findFreePort, findFreePortRun } from './free-port.js';
export { probeNats, probePostgres, probeRedis, redactUrl, type ProbeResult } from './probe.js';

/** Where a developer's services usually run (Debian packages' defaults; Postgres with trust auth for local TCP). */
export const LOCAL_DEFAULT_URLS: ServiceUrls = {
  postgresUrl: 'postgresql://postgres@127.0.0.1:5432/postgres',
  redisUrl: 'redis://127.0.0.1:6379',
  natsUrl: 'nats://127.0.0.1:4222',
};
export const DEFAULT_DATABASE_NAME = 'chat_node';
/** A given URL gets time to answer; a missing local default refuses the connection at once, so its wait is shorter. */
const GIVEN_PROBE_TIMEOUT_MS = 5_000;
const LOCAL_DEFAULT_PROBE_TIMEOUT_MS = 2_000;

/** A URL the user gave does not answer, or answers without what chat-node needs (e.g. JetStream). */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly url: string,
    readonly reason: string,
  ) {
    super(`the given ${service} URL ${redactUrl(url)} is not usable: ${reason}`);
    this.name = 'ServiceUnavailableError';
  }
}

/** How to find, check and start one service. */
interface ServiceRecipe {
  name: ServiceName;
  given: string | undefined;
  localDefault: string;
  probe: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  /** Turns an answering local default into the URL to use (Postgres: our database in it). */
  adoptLocalDefault: (url: string) => Promise<string>;
  start: (ctx: StartContext) => Promise<StartedService>;
}

interface Resolution {
  service: ResolvedService;
  stop?: () => Promise<void>;
}

/**
 * Finds or starts Postgres, Redis and NATS (JetStream) for `chat-node dev`: given URLs are used
 * as-is once they answer; otherwise the local defaults if they answer; otherwise we start our own
 * in `dataDir` on free ports. If anything fails, what was already started is stopped again.
 */
export async function ensureServices(opts: EnsureServicesOptions): Promise<LocalCluster> {
  const databaseName = opts.databaseName ?? DEFAULT_DATABASE_NAME;
  const defaults = { ...LOCAL_DEFAULT_URLS, ...opts.defaults };
  const onProgress = opts.onProgress ?? (() => undefined);
  const dataDir = resolve(opts.dataDir);
  // Messages show the folder as the user knows it (".chat-node"), not an absolute path.
  const shownDataDir = relative(process.cwd(), dataDir).startsWith('..')
    ? dataDir
    : relative(process.cwd(), dataDir) || '.';
  const searchPath = opts.searchPath ?? defaultSearchPath();
  // Taken only once something must start in the folder; services resolve concurrently, so share one attempt.
  let locking: Promise<() => Promise<void>> | undefined;
  const context = async (name: ServiceName): Promise<StartContext> => {
    await (locking ??= lockDataDir(dataDir, shownDataDir));
    await mkdir(join(dataDir, 'logs'), { recursive: true });
    return {
      dir: join(dataDir, name),
      logFile: join(dataDir, 'logs', `${name}.log`),
      displayDir: join(shownDataDir, name),
      searchPath,
      onProgress,
    };
  };
  const unlock = async (): Promise<void> => {
    if (locking !== undefined) await (await locking.catch(() => async () => undefined))();
  };

  const recipes: ServiceRecipe[] = [
    {
      name: 'postgres',
      given: opts.postgresUrl,
      localDefault: defaults.postgresUrl,
      probe: probePostgres,
      adoptLocalDefault: async (url) => {
        await ensureDatabase(url, databaseName);
        return withDatabase(url, databaseName);
      },
      start: (ctx) => startPostgres(ctx, databaseName),
    },
    {
      name: 'redis',
      given: opts.redisUrl,
      localDefault: defaults.redisUrl,
      probe: probeRedis,
      adoptLocalDefault: async (url) => url,
      start: startRedis,
    },
    {
      name: 'nats',
      given: opts.natsUrl,
      localDefault: defaults.natsUrl,
      probe: probeNats,
      adoptLocalDefault: async (url) => url,
      start: startNats,
    },
  ];

  const outcomes = await Promise.allSettled(
    recipes.map((recipe) => resolveService(recipe, () => context(recipe.name), onProgress)),
  );
  const resolved = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const stops = resolved.flatMap((r) => (r.stop === undefined ? [] : [r.stop]));
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  if (failures.length > 0) {
    await Promise.allSettled(stops.map((stop) => stop()));
    await unlock();
    throw combineFailures(failures);
  }

  const byName = (name: ServiceName): ResolvedService => {
    const found = resolved.find((r) => r.service.name === name);
    if (found === undefined) throw new Error(`internal: ${name} was not resolved`);
    return found.service;
  };
  let stopping: Promise<void> | undefined;
  return {
    urls: { postgresUrl: byName('postgres').url, redisUrl: byName('redis').url, natsUrl: byName('nats').url },
    services: resolved.map((r) => r.service),
    stop: () => (stopping ??= stopAll(stops, onProgress).finally(unlock)),
  };
}

async function resolveService(
  recipe: ServiceRecipe,
  context: () => Promise<StartContext>,
  onProgress: (line: string) => void,
): Promise<Resolution> {
  const { name } = recipe;
  if (recipe.given !== undefined) {
    const probe = await recipe.probe(recipe.given, GIVEN_PROBE_TIMEOUT_MS);
    if (!probe.ok) throw new ServiceUnavailableError(name, recipe.given, probe.reason);
    return {
      service: {
        name,
        url: recipe.given,
        origin: 'given',
        detail: `using the given ${name} at ${redactUrl(recipe.given)}`,
      },
    };
  }

  const shownDefault = redactUrl(recipe.localDefault);
  const probe = await recipe.probe(recipe.localDefault, LOCAL_DEFAULT_PROBE_TIMEOUT_MS);
  if (probe.ok) {
    try {
      const url = await recipe.adoptLocalDefault(recipe.localDefault);
      return {
        service: {
          name,
          url,
          origin: 'local-default',
          detail: `using the ${name} already running at ${redactUrl(url)}`,
        },
      };
    } catch (error) {
      onProgress(
        `the ${name} at ${shownDefault} answers but cannot be used (${(error as Error).message}); starting our own`,
      );
    }
  } else {
    onProgress(`no usable ${name} at ${shownDefault} (${probe.reason}); starting our own`);
  }

  const ctx = await context();
  const started = await recipe.start(ctx);
  onProgress(started.detail);
  return { service: { name, url: started.url, origin: 'started', detail: started.detail }, stop: started.stop };
}

/** Several missing binaries become one error with one apt-get line. */
function combineFailures(all: readonly unknown[]): unknown {
  // A shared step (the data folder lock) fails every service with the same error: report it once.
  const failures = [...new Set(all)];
  if (failures.length === 1) return failures[0];
  const missing = failures.filter((f): f is MissingBinaryError => f instanceof MissingBinaryError);
  if (missing.length === failures.length) return MissingBinaryError.merge(missing);
  const messages = failures.map((f) => (f instanceof Error ? f.message : String(f)));
  return new AggregateError(failures, messages.join('\n'));
}

async function stopAll(stops: readonly (() => Promise<void>)[], onProgress: (line: string) => void): Promise<void> {
  if (stops.length === 0) return;
  onProgress(`stopping the ${stops.length} service(s) we started...`);
  const results = await Promise.allSettled(stops.map((stop) => stop()));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (failures.length > 0) throw combineFailures(failures);
}
