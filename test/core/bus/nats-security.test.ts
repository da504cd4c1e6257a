import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nkeys } from '@nats-io/nats-core';

type KeyPair = ReturnType<typeof nkeys.createUser>;
import { afterAll, describe, expect, it } from 'vitest';
import { connectNats, NatsFileError } from '../../../src/core/bus/nats.js';
import { TestCa } from '../../../src/nodes/pusher/fakes/test-ca.js';

const dir = mkdtempSync(join(tmpdir(), 'chat-nats-security-'));
const servers: ChildProcess[] = [];

afterAll(() => {
  for (const server of servers) server.kill('SIGKILL');
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A nats-server of this machine's on its own port and config, ready when its log says so. */
async function startNats(name: string, config: string): Promise<number> {
  const port = await freePort();
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, `listen: 127.0.0.1:${port}\n${config}\n`);
  const server = spawn('nats-server', ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(server);
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server is ready')) resolve();
    };
    server.stdout.on('data', onData);
    server.stderr.on('data', onData);
    server.once('exit', (code) => reject(new Error(`nats-server exited with ${code}: ${log}`)));
  });
  return port;
}

/** A round trip through the connection: what a role needs of it. */
async function roundTrip(url: string, security: Parameters<typeof connectNats>[2]): Promise<string> {
  const nc = await connectNats(url, 'security-test', security);
  try {
    const sub = nc.subscribe('echo', { callback: (_error, message) => void message.respond(message.data) });
    const reply = await nc.request('echo', 'hello', { timeout: 2000 });
    sub.unsubscribe();
    return reply.string();
  } finally {
    await nc.close();
  }
}

// NATS JWTs (operator mode), made here with the accounts' NKeys as nsc would.
function natsJwt(issuer: KeyPair, subject: string, nats: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const claims = {
    jti: Buffer.from(subject).toString('hex').slice(0, 52),
    iat: Math.floor(Date.now() / 1000),
    iss: issuer.getPublicKey(),
    name: subject.slice(0, 8),
    sub: subject,
    nats: { ...nats, version: 2 },
  };
  const signed = `${encode({ typ: 'JWT', alg: 'ed25519-nkey' })}.${encode(claims)}`;
  return `${signed}.${Buffer.from(issuer.sign(new TextEncoder().encode(signed))).toString('base64url')}`;
}

describe('NATS security settings (--nats-tls-ca, --nats-creds)', () => {
  it('with --nats-tls-ca, connects over TLS to a server whose certificate that CA signed; without it, the same server refuses the connection', async () => {
    const ca = TestCa.create('chat-node NATS test CA');
    const certificate = ca.issueServerCertificate();
    writeFileSync(join(dir, 'ca.pem'), ca.caPem);
    writeFileSync(join(dir, 'server.pem'), certificate.certPem);
    writeFileSync(join(dir, 'server-key.pem'), certificate.keyPem);
    const port = await startNats(
      'tls',
      `tls { cert_file: "${join(dir, 'server.pem')}", key_file: "${join(dir, 'server-key.pem')}" }`,
    );

    expect(await roundTrip(`nats://127.0.0.1:${port}`, { tlsCaFile: join(dir, 'ca.pem') })).toBe('hello');
    // The system's CAs do not know this one: the handshake fails.
    await expect(connectNats(`tls://127.0.0.1:${port}`, 'untrusting', {})).rejects.toThrow();
    // A CA file that is not there is named as such, not reported as NATS out of reach.
    await expect(
      connectNats(`nats://127.0.0.1:${port}`, 'no-ca', { tlsCaFile: join(dir, 'missing.pem') }),
    ).rejects.toThrow(NatsFileError);
    await expect(
      connectNats(`nats://127.0.0.1:${port}`, 'no-ca', { tlsCaFile: join(dir, 'missing.pem') }),
    ).rejects.toThrow(/cannot read the NATS TLS CA file .*missing\.pem: ENOENT/);
  }, 60_000);

  it('with --nats-creds, authenticates to an operator-mode server with a user JWT and its seed; without them it is refused', async () => {
    const operator = nkeys.createOperator();
    const account = nkeys.createAccount();
    const user = nkeys.createUser();
    const operatorJwt = natsJwt(operator, operator.getPublicKey(), { type: 'operator' });
    const unlimited = {
      subs: -1,
      data: -1,
      payload: -1,
      imports: -1,
      exports: -1,
      wildcards: true,
      conn: -1,
      leaf: -1,
    };
    const accountJwt = natsJwt(operator, account.getPublicKey(), {
      type: 'account',
      limits: unlimited,
      default_permissions: { pub: {}, sub: {} },
    });
    const userJwt = natsJwt(account, user.getPublicKey(), {
      type: 'user',
      pub: {},
      sub: {},
      subs: -1,
      data: -1,
      payload: -1,
    });
    const port = await startNats(
      'operator',
      `operator: ${operatorJwt}\nresolver: MEMORY\nresolver_preload: { ${account.getPublicKey()}: ${accountJwt} }`,
    );
    const creds = join(dir, 'user.creds');
    writeFileSync(
      creds,
      `-----BEGIN NATS USER JWT-----\n${userJwt}\n------END NATS USER JWT------\n\n-----BEGIN USER NKEY SEED-----\n${new TextDecoder().decode(user.getSeed())}\n------END USER NKEY SEED------\n`,
    );

    expect(await roundTrip(`nats://127.0.0.1:${port}`, { credsFile: creds })).toBe('hello');
    await expect(roundTrip(`nats://127.0.0.1:${port}`, {})).rejects.toThrow(/auth/i);
    await expect(
      connectNats(`nats://127.0.0.1:${port}`, 'no-creds', { credsFile: join(dir, 'missing.creds') }),
    ).rejects.toThrow(/cannot read the NATS credentials file/);
  }, 60_000);
});
