import type { ClientTransport } from './transport.js';

/** What the parts of the client that write frames need from it. */
export interface Wire {
  /** The current connection once its welcome arrived; undefined while offline or before welcome. */
  writable(): ClientTransport | undefined;
  /** A request id unique for the client's lifetime (so a reply can never match the wrong request). */
  nextRequestId(): string;
}
