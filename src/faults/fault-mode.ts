/**
 * What a TcpFaultProxy does to the bytes and connections passing through it. One mode at a time;
 * switching modes takes effect at once for live connections and new ones.
 *
 * Directions: `up` is client -> target (requests), `down` is target -> client (replies).
 */
export type Direction = 'up' | 'down' | 'both';

export type FaultMode =
  /** Forward everything as it comes (heals every other mode). */
  | { kind: 'pass' }
  /** Every chunk waits `ms` plus a uniform random 0..`jitterMs` (default 0) before it is forwarded; order is kept. */
  | { kind: 'latency'; ms: number; jitterMs?: number; direction?: Direction }
  /**
   * Bytes are silently thrown away; connections stay open. On heal, connections that lost bytes
   * are reset, because their byte stream is no longer what either end sent (TCP never does that).
   */
  | { kind: 'drop'; direction?: Direction }
  /**
   * Nothing flows and nothing is lost: the proxy stops reading, so the sender's bytes wait in
   * socket buffers (and then the sender blocks), as across a partition TCP rides out. On heal,
   * held bytes flow again, in order.
   */
  | { kind: 'blackhole'; direction?: Direction }
  /** Every live connection is cut with a TCP RST on both sides (ECONNRESET), and so is every new one. */
  | { kind: 'reset' }
  /** The listener is closed: new connections get ECONNREFUSED; live ones are left alone. */
  | { kind: 'refuse' }
  /** At most `bytesPerSec` per direction, shared by all connections (a token bucket with 50 ms of burst). */
  | { kind: 'bandwidth'; bytesPerSec: number; direction?: Direction };

export type FaultKind = FaultMode['kind'];

const KINDS: readonly FaultKind[] = ['pass', 'latency', 'drop', 'blackhole', 'reset', 'refuse', 'bandwidth'];
const DIRECTIONS: readonly Direction[] = ['up', 'down', 'both'];

/** Whether mode applies to bytes flowing in `flow` (a kind without a direction applies to both). */
export function appliesTo(mode: FaultMode, flow: 'up' | 'down'): boolean {
  const direction = 'direction' in mode ? (mode.direction ?? 'both') : 'both';
  return direction === 'both' || direction === flow;
}

/** A mode as one line for logs and tables, e.g. "latency 200±50 ms up". */
export function describeMode(mode: FaultMode): string {
  const dir =
    'direction' in mode && mode.direction !== undefined && mode.direction !== 'both' ? ` ${mode.direction}` : '';
  switch (mode.kind) {
    case 'latency':
      return `latency ${mode.ms}${mode.jitterMs ? `±${mode.jitterMs}` : ''} ms${dir}`;
    case 'bandwidth':
      return `bandwidth ${mode.bytesPerSec} B/s${dir}`;
    case 'drop':
    case 'blackhole':
      return `${mode.kind}${dir}`;
    default:
      return mode.kind;
  }
}

/** Checks a mode from outside (the HTTP control endpoint's JSON body); throws a readable error. */
export function parseFaultMode(value: unknown): FaultMode {
  if (typeof value !== 'object' || value === null) throw new Error('a fault mode is a JSON object with a "kind"');
  const raw = value as Record<string, unknown>;
  const kind = raw.kind;
  if (typeof kind !== 'string' || !KINDS.includes(kind as FaultKind))
    throw new Error(`"kind" must be one of ${KINDS.join(', ')}`);
  const direction = (): Direction | undefined => {
    if (raw.direction === undefined) return undefined;
    if (typeof raw.direction !== 'string' || !DIRECTIONS.includes(raw.direction as Direction))
      throw new Error(`"direction" must be one of ${DIRECTIONS.join(', ')}`);
    return raw.direction as Direction;
  };
  const nonNegative = (name: string, required: boolean): number | undefined => {
    const n = raw[name];
    if (n === undefined && !required) return undefined;
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new Error(`"${name}" must be a number >= 0`);
    return n;
  };
  switch (kind as FaultKind) {
    case 'latency':
      return {
        kind: 'latency',
        ms: nonNegative('ms', true)!,
        jitterMs: nonNegative('jitterMs', false),
        direction: direction(),
      };
    case 'bandwidth': {
      const bytesPerSec = nonNegative('bytesPerSec', true)!;
      if (bytesPerSec < 1) throw new Error('"bytesPerSec" must be at least 1 (use blackhole to stop the flow)');
      return { kind: 'bandwidth', bytesPerSec, direction: direction() };
    }
    case 'drop':
      return { kind: 'drop', direction: direction() };
    case 'blackhole':
      return { kind: 'blackhole', direction: direction() };
    case 'pass':
    case 'reset':
    case 'refuse':
      return { kind: kind as 'pass' | 'reset' | 'refuse' };
  }
}
