#!/usr/bin/env bash
# Install a real VS Code workbench for the e2e test: code-server 4.100.3 (VS Code 1.100.3, the
# newest code-server whose engines.node is 20) plus playwright-core, which drives Debian's
# /usr/bin/chromium and never downloads a browser. Only the npm registry is contacted here; the
# apt packages (chromium libkrb5-dev pkg-config ripgrep g++ make python3) come from editors/ci.sh.
# Recipe and traps: /work/shared/editor-clients.md §2.
#
# Everything lands in $EXPORTDB_E2E_CACHE (default ~/.cache/exportdb-e2e); a second run is a no-op.
set -euo pipefail
CACHE=${EXPORTDB_E2E_CACHE:-$HOME/.cache/exportdb-e2e}
CS_VERSION=4.100.3
PW_VERSION=1.65.1
PREFIX=$CACHE/code-server-$CS_VERSION
TOOLS=$CACHE/tools

for bin in chromium rg g++ make python3 pkg-config; do
  command -v "$bin" >/dev/null || { echo "setup.sh: $bin missing; apt-get install -y chromium libkrb5-dev pkg-config ripgrep g++ make python3" >&2; exit 1; }
done
[ -f /usr/include/gssapi/gssapi.h ] || { echo "setup.sh: libkrb5-dev missing (kerberos native module needs gssapi.h)" >&2; exit 1; }

if [ ! -x "$PREFIX/node_modules/.bin/code-server" ]; then
  # @vscode/ripgrep@1.15.11 (pinned by code-server 4.100.3) downloads rg from GitHub in its
  # postinstall unless this cache file exists; seed it with Debian's rg.
  RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$RG_CACHE"
  t=$(mktemp -d); cp "$(command -v rg)" "$t/rg"
  tar czf "$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$t" rg; rm -rf "$t"
  mkdir -p "$PREFIX"
  # npm_config_nodedir=/usr: node-gyp uses /usr/include/node instead of downloading headers.
  # npm_config_yes=true: node-pty's postinstall runs 'npx node-gyp', which refuses without a TTY.
  # --unsafe-perm: code-server's postinstall.sh refuses to run as root without it.
  npm_config_nodedir=/usr npm_config_yes=true \
    npm install --prefix "$PREFIX" "code-server@$CS_VERSION" --unsafe-perm --no-audit --no-fund --loglevel=error
fi
# --version writes config under XDG dirs; keep them out of $HOME.
XDG_CONFIG_HOME=$CACHE/xdg XDG_DATA_HOME=$CACHE/xdg "$PREFIX/node_modules/.bin/code-server" --version 2>/dev/null | tail -1

if [ ! -d "$TOOLS/node_modules/playwright-core" ]; then
  mkdir -p "$TOOLS"
  npm install --prefix "$TOOLS" "playwright-core@$PW_VERSION" --no-audit --no-fund --loglevel=error
fi
echo "code-server: $PREFIX/node_modules/.bin/code-server"
echo "playwright-core: $TOOLS/node_modules/playwright-core"
