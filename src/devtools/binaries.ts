import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runCommand } from './processes.js';

/** A server we may need to start, the binaries it takes and the Debian packages that provide them. */
export interface ServerSoftware {
  label: string;
  binaries: readonly string[];
  debianPackages: readonly string[];
}

export const POSTGRES_SOFTWARE: ServerSoftware = {
  label: 'PostgreSQL',
  binaries: ['initdb', 'pg_ctl', 'postgres'],
  debianPackages: ['postgresql'],
};
export const REDIS_SOFTWARE: ServerSoftware = {
  label: 'Redis',
  binaries: ['redis-server'],
  debianPackages: ['redis-server'],
};
export const NATS_SOFTWARE: ServerSoftware = {
  label: 'NATS',
  binaries: ['nats-server'],
  debianPackages: ['nats-server'],
};

/**
 * A server binary is not installed. The message names the binaries and the exact
 * `apt-get install` line; when several are missing at once they are reported together.
 */
export class MissingBinaryError extends Error {
  readonly binaries: readonly string[];
  readonly debianPackages: readonly string[];
  readonly software: readonly ServerSoftware[];
  readonly searched: readonly string[];

  constructor(missing: readonly ServerSoftware[], searched: readonly string[]) {
    const what = missing.map((s) => `${s.label} (${s.binaries.join(', ')})`).join(' and ');
    const packages = [...new Set(missing.flatMap((s) => s.debianPackages))];
    const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
    super(
      `${what} ${missing.length > 1 ? 'are' : 'is'} not installed, so chat-node cannot start ${missing.length > 1 ? 'them' : 'it'} locally. ` +
        `Install with: ${sudo}apt-get install -y ${packages.join(' ')}  ` +
        `(or give the URL of a running server). Searched: ${searched.join(delimiter) || '(nothing)'}`,
    );
    this.name = 'MissingBinaryError';
    this.binaries = missing.flatMap((s) => s.binaries);
    this.debianPackages = packages;
    this.software = missing;
    this.searched = searched;
  }

  /** One error naming everything that is missing, so the user runs one apt-get line. */
  static merge(errors: readonly MissingBinaryError[]): MissingBinaryError {
    const searched = [...new Set(errors.flatMap((e) => e.searched))];
    return new MissingBinaryError(
      errors.flatMap((e) => e.software),
      searched,
    );
  }
}

/**
 * The PATH, then Debian's versioned PostgreSQL folders (/usr/lib/postgresql/<v>/bin, newest
 * first): Debian does not put initdb or pg_ctl on the PATH.
 */
export function defaultSearchPath(): string[] {
  const fromPath = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  return [...fromPath, ...debianPostgresBinDirs()];
}

function debianPostgresBinDirs(root = '/usr/lib/postgresql'): string[] {
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return [];
  }
  return versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((v) => join(root, v, 'bin'));
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export function findBinary(name: string, searchPath: readonly string[]): string | undefined {
  for (const dir of searchPath) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** Finds the single binary of a one-binary server, or throws MissingBinaryError. */
export function requireBinary(software: ServerSoftware, searchPath: readonly string[]): string {
  const [name] = software.binaries;
  const found = name === undefined ? undefined : findBinary(name, searchPath);
  if (found === undefined) throw new MissingBinaryError([software], searchPath);
  return found;
}

export interface PostgresBinaries {
  initdb: string;
  pgCtl: string;
  /** Major version, e.g. "15". */
  major: string;
}

/**
 * initdb and pg_ctl must come from the same installation (pg_ctl finds `postgres` beside itself).
 * When a data folder already exists, prefer the installation of its major version, since a
 * data folder only opens with the major version that created it.
 */
export async function findPostgresBinaries(
  searchPath: readonly string[],
  preferMajor?: string,
): Promise<PostgresBinaries> {
  const candidates: PostgresBinaries[] = [];
  for (const dir of new Set(searchPath)) {
    const [initdb, pgCtl, postgres] = POSTGRES_SOFTWARE.binaries.map((name) => join(dir, name));
    if (initdb === undefined || pgCtl === undefined || postgres === undefined) continue;
    if (![initdb, pgCtl, postgres].every(isExecutableFile)) continue;
    const major = await postgresMajorVersion(postgres);
    if (major === undefined) continue;
    if (major === preferMajor) return { initdb, pgCtl, major };
    candidates.push({ initdb, pgCtl, major });
  }
  const first = candidates[0];
  if (first === undefined) throw new MissingBinaryError([POSTGRES_SOFTWARE], searchPath);
  return first;
}

async function postgresMajorVersion(postgres: string): Promise<string | undefined> {
  const result = await runCommand(postgres, ['--version'], { timeoutMs: 5_000 }).catch(() => undefined);
  // "postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)"
  return result?.output.match(/\(PostgreSQL\)\s+(\d+)/)?.[1];
}
