#!/usr/bin/env bash
# Side-by-side: exportdb check against ast-grep (from the npm registry, installed into a
# temporary directory) on the same generated corpus, with the same thread count, for four
# checks: round() on a shape, self.attr = in forward, torch.sym_min, a tensor default in
# forward; each ast-grep rule (bench/ast-grep/rules) looks at the code exportdb's check
# looks at, in forward (exportdb: the code forward runs). The tools alternate run by run.
# Prints each tool's best wall time over RUNS runs (and every run), lines/s, the ratio, the
# load average, and both tools' finding counts.
#
#   bench/compare-ast-grep.sh [FILES=2000] [THREADS=1 2] [RUNS=5]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-2000}
THREADS=${THREADS:-"1 $(nproc)"}
RUNS=${RUNS:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building exportdb and the corpus ($FILES files)"
go build -o "$work/exportdb" ./cmd/exportdb
go run ./bench/gencorpus -root . -out "$work/corpus" -files "$FILES" | tee "$work/corpus.txt"
lines=$(awk '{print $3}' "$work/corpus.txt")

echo "installing @ast-grep/cli into $work/sg"
npm install --prefix "$work/sg" --no-audit --no-fund --silent @ast-grep/cli@0.51.1 >/dev/null
SG="$work/sg/node_modules/.bin/ast-grep"
"$SG" --version

# ms CMD...: one run's wall time, in milliseconds
ms() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >/dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}

checks=dynamic_shape_round,model_attr_mutation,torch_sym_min,optional_input
# torch 2.11: the newest version where all four checks are reported (torch.sym_min exports
# from 2.12 on; exportdb still runs the check then, but only shows it on hover), so that
# the finding counts below compare like with like.
torch=2.11
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
printf '\n%-8s %-10s %12s %14s\n' threads tool "best ms" "lines/s"
for th in $THREADS; do
  # the two tools alternate, run by run, so that a change in the machine's load hits both
  e=""; s=""; es=""; ss=""
  for _ in $(seq "$RUNS"); do
    a=$(ms "$work/exportdb" check --threads "$th" --select "$checks" --torch-version "$torch" --exit-zero --quiet --no-config --format json "$work/corpus")
    b=$(ms "$SG" scan -c bench/ast-grep/sgconfig.yml --threads "$th" --json=stream "$work/corpus")
    es="$es $a"; ss="$ss $b"
    if [ -z "$e" ] || [ "$a" -lt "$e" ]; then e=$a; fi
    if [ -z "$s" ] || [ "$b" -lt "$s" ]; then s=$b; fi
  done
  printf '%-8s %-10s %12d %14d   runs:%s\n' "$th" exportdb "$e" $(( lines * 1000 / (e > 0 ? e : 1) )) "$es"
  printf '%-8s %-10s %12d %14d   runs:%s\n' "$th" ast-grep "$s" $(( lines * 1000 / (s > 0 ? s : 1) )) "$ss"
  awk -v e="$e" -v s="$s" -v th="$th" 'BEGIN { printf "%-8s ratio exportdb/ast-grep time: %.2f (below 1 means exportdb is faster)\n", th, e / s }'
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"
echo
echo "finding counts on the corpus (the rules differ where ast-grep cannot follow data flow,"
echo "imports or calls out of forward: see bench/ast-grep/rules/*.yml):"
"$work/exportdb" check --select "$checks" --torch-version "$torch" --exit-zero --no-config --statistics --quiet "$work/corpus" || true
"$SG" scan -c bench/ast-grep/sgconfig.yml --json=stream "$work/corpus" 2>/dev/null | python3 -c 'import json,sys,collections; print(dict(collections.Counter(json.loads(l)["ruleId"] for l in sys.stdin if l.strip())))' || true
