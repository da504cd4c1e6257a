import { Command, Flags } from '@oclif/core';
import { clientFlags, targetOrExit } from '../tui/connection.js';
import { connectWithin, cursorStoreFor, resolveRoom, ScriptError } from '../tui/script-client.js';

export default class Send extends Command {
  static override summary = 'Send one message from a script, and print its ack';
  static override description = `Connects as a device, sends the message and waits for the cluster's ack (the message is committed then), prints the room and the message's seq, and exits 0. Exits 1 with the reason when it cannot connect, the room is not one of yours, or the message is refused; 2 on a usage error.

The room is --room (a room id, or the name of one of your groups) or --dm USER (the 1:1 room with USER, made on first use). Without --text, the message is read from stdin.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --user alice --device cli --dm bob --text "build is green"',
    'echo "deploy done" | <%= config.bin %> <%= command.id %> --token "$TOKEN" --room g_Vr8nQe1KsJ4uHa0B',
    '<%= config.bin %> <%= command.id %> --user alice --device cli --room ops --text "disk 91%" --json',
  ];
  static override flags = {
    ...clientFlags,
    room: Flags.string({ description: 'room id, or the name of one of your groups', exactlyOne: ['room', 'dm'] }),
    dm: Flags.string({ description: 'the 1:1 room with this user (made on first use)', exactlyOne: ['room', 'dm'] }),
    text: Flags.string({ description: 'the message (default: read from stdin)' }),
    json: Flags.boolean({ description: 'print the ack as JSON: {room, clientMsgId, msgId, seq, ts}', default: false }),
    timeout: Flags.integer({ description: 'seconds to wait for the connection, and then for the ack', default: 10 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Send);
    const target = targetOrExit(this, flags);
    const body = flags.text ?? (await readStdin());
    if (body === undefined) this.error('give --text, or pipe the message into stdin', { exit: 2 });
    const cursors = cursorStoreFor(target);
    let client;
    try {
      client = await connectWithin(target, flags.timeout * 1000, cursors);
    } catch (error) {
      this.error((error as Error).message, { exit: 1 });
    }
    try {
      const room = await resolveRoom(client, flags);
      const ack = await withTimeout(client.send(room.id, body), flags.timeout * 1000, 'no ack');
      this.log(flags.json ? JSON.stringify(ack) : `sent to ${room.id} as seq ${ack.seq}`);
    } catch (error) {
      const message = error instanceof ScriptError ? error.message : `not sent: ${(error as Error).message}`;
      this.error(message, { exit: 1 });
    } finally {
      cursors?.flush();
      await client.close();
    }
  }
}

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // One trailing newline is the shell's (echo), not the message's.
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} within ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
