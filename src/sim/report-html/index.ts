/** The simulator's reports as self-contained HTML pages (`chat-node sim --html`, `chat-node sim report`). */
export { renderRunPage, type RunPageOptions } from './run-page.js';
export { renderSweepPage, type SweepPageOptions } from './sweep-page.js';
export { htmlPathOf, relativeHref } from './report-paths.js';
