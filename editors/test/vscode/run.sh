#!/usr/bin/env bash
# VS Code end-to-end test: OUR extension, packaged as a .vsix with the bundled Linux binary,
# installed into a real VS Code (code-server 4.100.3) and driven by headless Chromium
# (e2e.js): diagnostic in the Problems view, hover card, quick fix via Ctrl+. and Enter, save.
# Run setup.sh first (editors/ci.sh does). Env:
#   ARTEFACTS  where screenshots, result.json and logs go (default: editors/test/vscode/artefacts)
#   VSIX       a prebuilt .vsix (default: built here with `npm run package`)
#   SERVER     set exportdb.path to this binary instead of using the bundled one
#   PORT       code-server's loopback port (default 8765)
set -uo pipefail
T=$(cd "$(dirname "$0")" && pwd)
EDITORS=$(cd "$T/../.." && pwd)
CACHE=${EXPORTDB_E2E_CACHE:-$HOME/.cache/exportdb-e2e}
CS=$CACHE/code-server-4.100.3/node_modules/.bin/code-server
PLAYWRIGHT_CORE=$CACHE/tools/node_modules/playwright-core
ARTEFACTS=${ARTEFACTS:-$T/artefacts}
PORT=${PORT:-8765}
[ -x "$CS" ] && [ -d "$PLAYWRIGHT_CORE" ] || { echo "run.sh: run $T/setup.sh first" >&2; exit 1; }

W=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then echo "work dir: $W"; else trap 'rm -rf "$W"' EXIT; fi
rm -rf "$ARTEFACTS"; mkdir -p "$ARTEFACTS"
UD=$W/user-data EXTDIR=$W/extensions WS=$W/ws
mkdir -p "$UD/User" "$EXTDIR" "$WS/model"

# 1. the .vsix: compiled extension + bin/exportdb built from this checkout
if [ -z "${VSIX:-}" ]; then
  VSIX=$W/exportdb.vsix
  (cd "$EDITORS/vscode" && npm run --silent package -- --out "$VSIX") >"$ARTEFACTS/package.log" 2>&1 \
    || { echo "npm run package failed:"; tail -n 30 "$ARTEFACTS/package.log"; exit 1; }
fi
XDG_CONFIG_HOME=$UD/xdg XDG_DATA_HOME=$UD/xdgdata "$CS" --user-data-dir "$UD" --extensions-dir "$EXTDIR" \
  --install-extension "$VSIX" >"$ARTEFACTS/install.log" 2>&1 \
  || { echo "installing $VSIX failed:"; cat "$ARTEFACTS/install.log"; exit 1; }

# 2. a workspace with the fixture; a fresh profile that never reaches the network
cp "$EDITORS/test/fixtures/pool.py" "$EDITORS/test/fixtures/scratch.py" "$WS/model/"
printf '[project]\nname = "demo"\nversion = "0.1.0"\n' > "$WS/pyproject.toml"
SERVER_SETTING=""
[ -n "${SERVER:-}" ] && SERVER_SETTING="\"exportdb.path\": \"$SERVER\","
cat > "$UD/User/settings.json" <<JSON
{ $SERVER_SETTING
  "exportdb.trace.server": "messages",
  "security.workspace.trust.enabled": false, "workbench.startupEditor": "none",
  "workbench.tips.enabled": false, "workbench.enableExperiments": false,
  "telemetry.telemetryLevel": "off", "update.mode": "none",
  "extensions.autoUpdate": false, "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true, "chat.disableAIFeatures": true,
  "window.zoomLevel": 0, "editor.fontSize": 14, "editor.minimap.enabled": false }
JSON
# the marketplace points at a dead loopback port, so the workbench never looks up open-vsx.org
export EXTENSIONS_GALLERY='{"serviceUrl":"http://127.0.0.1:9/gallery","itemUrl":"http://127.0.0.1:9/item","resourceUrlTemplate":"http://127.0.0.1:9/r/{publisher}/{name}/{version}/{path}"}'

# 3. code-server on loopback; PATH without any exportdb, so the bundled binary is what runs
CLEAN_PATH=$(printf '%s' "$PATH" | tr ':' '\n' | while read -r d; do [ -n "$d" ] && [ ! -x "$d/exportdb" ] && printf '%s:' "$d"; done)
PATH=${CLEAN_PATH%:} XDG_CONFIG_HOME=$UD/xdg XDG_DATA_HOME=$UD/xdgdata XDG_CACHE_HOME=$UD/xdgcache \
  "$CS" --bind-addr "127.0.0.1:$PORT" --auth none \
  --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$UD" --extensions-dir "$EXTDIR" "$WS" >"$ARTEFACTS/code-server.log" 2>&1 &
CSPID=$!
for _ in $(seq 1 150); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

# 4. drive it
XDG_CONFIG_HOME=$UD/browser-config XDG_CACHE_HOME=$UD/browser-cache \
  PLAYWRIGHT_CORE=$PLAYWRIGHT_CORE URL="http://127.0.0.1:$PORT/?folder=$WS" WS_FILE=$WS/model/pool.py \
  FILE=pool.py FOLDER=model EXPECT=$EDITORS/test/fixtures/pool.expect.json SHOTS=$ARTEFACTS \
  FIXALL_WS_FILE=$WS/model/scratch.py FIXALL_GOLDEN=$EDITORS/test/fixtures/scratch.fixed.py \
  EXPECT_ORIGIN=$([ -n "${SERVER:-}" ] && echo setting || echo bundled) \
  timeout 300 node "$T/e2e.js"
rc=$?
kill "$CSPID"; wait "$CSPID" 2>/dev/null
# the extension host's log (our output channel included) is an artefact too
find "$UD/logs" -name '*ExportDB*' -exec cp {} "$ARTEFACTS/" \; 2>/dev/null
echo "artefacts: $ARTEFACTS"
exit $rc
