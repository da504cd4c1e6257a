import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '..', '..');
/** What the client entry must not load: the server's services, push providers and the CLI. */
const SERVER_PACKAGES = [
  'pg',
  'pg-pool',
  'ioredis',
  '@nats-io',
  'firebase-admin',
  '@parse/node-apn',
  '@oclif',
  'pino',
  'prom-client',
];

/**
 * The package as a fresh project that installed it sees it: its own folder, chat-node under
 * node_modules (a link to this checkout's built package), imports by the package's name only.
 */
describe('package - public entry points', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'chat-node-consumer-'));
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules', 'chat-node'), 'dir');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  });
  afterAll(() => rmSync(project, { recursive: true, force: true }));

  it("imports the client by the package's name, with its errors, cursor stores and transports", async () => {
    writeFileSync(
      join(project, 'client.mjs'),
      `import { ChatClient, ChatError, MemoryCursorStore, FileCursorStore, CLIENT_DEFAULTS, TRANSPORT_CHOICES } from 'chat-node';
       import * as alias from 'chat-node/client';
       const client = new ChatClient({ urls: ['ws://127.0.0.1:1/v1/ws'], token: 't', autoReconnect: false });
       console.log(JSON.stringify({
         client: typeof client.connect, error: new ChatError('timeout', 'x') instanceof Error, store: typeof new MemoryCursorStore().get,
         file: typeof FileCursorStore, defaults: typeof CLIENT_DEFAULTS, transports: TRANSPORT_CHOICES, same: alias.ChatClient === ChatClient,
       }));`,
    );
    const { stdout } = await run(process.execPath, ['client.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      client: 'function',
      error: true,
      store: 'function',
      file: 'function',
      defaults: 'object',
      transports: ['ws', 'longpoll', 'auto'],
      same: true,
    });
  });

  it('keeps the internals out of the client entry and offers them under chat-node/internal', async () => {
    writeFileSync(
      join(project, 'surface.mjs'),
      `const client = await import('chat-node'); const internal = await import('chat-node/internal'); const protocol = await import('chat-node/protocol');
       console.log(JSON.stringify({ client: Object.keys(client).sort(), internal: Object.keys(internal), protocol: Object.keys(protocol) }));`,
    );
    const { stdout } = await run(process.execPath, ['surface.mjs'], { cwd: project });
    const surface = JSON.parse(stdout) as { client: string[]; internal: string[]; protocol: string[] };
    for (const internal of ['DeviceSession', 'MessageTimeline', 'RoomReorderBuffer', 'TypingTracker', 'PresenceBook']) {
      expect(surface.client).not.toContain(internal);
      expect(surface.internal).toContain(internal);
    }
    expect(surface.protocol).toEqual(expect.arrayContaining(['decodeClientFrame', 'DEFAULT_LIMITS']));
    await expect(
      run(process.execPath, ['--input-type=module', '-e', "await import('chat-node/dist/core/client/index.js')"], {
        cwd: project,
      }),
    ).rejects.toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('loads nothing of the server with the client or the protocol', async () => {
    const log = join(project, 'loaded.txt');
    writeFileSync(
      join(project, 'hooks.mjs'),
      `import { appendFileSync } from 'node:fs';
       export async function resolve(specifier, context, next) { const result = await next(specifier, context); appendFileSync(${JSON.stringify(log)}, result.url + '\\n'); return result; }`,
    );
    writeFileSync(
      join(project, 'register.mjs'),
      `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);`,
    );
    writeFileSync(
      join(project, 'load.mjs'),
      `import { createRequire } from 'node:module'; await import('chat-node'); await import('chat-node/protocol');
       console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`,
    );
    const { stdout } = await run(process.execPath, ['--import', './register.mjs', 'load.mjs'], { cwd: project });
    const loaded = [...readFileSync(log, 'utf8').split('\n'), ...(JSON.parse(stdout) as string[])].filter(Boolean);
    expect(loaded.some((url) => url.includes('/dist/client.js'))).toBe(true);
    const server = loaded.filter(
      (url) =>
        SERVER_PACKAGES.some((name) => url.includes(`/node_modules/${name}/`)) ||
        url.includes('/dist/nodes/') ||
        url.includes('/dist/commands/'),
    );
    expect(server).toEqual([]);
  });

  it('type-checks a consumer written against the declared types', async () => {
    writeFileSync(
      join(project, 'app.ts'),
      `import { ChatClient, type ChatClientOptions, type Message } from 'chat-node';
       import type { ServerFrame } from 'chat-node/protocol';
       const options: ChatClientOptions = { urls: ['ws://127.0.0.1:8080/v1/ws'], token: 't' };
       const client = new ChatClient(options);
       client.on('message', (m: Message) => console.log(m.room, m.seq, m.body));
       export const frame: ServerFrame | undefined = undefined;`,
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        files: ['app.ts'],
      }),
    );
    await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], {
      cwd: project,
    });
  });
});
