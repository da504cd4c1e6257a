/**
 * Which browser pages may open a WebSocket (CHAT_CORS_ORIGINS, the list long-poll's CORS answers
 * follow, so both transports admit the same pages). Browsers do not apply CORS to WebSockets:
 * they send the page's Origin and leave the decision to the server.
 *
 * No list (the default) or `*`: any Origin. Nothing is ambient: the token travels in the hello
 * frame (long-poll: the Authorization header), never in a cookie, so a foreign page can do no
 * more than any client holding no token, and there is no cross-site request forgery to stop.
 * With a list: the listed origins, and the gateway's own (an Origin whose host and port are the
 * request's Host: a page served through the same host, which long-poll serves without CORS too).
 * A request without Origin is not a browser's and is always admitted; `Origin: null` (sandboxed
 * frames, file:// pages) only without a list.
 */
export class UpgradeOrigins {
  private readonly any: boolean;
  private readonly origins: Set<string>;

  constructor(origins: readonly string[]) {
    this.any = origins.length === 0 || origins.includes('*');
    this.origins = new Set(origins);
  }

  admits(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.any || this.origins.has(origin)) return true;
    const authority = /^https?:\/\/([^/]+)$/.exec(origin)?.[1];
    return authority !== undefined && host !== undefined && authority.toLowerCase() === host.toLowerCase();
  }
}
