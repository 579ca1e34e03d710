#!/usr/bin/env bash
# CI for the editor clients; .ci/run calls it. Runs as root on a fresh Debian 12 machine
# (no TTY, CI=true) and needs only Debian's apt, the npm registry and the Go module proxy:
#   1. apt packages: the terminal editors, and chromium + native build deps for code-server
#   2. the exportdb binary, built from this checkout
#   3. the VS Code extension: npm ci, compile (tsc, strict), typecheck (tsc --noEmit), lint, test
#      (unit tests, and the packager with the real vsce: per-platform and universal .vsix)
#   4. Neovim 0.7.2 (our plugin), Emacs 28 + eglot and Vim 9 + ALE (the README's snippets)
#   5. VS Code 1.100.3 (code-server 4.100.3) with our packaged .vsix files (the linux-x64 one,
#      then the universal one in Restricted Mode), driven by chromium
# Every step runs even after a failure; the summary lists each and the exit status is non-zero
# when any failed. Env: ARTEFACTS (VS Code screenshots; default editors/test/vscode/artefacts),
# SKIP_VSCODE=1 skips step 5, EXPORTDB_E2E_CACHE (code-server install; default ~/.cache/exportdb-e2e).
set -uo pipefail
EDITORS=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$EDITORS")
BIN_DIR=$(mktemp -d)
trap 'rm -rf "$BIN_DIR"' EXIT
EXPORTDB=$BIN_DIR/exportdb
export DEBIAN_FRONTEND=noninteractive npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

APT_PACKAGES=(neovim emacs-nox elpa-eglot vim-ale vim chromium libkrb5-dev pkg-config ripgrep g++ make python3 curl)
results=()
failed=0
step() { # step NAME CMD...: run with a header and a timing, record the outcome
  local name=$1; shift
  local start=$SECONDS
  printf '\n==== %s ====\n' "$name"
  if "$@"; then
    results+=("ok   $name ($((SECONDS - start)) s)")
  else
    results+=("FAIL $name ($((SECONDS - start)) s)")
    failed=1
  fi
}
summary() {
  printf '\n==== editors: summary ====\n'
  printf '%s\n' "${results[@]}"
  exit "$failed"
}

install_apt() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then echo "all installed: ${APT_PACKAGES[*]}"; return 0; fi
  echo "installing: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
}
build_server() { (cd "$REPO" && go build -o "$EXPORTDB" ./cmd/exportdb && "$EXPORTDB" version); }
extension() {
  cd "$EDITORS/vscode" || return 1
  npm ci --loglevel=error && npm run compile && npm run typecheck && npm run lint && npm test
}
vscode_e2e() {
  "$EDITORS/test/vscode/setup.sh" && EXPORTDB="$EXPORTDB" "$EDITORS/test/vscode/run.sh"
}

step "apt packages" install_apt
step "build exportdb" build_server
[ -x "$EXPORTDB" ] || summary # nothing below can run without the binary
step "VS Code extension: npm ci, compile, typecheck, lint, unit tests" extension
step "Neovim, Emacs + eglot, Vim + ALE" env EXPORTDB="$EXPORTDB" "$EDITORS/test/run-editors.sh"
if [ -z "${SKIP_VSCODE:-}" ]; then
  step "VS Code (code-server) end to end" vscode_e2e
fi
summary
