import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ErrorCode } from '../../../../src/core/protocol/index.js';
import { connectDevice, range, seqsOf, type TestDevice } from '../../../support/devices.js';
import { IsolatedCluster, type RoleProcess } from '../../../support/isolated-cluster.js';
import { RawWebSocket, type Closed, type ServerFrame } from './raw-socket.js';

/**
 * How the server answered one hostile input. Compared as a whole against what the case expects,
 * and printed in the suite's summary table.
 */
export interface Answer {
  /** The `error` frame's code. */
  error?: ErrorCode;
  /** Whether the error echoed the request id (only set by cases that send one). */
  idEchoed?: boolean;
  /** A reply other than an error (the input was harmless and served, e.g. `ok`, `pong`). */
  reply?: string;
  /** The WebSocket close code the server sent. */
  close?: number;
  /** After the answer the connection was still usable (a ping got its pong). */
  open?: boolean;
  /** HTTP status of a refused upgrade or a plain HTTP request. */
  http?: number;
  /** The server cut the TCP connection without a WebSocket close frame. */
  cut?: boolean;
}

export function describeAnswer(answer: Answer): string {
  const parts: string[] = [];
  if (answer.http !== undefined) parts.push(`HTTP ${answer.http}`);
  if (answer.error)
    parts.push(
      `error ${answer.error}${answer.idEchoed === undefined ? '' : answer.idEchoed ? ' (id echoed)' : ' (no id)'}`,
    );
  if (answer.reply) parts.push(`reply ${answer.reply}`);
  if (answer.close !== undefined) parts.push(`close ${answer.close}`);
  if (answer.cut) parts.push('connection cut');
  if (answer.open === true) parts.push('stays open');
  return parts.join(', ') || '(nothing)';
}

export interface SummaryRow {
  name: string;
  sent: string;
  expected: string;
  actual: string;
}

const REPORT_DIR = fileURLToPath(new URL('../../../../reports/hostile/', import.meta.url));

/**
 * One theme's hostile suite: its own isolated cluster (gateway, fan-out, presence as real
 * processes), a bystander pair (alice and bob in a direct room) who must keep exchanging
 * messages end to end, in order, after every hostile case, and the summary of answers.
 */
export class HostileSuite {
  readonly cluster = new IsolatedCluster();
  gateway!: RoleProcess;
  alice!: TestDevice;
  bob!: TestDevice;
  /** The bystanders' direct room. */
  bystanderRoom = '';
  readonly rows: SummaryRow[] = [];
  private bystanderSends = 0;

  constructor(readonly theme: string) {}

  /** `env`: CHAT_* settings every role gets (a setting a role does not know is ignored by it). */
  async start(
    gatewayArgs: string[] = [],
    extraRoles: Array<'presence'> = ['presence'],
    env: Record<string, string> = {},
  ): Promise<void> {
    await this.cluster.setUp();
    await Promise.all([
      this.cluster.start('fanout', 'fanout-1', [], env),
      ...extraRoles.map((role) => this.cluster.start(role, `${role}-1`, [], env)),
    ]);
    this.gateway = await this.cluster.start('gateway', 'gw-1', gatewayArgs, env);
    await this.cluster.waitReady(this.gateway);
    this.alice = await connectDevice(this.cluster, [this.gateway], 'alice', 'laptop');
    this.bob = await connectDevice(this.cluster, [this.gateway], 'bob', 'phone');
    this.bystanderRoom = (await this.alice.client.createDirect('bob')).id;
    await this.bystandersExchange('warm-up');
  }

  get url(): string {
    return this.cluster.wsUrl(this.gateway);
  }

  get port(): number {
    return this.gateway.port;
  }

  token(user: string, device: string, ttlSeconds = 3600): Promise<string> {
    return this.cluster.token(user, device, ttlSeconds);
  }

  /** A hostile user's authenticated raw connection. */
  async attacker(user = 'mallory', device = 'm1'): Promise<RawWebSocket> {
    return RawWebSocket.authenticated(this.url, await this.token(user, device));
  }

