import { chown } from 'node:fs/promises';
import { findBinary } from './binaries.js';
import { runCommand, shellQuote, type CommandResult } from './processes.js';

const SYSTEM_PATH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Runs commands as a given system user. Postgres refuses to run as root, so when chat-node
 * runs as root (containers, CI) initdb and pg_ctl run as the `postgres` user instead.
 */
export interface SystemUser {
  name: string;
  /** Runs a command as this user (directly when we already are it). */
  run(command: string, args: readonly string[], timeoutMs: number): Promise<CommandResult>;
  /** Gives a path we created to this user (no-op when we already are it). */
  own(path: string): Promise<void>;
}

/** Ourselves: no switching needed. */
export const CURRENT_USER: SystemUser = {
  name: 'current user',
  run: (command, args, timeoutMs) => runCommand(command, args, { timeoutMs }),
  own: async () => undefined,
};

/** Only for root: switches with runuser (util-linux), else su (login). */
export async function switchedUser(name: string): Promise<SystemUser> {
  const ids = await userIds(name);
  const runuser = findBinary('runuser', SYSTEM_PATH);
  const su = findBinary('su', SYSTEM_PATH);
  if (runuser === undefined && su === undefined) {
    throw new Error(
      `running as root, chat-node must start Postgres as the "${name}" user, but neither runuser nor su was found`,
    );
  }
  return {
    name,
    run: (command, args, timeoutMs) =>
      runuser !== undefined
        ? runCommand(runuser, ['-u', name, '--', command, ...args], { timeoutMs })
        : runCommand(su ?? 'su', [name, '-s', '/bin/sh', '-c', [command, ...args].map(shellQuote).join(' ')], {
            timeoutMs,
          }),
    own: (path) => chown(path, ids.uid, ids.gid),
  };
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all(
    ['-u', '-g'].map(async (flag) => {
      const result = await runCommand('id', [flag, name], { timeoutMs: 5_000 });
      return result.code === 0 ? Number.parseInt(result.output, 10) : Number.NaN;
    }),
  );
  if (uid === undefined || gid === undefined || Number.isNaN(uid) || Number.isNaN(gid)) {
    throw new Error(
      `running as root, chat-node must start Postgres as the "${name}" system user, which does not exist ` +
        `(apt-get install -y postgresql creates it)`,
    );
  }
  return { uid, gid };
}
