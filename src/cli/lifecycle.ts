/**
 * Runs `stop` once on SIGTERM or SIGINT and exits; a second signal exits at once.
 * Returns a promise that settles when the process should end.
 */
export function untilSignal(
  stop: (signal: string) => Promise<void>,
  onSignal?: (signal: string) => void,
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const handler = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`\n${signal} again: exiting now\n`);
        process.exit(130);
      }
      stopping = true;
      onSignal?.(signal);
      stop(signal)
        .catch((error: unknown) => process.stderr.write(`shutdown failed: ${(error as Error).message}\n`))
        .finally(() => resolve());
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
