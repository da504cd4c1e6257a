import { ChatClient, type ChatError, type Room } from '../core/client/index.js';
import { type ClientTarget } from './connection.js';
import { cursorFilePath, FileCursorStore } from './file-cursor-store.js';

/**
 * The connection of the non-interactive commands (`send`, `tail`): connect within a time
 * limit or fail with the reason, and find the room a script names.
 */

export class ScriptError extends Error {}

/** The device's cursor file when the token's user and device are known (a later run syncs less). */
export function cursorStoreFor(target: ClientTarget): FileCursorStore | undefined {
  if (target.user === undefined || target.device === undefined) return undefined;
  return new FileCursorStore(cursorFilePath(target.dataDir, target.user, target.device));
}

/**
 * A client that is live (welcomed and synced), or a ScriptError saying why not within
 * `timeoutMs`: the last connection error, or the refused token.
 */
export async function connectWithin(
  target: ClientTarget,
  timeoutMs: number,
  cursors?: FileCursorStore,
): Promise<ChatClient> {
  const client = new ChatClient({
    urls: target.urls,
    transport: target.transport,
    token: target.token,
    backoff: { initialMs: 200, maxMs: 2000 },
    ...(cursors ? { cursors } : {}),
  });
  let lastError: ChatError | undefined;
  let refused: ChatError | undefined;
  client.on('error', (error) => {
    lastError = error;
    if (error.code === 'unauthorized') {
      refused = error;
      // A token signed here is retried with backoff by the client; for a script a refusal is final.
      void client.close();
    }
  });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ScriptError(
            `could not connect to ${target.urls.join(', ')} within ${timeoutMs / 1000} s${lastError ? `: ${lastError.message}` : ''}`,
          ),
        ),
      timeoutMs,
    );
  });
  try {
    await Promise.race([client.connect(), timeout]);
    return client;
  } catch (error) {
    await client.close();
    if (refused) throw new ScriptError(`the cluster refused the token: ${refused.message}`);
    if (error instanceof ScriptError) throw error;
    throw new ScriptError(`could not connect: ${(error as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** The room a script means: `--dm USER` (made on first use), or `--room` by id or group name. */
export async function resolveRoom(
  client: ChatClient,
  opts: { room?: string | undefined; dm?: string | undefined },
): Promise<Room> {
  if (opts.dm !== undefined) {
    if (opts.dm === client.user) throw new ScriptError('--dm names yourself: give another user');
    return client.createDirect(opts.dm);
  }
  const wanted = opts.room ?? '';
  const rooms = client.rooms();
  const byId = rooms.find((room) => room.id === wanted);
  if (byId) return byId;
  const byName = rooms.filter((room) => room.kind === 'group' && room.name === wanted);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1)
    throw new ScriptError(
      `${byName.length} groups are named "${wanted}": use the room id (${byName.map((r) => r.id).join(', ')})`,
    );
  const label = (room: Room) =>
    room.kind === 'group'
      ? `${room.id} (#${room.name || 'unnamed'})`
      : `${room.id} (@${room.members.find((m) => m !== client.user) ?? '?'})`;
  const listed =
    rooms.slice(0, 10).map(label).join(', ') + (rooms.length > 10 ? `, and ${rooms.length - 10} more` : '');
  throw new ScriptError(
    `you are in no room "${wanted}"${rooms.length > 0 ? `; your rooms: ${listed}` : ' (you are in no rooms yet; --dm USER starts one)'}`,
  );
}
