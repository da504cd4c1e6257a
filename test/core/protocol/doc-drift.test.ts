import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLIENT_FRAMES,
  CLOSE_CODES,
  DEFAULT_LIMITS,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_MAX_DEVICES_PER_USER,
  DEFAULT_MAX_INFLIGHT_REQUESTS,
  DEFAULT_MAX_PENDING_PER_IP,
  ERROR_CODES,
  HELLO_TIMEOUT_MS,
  HISTORY_DEFAULT_LIMIT,
  HISTORY_MAX_LIMIT,
  Message,
  Room,
  SERVER_FRAMES,
  SUBPROTOCOL,
  SYNC_BATCH_SIZE,
  SYNC_PAGE_CAP,
  FRAME_RATE_PER_SEC,
  FRAME_BURST,
  BAD_FRAME_BURST,
  SYNC_ROOM_CAP,
  WS_PATH,
} from '../../../src/core/protocol/index.js';

/**
 * Keeps docs/protocol.md in step with the frame schemas: every frame has a section with a field
 * table naming exactly its schema's properties, and the error codes, close codes and default
 * limits of the code appear in the doc's tables.
 */

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** The JSON-schema shape typebox produces, as far as this test reads it. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
}

interface Heading {
  level: number;
  text: string;
  /** Lines after the heading up to the next heading of the same or a higher level. */
  body: string[];
}

/** Splits the doc at headings of level 1 to 3, ignoring `#` lines inside fenced code blocks. */
function headings(markdown: string): Heading[] {
  const result: Heading[] = [];
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) inFence = !inFence;
    const match = inFence ? null : /^(#{1,6})\s+(.*?)\s*$/.exec(line);
    if (match && match[1]!.length <= 3) {
      result.push({ level: match[1]!.length, text: match[2]!, body: [] });
      continue;
    }
    result.at(-1)?.body.push(line);
  }
  // A level-2 section runs on through its level-3 subsections.
  return result.map((heading, index) => {
    if (heading.level === 3) return heading;
    const body = [...heading.body];
    for (const next of result.slice(index + 1)) {
      if (next.level <= heading.level) break;
      body.push(`${'#'.repeat(next.level)} ${next.text}`, ...next.body);
    }
    return { ...heading, body };
  });
}

const sections = headings(doc);

const FRAME_HEADING = /^`([^`]+)` \((client|server) → (server|client)\)$/;
type Direction = 'client → server' | 'server → client';

function frameKey(type: string, direction: Direction): string {
  return `${type} (${direction})`;
}

/** Table cells of one markdown row, with `\|` kept inside a cell. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());
}

interface FieldRow {
  name: string;
  required: string;
}

/** Rows of field tables: `| \`name\` | type | required | meaning |`. */
function fieldRows(body: string[]): FieldRow[] {
  return body
    .filter((line) => /^\|\s*`[^`]+`\s*\|/.test(line))
    .map((line) => {
      const row = cells(line);
      return { name: row[0]!.replace(/^`|`$/g, ''), required: row[2] ?? '' };
    });
}

function sectionOf(title: string): Heading {
  const found = sections.filter((heading) => heading.text === title);
  expect(found, `docs/protocol.md has exactly one section "${title}"`).toHaveLength(1);
  return found[0]!;
}

/** Structurally one of the shared objects, documented in its own section rather than inline. */
function isSharedObject(schema: SchemaNode): boolean {
  const json = JSON.stringify(schema);
  return json === JSON.stringify(Room) || json === JSON.stringify(Message);
}

/** The rows a schema needs: its properties, plus `a.b` / `a[].b` for inline (non-shared) objects. */
function expectedRows(schema: SchemaNode): Map<string, boolean> {
  const rows = new Map<string, boolean>();
  const required = new Set(schema.required ?? []);
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    rows.set(name, required.has(name));
    const nested =
      property.type === 'object'
        ? { node: property, prefix: `${name}.` }
        : property.type === 'array' && property.items
          ? { node: property.items, prefix: `${name}[].` }
          : undefined;
    if (!nested?.node.properties || isSharedObject(nested.node)) continue;
    const nestedRequired = new Set(nested.node.required ?? []);
    for (const inner of Object.keys(nested.node.properties))
      rows.set(`${nested.prefix}${inner}`, nestedRequired.has(inner));
  }
  return rows;
}

function checkFieldTable(title: string, schema: SchemaNode): void {
  const rows = fieldRows(sectionOf(title).body);
  const expected = expectedRows(schema);
  const documented = rows.map((row) => row.name);
  expect(new Set(documented).size, `${title}: a field is listed twice`).toBe(documented.length);
  expect([...documented].sort(), `${title}: field rows vs schema properties`).toEqual([...expected.keys()].sort());
  for (const row of rows) {
    expect(row.required, `${title}: "required" of ${row.name}`).toBe(expected.get(row.name) ? 'yes' : 'no');
  }
}

const frameSchemas: Array<[Direction, string, SchemaNode]> = [
  ...Object.entries(CLIENT_FRAMES).map(
    ([type, schema]) => ['client → server', type, schema as SchemaNode] as [Direction, string, SchemaNode],
  ),
  ...Object.entries(SERVER_FRAMES).map(
    ([type, schema]) => ['server → client', type, schema as SchemaNode] as [Direction, string, SchemaNode],
  ),
];

/** The table rows of a section, as cells (backticks kept), without separator rows. */
function rowsOfTable(title: string): string[][] {
  return sectionOf(title)
    .body.filter((line) => line.trim().startsWith('|') && !/^\|\s*-/.test(line.trim()))
    .map(cells);
}

describe('protocol doc - frames', () => {
  it('every frame type has a section, and every frame section is a frame', () => {
    const documented = sections.flatMap((heading) => {
      const match = heading.level === 3 ? FRAME_HEADING.exec(heading.text) : null;
      return match && match[2] !== match[3] ? [frameKey(match[1]!, `${match[2]} → ${match[3]}` as Direction)] : [];
    });
    const expected = frameSchemas.map(([direction, type]) => frameKey(type, direction));
    expect(new Set(documented).size, 'a frame has two sections').toBe(documented.length);
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it('no frame heading is malformed', () => {
    const lookalikes = sections.filter(
      (heading) => heading.level === 3 && /^`[^`]+` \(/.test(heading.text) && !FRAME_HEADING.exec(heading.text),
    );
    expect(lookalikes.map((heading) => heading.text)).toEqual([]);
  });

  it.each(
    frameSchemas.map(([direction, type, schema]) => [frameKey(type, direction), direction, type, schema] as const),
  )('%s lists exactly its schema fields', (_name, direction, type, schema) => {
    checkFieldTable(`\`${type}\` (${direction})`, schema);
    const body = sectionOf(`\`${type}\` (${direction})`).body.join('\n');
    expect(body, `${type} (${direction}) has a JSON example`).toMatch(
      new RegExp('```json\\n\\{"type":"' + type.replace(/\./g, '\\.') + '"'),
    );
  });

  it('the Room and Message objects list exactly their schema fields', () => {
    checkFieldTable('Room object', Room as SchemaNode);
    checkFieldTable('Message object', Message);
  });
});

