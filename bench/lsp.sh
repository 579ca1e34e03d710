#!/usr/bin/env bash
# Language-server benchmarks (issue 8, point 2), from the outside, over stdio:
#   - latency: 200 single-character edits in a 5,200-line file; the time from each didChange
#     to the publishDiagnostics of that version; p50, p95, max (target: p95 <= 10 ms);
#   - memory: 200 documents of 2,000+ lines opened at once; the server's VmRSS once their
#     diagnostics are in, 3 s later, and its peak VmHWM (target: <= 100 MB);
#   - workspace (issue 12): a generated model library of 2,000 files and a million lines as the
#     workspace folder: the time to the workspace index's end (target: 10 s), edit-to-diagnostics
#     in its 5,680-line model file that imports layers and helpers (target: p95 <= 10 ms), a
#     helper edit to the re-diagnosed open model that imports it (target: p95 <= 50 ms), and
#     the server's VmRSS (target: <= 300 MB).
# Builds the binary, runs each measurement RUNS times with a fresh server and prints every
# run and the best (the machine may be shared: the load average is printed with each run).
#
#   bench/lsp.sh                 # RUNS=3
#   RUNS=5 bench/lsp.sh
#   JSON=1 bench/lsp.sh          # one JSON object (every run, and the best) on stdout
#   MODE=workspace bench/lsp.sh  # one of latency, memory, workspace; default all
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
MODE=${MODE:-all}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/exportdb" ./cmd/exportdb
go build -o "$work/lsplatency" ./bench/lsplatency
args=(-bin "$work/exportdb" -mode "$MODE" -runs "$RUNS")
if [ "${JSON:-}" = "1" ]; then
  args+=(-json)
else
  echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"
  echo
fi
"$work/lsplatency" "${args[@]}"
