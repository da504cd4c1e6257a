/** The three backing services every chat-node role needs, as URLs. */
export interface ServiceUrls {
  postgresUrl: string;
  redisUrl: string;
  natsUrl: string;
}

export type ServiceName = 'postgres' | 'redis' | 'nats';

export interface ResolvedService {
  name: ServiceName;
  url: string;
  /** given: a URL from flags/env; local-default: already running on its default port; started: we launched it. */
  origin: 'given' | 'local-default' | 'started';
  /** Human text for the startup banner, e.g. "started postgres 15 in .chat-node/postgres on port 54321". */
  detail: string;
}

export interface LocalCluster {
  urls: ServiceUrls;
  services: ResolvedService[];
  /** Stops only the services we started; safe to call more than once. */
  stop(): Promise<void>;
}

export interface EnsureServicesOptions {
  /** Folder for services we start: <dataDir>/postgres, <dataDir>/redis, <dataDir>/nats, logs in <dataDir>/logs. E.g. ".chat-node". */
  dataDir: string;
  /** Given URLs are used as-is, but still checked to answer (clear error if not). */
  postgresUrl?: string;
  redisUrl?: string;
  natsUrl?: string;
  /** Database used inside a local-default or started Postgres; created if missing. Default "chat_node". */
  databaseName?: string;
  /** Progress lines for the user ("starting postgres..."). Default: none. */
  onProgress?: (line: string) => void;
  /**
   * Where to look for services already running before starting our own.
   * Default: postgresql://postgres@127.0.0.1:5432/postgres, redis://127.0.0.1:6379, nats://127.0.0.1:4222.
   * Tests point these at closed ports to force a start.
   */
  defaults?: Partial<ServiceUrls>;
  /**
   * Directories searched for initdb/pg_ctl/postgres, redis-server and nats-server.
   * Default: the PATH, then /usr/lib/postgresql/<version>/bin, newest version first.
   */
  searchPath?: string[];
}

/** A service we launched, with the way to stop it. */
export interface StartedService {
  url: string;
  detail: string;
  stop: () => Promise<void>;
}

/** What a service starter needs to know; paths are absolute. */
export interface StartContext {
  /** This service's own folder, e.g. /abs/.chat-node/redis. */
  dir: string;
  /** This service's log file, e.g. /abs/.chat-node/logs/redis.log. */
  logFile: string;
  /** The folder as the user wrote it, for messages. */
  displayDir: string;
  searchPath: string[];
  onProgress: (line: string) => void;
}
