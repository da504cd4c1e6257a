import type { Worker } from 'node:worker_threads';

/** A request as its sender writes it: the id is added by ThreadRequests. */
export type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * Requests to a worker thread answered by id: each ask() posts the request with a fresh id and
 * resolves with the reply that carries it. Messages that are not replies are left to the
 * thread's other listeners.
 */
export class ThreadRequests<Request extends { id: number }, Reply extends { id: number }> {
  private readonly pending = new Map<number, (reply: Reply) => void>();
  private nextId = 0;

  constructor(
    private readonly worker: Worker,
    isReply: (message: unknown) => message is Reply,
  ) {
    worker.on('message', (message: unknown) => {
      if (!isReply(message)) return;
      this.pending.get(message.id)?.(message);
      this.pending.delete(message.id);
    });
  }

  ask(request: WithoutId<Request>): Promise<Reply> {
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker.postMessage({ ...request, id });
    });
  }
}
