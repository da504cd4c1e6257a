import { Command, Flags } from '@oclif/core';
import type { ChatClient, Message } from '../core/client/index.js';
import { clientFlags, targetOrExit } from '../tui/connection.js';
import { tailJson, tailLine } from '../tui/message-format.js';
import { connectWithin, cursorStoreFor, resolveRoom } from '../tui/script-client.js';

export default class Tail extends Command {
  static override summary = "Print a room's recent messages, then follow new ones";
  static override description = `Prints the last --lines messages of the room (from history), then every new message as it arrives, one per line, until Ctrl-C: "[2024-03-04 14:05:09] alice: text", or with --json the message objects of the protocol (room, seq, msgId, sender, senderDevice, clientMsgId, body, ts) as JSON lines. With --since SEQ it prints from the message after SEQ instead (up to 1000 older ones). Reconnects by itself; nothing is printed twice or skipped.

The room is --room (a room id, or the name of one of your groups) or --dm USER. Nothing is marked read.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --user alice --device cli --dm bob',
    '<%= config.bin %> <%= command.id %> --token "$TOKEN" --room g_Vr8nQe1KsJ4uHa0B --json | jq .body',
    '<%= config.bin %> <%= command.id %> --user ops --device bot --room alerts --since 120 --no-follow',
  ];
  static override flags = {
    ...clientFlags,
    room: Flags.string({ description: 'room id, or the name of one of your groups', exactlyOne: ['room', 'dm'] }),
    dm: Flags.string({ description: 'the 1:1 room with this user (made on first use)', exactlyOne: ['room', 'dm'] }),
    lines: Flags.integer({ char: 'n', description: 'how many recent messages to print first', default: 20 }),
    since: Flags.integer({ description: 'print the messages after this seq first (instead of --lines)' }),
    json: Flags.boolean({ description: 'one JSON message object per line', default: false }),
    follow: Flags.boolean({
      description: 'keep printing new messages (--no-follow: print and exit)',
      default: true,
      allowNo: true,
    }),
    timeout: Flags.integer({ description: 'seconds to wait for the first connection', default: 10 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Tail);
    const target = targetOrExit(this, flags);
    if (flags.lines < 0 || (flags.since !== undefined && flags.since < 0))
      this.error('--lines and --since are 0 or more', { exit: 2 });
    const cursors = cursorStoreFor(target);
    let client;
    try {
      client = await connectWithin(target, flags.timeout * 1000, cursors);
    } catch (error) {
      this.error((error as Error).message, { exit: 1 });
    }
    const print = (message: Message) => process.stdout.write(`${flags.json ? tailJson(message) : tailLine(message)}\n`);
    let printed = 0;
    let roomId: string | undefined;
    const live: Message[] = [];
    // Live messages from now on; printed after the history, each seq once.
    client.on('message', (message) => {
      if (message.room !== roomId) return;
      if (printed === -1) live.push(message);
      else if (message.seq > printed) {
        print(message);
        printed = message.seq;
      }
    });
    try {
      const room = await resolveRoom(client, flags);
      roomId = room.id;
      printed = -1;
      for (const message of await recent(client, room.id, room.lastSeq, flags.since, flags.lines)) {
        print(message);
        printed = message.seq;
      }
      if (printed === -1) printed = flags.since ?? room.lastSeq;
      for (const message of live) {
        if (message.seq > printed) {
          print(message);
          printed = message.seq;
        }
      }
    } catch (error) {
      await client.close();
      this.error((error as Error).message, { exit: 1 });
    }
    if (!flags.follow) {
      cursors?.flush();
      await client.close();
      return;
    }
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGPIPE'] as const) process.once(signal, () => resolve());
      process.stdout.once('error', () => resolve());
    });
    cursors?.flush();
    await client.close();
  }
}

/** The last `lines` messages up to `lastSeq`, or (with `since`) everything after `since`, ascending. */
async function recent(
  client: ChatClient,
  room: string,
  lastSeq: number,
  since: number | undefined,
  lines: number,
): Promise<Message[]> {
  const want = since !== undefined ? Math.min(1000, Math.max(0, lastSeq - since)) : Math.min(lines, lastSeq);
  const out: Message[] = [];
  let before = lastSeq + 1;
  while (out.length < want && before > 1) {
    const page = await client.history(room, { before, limit: Math.min(100, want - out.length) });
    if (page.messages.length === 0) break;
    out.unshift(...page.messages);
    before = page.messages[0]!.seq;
    if (!page.hasMore) break;
  }
  return out.filter((message) => since === undefined || message.seq > since);
}
