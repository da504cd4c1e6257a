import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cursorFilePath, FileCursorStore, readCursorFile } from '../../src/tui/file-cursor-store.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cursors-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('tui - file cursor store', () => {
  it('cursors survive a restart of the same device', () => {
    const path = cursorFilePath(tempDir(), 'alice', 'laptop');
    expect(path).toMatch(/clients[/\\]alice-laptop\.json$/);
    const first = new FileCursorStore(path);
    expect(first.all()).toEqual({});
    first.set('d_1', 4);
    first.set('g_2', 10);
    first.flush();
    const second = new FileCursorStore(path);
    expect(second.all()).toEqual({ d_1: 4, g_2: 10 });
    expect(second.get('d_1')).toBe(4);
    expect(second.get('nope')).toBe(0);
  });

  it('two processes of one device merge: the higher cursor of each room wins', () => {
    const path = cursorFilePath(tempDir(), 'alice', 'laptop');
    const chat = new FileCursorStore(path);
    const tail = new FileCursorStore(path);
    chat.set('d_1', 9);
    chat.flush();
    tail.set('d_1', 3);
    tail.set('g_2', 1);
    tail.flush();
    expect(readCursorFile(path)).toEqual({ d_1: 9, g_2: 1 });
  });

  it('a broken file counts as no cursors (a longer sync, not a crash)', () => {
    const path = join(tempDir(), 'broken.json');
    writeFileSync(path, '{"d_1": "x", "g_2": 5, "d_3": -1');
    expect(new FileCursorStore(path).all()).toEqual({});
    writeFileSync(path, '{"d_1": "x", "g_2": 5, "d_3": -1}');
    expect(new FileCursorStore(path).all()).toEqual({ g_2: 5 });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toBeTruthy();
  });
});
