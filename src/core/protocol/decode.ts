import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { CLIENT_FRAMES, TEXT_PATTERN_SOURCE, type ClientFrame } from './client-frames.js';
import { SERVER_FRAMES, type ServerFrame } from './server-frames.js';

type Checker = { Check(value: unknown): boolean; Errors(value: unknown): { instancePath: string; message: string }[] };

function compileAll(frames: Record<string, TSchema>): Map<string, Checker> {
  return new Map(Object.entries(frames).map(([type, schema]) => [type, Compile(schema) as unknown as Checker]));
}

const clientCheckers = compileAll(CLIENT_FRAMES);
const serverCheckers = compileAll(SERVER_FRAMES);

export type Decoded<F> = { ok: true; frame: F } | { ok: false; message: string; requestId?: string };

function describeFirstError(checker: Checker, value: unknown): string {
  const [first] = checker.Errors(value);
  if (!first) return 'invalid frame';
  const field = first.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : 'frame';
  // typebox reports a key rejected by a record's key pattern as "schema is false".
  const message =
    first.message === 'schema is false'
      ? `is not allowed here (keys must match the id pattern)`
      : first.message.includes(TEXT_PATTERN_SOURCE)
        ? 'must be well-formed Unicode text without U+0000'
        : first.message;
  return `${field}: ${message}`;
}

function decodeWith<F>(checkers: Map<string, Checker>, text: string): Decoded<F> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'frame must be a JSON object' };
  }
  const record = value as Record<string, unknown>;
  // Echo the request id on the error when it is usable, so the client can match it.
  const requestId =
    typeof record.id === 'string' && record.id.length > 0 && record.id.length <= 64 ? record.id : undefined;
  const type = record.type;
  if (typeof type !== 'string') return { ok: false, message: 'type: must be a string', requestId };
  const checker = checkers.get(type);
  if (!checker)
    return { ok: false, message: `type: unknown frame type ${JSON.stringify(type.slice(0, 40))}`, requestId };
  if (!checker.Check(value)) return { ok: false, message: describeFirstError(checker, value), requestId };
  return { ok: true, frame: value as F };
}

/** Parses and validates one inbound text frame. */
export function decodeClientFrame(text: string): Decoded<ClientFrame> {
  return decodeWith<ClientFrame>(clientCheckers, text);
}

/** Parses and validates one frame from the server (used by the client library). */
export function decodeServerFrame(text: string): Decoded<ServerFrame> {
  return decodeWith<ServerFrame>(serverCheckers, text);
}
