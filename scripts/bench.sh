#!/usr/bin/env bash
# npm run bench: the benchmarks on a local cluster (the machine's Postgres, Redis and NATS).
# Micro-benchmarks first, then the performance scenarios, whose JSON reports and SVG charts go
# to bench/results/. Not part of npm test. Exits non-zero if any of them missed its targets.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p bench/results
failed=()
run() {
  echo
  echo "==== $* ===="
  node bin/run.js "$@" || failed+=("$*")
}
run bench latency --local
run bench presence --local
run bench push
# The performance scenarios on `chat-node dev` (every role in one process): on this 2-core box the
# separate-process cluster measured slower (more processes than cores, and a NATS hop per role).
for scenario in one-to-one latency-under-load; do
  run sim "scenarios/$scenario.yaml" --local --out "bench/results/$scenario.json"
done
# Rising rates on one cluster: the highest one whose p99 stays under 50 ms.
run sim scenarios/rate-sweep.yaml --local --rate 500,1000,2000,4000,10000 --out bench/results/rate-sweep.json
# 100k connections from this machine against one gateway node of 6 processes behind one port.
run sim scenarios/connections-100k.yaml --local --gateway-workers 6 --out bench/results/connections-100k.json
echo
if ((${#failed[@]} > 0)); then
  printf 'missed targets: %s\n' "${failed[@]}"
  exit 1
fi
echo 'all benchmarks met their targets'
