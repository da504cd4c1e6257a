import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadScenario, parseScenario, ScenarioError, SCENARIO_DEFAULTS } from '../../../src/sim/scenario/index.js';
import { yamlWith } from './helpers.js';

/** The ScenarioError a text raises (fails the test when it parses). */
function errorOf(text: string, fileName = 'bad.yaml'): ScenarioError {
  try {
    parseScenario(text, fileName);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error(`expected ${fileName} to be refused`);
}

describe('scenario loader - defaults', () => {
  it('a minimal file gets every documented default', () => {
    const s = parseScenario('users: 50\nmessages: { ratePerUser: 0.5 }\n', 'scenarios/minimal.yaml');
    expect(s.name).toBe('minimal');
    expect(s.description).toBe('');
    expect(s.seed).toBe(SCENARIO_DEFAULTS.seed);
    expect(s.devicesPerUser).toEqual({ kind: 'fixed', value: 1 });
    expect(s.rooms).toEqual({
      directShare: 0.8,
      roomsPerUser: 3,
      groupSize: { kind: 'range', min: 3, max: 8 },
      cap: 100,
    });
    expect(s.messages).toEqual({ totalRate: 25, ratePerUser: 0.5, bodyChars: { min: 20, max: 200 } });
    expect(s.phases).toEqual({ rampUpMs: 10_000, steadyMs: 60_000, drainMs: 10_000 });
    expect(s.churn).toEqual({ share: 0, offlineForMs: { min: 5000, max: 20_000 } });
    expect(s.typing).toEqual({ share: 0, leadMs: 1500 });
    expect(s.presence).toEqual({ checkConvergence: false });
    expect(s.push).toEqual({ share: 0, platform: 'mixed' });
    expect(s.slo).toEqual({ completeness: 1 });
    expect(s.clients).toEqual({});
    expect(s.cluster).toEqual({});
  });

  it('totalRate is kept and divided into ratePerUser', () => {
    const s = parseScenario(yamlWith(), 'x.yaml');
    expect(s.messages.totalRate).toBe(20);
    expect(s.messages.ratePerUser).toBeCloseTo(0.4);
  });

  it('weights are normalised and ranges kept', () => {
    const s = parseScenario(
      yamlWith('devicesPerUser: { 1: 6, 2: 3, 3: 1 }\nrooms: { groupSize: { 3: 1, 10: 1 } }\n'),
      'x.yaml',
    );
    expect(s.devicesPerUser).toEqual({ kind: 'weighted', values: [1, 2, 3], weights: [0.6, 0.3, 0.1] });
    expect(s.rooms.groupSize).toEqual({ kind: 'weighted', values: [3, 10], weights: [0.5, 0.5] });
  });

  it('durations accept numbers of ms and unit strings', () => {
    const s = parseScenario(
      yamlWith('phases: { rampUp: 1500, steady: 1m30s, drain: 500ms }\ntyping: { share: 0.5, leadMs: 2s }\n'),
      'x.yaml',
    );
    expect(s.phases).toEqual({ rampUpMs: 1500, steadyMs: 90_000, drainMs: 500 });
    expect(s.typing.leadMs).toBe(2000);
  });

  it('the default group size shrinks to a tiny scenario', () => {
    const s = parseScenario('users: 4\nmessages: { totalRate: 1 }\n', 'x.yaml');
    expect(s.rooms.groupSize).toEqual({ kind: 'range', min: 3, max: 4 });
  });

  it('JSON files load the same as YAML', () => {
    const json = JSON.stringify({
      users: 50,
      messages: { totalRate: 20 },
      devicesPerUser: { 1: 0.5, 2: 0.5 },
      phases: { steady: '5s' },
    });
    const fromJson = parseScenario(json, 'x.json');
    const fromYaml = parseScenario(
      'users: 50\nmessages: { totalRate: 20 }\ndevicesPerUser: { 1: 0.5, 2: 0.5 }\nphases: { steady: 5s }\n',
      'x.yaml',
    );
    expect(fromJson).toEqual(fromYaml);
  });
});

describe('scenario loader - errors point at the field', () => {
  it('a wrong type names the field path, the line, what was expected and what was found', () => {
    const error = errorOf('users: 50\nmessages: { totalRate: 1 }\nrooms:\n  groupSize:\n    min: 3\n    max: ten\n');
    expect(error.field).toBe('rooms.groupSize.max');
    expect(error.line).toBe(6);
    expect(error.message).toBe('bad.yaml:6: rooms.groupSize.max: expected a group size from 2 to 10000, got "ten"');
  });

  it('a group larger than the cap is refused at groupSize.max', () => {
    const error = errorOf(
      'users: 500\nmessages: { totalRate: 1 }\nrooms:\n  cap: 50\n  groupSize: { min: 3, max: 80 }\n',
    );
    expect(error.field).toBe('rooms.groupSize.max');
    expect(error.line).toBe(5);
    expect(error.message).toContain('expected at most rooms.cap (50), got 80');
  });

  it('a weighted group size above the cap points at its key', () => {
    const error = errorOf('users: 500\nmessages: { totalRate: 1 }\nrooms:\n  groupSize:\n    3: 0.5\n    150: 0.5\n');
    expect(error.field).toBe('rooms.groupSize.150');
    expect(error.line).toBe(6);
  });

  it('min above max is refused at max', () => {
    const error = errorOf(yamlWith('rooms:\n  groupSize: { min: 8, max: 4 }\n'));
    expect(error.field).toBe('rooms.groupSize.max');
    expect(error.message).toContain('expected at least rooms.groupSize.min (8), got 4');
  });

  it('a missing field names the field and the line of its parent', () => {
    const error = errorOf('users: 50\nmessages: { totalRate: 1 }\nrooms:\n  groupSize:\n    min: 3\n');
    expect(error.field).toBe('rooms.groupSize.max');
    expect(error.line).toBe(4);
    expect(error.message).toContain('missing; expected');
    expect(errorOf('messages: { totalRate: 1 }\n').field).toBe('users');
  });

  it('an unknown field (a typo) is refused with the fields that exist', () => {
    const error = errorOf('users: 50\nmessages:\n  totalRate: 1\n  ratePerUsr: 2\n');
    expect(error.field).toBe('messages.ratePerUsr');
    expect(error.line).toBe(4);
    expect(error.message).toContain('unknown field; expected one of ratePerUser, totalRate, bodyChars');
  });

  it('messages need exactly one of the rates', () => {
    const both = errorOf('users: 50\nmessages:\n  ratePerUser: 1\n  totalRate: 1\n');
    expect(both.field).toBe('messages.totalRate');
    expect(both.line).toBe(4);
    const neither = errorOf('users: 50\nmessages: {}\n');
    expect(neither.field).toBe('messages');
    expect(neither.line).toBe(2);
  });

  it('a bad duration says what a duration looks like', () => {
    const error = errorOf(yamlWith('phases:\n  steady: 10q\n'));
    expect(error.field).toBe('phases.steady');
    expect(error.line).toBe(4);
    expect(error.expected).toContain('like 500ms, 10s, 2m');
  });

  it('a union field reports the whole choice when the value fits neither form', () => {
    const error = errorOf(yamlWith('devicesPerUser: many\n'));
    expect(error.field).toBe('devicesPerUser');
    expect(error.expected).toBe('a device count from 1 to 10, or weights like { 1: 0.6, 2: 0.3, 3: 0.1 }');
    expect(errorOf(yamlWith('push: { platform: wns }\n')).expected).toBe('one of apns, fcm, mixed');
  });

  it('shares must be within 0..1', () => {
    const error = errorOf(yamlWith('churn:\n  share: 1.5\n'));
    expect(error.field).toBe('churn.share');
    expect(error.line).toBe(4);
    expect(error.got).toBe(1.5);
  });

  it('an absence longer than steady is refused when there is churn', () => {
    const error = errorOf(
      yamlWith('phases: { steady: 30s }\nchurn:\n  share: 0.1\n  offlineFor: { min: 10s, max: 1m }\n'),
    );
    expect(error.field).toBe('churn.offlineFor.max');
    expect(error.line).toBe(6);
  });

  it('sending without rooms is refused', () => {
    expect(errorOf(yamlWith('rooms: { roomsPerUser: 0 }\n')).field).toBe('rooms.roomsPerUser');
    expect(() =>
      parseScenario('users: 50\nmessages: { totalRate: 0 }\nrooms: { roomsPerUser: 0 }\n', 'idle.yaml'),
    ).not.toThrow();
  });

  it('JSON errors carry lines too', () => {
    const error = errorOf(
      '{\n  "users": 50,\n  "messages": { "totalRate": 1 },\n  "rooms": { "cap": 1 }\n}\n',
      'bad.json',
    );
    expect(error.field).toBe('rooms.cap');
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/^bad\.json:4: rooms\.cap: expected /);
  });

  it('syntax errors name the file and line', () => {
    const yaml = errorOf('users: 50\nmessages: [1\n');
    expect(yaml.message).toMatch(/^bad\.yaml:\d+: expected valid YAML/);
    const json = errorOf('{"users": 50,,}', 'bad.json');
    expect(json.message).toMatch(/^bad\.json(:1)?: expected valid JSON/);
  });

  it('an empty file, a list and an unknown extension are refused', () => {
    expect(errorOf('').message).toContain('expected a scenario');
    expect(errorOf('- 1\n- 2\n').field).toBe('');
    expect(errorOf('users: 5', 'x.toml').message).toBe(
      'x.toml: expected a scenario file ending in .yaml, .yml or .json',
    );
  });
});

describe('scenario loader - files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scenario-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('loadScenario reads a file and names errors by its path', () => {
    const good = join(dir, 'good.yml');
    writeFileSync(good, 'users: 10\nmessages: { totalRate: 1 }\n');
    expect(loadScenario(good).name).toBe('good');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'users: 1\nmessages: { totalRate: 1 }\n');
    expect(() => loadScenario(bad)).toThrow(`${bad}:1: users: expected an integer from 2 to 1000000, got 1`);
  });

  it('a missing file is a ScenarioError', () => {
    expect(() => loadScenario(join(dir, 'nope.yaml'))).toThrow(ScenarioError);
    expect(() => loadScenario(join(dir, 'nope.yaml'))).toThrow(/no such file/);
  });
});
