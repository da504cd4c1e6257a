import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { commandLineOf, isAlive, readPidFile } from './processes.js';

const LOCK_FILE = 'chat-node.pid';

/**
 * Marks a data folder as used by this process. Servers found running in it are leftovers of a
 * crashed run only if the process that started them is gone; if it still runs, stopping "its
 * leftovers" would pull the services from under a live `chat-node dev`, so we refuse instead.
 */
export async function lockDataDir(dataDir: string, shownDataDir: string): Promise<() => Promise<void>> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const holder = await readPidFile(path);
  if (holder !== undefined && holder !== process.pid && (await isAlive(holder))) {
    const commandLine = (await commandLineOf(holder)) ?? '';
    if (commandLine === '' || /node|chat-node/.test(commandLine)) {
      throw new Error(
        `${shownDataDir} is in use by another chat-node (pid ${holder}); stop it first or use another data folder ` +
          `(if pid ${holder} is not chat-node, delete ${join(shownDataDir, LOCK_FILE)})`,
      );
    }
  }
  await writeFile(path, `${process.pid}\n`);
  return async () => {
    // Only remove our own mark: a later run may have taken the folder over.
    const text = await readFile(path, 'utf8').catch(() => '');
    if (Number.parseInt(text, 10) === process.pid) await rm(path, { force: true });
  };
}
