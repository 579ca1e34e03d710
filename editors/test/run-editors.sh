#!/usr/bin/env bash
# End-to-end tests of `exportdb lsp` in real terminal editors, on fixtures/pool.py:
#   nvim            headless Neovim (Debian 0.7.2) with OUR plugin, editors/nvim
#   nvim_dims       the same, declaring dynamic dims (lens, :ExportDB dims) on fixtures/dims
#   emacs           Emacs 28 + eglot with the README's eglot snippet, verbatim
#   vim_ale         Vim 9 + ALE with the README's ALE snippet, verbatim
#   snippet_syntax  the README's Neovim 0.11 / lspconfig, Helix and Zed snippets and
#                   nvim/lsp/exportdb.lua parse
#   helptags        :helptags on editors/nvim/doc (tag syntax, no duplicates)
# Needs: apt-get install -y neovim emacs-nox elpa-eglot vim-ale python3 (vim is preinstalled).
# Env: EXPORTDB   the server binary (default: built from this checkout)
#      KEEP=1     keep the work dir
#      ONLY       a subset, e.g. ONLY="nvim emacs"
#      NVIM_EXTRA "/path/nvim ...": run the Neovim test with these too, as nvim_<version>, and
#                 for 0.11 and later nvim-lsp-enable-test.lua (lsp/exportdb.lua with
#                 vim.lsp.enable, no setup()) as nvim_lsp_enable_<version> (0.10 / 0.12 from
#                 trixie / sid root filesystems made with debootstrap and run through their own
#                 ld.so: /work/shared/editor-clients.md §1b)
# Prints "N passed, N failed"; exits non-zero on failure. Each client runs under `timeout 90`.
set -u
T=$(cd "$(dirname "$0")" && pwd)
EDITORS=$(dirname "$T")
REPO=$(dirname "$EDITORS")
README=$EDITORS/nvim/README.md
W=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work dir: $W"; else trap 'rm -rf "$W"' EXIT; fi

if [ -z "${EXPORTDB:-}" ]; then
  EXPORTDB=$W/build/exportdb
  (cd "$REPO" && go build -o "$EXPORTDB" ./cmd/exportdb) || { echo "go build failed"; echo "0 passed, 1 failed"; exit 1; }
fi
EXPORTDB=$(cd "$(dirname "$EXPORTDB")" && pwd)/$(basename "$EXPORTDB")
# The README snippets run plain `exportdb`: put the binary under test first on PATH.
mkdir -p "$W/bin" && ln -s "$EXPORTDB" "$W/bin/exportdb"
export PATH=$W/bin:$PATH

# snippet NAME: the first fenced block after "<!-- snippet: NAME" in the README, verbatim.
snippet() {
  awk -v name="$1" '
    index($0, "<!-- snippet: " name " ") == 1 || $0 == "<!-- snippet: " name " -->" { found = 1; next }
    found && !open && /^```/ { open = 1; next }
    open && /^```/ { exit }
    open { print }' "$README"
}

# failed_steps FILE: the failed checks and the error of a client's result.json, shortened.
failed_steps() {
  python3 - "$1" <<'PY' || cat "$1"
import json, sys
r = json.load(open(sys.argv[1]))
steps = r.get("steps", r) if isinstance(r, dict) else r
for s in steps:
    if not s.get("ok", True) or "error" in s:
        print(json.dumps(s)[:1500])
if isinstance(r, dict) and r.get("error"):
    print(str(r["error"])[:1500])
PY
}

