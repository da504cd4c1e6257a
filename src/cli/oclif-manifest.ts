import { readdirSync, rmSync, statSync } from 'node:fs';

/**
 * `npm run build` writes oclif.manifest.json (scripts/oclif-manifest.mjs): the commands' ids,
 * flags and paths, so that running a command loads that command's module only. Without it oclif
 * imports every command to list them, ~1 s of CPU at each start: a restarted gateway's clients
 * wait for that second (docs/faults.md, the reconnect storm). A manifest older than a compiled
 * command (a bare `tsc` since the build) would list yesterday's commands and flags: it is
 * removed, and oclif reads the commands themselves, slower but true. True when it removed one.
 */
export function dropStaleManifest(manifest: URL, commandsDir: URL): boolean {
  let writtenAt: number;
  try {
    writtenAt = statSync(manifest).mtimeMs;
  } catch {
    return false;
  }
  const newer = (file: string) => file.endsWith('.js') && statSync(new URL(file, commandsDir)).mtimeMs > writtenAt;
  let stale: boolean;
  try {
    stale = readdirSync(commandsDir, { recursive: true, encoding: 'utf8' }).some(newer);
  } catch {
    stale = true;
  }
  if (stale) rmSync(manifest, { force: true });
  return stale;
}