describe('protocol doc - codes and limits', () => {
  it('the error codes table lists exactly ERROR_CODES', () => {
    const codes = rowsOfTable('Error codes')
      .slice(1)
      .map((row) => row[0]!.replace(/^`|`$/g, ''));
    expect([...codes].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('every error code is mentioned by name in the doc', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(doc).toContain(`\`${code}\``);
  });

  it('the close codes table holds every CLOSE_CODES value', () => {
    const codes = new Set(rowsOfTable('Close codes').map((row) => row[0]));
    for (const [name, value] of Object.entries(CLOSE_CODES)) {
      expect(codes.has(String(value)), `close code ${name} = ${value}`).toBe(true);
    }
  });

  it('the limits table states the default limits', () => {
    const defaults = new Map(rowsOfTable('Limits').map((row) => [row[0]!, row[1]!]));
    for (const [name, value] of Object.entries(DEFAULT_LIMITS)) {
      expect(defaults.get(`\`${name}\``), `default of ${name}`).toBe(String(value));
    }
  });

  it('the limits table states the defaults of the gateway quotas', () => {
    const defaults = new Map(rowsOfTable('Limits').map((row) => [row[0]!, row[1]!]));
    const quotas: Record<string, number> = {
      helloTimeoutMs: HELLO_TIMEOUT_MS,
      maxConnectionsPerUser: DEFAULT_MAX_CONNECTIONS_PER_USER,
      maxDevicesPerUser: DEFAULT_MAX_DEVICES_PER_USER,
      maxInflightRequests: DEFAULT_MAX_INFLIGHT_REQUESTS,
      maxPendingPerIp: DEFAULT_MAX_PENDING_PER_IP,
    };
    for (const [name, value] of Object.entries(quotas)) expect(defaults.get(`\`${name}\``), name).toBe(String(value));
  });

  it('the limits table states the fixed protocol constants', () => {
    const defaults = new Map(rowsOfTable('Limits').map((row) => [row[0]!, row[1]!]));
    const fixed: Record<string, number> = {
      'history default limit': HISTORY_DEFAULT_LIMIT,
      'history max limit': HISTORY_MAX_LIMIT,
      'sync room cap': SYNC_ROOM_CAP,
      'sync batch size': SYNC_BATCH_SIZE,
      'sync page cap': SYNC_PAGE_CAP,
      'frame rate': FRAME_RATE_PER_SEC,
      'frame burst': FRAME_BURST,
      'bad frames in a row': BAD_FRAME_BURST,
    };
    for (const [label, value] of Object.entries(fixed)) expect(defaults.get(label), label).toBe(String(value));
  });

  it('names the endpoint path and subprotocol', () => {
    expect(doc).toContain(`\`${WS_PATH}\``);
    expect(doc).toContain(`\`${SUBPROTOCOL}\``);
  });
});
