import { randomBytes } from 'node:crypto';
import { connect, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import AdminKick from '../../../src/commands/admin/kick.js';
import { decodeJson } from '../../../src/core/bus/envelopes.js';
import type { KickCommand } from '../../../src/core/bus/gateway-control.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { SERVICES } from '../../support/isolated-cluster.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';
import { unsetChatEnv } from '../../support/chat-env.js';

/**
 * `admin kick` in this process: what it tells the gateways of a namespace of this suite's own on
 * the machine's NATS (a subscriber here plays every gateway), and the revocation it writes to a
 * database of its own (test/e2e/admin-kick.test.ts shows gateways acting on both).
 */
const database = useMigratedDatabase('chat_admin_kick_');
const namespace = `kick${randomBytes(4).toString('hex')}`;
let nc: NatsConnection;
let control: Subscription;
const received: KickCommand[] = [];

beforeAll(async () => {
  nc = await connect({ servers: SERVICES.nats });
  control = nc.subscribe(new Subjects(namespace, 1).gatewayControl, {
    callback: (error, message) => void (error ? undefined : received.push(decodeJson<KickCommand>(message.data))),
  });
  await nc.flush();
});
afterAll(async () => {
  control?.unsubscribe();
  await nc?.close();
});

describe('admin kick', () => {
  beforeEach(() => {
    unsetChatEnv();
    vi.stubEnv('CHAT_NATS_URL', SERVICES.nats);
    vi.stubEnv('CHAT_NAMESPACE', namespace);
    received.length = 0;
  });
  afterEach(() => vi.unstubAllEnvs());

  /** The kick commands the gateways got, once those sent so far have arrived. */
  const told = async () => {
    await nc.flush();
    return [...received];
  };
  const revocations = async () =>
    (
      await database.pool().query<{ user_id: string; device: string; not_before: number; ttl: number | null }>(
        `SELECT user_id, device, extract(epoch FROM not_before)::int AS not_before,
                extract(epoch FROM expires_at - not_before)::int AS ttl FROM token_revocations ORDER BY user_id, device`,
      )
    ).rows;

  it("tells every gateway to close a device's connections, or a user's on every device; without --revoke, no Postgres", async () => {
    const device = await runCommand(AdminKick, ['--user', 'alice', '--device', 'laptop']);
    expect(device).toEqual({
      code: 0,
      stdout: 'asked every gateway to close the connections of alice/laptop\n',
      stderr: '',
    });
    const user = await runCommand(AdminKick, ['--user', 'bob']);
    expect(user.stdout).toBe('asked every gateway to close the connections of bob (every device)\n');
    expect(await told()).toEqual([
      { type: 'kick', user: 'alice', device: 'laptop' },
      { type: 'kick', user: 'bob' },
    ]);
    expect(await revocations()).toEqual([]);
  });

  it('--revoke writes the revocation to Postgres with its lifetime, and tells the gateways the same second', async () => {
    const before = Math.floor(Date.now() / 1000);
    const run = await runCommand(AdminKick, [
      ...['--user', 'carol', '--revoke', '--max-token-ttl', '2h', '--postgres-url', database.url],
    ]);
    expect(run.code, run.stderr).toBe(0);
    const [kick] = await told();
    expect(kick).toEqual({ type: 'kick', user: 'carol', notBefore: expect.any(Number) });
    expect(kick!.notBefore).toBeGreaterThan(before);
    expect(kick!.notBefore).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 1);
    expect(await revocations()).toEqual([{ user_id: 'carol', device: '*', not_before: kick!.notBefore, ttl: 7200 }]);
    expect(run.stdout.split('\n')).toEqual([
      'asked every gateway to close the connections of carol (every device)',
      `tokens of carol (every device) issued before ${new Date(kick!.notBefore! * 1000).toISOString()} are refused for 2h`,
      '',
    ]);
    // One device, kept for ever; CHAT_POSTGRES_URL does as well as the flag.
    vi.stubEnv('CHAT_POSTGRES_URL', database.url);
    const forEver = await runCommand(AdminKick, [
      '--user',
      'dave',
      '--device',
      'phone',
      '--revoke',
      '--max-token-ttl',
      '0',
    ]);
    expect(forEver.code, forEver.stderr).toBe(0);
    expect(forEver.stdout).toMatch(/^tokens of dave\/phone issued before \S+ are refused$/m);
    expect((await revocations()).find((row) => row.user_id === 'dave')).toMatchObject({ device: 'phone', ttl: null });
  });

  it('refuses a bad user or device id, a bad --max-token-ttl and --revoke without Postgres with exit 2, and tells no gateway', async () => {
    const badUser = await runCommand(AdminKick, ['--user', 'al ice']);
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain('--user must match ^[A-Za-z0-9_-]{1,64}$');
    const badDevice = await runCommand(AdminKick, ['--user', 'alice', '--device', 'x'.repeat(65)]);
    expect(badDevice.code).toBe(2);
    expect(badDevice.stderr).toContain('--device must match');
    const badTtl = await runCommand(AdminKick, ['--user', 'alice', '--max-token-ttl', 'a week']);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('invalid duration "a week"');
    const noPostgres = await runCommand(AdminKick, ['--user', 'alice', '--revoke']);
    expect(noPostgres.code).toBe(2);
    expect(noPostgres.stderr).toContain('--revoke keeps the revocation in Postgres: pass --postgres-url');
    vi.stubEnv('CHAT_NATS_URL', undefined);
    const noNats = await runCommand(AdminKick, ['--user', 'alice']);
    expect(noNats.code).toBe(2);
    expect(noNats.stderr).toContain('nats-url');
    expect(await told()).toEqual([]);
  });

  it('exits 1 naming the service out of reach, password hidden; a revocation it could not write is told to no gateway', async () => {
    const postgres = await runCommand(AdminKick, [
      ...['--user', 'erin', '--revoke', '--postgres-url', 'postgresql://chat:pg-secret@127.0.0.1:1/chat'],
    ]);
    expect(postgres.code).toBe(1);
    expect(postgres.stderr).toContain(
      'cannot write the revocation to Postgres at postgresql://chat:***@127.0.0.1:1/chat',
    );
    expect(await told()).toEqual([]);
    const started = Date.now();
    const nats = await runCommand(AdminKick, ['--user', 'erin', '--nats-url', 'nats://token-secret@127.0.0.1:1']);
    expect(nats.code).toBe(1);
    expect(nats.stderr).toContain('cannot reach NATS at nats://***@127.0.0.1:1');
    expect(`${postgres.stderr}${nats.stderr}`).not.toMatch(/pg-secret|token-secret/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
