#!/usr/bin/env bash
# Result-cache benchmark of `exportdb check`. For each corpus and thread count it times, run
# after run, a cold run (empty cache: analyse everything and write the cache), a warm run
# (nothing changed: served from the cache), a run after appending a line to one model
# file, and, in the linked corpus, a run after adding a function to the helper module its
# package's models import (what they see of it changes: the helper and its importers are
# analysed again, the other packages are served unparsed). It reports the best of RUNS of
# each with the cold/warm ratio (wall time; CPU time, user+sys, beside it, since the
# machine is shared). It then checks, in every format, that the report of a warm run, and
# of a run after both edits, is byte for byte the report of a run without the cache.
#
# Corpora: bench/gencorpus with FILES files (independent model files; 3000 is about a
# million lines), the same with -linked (50 packages whose models import their package's
# layers.py: one program per package), and EXTRA, a directory of your own (a real library,
# copied first; EDIT names the file of it to edit, relative to it).
#
#   bench/cache.sh [FILES=3000] [RUNS=3] [THREADS="1 $(nproc)"] [FORMATS="json text ..."]
#                  [EXTRA=/path/to/library EDIT=pkg/models/resnet.py]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-3000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-"1 $(nproc)"}
FORMATS=${FORMATS:-"json text concise sarif github gitlab junit statistics"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/exportdb" ./cmd/exportdb
go run ./bench/gencorpus -root . -out "$work/corpus" -files "$FILES" | sed 's/^/independent: /'
go run ./bench/gencorpus -root . -out "$work/linked" -files "$FILES" -linked | sed 's/^/linked: /'
if [ -n "${EXTRA:-}" ]; then
  cp -r "$EXTRA" "$work/$(basename "$EXTRA")"
  EXTRA=$work/$(basename "$EXTRA")
fi
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

# timed DIR ARGS...: runs check in DIR and prints "wall_ms cpu_ms"
timed() {
  local dir=$1
  shift
  local TIMEFORMAT='%R %U %S' t
  t=$( { time (cd "$dir" && "$work/exportdb" check --exit-zero --quiet "$@" >/dev/null 2>&1); } 2>&1 )
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' <<<"$t"
}

min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }

# bench NAME DIR EDIT HELPER ARGS...: HELPER is "" when the corpus has none
bench() {
  local name=$1 dir=$2 edit=$3 helper=$4
  shift 4
  for th in $THREADS; do
    local cw="" cc="" ww="" wc="" ew="" ec="" hw="-" hc="" w c
    for run in $(seq "$RUNS"); do
      rm -rf "$work/cache"
      read -r w c < <(timed "$dir" --threads "$th" --cache-dir "$work/cache" "$@")
      cw=$(min "$cw" "$w"); cc=$(min "$cc" "$c")
      read -r w c < <(timed "$dir" --threads "$th" --cache-dir "$work/cache" "$@")
      ww=$(min "$ww" "$w"); wc=$(min "$wc" "$c")
      echo "# edited by bench/cache.sh" >>"$dir/$edit"
      read -r w c < <(timed "$dir" --threads "$th" --cache-dir "$work/cache" "$@")
      ew=$(min "$ew" "$w"); ec=$(min "$ec" "$c")
      if [ -n "$helper" ]; then
        printf '\n\ndef added_%s_%s(n):\n    return n + 1\n' "$th" "$run" >>"$dir/$helper"
        read -r w c < <(timed "$dir" --threads "$th" --cache-dir "$work/cache" "$@")
        [ "$hw" = - ] && hw=""
        hw=$(min "$hw" "$w"); hc=$(min "$hc" "$c")
      fi
    done
    printf '%-12s %7s %9s %9s %7s %9s %9s %15s %9s\n' "$name" "$th" "$cw" "$ww" \
      "$(awk -v a="$cw" -v b="$ww" 'BEGIN{printf "%.1fx", a/b}')" "$ew" "$hw" "$cc/$wc" \
      "$(awk -v a="$cc" -v b="$wc" 'BEGIN{printf "%.1fx", a/b}')"
  done
}

printf '\nbest of %s; ms; "model edit": a run after appending a line to one model file; "helper edit":\n' "$RUNS"
printf 'after adding a function to the layers.py 60 models import\n'
printf '%-12s %7s %9s %9s %7s %9s %9s %15s %9s\n' corpus threads cold warm ratio "model ed" "helper ed" "cpu cold/warm" "cpu ratio"
bench independent "$work/corpus" pkg07/model_0007.py "" --no-config --format json
bench linked "$work/linked" pkg07/model_0007.py pkg07/layers.py --no-config --format json
if [ -n "${EXTRA:-}" ]; then
  bench "$(basename "$EXTRA")" "$EXTRA" "${EDIT:?EDIT names the file of EXTRA to edit}" "" --format json
fi
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"

# identical reports: a warm run, then a run after editing a model and a helper, against a
# run without the cache, in every format
echo
for corpus in "$work/corpus" "$work/linked" ${EXTRA:+"$EXTRA"}; do
  args=()
  [ "$corpus" = "${EXTRA:-}" ] || args=(--no-config)
  rm -rf "$work/cache"
  (cd "$corpus" && "$work/exportdb" check --exit-zero --quiet --cache-dir "$work/cache" "${args[@]}" >/dev/null 2>&1)
  for state in warm edited; do
    if [ $state = edited ]; then
      if [ "$corpus" = "${EXTRA:-}" ]; then
        echo "# edited by bench/cache.sh" >>"$corpus/$EDIT"
      else
        echo "# edited by bench/cache.sh" >>"$corpus/pkg03/model_0003.py"
        [ -f "$corpus/pkg03/layers.py" ] && printf '\n\ndef added_again(n):\n    return n * 2\n' >>"$corpus/pkg03/layers.py"
      fi
    fi
    first=1
    for f in $FORMATS; do
      fa=(--format "$f")
      [ "$f" = statistics ] && fa=(--statistics)
      (cd "$corpus" && "$work/exportdb" check --exit-zero --no-cache "${args[@]}" "${fa[@]}" >"$work/ref" 2>&1)
      (cd "$corpus" && "$work/exportdb" check --exit-zero --cache-dir "$work/cache" "${args[@]}" "${fa[@]}" >"$work/warm" 2>&1)
      if cmp -s "$work/ref" "$work/warm"; then
        note=""
        [ $first = 1 ] && [ $state = edited ] && note=", the first run after the edits"
        echo "$(basename "$corpus") $state $f: report identical ($(wc -c <"$work/warm") bytes$note)"
      else
        echo "$(basename "$corpus") $state $f: report DIFFERS from a run without the cache"
        exit 1
      fi
      first=0
    done
  done
done
