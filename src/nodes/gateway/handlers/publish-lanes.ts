/**
 * The publishes of one connection's sends to one room, one after another: each starts once
 * the stream has stored the one before. Pipelined publishes could be stored out of order: a
 * publish retried after "no leader" (with jitter), or one lost with a NATS reconnect while the
 * next went out on the new socket, lets a later send be stored first, and the room numbers
 * messages in stream order. Waiting costs nothing for a client that sends one message at a
 * time (the stream's ack comes long before the fan-out's), one publish round trip per queued
 * send in a burst to one room, and nothing across rooms: each (connection, room) is a lane.
 */
export class PublishLanes {
  /** Per owner (a connection), the last publish queued on each key (a room) and not yet settled. */
  private readonly lanes = new WeakMap<object, Map<string, Promise<unknown>>>();

  /**
   * Runs `publish` once every earlier publish of this owner and key has been stored. When one
   * of those failed, rejects with its error without running: the client, told each of them
   * failed, sends them again in order, which a publish made past the gap would break.
   */
  enqueue<T>(owner: object, key: string, publish: () => Promise<T>): Promise<T> {
    let lanes = this.lanes.get(owner);
    if (!lanes) this.lanes.set(owner, (lanes = new Map<string, Promise<unknown>>()));
    const previous = lanes.get(key);
    const run = previous === undefined ? publish() : previous.then(publish);
    lanes.set(key, run);
    // The lane ends with its last publish, failed or not: a send after a failure starts afresh.
    const release = (): void => {
      if (lanes.get(key) === run) lanes.delete(key);
    };
    run.then(release, release);
    return run;
  }
}
