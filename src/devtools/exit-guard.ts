/**
 * Last resort for servers we started: if our process exits without calling stop() (an uncaught
 * error, process.exit in a command), signal them so they do not linger. A Ctrl-C does not reach
 * them through the terminal (their own process group), so an orderly shutdown still goes
 * through stop(). Nothing here can run if we are SIGKILLed: the next run stops leftovers by pid file.
 */
const guarded = new Map<number, NodeJS.Signals>();
let installed = false;

function signalAll(): void {
  for (const [pid, signal] of guarded) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
  guarded.clear();
}

/** Registers a pid to signal on exit; returns the function that unregisters it. */
export function guardOnExit(pid: number, signal: NodeJS.Signals): () => void {
  if (!installed) {
    process.once('exit', signalAll);
    installed = true;
  }
  guarded.set(pid, signal);
  return () => {
    guarded.delete(pid);
  };
}
