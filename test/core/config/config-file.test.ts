import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkConfigText, ConfigFileError, readConfigFile } from '../../../src/core/config/config-file.js';
import { editDistance, nearestKey } from '../../../src/core/config/nearest-key.js';

/** Issue 14, item 2: a config file is refused, whole, for a key that is no setting or a value of the wrong type. */

const problemsOf = (text: string, file = 'chat.yaml') => checkConfigText(text, file).problems;

describe('config file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the settings by the flags' names in camelCase, in YAML and in JSON", () => {
    const yaml = checkConfigText('sendRate: 30\ncorsOrigins: [https://a.example]\nmaxTokenTtl: 2h\n', 'chat.yaml');
    expect(yaml).toMatchObject({
      format: 'YAML',
      problems: [],
      values: { sendRate: 30, corsOrigins: ['https://a.example'], maxTokenTtl: '2h' },
    });
    const json = checkConfigText('{"sendRate": 30, "apnsProduction": true, "maxTokenTtl": 3600}', 'chat.json');
    expect(json).toMatchObject({
      format: 'JSON',
      problems: [],
      values: { sendRate: 30, apnsProduction: true, maxTokenTtl: 3600 },
    });
    expect(checkConfigText('{"sendRate": 30}', 'chat.conf').format, 'another ending: JSON when it starts with {').toBe(
      'JSON',
    );
    expect(checkConfigText('', 'empty.yaml')).toMatchObject({ problems: [], values: {} });
  });

  it('refuses an unknown key at its line, naming the nearest valid key (YAML)', () => {
    expect(problemsOf('redisUrl: redis://cache\nsendRateLimit: 50\n')).toEqual([
      'chat.yaml:2: unknown key `sendRateLimit` at /; did you mean `sendRate`?',
    ]);
    expect(problemsOf('heartbeatMS: 1000\nsend-burst: 3\nCHAT_NATS_URL: nats://x\nfrobnicate: 1\n')).toEqual([
      'chat.yaml:1: unknown key `heartbeatMS` at /; did you mean `heartbeatMs`?',
      'chat.yaml:2: unknown key `send-burst` at /; did you mean `sendBurst`?',
      'chat.yaml:3: unknown key `CHAT_NATS_URL` at /; did you mean `natsUrl`?',
      'chat.yaml:4: unknown key `frobnicate` at /; `chat-node config init` writes every key',
    ]);
  });

  it('refuses an unknown key at its line, naming the nearest valid key (JSON)', () => {
    expect(
      problemsOf('{\n  "postgresUrl": "postgresql://db",\n  "jwtSecretFiles": "/run/secret"\n}', 'chat.json'),
    ).toEqual(['chat.json:3: unknown key `jwtSecretFiles` at /; did you mean `jwtSecretFile`?']);
  });

  it("points the keys of files written before the keys were the flags' names at their new names", () => {
    expect(
      problemsOf('sendRatePerSec: 50\nlimits:\n  maxFrameBytes: 8192\njwt:\n  secret: abc\n  maxTokenTtlSec: 60\n'),
    ).toEqual([
      "chat.yaml:1: unknown key `sendRatePerSec` at /; did you mean `sendRate`? (the keys are the flags' names in camelCase now)",
      'chat.yaml:2: unknown key `limits` at /; settings are top-level keys named as the flags: write `maxFrameBytes` for limits.maxFrameBytes',
      'chat.yaml:4: unknown key `jwt` at /; settings are top-level keys named as the flags: write `jwtSecret` for jwt.secret, `maxTokenTtl` for jwt.maxTokenTtlSec',
    ]);
  });

  it('points a former flag name at its setting, and will not take a config file from a config file', () => {
    expect(problemsOf('httpPort: 9100\nconfig: other.yaml\n')).toEqual([
      'chat.yaml:1: unknown key `httpPort` at /; did you mean `adminPort`? (--http-port is a former name of --admin-port)',
      'chat.yaml:2: unknown key `config` at /: a config file cannot name another',
    ]);
  });

  it('refuses a value of the wrong type with its path, what was expected and what it got (YAML)', () => {
    expect(
      problemsOf(
        'maxFrameBytes: 16k\nsendRate: 0\napnsProduction: "yes"\nlogLevel: verbose\ncorsOrigins:\n  - https://a.example\n  - a.example\n',
      ),
    ).toEqual([
      'chat.yaml:1: wrong type at /maxFrameBytes: expected an integer >= 1, got "16k" (a string)',
      'chat.yaml:2: wrong type at /sendRate: expected an integer >= 1, got 0 (an integer)',
      'chat.yaml:3: wrong type at /apnsProduction: expected true or false, got "yes" (a string)',
      'chat.yaml:4: wrong type at /logLevel: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose" (a string)',
      'chat.yaml:7: wrong type at /corsOrigins/1: expected an origin like https://app.example.com (scheme, host, optional port; no path) or *, got "a.example" (a string)',
    ]);
  });

  it('refuses a value of the wrong type with its path, what was expected and what it got (JSON)', () => {
    expect(
      problemsOf(
        '{"sendBurst": 1.5, "namespace": "my-chat", "maxTokenTtl": "a week", "postgresUrl": null}',
        'chat.json',
      ),
    ).toEqual([
      'chat.json:1: wrong type at /sendBurst: expected an integer >= 1, got 1.5 (a number)',
      'chat.json:1: wrong type at /namespace: expected 1 to 64 letters, digits or _ (it names NATS streams), got "my-chat" (a string)',
      'chat.json:1: wrong type at /maxTokenTtl: expected a duration: 90s, 15m, 1h, 7d, or a number of seconds, got "a week" (a string)',
      'chat.json:1: wrong type at /postgresUrl: expected a non-empty string, got null (an empty value)',
    ]);
  });

  it('never repeats a secret in a problem', () => {
    expect(problemsOf('jwtSecret: [hunter2hunter2]\n')).toEqual([
      'chat.yaml:1: wrong type at /jwtSecret: expected a non-empty string, got a list',
    ]);
  });

  it('says where the text is not YAML or JSON at all, and refuses a file that is no mapping', () => {
    expect(problemsOf('sendRate: [1, 2\n')[0]).toMatch(/^chat\.yaml:\d+: not valid YAML \(/);
    expect(problemsOf('{"sendRate": 1,}', 'chat.json')[0]).toMatch(/^chat\.json:1: not valid JSON \(/);
    expect(problemsOf('- sendRate\n')).toEqual([
      'chat.yaml:1: expected a mapping of settings (key: value), got ["sendRate"] (a list)',
    ]);
  });

  it('stops the reader with every problem at once', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'sendRat: 1\nsendBurst: many\n');
    expect(() => readConfigFile(file)).toThrow(ConfigFileError);
    try {
      readConfigFile(file);
    } catch (error) {
      expect((error as ConfigFileError).problems).toHaveLength(2);
      expect((error as Error).message).toMatch(
        /^config file .*bad\.yaml has 2 problems:\n {2}.*sendRat.*\n {2}.*sendBurst/,
      );
    }
    expect(() => readConfigFile(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot read it \(no such file\)/);
  });
});

describe('nearest key', () => {
  it('matches a flag, a variable or another case exactly, else the closest within half the length', () => {
    const keys = ['sendRate', 'sendBurst', 'sendRateLimit', 'maxFrameBytes'];
    expect(nearestKey('send-rate', keys)).toBe('sendRate');
    expect(nearestKey('CHAT_MAX_FRAME_BYTES', keys)).toBe('maxFrameBytes');
    expect(nearestKey('sendRat', keys)).toBe('sendRate');
    expect(nearestKey('sendRateLimt', keys)).toBe('sendRateLimit');
    expect(nearestKey('colour', keys)).toBeUndefined();
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
