import {
  ChatClient,
  type ChatClientOptions,
  type Message,
  type ReadEvent,
  type Room,
} from '../../src/core/client/index.js';
import { waitFor, type IsolatedCluster, type RoleProcess } from './isolated-cluster.js';

/** A virtual device for end-to-end tests: the project's client, plus what it has seen. */
export class TestDevice {
  readonly messages: Message[] = [];
  readonly reads: ReadEvent[] = [];
  readonly roomEvents: Room[] = [];

  constructor(
    readonly user: string,
    readonly device: string,
    readonly client: ChatClient,
  ) {
    client.on('message', (message) => this.messages.push(message));
    client.on('read', (event) => this.reads.push(event));
    client.on('room', (room) => this.roomEvents.push(room));
    client.on('error', () => {});
  }

  /** Messages of a room as the user sees them: in order, each once. */
  timeline(room: string): Message[] {
    return this.messages.filter((message) => message.room === room);
  }

  bodies(room: string): string[] {
    return this.timeline(room).map((message) => message.body);
  }

  async waitForCount(room: string, count: number, timeoutMs = 10_000): Promise<Message[]> {
    await waitFor(
      () => this.timeline(room).length >= count,
      timeoutMs,
      `${this.user}/${this.device} to have ${count} messages in ${room} (has ${this.timeline(room).length})`,
    );
    return this.timeline(room);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export async function connectDevice(
  cluster: IsolatedCluster,
  gateways: RoleProcess[],
  user: string,
  device: string,
  options: Partial<ChatClientOptions> = {},
): Promise<TestDevice> {
  const client = new ChatClient({
    urls: gateways.map((gateway) => cluster.wsUrl(gateway)),
    token: () => cluster.token(user, device),
    backoff: { initialMs: 50, maxMs: 500 },
    ...options,
  });
  const testDevice = new TestDevice(user, device, client);
  await client.connect();
  return testDevice;
}

/** Asserts a timeline is seqs 1..n of the room with no gap and no duplicate. */
export function seqsOf(messages: Message[]): number[] {
  return messages.map((message) => message.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
