#!/usr/bin/env bash
# Result-cache benchmark of `exportdb check`. For each corpus and thread count it times, run
# after run, a cold run (empty cache: analyse everything and write the cache), a warm run
# (nothing changed: served from the cache), a run after appending a line to one model file
# (its surface does not change: only it is analysed, but its part of the import graph is
# parsed and linked again), and, where the corpus has one, a run after adding a function
# to a helper module models import (its surface changes: it and the files depending on it
# are analysed). It reports the best of RUNS of each with the cold/warm ratio (wall time;
# CPU time, user+sys, beside it, since the machine is shared). It then checks, in every
# format, that the report of a warm run, and of the first run after both edits, is byte
# for byte the report of a run without the cache (in the library, the helper edit also makes
# feat_size return a constant, which takes a finding away from the large model file).
#
# Corpora (bench/gencorpus, each about a million lines):
#   independent  FILES independent model files (3000 is about a million lines)
#   linked       the same as 50 packages whose models import their package's layers.py:
#                50 small parts of the import graph
#   library      -layout package: one model library (2000 files), every file in one part
#                of the graph; the helper is vision/layers/helpers.py, which 650 files import
# and EXTRA, a directory of your own (a real library, copied first; EDIT names the file of
# it to edit, relative to it).
#
#   bench/cache.sh [FILES=3000] [RUNS=3] [THREADS="1 $(nproc)"] [CORPORA="independent linked library"]
#                  [FORMATS="json text ..."] [EXTRA=/path/to/library EDIT=pkg/models/resnet.py]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${FILES:-3000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-"1 $(nproc)"}
CORPORA=${CORPORA:-"independent linked library"}
FORMATS=${FORMATS:-"json text concise sarif github gitlab junit statistics"}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/exportdb" ./cmd/exportdb

# per corpus: its directory, the model file to edit, the helper to edit ("" for none), flags
declare -A dir model helper flags
for c in $CORPORA; do
  case $c in
  independent)
    go run ./bench/gencorpus -root . -out "$work/$c" -files "$FILES" | sed "s/^/$c: /"
    model[$c]=pkg07/model_0007.py helper[$c]=""
    ;;
  linked)
    go run ./bench/gencorpus -root . -out "$work/$c" -files "$FILES" -linked | sed "s/^/$c: /"
    model[$c]=pkg07/model_0007.py helper[$c]=pkg07/layers.py
    ;;
  library)
    go run ./bench/gencorpus -root . -out "$work/$c" -layout package -files $((FILES * 2 / 3)) -lines $((FILES * 1000 / 3)) | sed "s/^/$c: /"
    model[$c]=vision/models/vision_transformer.py helper[$c]=vision/layers/helpers.py
    ;;
  *)
    echo "unknown corpus $c" >&2
    exit 2
    ;;
  esac
  dir[$c]=$work/$c flags[$c]="--no-config"
done
if [ -n "${EXTRA:-}" ]; then
  c=$(basename "$EXTRA")
  cp -r "$EXTRA" "$work/$c"
  CORPORA="$CORPORA $c"
  dir[$c]=$work/$c model[$c]=${EDIT:?EDIT names the file of EXTRA to edit} helper[$c]="" flags[$c]=""
fi
echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg) before the runs"

# timed DIR ARGS...: runs check in DIR and prints "wall_ms cpu_ms"
timed() {
  local d=$1
  shift
  local TIMEFORMAT='%R %U %S' t
  t=$( { time (cd "$d" && "$work/exportdb" check --exit-zero --quiet "$@" >/dev/null 2>&1); } 2>&1 )
  awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' <<<"$t"
}

min() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }

# edit_helper FILE TAG: adds a function to FILE (what its importers see of it changes)
edit_helper() { printf '\n\ndef added_%s(n):\n    return n + 1\n' "$2" >>"$1"; }

row() { printf '%-12s %7s %9s %9s %7s %9s %9s %9s %9s %9s\n' "$@"; }

