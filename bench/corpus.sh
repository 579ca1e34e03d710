#!/usr/bin/env bash
# Corpus benchmark of `exportdb check`: generates a corpus of model files (bench/gencorpus)
# and reports wall time, lines/s and files/s with every rule, on one thread and on all
# cores. Best of RUNS runs.
#
#   bench/corpus.sh [FILES=2000] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-2000}
RUNS=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/exportdb" ./cmd/exportdb
go run ./bench/gencorpus -root . -out "$work/corpus" -files "$FILES" | tee "$work/corpus.txt"
files=$(awk '{print $1}' "$work/corpus.txt")
lines=$(awk '{print $3}' "$work/corpus.txt")
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
printf '\n%-8s %10s %12s %10s\n' threads "best ms" "lines/s" "files/s"
for th in 1 $(nproc); do
  best=""
  for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    "$work/exportdb" check --threads "$th" --no-config --exit-zero --quiet --format json "$work/corpus" >/dev/null
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  printf '%-8s %10d %12d %10d\n' "$th" "$best" $(( lines * 1000 / best )) $(( files * 1000 / best ))
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
