/**
 * What the bare pipeline's two processes say to each other and to the process that starts them.
 * Short keys on the wire: the floor pays for nothing the pipeline does not need.
 */

/** Floor gateway -> floor writer (core NATS): one send. */
export interface FloorSend {
  /** room */
  r: string;
  /** clientMsgId */
  c: string;
  /** body */
  b: string;
  /** sender user and device */
  s: string;
  d: string;
  /** the sending connection, and its request id */
  k: number;
  q?: string;
}

/** Floor writer -> floor gateway (core NATS): a committed batch. */
export interface FloorBatch {
  messages: Array<{ conn: number; requestId?: string; message: FloorMessage }>;
}

export interface FloorMessage {
  room: string;
  seq: number;
  msgId: string;
  sender: string;
  senderDevice: string;
  clientMsgId: string;
  body: string;
  ts: number;
}

/** Parent -> floor process (IPC). */
export interface FloorInit {
  type: 'init';
  role: 'gateway' | 'writer';
  natsUrl: string;
  postgresUrl: string;
  /** Subject prefix of this run: `<namespace>.send`, `<namespace>.out`. */
  namespace: string;
  /** The gateway's WebSocket port, the writer's /metrics port. */
  port: number;
}

/** Floor process -> parent (IPC). */
export type FloorStatus = { type: 'listening'; port: number } | { type: 'failed'; error: string };

export const floorSubjects = (namespace: string) => ({ send: `${namespace}.send`, out: `${namespace}.out` });
