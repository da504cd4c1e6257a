#!/usr/bin/env node
// Writes ops/prometheus/targets/local.json, the Prometheus file-discovery targets of the processes a
// local `chat-node dev` or `chat-node cluster` lists in its members file (each one's admin listener,
// labelled with its role and node id), for ops/prometheus/prometheus.yml.
//   node ops/prometheus/local-targets.mjs [data dir, default .chat-node] [output file]
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dataDir = process.argv[2] ?? '.chat-node';
const output = process.argv[3] ?? fileURLToPath(new URL('targets/local.json', import.meta.url));
const membersFile = join(dataDir, 'members.json');

let members;
try {
  members = JSON.parse(readFileSync(membersFile, 'utf8')).members;
} catch (error) {
  console.error(
    `no members file at ${membersFile} (${error.code ?? error.message}): start chat-node dev or chat-node cluster first, or name its --data-dir`,
  );
  process.exit(1);
}
const targets = members.map((member) => ({
  targets: [new URL(member.http).host],
  labels: { role: member.role, node: member.nodeId },
}));
// Whole or not at all: Prometheus re-reads the file as soon as it changes.
writeFileSync(`${output}.tmp`, `${JSON.stringify(targets, null, 2)}\n`);
renameSync(`${output}.tmp`, output);
console.log(`${output}: ${targets.map((target) => `${target.labels.node} ${target.targets[0]}`).join(', ')}`);
