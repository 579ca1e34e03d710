#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME each (default 10m), one after another. `go test ./...`
# already replays their seed corpora (and any crashers saved under testdata/fuzz) in CI.
#
#   bench/fuzz.sh            # all targets, 10 minutes each
#   FUZZTIME=30s bench/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-10m}
fail=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func \(Fuzz[A-Za-z0-9_]*\)' "$dir"/*_test.go 2>/dev/null | awk '{print $2}' | sort -u); do
    echo "==> $pkg $target ($FUZZTIME)"
    if ! go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME"; then
      echo "FAIL: $pkg $target (the crasher is saved under $dir/testdata/fuzz/$target)"
      fail=1
    fi
  done
done
exit $fail
