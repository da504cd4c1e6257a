import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FakeMode, FakePushService } from './fake-push-service.js';

/**
 * The failure mode of each local fake, as written to `<push dir>/fake-mode.json` (`chat-node dev
 * --push fake` and `chat-node pusher --fake` keep their fakes' files in `<data-dir>/push/`). A
 * fake not named is `ok`. A file rather than an endpoint: the fakes run inside the pusher's
 * process, and the folder is already where they write what they accept (received.jsonl), so a
 * test or a person switches them without a port or a flag:
 *
 *   echo '{"apns":{"kind":"down"},"fcm":{"kind":"status","status":503}}' > .chat-node/push/fake-mode.json
 */
export interface FakeModes {
  apns?: FakeMode;
  fcm?: FakeMode;
  /** Echoed in fake-mode.applied.json once applied, so a writer knows its change is in force. */
  id?: string;
}

export const FAKE_MODE_FILE = 'fake-mode.json';
export const FAKE_MODE_APPLIED_FILE = 'fake-mode.applied.json';

/** Parses fake-mode.json; throws with the reason when it is not a valid set of modes. */
export function parseFakeModes(text: string): FakeModes {
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new Error('fake-mode.json must be an object: { "apns"?: mode, "fcm"?: mode }');
  const modes: FakeModes = {};
  for (const [key, entry] of Object.entries(value)) {
    if (key === 'id') {
      if (typeof entry !== 'string') throw new Error('"id" must be a string');
      modes.id = entry;
    } else if (key === 'apns' || key === 'fcm') {
      modes[key] = parseFakeMode(entry, key);
    } else {
      throw new Error(`unknown key "${key}" (expected apns, fcm, id)`);
    }
  }
  return modes;
}

function parseFakeMode(value: unknown, name: string): FakeMode {
  if (!isRecord(value)) throw new Error(`${name}: a mode is an object with a "kind"`);
  switch (value.kind) {
    case 'ok':
    case 'down':
      return { kind: value.kind };
    case 'status': {
      const { status, retryAfterSec } = value;
      if (status !== 429 && status !== 500 && status !== 503)
        throw new Error(`${name}: status must be 429, 500 or 503`);
      if (retryAfterSec !== undefined && (typeof retryAfterSec !== 'number' || !(retryAfterSec >= 0)))
        throw new Error(`${name}: retryAfterSec must be a number >= 0`);
      return retryAfterSec === undefined ? { kind: 'status', status } : { kind: 'status', status, retryAfterSec };
    }
    case 'slow': {
      const { delayMs } = value;
      if (typeof delayMs !== 'number' || !(delayMs >= 0)) throw new Error(`${name}: delayMs must be a number >= 0`);
      return { kind: 'slow', delayMs };
    }
    default:
      throw new Error(`${name}: kind must be ok, down, status or slow`);
  }
}

/**
 * Follows `<dir>/fake-mode.json` (checked every `pollMs`, default 200 ms): each new content is
 * applied to the fakes, then written back as fake-mode.applied.json (with the modes in force and
 * the writer's id). A file that does not parse changes nothing and is reported once.
 */
export class FakeModeFile {
  private timer?: NodeJS.Timeout;
  private seen = '';
  private checking = false;

  constructor(
    private readonly dir: string,
    private readonly fakes: { apns: FakePushService; fcm: FakePushService },
    private readonly onProblem: (message: string) => void,
    private readonly pollMs = 200,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const path = join(this.dir, FAKE_MODE_FILE);
      const text = await stat(path).then(
        () => readFile(path, 'utf8'),
        () => '',
      );
      if (text === this.seen || text === '') return;
      this.seen = text;
      let modes: FakeModes;
      try {
        modes = parseFakeModes(text);
      } catch (error) {
        this.onProblem(`${path}: ${(error as Error).message}; modes unchanged`);
        return;
      }
      await Promise.all([
        this.fakes.apns.setMode(modes.apns ?? { kind: 'ok' }),
        this.fakes.fcm.setMode(modes.fcm ?? { kind: 'ok' }),
      ]);
      const applied = {
        id: modes.id,
        apns: this.fakes.apns.currentMode(),
        fcm: this.fakes.fcm.currentMode(),
        at: new Date().toISOString(),
      };
      await writeAtomically(join(this.dir, FAKE_MODE_APPLIED_FILE), `${JSON.stringify(applied)}\n`);
    } catch (error) {
      this.onProblem(`fake modes: ${(error as Error).message}`);
    } finally {
      this.checking = false;
    }
  }
}

/**
 * Writes the fakes' modes into `dir` and resolves once they are in force (the fakes wrote back
 * the same id); rejects after `timeoutMs` (default 5 s), e.g. when no fakes follow that folder.
 */
export async function switchFakeModes(dir: string, modes: Omit<FakeModes, 'id'>, timeoutMs = 5000): Promise<void> {
  const id = randomBytes(6).toString('hex');
  await writeAtomically(join(dir, FAKE_MODE_FILE), `${JSON.stringify({ ...modes, id })}\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const applied = await readFile(join(dir, FAKE_MODE_APPLIED_FILE), 'utf8').then(
      (text) => (JSON.parse(text) as { id?: string }).id,
      () => undefined,
    );
    if (applied === id) return;
    if (Date.now() > deadline)
      throw new Error(
        `the push fakes did not apply ${join(dir, FAKE_MODE_FILE)} within ${timeoutMs} ms (is a pusher with --fake running on that data dir?)`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Readers never see half a file: written beside it, then renamed over it. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
