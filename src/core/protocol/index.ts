export * from './ids.js';
export * from './errors.js';
export * from './limits.js';
export * from './client-frames.js';
export * from './server-frames.js';
export * from './decode.js';
export * from './long-poll.js';
