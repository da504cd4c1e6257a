/**
 * Which browser origins may call the long-poll endpoints (CHAT_CORS_ORIGINS). Empty: no CORS
 * headers at all (same-origin pages and non-browser clients only); `*`: any origin. The token
 * travels in the Authorization header, not in cookies, so credentials are never allowed. The same
 * list decides which pages may open a WebSocket (upgrade-origins.ts).
 */
export class CorsPolicy {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.includes('*');
    this.origins = new Set(origins.filter((origin) => origin !== '*'));
  }

  /** Headers for a response to a request from `origin` (none when it is not allowed). */
  headersFor(origin: string | undefined): Record<string, string> {
    if (origin === undefined || !(this.any || this.origins.has(origin))) return {};
    return { 'access-control-allow-origin': this.any ? '*' : origin, vary: 'Origin' };
  }

  /** Headers for a preflight (OPTIONS) from `origin`. */
  preflightHeadersFor(origin: string | undefined): Record<string, string> {
    const base = this.headersFor(origin);
    if (Object.keys(base).length === 0) return {};
    return {
      ...base,
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type',
      'access-control-max-age': '600',
    };
  }
}