# bench CORPUS
bench() {
  local c=$1 d=${dir[$1]} f
  read -ra f <<<"${flags[$1]}"
  for th in $THREADS; do
    local cw="" cc="" ww="" wc="" ew="" ec="" hw="" hc="" w c2
    for run in $(seq "$RUNS"); do
      rm -rf "$work/cache"
      read -r w c2 < <(timed "$d" --threads "$th" --cache-dir "$work/cache" --format json "${f[@]}")
      cw=$(min "$cw" "$w"); cc=$(min "$cc" "$c2")
      read -r w c2 < <(timed "$d" --threads "$th" --cache-dir "$work/cache" --format json "${f[@]}")
      ww=$(min "$ww" "$w"); wc=$(min "$wc" "$c2")
      echo "# edited by bench/cache.sh" >>"$d/${model[$c]}"
      read -r w c2 < <(timed "$d" --threads "$th" --cache-dir "$work/cache" --format json "${f[@]}")
      ew=$(min "$ew" "$w"); ec=$(min "$ec" "$c2")
      if [ -n "${helper[$c]}" ]; then
        edit_helper "$d/${helper[$c]}" "${th}_$run"
        read -r w c2 < <(timed "$d" --threads "$th" --cache-dir "$work/cache" --format json "${f[@]}")
        hw=$(min "$hw" "$w"); hc=$(min "$hc" "$c2")
      fi
    done
    row "$c" "$th" "$cw" "$ww" "$(awk -v a="$cw" -v b="$ww" 'BEGIN{printf "%.1fx", a/b}')" "$ew" "${hw:--}" \
      "$cc" "$wc" "$(awk -v a="$cc" -v b="$wc" 'BEGIN{printf "%.1fx", a/b}')"
    row "" "" "" "" "" "cpu $ec" "cpu ${hc:--}" "" "" ""
  done
}

printf '\nbest of %s; ms; "model": after appending a line to one model file; "helper": after\n' "$RUNS"
printf 'adding a function to a helper module that models import (wall time, CPU time below)\n'
row corpus threads cold warm ratio model helper "cpu cold" "cpu warm" "cpu ratio"
for c in $CORPORA; do
  bench "$c"
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after the runs"

# identical reports: a warm run, then the first run after editing a model and a helper,
# against a run without the cache, in every format
echo
for c in $CORPORA; do
  d=${dir[$c]}
  read -ra f <<<"${flags[$c]}"
  rm -rf "$work/cache"
  (cd "$d" && "$work/exportdb" check --exit-zero --quiet --cache-dir "$work/cache" "${f[@]}" >/dev/null 2>&1)
  for state in warm edited; do
    if [ $state = edited ]; then
      echo "# edited by bench/cache.sh" >>"$d/${model[$c]}"
      [ -z "${helper[$c]}" ] || edit_helper "$d/${helper[$c]}" again
      if [ "$c" = library ]; then # feat_size returns a constant: a finding of the large model goes
        sed -i 's/^    return x.shape\[-1\]$/    return 8/' "$d/${helper[$c]}"
        grep -q '^    return 8$' "$d/${helper[$c]}" || { echo "library: feat_size not found" >&2; exit 1; }
      fi
    fi
    first=1
    for fmt in $FORMATS; do
      fa=(--format "$fmt")
      [ "$fmt" = statistics ] && fa=(--statistics)
      (cd "$d" && "$work/exportdb" check --exit-zero --no-cache "${f[@]}" "${fa[@]}" >"$work/ref" 2>&1)
      (cd "$d" && "$work/exportdb" check --exit-zero --cache-dir "$work/cache" "${f[@]}" "${fa[@]}" >"$work/got" 2>&1)
      note=""
      [ $first = 1 ] && [ $state = edited ] && note=", the first run after the edits"
      if [ "$fmt" = json ]; then
        echo "$c $state: $(grep -c '"case":' "$work/got") findings"
      fi
      if cmp -s "$work/ref" "$work/got"; then
        echo "$c $state $fmt: report identical ($(wc -c <"$work/got") bytes$note)"
      else
        echo "$c $state $fmt: report DIFFERS from a run without the cache$note"
        exit 1
      fi
      first=0
    done
  done
done