  /**
   * The promise to everyone else: the gateway process still runs and answers /healthz, and the
   * bystanders' next message goes through, acked, delivered once and in room order.
   */
  async bystandersExchange(label: string): Promise<void> {
    expect(this.gateway.child.exitCode, 'the gateway process is still running').toBeNull();
    const health = await fetch(`http://127.0.0.1:${this.port}/healthz`);
    expect(health.status, '/healthz').toBe(200);
    const n = ++this.bystanderSends;
    const [sender, receiver] = n % 2 === 0 ? [this.bob, this.alice] : [this.alice, this.bob];
    const ack = await sender.client.send(this.bystanderRoom, `${label} #${n}`);
    expect(ack.seq).toBe(n);
    const timeline = await receiver.waitForCount(this.bystanderRoom, n, 10_000);
    expect(seqsOf(timeline)).toEqual(range(1, n));
    expect(timeline.at(-1)!.body).toBe(`${label} #${n}`);
  }

  /** A case sent one bystander message of its own in their room: the next check expects the seq after it. */
  bystanderSentOutsideTheCheck(): void {
    this.bystanderSends++;
  }

  /** Records one case's answer for the summary and asserts it is the expected one. */
  record(name: string, sent: string, expected: Answer, actual: Answer): void {
    this.rows.push({ name, sent, expected: describeAnswer(expected), actual: describeAnswer(actual) });
    expect(actual, `${name}: ${describeAnswer(actual)}`).toEqual(expected);
  }

  /** Writes the summary to reports/hostile/<theme>.md, prints it, and tears the cluster down. */
  async stop(): Promise<void> {
    await Promise.all([this.alice?.close(), this.bob?.close()]);
    const table = [
      `## ${this.theme} (${this.rows.length} hostile inputs)`,
      '',
      '| # | case | sent | expected | answer |',
      '| --- | --- | --- | --- | --- |',
      ...this.rows.map(
        (row, i) =>
          `| ${i + 1} | ${cell(row.name)} | ${cell(row.sent)} | ${cell(row.expected)} | ${cell(row.actual)} |`,
      ),
      '',
    ].join('\n');
    mkdirSync(REPORT_DIR, { recursive: true });
    writeFileSync(`${REPORT_DIR}${this.theme.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.md`, table);
    console.log(table);
    await this.cluster.tearDown();
  }
}

function cell(text: string): string {
  // Control bytes (NUL, TLS records, newlines) are shown escaped: the table must stay readable text.
  const flat = text
    .replace(/\|/g, '\\|')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/**
 * Sends one text frame on an authenticated connection and reads the answer: the error that
 * came back (or the reply, when `replyType` is given), whether it echoed `id`, and whether
 * the connection is still usable afterwards.
 */
export async function answerOf(
  ws: RawWebSocket,
  text: string | Buffer,
  opts: { id?: string; timeoutMs?: number; binary?: boolean } = {},
): Promise<Answer> {
  const from = ws.frames.length;
  if (Buffer.isBuffer(text)) ws.sendBinary(text);
  else ws.sendText(text);
  const answer: Answer = {};
  let frame: ServerFrame | undefined;
  try {
    frame = await ws.next(
      (f) => f.type === 'error' || (opts.id !== undefined && f.id === opts.id),
      opts.timeoutMs ?? 3000,
      from,
    );
  } catch {
    frame = undefined;
  }
  if (frame?.type === 'error') {
    answer.error = frame.code as ErrorCode;
    if (opts.id !== undefined) answer.idEchoed = frame.id === opts.id;
  } else if (frame) {
    answer.reply = frame.type;
  }
  // A pong proves the connection still works; a close the server sent after its answer arrives before it.
  if (!ws.closeState && (await ws.alive())) {
    answer.open = true;
    return answer;
  }
  const closed: Closed | undefined = ws.closeState ?? (await ws.closedWithin(1000));
  if (closed) answer.close = closed.code;
  return answer;
}