pass=0 fails=0
# run NAME CMD...: a fresh project per client; the client writes $OUT and exits 0 on success.
run() {
  local name=$1; shift
  case " ${ONLY:-$name} " in *" $name "*) ;; *) return ;; esac
  local d=$W/$name
  mkdir -p "$d/proj/model" "$d/lonely" "$d/missing" "$d/cache" "$d/state"
  printf '[project]\nname = "demo"\nversion = "0.1.0"\n' > "$d/proj/pyproject.toml"
  cp "$T/fixtures/pool.py" "$d/proj/model/pool.py"
  cp "$T/fixtures/scratch.py" "$d/proj/model/scratch.py"
  printf 'import torch\n' > "$d/proj/model/other.py"
  printf 'import torch\n' > "$d/lonely/x.py"
  printf 'import torch\n' > "$d/missing/a.py"
  printf 'import torch\n' > "$d/missing/b.py"
  local start=$SECONDS rc=0
  EXPORTDB=$EXPORTDB PLUGIN=$EDITORS/nvim PROJ=$d/proj PYFILE=$d/proj/model/pool.py \
    SECOND=$d/proj/model/other.py OTHER=$d/lonely/x.py EXPECT=$T/fixtures/pool.expect.json \
    FIXALL=$d/proj/model/scratch.py FIXALL_GOLDEN=$T/fixtures/scratch.fixed.py \
    MISSING1=$d/missing/a.py MISSING2=$d/missing/b.py \
    SNIPPET=$d/snippet WORK=$d FIXTURES=$T/fixtures OUT=$d/result.json XDG_CACHE_HOME=$d/cache XDG_STATE_HOME=$d/state \
    XDG_CONFIG_HOME=$d/config HOME=$d \
    timeout 90 "$@" >"$d/log" 2>&1 </dev/null || rc=$?
  if [ "$rc" -eq 0 ]; then
    echo "ok   $name ($((SECONDS - start)) s)"; pass=$((pass + 1))
  else
    echo "FAIL $name (rc=$rc, $((SECONDS - start)) s)"; fails=$((fails + 1))
    { failed_steps "$d/result.json"; tail -n 30 "$d/log"; } 2>/dev/null | sed 's/^/     /'
    for f in "$d"/cache/nvim/lsp.log "$d"/state/nvim/lsp.log; do [ -f "$f" ] && tail -n 20 "$f" | sed 's/^/     lsp.log: /'; done
  fi
}

NVIM="nvim --headless -u NONE -i NONE -n"
run nvim $NVIM -c "luafile $T/nvim-test.lua"
run nvim_dims $NVIM -c "luafile $T/nvim-dims-test.lua"
for other in ${NVIM_EXTRA:-}; do
  v=$("$other" --version | head -n 1 | sed 's/^NVIM v//')
  run "nvim_$v" "$other" --headless -u NONE -i NONE -n -c "luafile $T/nvim-test.lua"
  # lsp/exportdb.lua with vim.lsp.enable, without setup(): Neovim 0.11 and later
  if "$other" --headless -u NONE -i NONE -n -c 'exe has("nvim-0.11") ? "qall!" : "cquit 1"' 2>/dev/null; then
    run "nvim_lsp_enable_$v" "$other" --headless -u NONE -i NONE -n -c "luafile $T/nvim-lsp-enable-test.lua"
  fi
done
mkdir -p "$W/emacs" && snippet emacs-eglot > "$W/emacs/snippet"
[ -s "$W/emacs/snippet" ] || echo "no emacs-eglot snippet in $README" >&2
run emacs emacs --batch -Q -l "$T/emacs-eglot-test.el"
mkdir -p "$W/vim_ale" && snippet vim-ale > "$W/vim_ale/snippet"
[ -s "$W/vim_ale/snippet" ] || echo "no vim-ale snippet in $README" >&2
run vim_ale vim -N -u NONE -i NONE -es -S "$T/vim-ale-test.vim"
# The README snippets no editor here runs (Neovim 0.11+ / lspconfig, Helix, Zed) and
# nvim/lsp/exportdb.lua (Neovim 0.11+; run by nvim-lsp-enable-test.lua with NVIM_EXTRA) are
# parsed, so at least their syntax is proven.
snippet nvim-0.11 > "$W/nvim-0.11.lua"; snippet nvim-lspconfig > "$W/nvim-lspconfig.lua"
snippet helix > "$W/helix.toml"; snippet zed > "$W/zed.json"
run snippet_syntax sh -c '
  for f in "$0"/nvim-0.11.lua "$0"/nvim-lspconfig.lua "$0"/helix.toml "$0"/zed.json; do
    [ -s "$f" ] || { echo "empty snippet: $f"; exit 1; }
  done
  python3 -c "import json, sys, tomllib; tomllib.load(open(sys.argv[1], \"rb\")); json.load(open(sys.argv[2]))" \
    "$0/helix.toml" "$0/zed.json" &&
  nvim --headless -u NONE -i NONE -n -c "lua local ok = loadfile([[$0/nvim-0.11.lua]]) and loadfile([[$0/nvim-lspconfig.lua]]) and loadfile([[$1]]); vim.cmd(ok and \"qall!\" or \"cquit 1\")"' "$W" "$EDITORS/nvim/lsp/exportdb.lua"
# :helptags fails (E154) on a duplicate tag; the help must also open on its main tag.
cp -r "$EDITORS/nvim/doc" "$W/doc"
run helptags $NVIM -c "try | helptags $W/doc | set rtp^=$W | help exportdb | help :ExportDB-fixall | qall! | catch | cquit 1 | endtry"

echo "$pass passed, $fails failed"
[ "$fails" -eq 0 ]
