import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_MODE_FILE, parseFakeModes, switchFakeModes } from '../../../src/nodes/pusher/fakes/index.js';
import { startLocalFakes, type LocalFakes } from '../../../src/nodes/pusher/local-fakes.js';

/** Whether something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('push fakes - mode file', () => {
  let fakes: LocalFakes | undefined;
  let dir = '';
  afterEach(async () => {
    await fakes?.stop();
    fakes = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a mode file names a mode per fake, checked field by field', () => {
    expect(
      parseFakeModes('{"apns":{"kind":"down"},"fcm":{"kind":"status","status":503,"retryAfterSec":2},"id":"x"}'),
    ).toEqual({
      apns: { kind: 'down' },
      fcm: { kind: 'status', status: 503, retryAfterSec: 2 },
      id: 'x',
    });
    expect(parseFakeModes('{}')).toEqual({});
    expect(() => parseFakeModes('{"apns":{"kind":"status","status":404}}')).toThrow(/429, 500 or 503/);
    expect(() => parseFakeModes('{"gcm":{"kind":"ok"}}')).toThrow(/unknown key "gcm"/);
    expect(() => parseFakeModes('{"fcm":{"kind":"slow"}}')).toThrow(/delayMs/);
    expect(() => parseFakeModes('[]')).toThrow(/object/);
  });

  it('writing the mode file takes the fakes out and back, and a bad file changes nothing', async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-fake-modes-'));
    const problems: string[] = [];
    fakes = await startLocalFakes(dir, (message) => problems.push(message));
    const apnsPort = fakes.fakeApns.port;
    expect(await listening(apnsPort)).toBe(true);

    await switchFakeModes(fakes.dir, { apns: { kind: 'down' }, fcm: { kind: 'status', status: 503 } });
    expect(await listening(apnsPort)).toBe(false);
    expect(fakes.fakeFcm.currentMode()).toEqual({ kind: 'status', status: 503 });

    writeFileSync(join(fakes.dir, FAKE_MODE_FILE), '{"apns":{"kind":"nonsense"}}');
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(problems.join('\n')).toMatch(/kind must be ok, down, status or slow/);
    expect(fakes.fakeApns.currentMode()).toEqual({ kind: 'down' });

    await switchFakeModes(fakes.dir, {});
    expect(await listening(apnsPort)).toBe(true);
    expect(fakes.fakeFcm.currentMode()).toEqual({ kind: 'ok' });
  });

  it('a switch nobody applies is an error, not a silent no-op', async () => {
    dir = mkdtempSync(join(tmpdir(), 'chat-fake-modes-'));
    await expect(switchFakeModes(dir, { apns: { kind: 'down' } }, 300)).rejects.toThrow(/did not apply/);
  });
});
