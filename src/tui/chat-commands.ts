import type { ChatClient, ChatError } from '../core/client/index.js';
import type { ChatState, PendingSend } from './chat-state.js';
import type { ChatCommand } from './commands.js';

/** What the slash commands need from the running client (chat-app provides it). */
export interface CommandContext {
  readonly state: ChatState;
  readonly client: ChatClient;
  now(): number;
  openRoom(id: string): void;
  /** The client's room list changed (a room was made, joined, left). */
  roomsChanged(): void;
  refreshPresence(users?: readonly string[]): void;
  /** Loads the page below the oldest message held; undefined when there is nothing older. */
  loadOlder(room: string): Promise<void> | undefined;
  scrollPage(direction: -1 | 1): void;
  askQuit(): void;
  /** Sends a pending message (again) with its clientMsgId. */
  deliver(send: PendingSend): void;
  redraw(): void;
}

/** Runs a parsed slash command; results and errors show on the status row or in the room. */
export function runCommand(ctx: CommandContext, command: ChatCommand): void {
  const { state, client } = ctx;
  const now = ctx.now();
  const room = state.openRoom;
  const me = client.user ?? state.identity?.user;
  const fail = (what: string) => (error: ChatError) => {
    state.setStatus(`${what}: ${error.message}`, 'error', ctx.now());
    ctx.redraw();
  };
  const madeRoom = (id: string) => {
    ctx.roomsChanged();
    ctx.openRoom(id);
  };
  switch (command.name) {
    case 'help':
      state.showPanel({ kind: 'help' });
      return;
    case 'rooms':
      state.showPanel({ kind: 'rooms' });
      client.listRooms().then(() => ctx.roomsChanged(), fail('could not list the rooms'));
      return;
    case 'quit':
      ctx.askQuit();
      return;
    case 'join': {
      const found = state.findRoom(command.target);
      if (found) ctx.openRoom(found.id);
      else state.setStatus(`no room "${command.target}": /rooms lists yours, /dm <user> starts one`, 'error', now);
      return;
    }
    case 'dm':
      if (command.user === me) {
        state.setStatus('that is you: /dm takes another user', 'error', now);
        return;
      }
      state.setStatus(`opening the room with ${command.user}…`, 'info', now);
      client.createDirect(command.user).then(
        (made) => {
          state.status = undefined;
          madeRoom(made.id);
          ctx.refreshPresence([command.user]);
        },
        fail(`could not open the room with ${command.user}`),
      );
      return;
    case 'new':
      client.createGroupWithRefusals(command.title, command.users).then(({ room: made, refused }) => {
        madeRoom(made.id);
        const joined = command.users.filter((user) => made.members.includes(user));
        state.notice(made.id, `you made #${command.title} with ${joined.join(', ') || 'nobody else'}`, 'ok', ctx.now());
        if (refused.length > 0) state.notice(made.id, notAdded(refused), 'error', ctx.now());
        ctx.refreshPresence(joined);
      }, fail('could not make the group'));
      return;
    case 'members':
      if (!room) {
        state.setStatus('open a room first', 'error', now);
        return;
      }
      state.showPanel({ kind: 'members', room: room.id });
      ctx.refreshPresence(room.members);
      return;
    case 'add':
      if (!room || room.kind !== 'group') {
        state.setStatus('/add works in a group', 'error', now);
        return;
      }
      client.addMembersWithRefusals(room.id, command.users).then(({ refused }) => {
        const left = new Set(refused.map((entry) => entry.user));
        const added = command.users.filter((user) => !left.has(user));
        if (added.length > 0) state.notice(room.id, `you added ${added.join(', ')}`, 'ok', ctx.now());
        if (refused.length > 0) state.notice(room.id, notAdded(refused), 'error', ctx.now());
        ctx.roomsChanged();
        ctx.refreshPresence(added);
      }, fail('could not add'));
      return;
    case 'leave':
      if (!room || me === undefined) {
        state.setStatus('open a room first', 'error', now);
        return;
      }
      client.leave(room.id).then(() => {
        const name = room.kind === 'group' ? `#${state.displayName(room)}` : `the room with ${state.displayName(room)}`;
        state.setStatus(`you left ${name}`, 'ok', ctx.now());
        ctx.roomsChanged();
      }, fail('could not leave'));
      return;
    case 'block':
      if (command.user === me) {
        state.setStatus('that is you: /block takes another user', 'error', now);
        return;
      }
      client.block(command.user).then(
        () => {
          state.setStatus(
            `you block ${command.user}: no rooms from them, no presence to them (/leave rooms you share)`,
            'ok',
            ctx.now(),
          );
          ctx.redraw();
        },
        fail(`could not block ${command.user}`),
      );
      return;
    case 'unblock':
      client.unblock(command.user).then(
        () => {
          state.setStatus(`you no longer block ${command.user}`, 'ok', ctx.now());
          ctx.redraw();
        },
        fail(`could not unblock ${command.user}`),
      );
      return;
    case 'blocks':
      client.listBlocks().then((users) => {
        state.setStatus(users.length === 0 ? 'you block nobody' : `you block: ${users.join(', ')}`, 'info', ctx.now());
        ctx.redraw();
      }, fail('could not list your blocks'));
      return;
    case 'history': {
      if (!room) return;
      const loading = ctx.loadOlder(room.id);
      if (!loading) {
        state.setStatus('that is the start of the room', 'info', now);
        return;
      }
      void loading.then(() => {
        ctx.scrollPage(-1);
        ctx.redraw();
      });
      return;
    }
    case 'retry': {
      if (!room) return;
      const failed = state.retryFailed(room.id);
      if (failed.length === 0) state.setStatus('no failed messages here', 'info', now);
      for (const send of failed) ctx.deliver(send);
      return;
    }
  }
}

/** Why users were left out of a group (they blocked you, or are in as many rooms as allowed). */
function notAdded(refused: ReadonlyArray<{ user: string; reason: 'blocked' | 'too_many_rooms' }>): string {
  return `not added: ${refused.map(({ user, reason }) => `${user} (${reason === 'blocked' ? 'does not accept you' : 'in too many rooms'})`).join(', ')}`;
}
