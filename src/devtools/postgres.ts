import { existsSync } from 'node:fs';
import { appendFile, mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findPostgresBinaries, type PostgresBinaries } from './binaries.js';
import { ensureDatabase, withDatabase } from './database.js';
import { findFreePort } from './free-port.js';
import { probePostgres } from './probe.js';
import { guardOnExit } from './exit-guard.js';
import { readPidFile, tailFile } from './processes.js';
import { CURRENT_USER, switchedUser, type SystemUser } from './system-user.js';
import type { StartContext, StartedService } from './types.js';

/** Settings we own, rewritten on every start because the port is chosen free each time. */
const SETTINGS_FILE = 'chat-node.conf';
const PG_CTL_TIMEOUT_S = 30;
/** Unix socket paths are limited to 107 bytes (sun_path). */
const MAX_SOCKET_PATH = 107;

/**
 * Starts a private Postgres in ctx.dir (initdb on the first run only), listening on 127.0.0.1
 * on a free port with trust auth, and creates `databaseName` in it.
 */
export async function startPostgres(ctx: StartContext, databaseName: string): Promise<StartedService> {
  const dataMajor = (await readFile(join(ctx.dir, 'PG_VERSION'), 'utf8').catch(() => undefined))?.trim();
  const bins = await findPostgresBinaries(ctx.searchPath, dataMajor);
  if (dataMajor !== undefined && bins.major !== dataMajor) {
    throw new Error(
      `${ctx.displayDir} holds PostgreSQL ${dataMajor} data, but only PostgreSQL ${bins.major} is installed: ` +
        `apt-get install -y postgresql-${dataMajor}, or delete ${ctx.displayDir} to start afresh`,
    );
  }
  // Postgres refuses to run as root; there we run it as the postgres system user.
  const user = process.getuid?.() === 0 ? await switchedUser('postgres') : CURRENT_USER;
  await prepareFolders(ctx, user);
  if (dataMajor === undefined) {
    ctx.onProgress(`initializing postgres ${bins.major} data in ${ctx.displayDir} (first run only)`);
    await mustSucceed(
      'initdb',
      user.run(bins.initdb, ['-D', ctx.dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'], 120_000),
    );
  }
  await stopLeftover(ctx, bins, user);

  const port = await findFreePort();
  await writeSettings(ctx, user, port);
  ctx.onProgress(`starting postgres ${bins.major} on port ${port}...`);
  const pgCtlTimeoutMs = (PG_CTL_TIMEOUT_S + 15) * 1000;
  const started = await user.run(
    bins.pgCtl,
    ['start', '-D', ctx.dir, '-l', ctx.logFile, '-w', '-t', String(PG_CTL_TIMEOUT_S)],
    pgCtlTimeoutMs,
  );
  if (started.code !== 0) {
    throw new Error(
      `postgres did not start: ${started.output}\nlast lines of ${ctx.logFile}:\n${await tailFile(ctx.logFile)}`,
    );
  }

  // SIGINT to the postmaster is a fast shutdown, the same as pg_ctl stop -m fast.
  const postmasterPid = await readPidFile(join(ctx.dir, 'postmaster.pid'));
  const release = postmasterPid === undefined ? () => undefined : guardOnExit(postmasterPid, 'SIGINT');
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      const args = ['stop', '-D', ctx.dir, '-m', 'fast', '-w', '-t', String(PG_CTL_TIMEOUT_S)];
      await mustSucceed('pg_ctl stop', user.run(bins.pgCtl, args, pgCtlTimeoutMs));
      release();
    })());
  const serverUrl = `postgresql://postgres@127.0.0.1:${port}/postgres`;
  try {
    const probe = await probePostgres(serverUrl, 5_000);
    if (!probe.ok) throw new Error(`postgres started but does not answer on port ${port}: ${probe.reason}`);
    await ensureDatabase(serverUrl, databaseName);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    url: withDatabase(serverUrl, databaseName),
    detail: `started postgres ${bins.major} in ${ctx.displayDir} on port ${port}`,
    stop,
  };
}

async function prepareFolders(ctx: StartContext, user: SystemUser): Promise<void> {
  await mkdir(ctx.dir, { recursive: true, mode: 0o700 });
  await user.own(ctx.dir);
  // pg_ctl opens the log as the postgres user, so the file must be theirs.
  await (await open(ctx.logFile, 'a')).close();
  await user.own(ctx.logFile);
  if (user === CURRENT_USER) return;
  const reachable = await user.run('test', ['-w', ctx.dir, '-a', '-w', ctx.logFile], 5_000);
  if (reachable.code !== 0) {
    throw new Error(
      `the ${user.name} user cannot write to ${ctx.dir}: a parent folder is closed to other users ` +
        `(e.g. /root is 0700). Use a data folder the ${user.name} user can reach, or give a Postgres URL.`,
    );
  }
}

/** A previous run that crashed may have left its postgres running: stop it, then start afresh on a new port. */
async function stopLeftover(ctx: StartContext, bins: PostgresBinaries, user: SystemUser): Promise<void> {
  if (!existsSync(join(ctx.dir, 'postmaster.pid'))) return;
  const status = await user.run(bins.pgCtl, ['status', '-D', ctx.dir], 10_000);
  // pg_ctl status: 0 running, 3 not running (a stale postmaster.pid that postgres itself cleans up).
  if (status.code !== 0) return;
  ctx.onProgress(`stopping a postgres left running in ${ctx.displayDir} by an earlier run`);
  await mustSucceed('pg_ctl stop', user.run(bins.pgCtl, ['stop', '-D', ctx.dir, '-m', 'fast', '-w'], 60_000));
}

async function writeSettings(ctx: StartContext, user: SystemUser, port: number): Promise<void> {
  const quote = (value: string): string => `'${value.replaceAll("'", "''")}'`;
  // Beside the data keeps dev instances from colliding in /var/run/postgresql; no socket if the path is too long.
  const socketDir = Buffer.byteLength(`${ctx.dir}/.s.PGSQL.${port}`) <= MAX_SOCKET_PATH ? ctx.dir : '';
  const settings = [
    '# Written by chat-node on every start; edit postgresql.conf for your own settings.',
    `port = ${port}`,
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = ${quote(socketDir)}`,
    '',
  ].join('\n');
  const settingsPath = join(ctx.dir, SETTINGS_FILE);
  await writeFile(settingsPath, settings, { mode: 0o600 });
  await user.own(settingsPath);

  const mainConf = join(ctx.dir, 'postgresql.conf');
  const include = `include_if_exists = '${SETTINGS_FILE}'`;
  if (!(await readFile(mainConf, 'utf8')).includes(include)) {
    await appendFile(mainConf, `\n# chat-node: port and addresses of this dev instance\n${include}\n`);
  }
}

async function mustSucceed(what: string, run: Promise<{ code: number | null; output: string }>): Promise<void> {
  const result = await run;
  if (result.code !== 0) throw new Error(`${what} failed (exit ${result.code ?? 'signal'}): ${result.output}`);
}
