import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { TraceSource } from '../../core/observability/recent-traces.js';
import { ThreadRequests } from '../../core/process/thread-requests.js';
import type { RoleThreadReply, RoleThreadRequest, RoleThreadSpec, ThreadTracePart } from './role-thread-protocol.js';

/** The thread's entry: compiled next to this module, or in dist/ when this runs from source (vitest). */
const THREAD_MAIN = ((): string => {
  const here = fileURLToPath(new URL('./role-thread.js', import.meta.url));
  return existsSync(here) ? here : here.replace(`${sep}src${sep}nodes${sep}`, `${sep}dist${sep}nodes${sep}`);
})();

/** How long a thread may take to stop its roles before it is terminated. */
const STOP_TIMEOUT_MS = 15_000;

type Reply = RoleThreadReply & { type: 'reply' };

/**
 * One thread of `chat-node dev` running some of its roles (role-thread.ts), seen from the main
 * thread: started, asked for its metrics and traces, stopped. A thread that dies takes the dev
 * process down (`onDeath`): a dev cluster without its fan-out would take sends and ack none.
 */
export class RoleThread {
  private readonly worker: Worker;
  private readonly requests: ThreadRequests<RoleThreadRequest, Reply>;
  private stopping = false;

  private constructor(
    readonly spec: RoleThreadSpec,
    log: Logger,
    onDeath: (error: Error) => void,
  ) {
    this.worker = new Worker(THREAD_MAIN, { workerData: spec, name: `chat-node ${spec.roles.join('+')}` });
    this.requests = new ThreadRequests(
      this.worker,
      (message): message is Reply => (message as RoleThreadReply).type === 'reply',
    );
    this.worker.on('error', (error) => {
      log.error({ err: error, roles: spec.roles }, 'a role thread failed');
      if (!this.stopping) onDeath(error);
    });
    this.worker.on('exit', (code) => {
      if (!this.stopping) onDeath(new Error(`the ${spec.roles.join('+')} thread exited with ${code}`));
    });
  }

  /** Starts the thread; resolves once its roles run. */
  static async start(spec: RoleThreadSpec, log: Logger, onDeath: (error: Error) => void): Promise<RoleThread> {
    const thread = new RoleThread(spec, log, onDeath);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (reply: RoleThreadReply) => {
        if (reply.type === 'started') resolve();
        else if (reply.type === 'failed')
          reject(new Error(`the ${spec.roles.join('+')} thread could not start: ${reply.error}`));
        else return;
        thread.worker.off('message', onMessage);
      };
      thread.worker.on('message', onMessage);
      thread.worker.once('exit', (code) =>
        reject(new Error(`the ${spec.roles.join('+')} thread exited with ${code} while starting`)),
      );
    });
    return thread;
  }

  async metrics(): Promise<string> {
    return (await this.requests.ask({ type: 'metrics' })).value as string;
  }

  /** The thread's roles that keep message traces (the fan-out), as sources of the main thread's /trace. */
  traceSources(): TraceSource[] {
    if (!this.spec.roles.includes('fanout')) return [];
    return [
      {
        node: `${this.spec.config.nodeId}-fanout`,
        role: 'fanout',
        find: async (msgId) =>
          ((await this.requests.ask({ type: 'trace', msgId })).value as ThreadTracePart[])[0]?.part,
      },
    ];
  }

  /** Stops the roles (they drain and release what they hold), then the thread. */
  async stop(): Promise<void> {
    this.stopping = true;
    const timer = setTimeout(() => void this.worker.terminate(), STOP_TIMEOUT_MS);
    await Promise.race([
      this.requests.ask({ type: 'stop' }),
      new Promise((resolve) => this.worker.once('exit', resolve)),
    ]);
    clearTimeout(timer);
    await this.worker.terminate();
  }
}
