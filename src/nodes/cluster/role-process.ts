import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RestartBackoff } from '../../core/process/restart-backoff.js';

const RUN_JS = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export type RoleName = 'gateway' | 'fanout' | 'presence' | 'pusher';

export interface RoleProcessSpec {
  role: RoleName;
  /** Node id, also the log file's name. */
  nodeId: string;
  /** The port its /healthz answers on (a gateway's listen port, else its --http-port). */
  port: number;
  /** Where its /metrics, /readyz and /trace answer (a gateway's --admin-port; default `port`). */
  adminPort?: number;
  /** Extra arguments after `chat-node <role> --node-id <id>`. */
  args: string[];
  env: Record<string, string>;
  /** Where stdout and stderr go (appended). */
  logFile: string;
}

export interface RoleExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The supervisor stopped it (not a crash). */
  expected: boolean;
  /** In how long it will be started again; undefined when it will not be. */
  restartInMs: number | undefined;
}

/**
 * One role of a local multi-process cluster, kept alive: a crash (or a SIGKILL from a fault
 * test) is logged and the role started again after a RestartBackoff delay (at once, unless it
 * is crash-looping), the way an init system would; `stop` sends SIGTERM (a gateway drains its clients) and waits.
 */
export class RoleProcess {
  private child?: ChildProcess;
  private log?: WriteStream;
  private stopping = false;
  private restartTimer?: NodeJS.Timeout;
  private readonly restartBackoff = new RestartBackoff();
  private startedAt = 0;
  restarts = 0;

  constructor(
    readonly spec: RoleProcessSpec,
    private readonly options: {
      restart: boolean;
      onExit: (exit: RoleExit, process: RoleProcess) => void;
    },
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    this.log ??= createWriteStream(this.spec.logFile, { flags: 'a' });
    const child = spawn(process.execPath, [RUN_JS, this.spec.role, '--node-id', this.spec.nodeId, ...this.spec.args], {
      env: { ...process.env, ...this.spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which then
      // stops the roles once, in order (a second signal would make a gateway skip its drain).
      detached: true,
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    child.stdout.pipe(this.log, { end: false });
    child.stderr.pipe(this.log, { end: false });
    this.child = child;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => {
      const expected = this.stopping;
      const restartInMs =
        expected || !this.options.restart ? undefined : this.restartBackoff.next(Date.now() - this.startedAt);
      this.options.onExit({ code, signal, expected, restartInMs }, this);
      if (restartInMs === undefined) return;
      this.restartTimer = setTimeout(() => {
        this.restarts++;
        this.start();
      }, restartInMs);
    });
  }

  /**
   * Waits until /healthz answers. Fails early if the process exits, unless `throughRestarts`:
   * then it waits through the supervisor's restart (right after a signal the old process may
   * not have been reaped yet, so a failed probe is not an error either).
   */
  async waitHealthy(timeoutMs: number, throughRestarts = false): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running && !throughRestarts)
        throw new Error(`${this.spec.nodeId} exited during start-up; see ${this.spec.logFile}`);
      const ok =
        this.running &&
        (await fetch(`http://127.0.0.1:${this.spec.port}/healthz`).then(
          (r) => r.ok,
          () => false,
        ));
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(
          `${this.spec.nodeId} did not answer /healthz on port ${this.spec.port} within ${timeoutMs / 1000} s; see ${this.spec.logFile}`,
        );
      await new Promise((resolve) => setTimeout(resolve, throughRestarts ? 200 : 100));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(killer);
    }
    await new Promise<void>((resolve) => (this.log ? this.log.end(() => resolve()) : resolve()));
  }
}
