#!/usr/bin/env bash
# VS Code end-to-end test: OUR extension, packaged by `npm run package`, installed into a real
# VS Code (code-server 4.100.3) and driven by headless Chromium (e2e.js). Two sessions:
#   main        the linux-x64 .vsix (bundled binary), workspace trust off. The workspace's
#               .vscode/settings.json sets exportdb.torchVersion (honoured: the status bar says
#               torch 2.5) and exportdb.path to a trap script in the repository (ignored: the
#               bundled binary runs, the trap never does). Diagnostic, code lens, Problems view,
#               hover card, quick fix, save, status bar, every command in the palette, Apply All
#               Safe Fixes, Show Logs, Restart Server, declaring dynamic dims through the lens
#               above Pool's forward (pyproject.toml edited and saved). Then a Jupyter notebook in the same
#               workbench (notebook-e2e.js): its cells through LSP notebook sync.
#   restricted  the universal .vsix (no binary), workspace trust on and the workspace untrusted
#               (Restricted Mode). The user's exportdb.path (in the Remote settings, where
#               code-server keeps machine settings) is ${workspaceFolder}/.venv/bin/exportdb, a
#               wrapper that marks that it ran: refused (error in the status bar and a message; it
#               never runs). Trusting the workspace starts it. Clearing the setting in the
#               Settings editor then starts exportdb from PATH.
# Run setup.sh first (editors/ci.sh does). Env:
#   EXPORTDB   the server binary to package and put on PATH (default: go build from this checkout)
#   ARTEFACTS  screenshots, result.json and logs (default: editors/test/vscode/artefacts; the
#              restricted session's go to ARTEFACTS/restricted)
#   ONLY       "main" or "restricted": one session only
#   VSIX       a prebuilt platform .vsix for the main session (a release artefact, say)
#   PORT       code-server's loopback port (default 8765)
set -uo pipefail
T=$(cd "$(dirname "$0")" && pwd)
EDITORS=$(cd "$T/../.." && pwd)
REPO=$(dirname "$EDITORS")
CACHE=${EXPORTDB_E2E_CACHE:-$HOME/.cache/exportdb-e2e}
CS=$CACHE/code-server-4.100.3/node_modules/.bin/code-server
PLAYWRIGHT_CORE=$CACHE/tools/node_modules/playwright-core
ARTEFACTS=${ARTEFACTS:-$T/artefacts}
PORT=${PORT:-8765}
[ -x "$CS" ] && [ -d "$PLAYWRIGHT_CORE" ] || { echo "run.sh: run $T/setup.sh first" >&2; exit 1; }

W=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work dir: $W"; else trap 'rm -rf "$W"' EXIT; fi
rm -rf "$ARTEFACTS"; mkdir -p "$ARTEFACTS"

# 1. the packages: linux-x64 with the binary, universal without (npm run package checks both)
if [ -z "${EXPORTDB:-}" ]; then
  EXPORTDB=$W/build/exportdb
  (cd "$REPO" && go build -o "$EXPORTDB" ./cmd/exportdb) || { echo "go build failed"; exit 1; }
fi
case $(uname -m) in x86_64) TARGET=linux-x64 ;; aarch64) TARGET=linux-arm64 ;; *) echo "run.sh: no VS Code target for $(uname -m)"; exit 1 ;; esac
(cd "$EDITORS/vscode" && npm run --silent package -- --target "$TARGET=$EXPORTDB" --out-dir "$W/vsix") >"$ARTEFACTS/package.log" 2>&1 \
  || { echo "npm run package failed:"; tail -n 30 "$ARTEFACTS/package.log"; exit 1; }
grep -E '\.vsix: ' "$ARTEFACTS/package.log"
PLATFORM_VSIX=${VSIX:-$(ls "$W"/vsix/exportdb-"$TARGET"-*.vsix)}
UNIVERSAL_VSIX=$(ls "$W"/vsix/exportdb-[0-9]*.vsix)
# exportdb on PATH for the restricted session, and a PATH without any exportdb for the main one
mkdir -p "$W/path" && ln -s "$EXPORTDB" "$W/path/exportdb"
CLEAN_PATH=$(printf '%s' "$PATH" | tr ':' '\n' | while read -r d; do [ -n "$d" ] && [ ! -x "$d/exportdb" ] && printf '%s:' "$d"; done)
CLEAN_PATH=${CLEAN_PATH%:}
# the marketplace points at a dead loopback port, so the workbench never looks up open-vsx.org
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item","resourceUrlTemplate":"http://127.0.0.1:9/r/{publisher}/{name}/{version}/{path}"}'

