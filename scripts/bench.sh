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
for scenario in one-to-one latency-under-load; do
  run sim "scenarios/$scenario.yaml" --local --out "bench/results/$scenario.json"
done
echo
if ((${#failed[@]} > 0)); then
  printf 'missed targets: %s\n' "${failed[@]}"
  exit 1
fi
echo 'all benchmarks met their targets'
