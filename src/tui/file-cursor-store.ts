import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CursorStore } from '../core/client/index.js';

/** How long cursor changes are gathered before they are written, in ms. */
export const CURSOR_WRITE_DELAY_MS = 500;

/** Where a device's cursors live: `<dataDir>/clients/<user>-<device>.json`. */
export function cursorFilePath(dataDir: string, user: string, device: string): string {
  return join(dataDir, 'clients', `${user}-${device}.json`);
}

/**
 * A device's per-room cursors in a small JSON file, so the next run of the same device
 * syncs only what it missed since. Reads once; writes a moment after changes (the client
 * sets cursors on every message) and on flush(), atomically (temp file, rename).
 *
 * Several processes may act as the same device (`chat` in one terminal, `tail` in another):
 * a write merges with what is in the file, keeping the higher cursor per room. A cursor
 * only ever moves forward, so the merge never loses a position.
 */
export class FileCursorStore implements CursorStore {
  private readonly cursors = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;

  constructor(readonly path: string) {
    for (const [room, seq] of Object.entries(readCursorFile(path))) this.cursors.set(room, seq);
  }

  get(room: string): number {
    return this.cursors.get(room) ?? 0;
  }

  set(room: string, seq: number): void {
    if (seq > 0) this.cursors.set(room, seq);
    else this.cursors.delete(room);
    this.dirty = true;
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), CURSOR_WRITE_DELAY_MS);
      this.timer.unref();
    }
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.cursors);
  }

  /** Writes pending changes now (call before exiting). Errors are swallowed: cursors are a cache. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return;
    this.dirty = false;
    try {
      const merged = readCursorFile(this.path);
      for (const [room, seq] of this.cursors) merged[room] = Math.max(seq, merged[room] ?? 0);
      mkdirSync(dirname(this.path), { recursive: true });
      const temp = `${this.path}.${process.pid}.tmp`;
      writeFileSync(temp, `${JSON.stringify(merged, null, 2)}\n`, { mode: 0o600 });
      renameSync(temp, this.path);
    } catch {
      // A read-only or full disk costs a longer sync next time, nothing else.
    }
  }
}

/** The cursors in a file; {} when it is missing or not a JSON object of room -> seq. */
export function readCursorFile(path: string): Record<string, number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
  const cursors: Record<string, number> = {};
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    for (const [room, seq] of Object.entries(parsed)) {
      if (Number.isSafeInteger(seq) && (seq as number) > 0) cursors[room] = seq as number;
    }
  }
  return cursors;
}
