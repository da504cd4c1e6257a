import type { ChatClient, ChatError } from '../core/client/index.js';
import type { ChatState } from './chat-state.js';

/** Messages per history page (the protocol's default page). */
export const HISTORY_PAGE = 50;

/**
 * Pages a room's history in from the server: the newest page when a room is first opened
 * (unless the sync brought a screenful), then a page below the oldest message each time
 * the view reaches the top. One request per room at a time, only while connected.
 */
export class HistoryLoader {
  constructor(
    private readonly client: ChatClient,
    private readonly state: ChatState,
    /** Something changed on screen (loading started, a page arrived, it failed). */
    private readonly changed: () => void,
  ) {}

  /** The first look at a room. */
  ensureLoaded(id: string): void {
    const timeline = this.state.timeline(id);
    const room = this.state.room(id);
    if (timeline.loaded || timeline.loading || !room) return;
    if (room.lastSeq === 0 && timeline.messages.length === 0) {
      this.state.addHistory(id, [], false);
      return;
    }
    if (timeline.messages.length >= HISTORY_PAGE) {
      timeline.loaded = true;
      timeline.hasOlder = (timeline.messages[0]?.seq ?? 1) > 1;
      return;
    }
    void this.loadPage(id, timeline.messages[0]?.seq);
  }

  /** The page below the oldest message held; undefined when the room has nothing older. */
  loadOlder(id: string): Promise<void> | undefined {
    const timeline = this.state.timeline(id);
    if (!timeline.loaded) {
      this.ensureLoaded(id);
      return Promise.resolve();
    }
    if (!timeline.hasOlder) return undefined;
    return this.loadPage(id, timeline.messages[0]?.seq);
  }

  /** The view shows the top of what is loaded: fetch more if there is more. */
  reachedTop(id: string): void {
    const timeline = this.state.timeline(id);
    if (timeline.loaded && timeline.hasOlder && !timeline.loading) void this.loadOlder(id);
  }

  /** Asks for the page below `before` (the newest page without it); resolves when it is in. */
  private loadPage(id: string, before: number | undefined): Promise<void> {
    const timeline = this.state.timeline(id);
    if (timeline.loading || this.state.connection.state !== 'live') return Promise.resolve();
    timeline.loading = true;
    this.changed();
    return this.client
      .history(id, before === undefined ? { limit: HISTORY_PAGE } : { before, limit: HISTORY_PAGE })
      .then((page) => this.state.addHistory(id, page.messages, page.hasMore))
      .catch((error: ChatError) => {
        timeline.loading = false;
        this.state.setStatus(`could not load history: ${error.message}`, 'error', Date.now());
      })
      .finally(() => this.changed());
  }
}
