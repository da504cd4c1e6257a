/**
 * `chat-node/internal`: the client library's building blocks, for the simulator, the tests and
 * tools of this repository. No compatibility promise: names here move and change with the code.
 * Applications import `chat-node` (the client) and `chat-node/protocol`.
 */
export * from './core/client/index.js';
