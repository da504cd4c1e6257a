import { signDeviceToken } from '../../core/auth/jwt.js';
import { ChatClient, type TransportChoice } from '../../core/client/index.js';

/** How long one gateway may take to say welcome before the run is refused. */
export const PREFLIGHT_TIMEOUT_MS = 15_000;

/** The run cannot start: a gateway cannot be reached or refuses the simulator's devices. */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
}

export interface PreflightOptions {
  urls: string[];
  secret: string;
  transport?: TransportChoice;
  timeoutMs?: number;
}

/**
 * Connects one device to every gateway URL before the run, and refuses the run with the reason
 * when one does not welcome it in time. The client library retries a failed connect forever, as
 * an app should; a run against a wrong URL or secret would otherwise wait without a word.
 */
export async function checkGateways(options: PreflightOptions): Promise<void> {
  await Promise.all(options.urls.map((url) => checkGateway(url, options)));
}

async function checkGateway(url: string, options: PreflightOptions): Promise<void> {
  const timeoutMs = options.timeoutMs ?? PREFLIGHT_TIMEOUT_MS;
  const client = new ChatClient({
    urls: [url],
    transport: options.transport ?? 'ws',
    token: () =>
      signDeviceToken({ secret: options.secret, user: 'sim-preflight', device: 'sim-preflight', ttlSeconds: 300 }),
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => (lastError = error));
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new GatewayUnreachableError(explain(url, timeoutMs, lastError))), timeoutMs);
  });
  try {
    await Promise.race([client.connect(), timedOut]);
  } finally {
    clearTimeout(timer);
    await client.close().catch(() => {});
  }
}

/** The reason, and what to try, in the words an engineer running the simulator needs. */
export function explain(url: string, timeoutMs: number, error: Error | undefined): string {
  const reason = error?.message ?? 'no answer';
  const lines = [`no welcome from ${url} within ${timeoutMs / 1000} s: ${reason}`];
  if (/\b404\b/.test(reason) && !/\/v1\/ws\/?$/.test(url)) {
    lines.push(`the gateway serves WebSockets at /v1/ws: try ${url.replace(/\/+$/, '')}/v1/ws`);
  } else if (/ECONNREFUSED/.test(reason)) {
    lines.push('nothing listens there: is the cluster running (chat-node dev), and is the port right?');
  } else if (/unauthori[sz]ed|token|signature|4001|4003/i.test(reason)) {
    lines.push(
      "the gateway refused the simulator's token: --data-dir or --jwt-secret-file must hold the cluster's signing secret",
    );
  }
  return lines.join('\n');
}
