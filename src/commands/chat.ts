import { Command, Flags } from '@oclif/core';
import { ChatClient } from '../core/client/index.js';
import { ChatApp } from '../tui/chat-app.js';
import { clientFlags, targetOrExit } from '../tui/connection.js';
import { cursorFilePath, FileCursorStore } from '../tui/file-cursor-store.js';
import { Terminal } from '../tui/terminal.js';

export default class Chat extends Command {
  static override summary = 'The interactive terminal chat client';
  static override description = `A full-screen client in your terminal: your rooms with unread counts and who is online, the open room's messages with their delivery state (sending, ✓ sent, ✗ failed), older history as you scroll up, "typing…", and read positions shared with your other devices. Messages typed while offline wait and go out, once, when the connection is back; then the client syncs what it missed.

Connect with a token (--token or CHAT_TOKEN), or let it sign a development token for --user and --device with the secret of \`chat-node dev\` (in --data-dir) or CHAT_JWT_SECRET. Each device keeps its sync cursors in <data-dir>/clients/<user>-<device>.json, so the next start syncs only what is new.

Type /help inside for the commands (/dm, /new, /join, /rooms, /members, /history, /retry, /quit) and keys (Ctrl-N/Ctrl-P or Alt-1..9 switch rooms, Tab jumps to unread, PgUp/PgDn scroll, Ctrl-C quits). For scripts, see \`chat-node send\` and \`chat-node tail\`.`;
  static override examples = [
    {
      description: 'Against `chat-node dev` on this machine, as alice on her laptop (a second terminal: --user bob)',
      command: '<%= config.bin %> <%= command.id %> --user alice --device laptop',
    },
    {
      description: 'With a token, against two gateways (reconnects move to the next one)',
      command:
        '<%= config.bin %> <%= command.id %> --url ws://10.0.0.5:8080/v1/ws,ws://10.0.0.6:8080/v1/ws --token "$TOKEN"',
    },
    {
      description: 'Over HTTP long-polling, for a network that cannot hold a WebSocket',
      command: '<%= config.bin %> <%= command.id %> --user alice --device browser --transport longpoll',
    },
    {
      description: 'A dev cluster on another port and data folder',
      command:
        '<%= config.bin %> <%= command.id %> --url 127.0.0.1:18900 --data-dir /tmp/dev --user bob --device phone',
    },
  ];
  static override flags = {
    ...clientFlags,
    'no-cursors': Flags.boolean({
      description: 'do not keep sync cursors on disk (sync everything on every start)',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Chat);
    const target = targetOrExit(this, flags);
    if (!Terminal.available()) {
      this.error(
        'chat needs a terminal (stdin and stdout a TTY); in scripts use `chat-node send` and `chat-node tail`',
        { exit: 2 },
      );
    }
    const cursors =
      !flags['no-cursors'] && target.user !== undefined && target.device !== undefined
        ? new FileCursorStore(cursorFilePath(target.dataDir, target.user, target.device))
        : undefined;
    const client = new ChatClient({
      urls: target.urls,
      transport: target.transport,
      token: target.token,
      // A person is waiting: retry sooner than the library's 10 s ceiling.
      backoff: { initialMs: 250, maxMs: 5000 },
      ...(cursors ? { cursors } : {}),
    });
    const terminal = new Terminal();
    const app = new ChatApp({ client, target, terminal, ...(cursors ? { cursors } : {}) });

    // Whatever ends the process, the terminal is put back first.
    const crash = (error: unknown) => {
      terminal.restore();
      cursors?.flush();
      process.stderr.write(
        `chat-node chat crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    };
    process.on('uncaughtException', crash);
    process.on('unhandledRejection', crash);
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.once(signal, () => void app.quit(signal === 'SIGINT' ? 130 : 0));

    const code = await app.run();
    process.exit(code);
  }
}
