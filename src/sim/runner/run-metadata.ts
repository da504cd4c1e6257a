import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { arch, cpus, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';

/**
 * What a report needs beside its figures to be compared with another one: which code ran, on
 * which machine, against which cluster, with which scenario file and options. Reports written
 * before this existed (format 1) carry none of it.
 */

/** 1: the figures only; 2: with `meta`, `timeline` and `histograms`. */
export const REPORT_FORMAT_VERSION = 2;

export interface RunMetadata {
  chatNode: {
    version: string;
    /** The checkout the simulator ran from; null outside a git checkout (an npm install). */
    commit: { hash: string; dirty: boolean } | null;
  };
  /** process.version, e.g. v20.11.1. */
  node: string;
  machine: { os: string; kernel: string; arch: string; cpuModel: string; cpus: number; memoryBytes: number };
  cluster: ClusterLayout;
  scenario: {
    /** As given on the command line. */
    file: string;
    /** Of the file's bytes, so that an edited scenario of the same name shows. */
    sha256: string | null;
  };
  /** The command's options that change the run (unset ones are the scenario's). */
  options: { rate?: number; processes?: number; transport?: string; pushPolicy: string; floor: boolean };
}

export type ClusterLayout =
  | { kind: 'local-dev' }
  | { kind: 'local-cluster'; gateways: number; gatewayWorkers: number; fanouts: number }
  | { kind: 'floor' }
  | { kind: 'external'; urls: string[] };

const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Reads this machine and this checkout. Never throws: what cannot be read is null or 'unknown'. */
export function collectRunMetadata(input: {
  cluster: ClusterLayout;
  scenarioFile: string;
  options: RunMetadata['options'];
}): RunMetadata {
  const cpu = cpus();
  return {
    chatNode: { version: packageVersion(), commit: gitCommit(PACKAGE_ROOT) },
    node: process.version,
    machine: {
      os: type(),
      kernel: release(),
      arch: arch(),
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      cpus: cpu.length,
      memoryBytes: totalmem(),
    },
    cluster: input.cluster,
    scenario: { file: input.scenarioFile, sha256: fileSha256(input.scenarioFile) },
    options: input.options,
  };
}

/** The short hash of HEAD and whether tracked files differ from it; null when git or the checkout is missing. */
export function gitCommit(dir: string): RunMetadata['chatNode']['commit'] {
  const git = (args: string[]) =>
    execFileSync('git', ['-C', dir, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
    }).trim();
  try {
    const hash = git(['rev-parse', '--short', 'HEAD']);
    // Untracked files (a build folder, a symlinked node_modules) do not change the code that ran.
    const dirty = git(['status', '--porcelain', '--untracked-files=no']) !== '';
    return { hash, dirty };
  } catch {
    return null;
  }
}

export function fileSha256(path: string): string | null {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return null;
  }
}

/**
 * A cluster URL fit to be written down: user and password, and the values of query parameters
 * that look like credentials, become `***`. Text that is not a URL loses all up to its last `@`.
 */
export function redactUrl(text: string): string {
  const upToAt = (): string => (text.includes('@') ? `***@${text.slice(text.lastIndexOf('@') + 1)}` : text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return upToAt();
  }
  // `user:pw@host` parses as scheme `user:` with an opaque path: no authority to clean.
  if (url.host === '') return upToAt();
  if (url.username) url.username = '***';
  if (url.password) url.password = '***';
  for (const key of [...url.searchParams.keys()]) {
    if (/token|secret|pass|key|auth|jwt|sig|cred/i.test(key)) url.searchParams.set(key, '***');
  }
  // URLSearchParams percent-encodes the stars.
  return url.toString().replace(/%2A%2A%2A/g, '***');
}

function packageVersion(): string {
  try {
    return (
      (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version?: string }).version ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
}