# session NAME VSIX TRUST USER_PATH_SETTING SESSION_PATH: one code-server run driven by e2e.js
session() {
  local name=$1 vsix=$2 trust=$3 user_path=$4 session_path=$5
  local D=$W/$name OUT=$ARTEFACTS
  [ "$name" = main ] || OUT=$ARTEFACTS/$name
  local UD=$D/user-data EXTDIR=$D/extensions WS=$D/ws
  mkdir -p "$UD/User" "$EXTDIR" "$WS/model" "$WS/trap" "$WS/.vscode" "$OUT"
  XDG_CONFIG_HOME=$UD/xdg XDG_DATA_HOME=$UD/xdgdata "$CS" --user-data-dir "$UD" --extensions-dir "$EXTDIR" \
    --install-extension "$vsix" >"$OUT/install.log" 2>&1 \
    || { echo "installing $vsix failed:"; cat "$OUT/install.log"; return 1; }

  # the workspace: the fixtures, and a repository that tries to choose the binary
  cp "$EDITORS/test/fixtures/pool.py" "$EDITORS/test/fixtures/scratch.py" "$EDITORS/test/fixtures/pool.ipynb" "$WS/model/"
  printf '[project]\nname = "demo"\nversion = "0.1.0"\n' > "$WS/pyproject.toml"
  printf '#!/bin/sh\ntouch "%s/trap/ran"\nexit 1\n' "$WS" > "$WS/trap/exportdb"
  # the project's own exportdb, as pip would install it into a virtual environment
  mkdir -p "$WS/.venv/bin"
  printf '#!/bin/sh\ntouch "%s/.venv/ran"\nexec "%s" "$@"\n' "$WS" "$EXPORTDB" > "$WS/.venv/bin/exportdb"
  chmod +x "$WS/trap/exportdb" "$WS/.venv/bin/exportdb"
  printf '{ "exportdb.path": "trap/exportdb", "exportdb.torchVersion": "2.5" }\n' > "$WS/.vscode/settings.json"

  local trust_settings='"security.workspace.trust.enabled": false,'
  local trust_flag=--disable-workspace-trust
  if [ "$trust" = untrusted ]; then
    trust_settings='"security.workspace.trust.enabled": true, "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.banner": "never", "security.workspace.trust.emptyWindow": false,'
    trust_flag=
  fi
  # exportdb.path is a machine setting: with code-server, as with any remote, it is set in the
  # Remote settings (user-data/Machine/settings.json), which the Settings editor's Remote tab edits
  mkdir -p "$UD/Machine"
  if [ -n "$user_path" ]; then printf '{ "exportdb.path": "%s" }\n' "$user_path"; else echo '{}'; fi > "$UD/Machine/settings.json"
  cat > "$UD/User/settings.json" <<JSON
{ $trust_settings
  "exportdb.trace.server": "messages", "workbench.startupEditor": "none",
  "workbench.tips.enabled": false, "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoUpdate": false, "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true, "chat.disableAIFeatures": true,
  "window.zoomLevel": 0, "editor.fontSize": 14, "editor.minimap.enabled": false }
JSON

  # VSCODE_CLI=1: the server skips resolving the login shell's environment, whose PATH
  # (/etc/profile's) would replace the PATH given here
  VSCODE_CLI=1 PATH=$session_path XDG_CONFIG_HOME=$UD/xdg XDG_DATA_HOME=$UD/xdgdata XDG_CACHE_HOME=$UD/xdgcache \
    "$CS" --bind-addr "127.0.0.1:$PORT" --auth none \
    --disable-telemetry --disable-update-check $trust_flag --disable-getting-started-override \
    --user-data-dir "$UD" --extensions-dir "$EXTDIR" "$WS" >"$OUT/code-server.log" 2>&1 &
  local cspid=$!
  for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

  local rc=0 start=$SECONDS
  XDG_CONFIG_HOME=$UD/browser-config XDG_CACHE_HOME=$UD/browser-cache MODE=$name \
    PLAYWRIGHT_CORE=$PLAYWRIGHT_CORE URL="http://127.0.0.1:$PORT/?folder=$WS" WS=$WS WS_FILE=$WS/model/pool.py \
    FILE=pool.py FOLDER=model EXPECT=$EDITORS/test/fixtures/pool.expect.json SHOTS=$OUT \
    FIXALL_WS_FILE=$WS/model/scratch.py FIXALL_GOLDEN=$EDITORS/test/fixtures/scratch.fixed.py \
    MANIFEST=$EDITORS/vscode/package.json MACHINE_SETTINGS=$UD/Machine/settings.json TRAP_MARKER=$WS/trap/ran VENV_MARKER=$WS/.venv/ran PYPROJECT=$WS/pyproject.toml \
    timeout 300 node "$T/e2e.js" || rc=$?
  if [ "$name" = main ]; then
    XDG_CONFIG_HOME=$UD/browser-config XDG_CACHE_HOME=$UD/browser-cache PLAYWRIGHT_CORE=$PLAYWRIGHT_CORE \
      URL="http://127.0.0.1:$PORT/?folder=$WS" NB_WS_FILE=$WS/model/pool.ipynb FOLDER=model SHOTS=$OUT \
      timeout 300 node "$T/notebook-e2e.js" || rc=$?
  fi
  kill "$cspid"; wait "$cspid" 2>/dev/null
  # the extension host's log (our output channel included) is an artefact too
  find "$UD/logs" -name '*ExportDB*' -exec cp {} "$OUT/" \; 2>/dev/null
  echo "session $name: $([ $rc -eq 0 ] && echo ok || echo "FAIL (rc=$rc)") ($((SECONDS - start)) s)"
  return $rc
}

rc=0
case " ${ONLY:-main restricted} " in *" main "*)
  session main "$PLATFORM_VSIX" trusted "" "$CLEAN_PATH" || rc=1 ;;
esac
case " ${ONLY:-main restricted} " in *" restricted "*)
  # shellcheck disable=SC2016 # ${workspaceFolder} is the extension's variable, not the shell's
  session restricted "$UNIVERSAL_VSIX" untrusted '${workspaceFolder}/.venv/bin/exportdb' "$W/path:$CLEAN_PATH" || rc=1 ;;
esac
echo "artefacts: $ARTEFACTS"
exit $rc
