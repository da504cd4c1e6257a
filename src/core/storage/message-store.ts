import type pg from 'pg';
import type { Message } from '../protocol/server-frames.js';

export interface MessageRow {
  room_id: string;
  seq: number;
  msg_id: string;
  sender_id: string;
  sender_device: string;
  client_msg_id: string;
  body: string;
  ts: number;
}

export const MESSAGE_COLUMNS = 'room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts';

export function toMessage(row: MessageRow): Message {
  return {
    room: row.room_id,
    seq: row.seq,
    msgId: row.msg_id,
    sender: row.sender_id,
    senderDevice: row.sender_device,
    clientMsgId: row.client_msg_id,
    body: row.body,
    ts: row.ts,
  };
}

export interface ClientMsgRecord {
  room: string;
  seq: number;
  msgId: string;
  ts: number;
}

/** Reads of committed messages (writes belong to the fan-out's RoomSequencer). */
export class MessageStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Messages with from <= seq <= to, ascending. */
  async range(room: string, from: number, to: number): Promise<Message[]> {
    if (to < from) return [];
    const result = await this.pool.query<MessageRow>({
      name: 'message-range',
      text: `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq`,
      values: [room, from, to],
    });
    return result.rows.map(toMessage);
  }

  /** The committed result of (sender, clientMsgId), if any. */
  async findClientMsg(sender: string, clientMsgId: string): Promise<ClientMsgRecord | undefined> {
    const result = await this.pool.query<{ room_id: string; seq: number; msg_id: string; ts: number }>({
      name: 'find-client-msg',
      text: 'SELECT room_id, seq, msg_id, ts FROM client_msg_ids WHERE sender_id = $1 AND client_msg_id = $2',
      values: [sender, clientMsgId],
    });
    const row = result.rows[0];
    return row ? { room: row.room_id, seq: row.seq, msgId: row.msg_id, ts: row.ts } : undefined;
  }
}
