/**
 * The wire protocol (`chat-node/protocol`), for clients written against it: every frame's type
 * and TypeBox schema, the error codes, the limits, id rules and the long-poll shapes, and the
 * decoder the gateway itself uses. docs/protocol.md describes it; `chat-node schema protocol`
 * prints the same schemas as JSON Schema.
 */
export * from './core/protocol/index.js';
