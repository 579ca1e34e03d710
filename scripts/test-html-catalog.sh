#!/usr/bin/env bash
# Loads the HTML catalog (exportdb docs --format html) in a real browser, Debian's Chromium
# driven by playwright-core, at desktop and phone widths, and checks its layout
# (catalog/render/browsertest/check.js says what). scripts/test.sh runs it unless
# SKIP_EDITORS=1 or SKIP_BROWSER=1. Installs what it needs: chromium from apt (as root) and
# playwright-core with npm ci; no browser is downloaded.
#
# Env: ARTEFACTS  screenshots and result.json (default catalog/render/browsertest/artefacts)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
ARTEFACTS=${ARTEFACTS:-$REPO/catalog/render/browsertest/artefacts}

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "test-html-catalog.sh: chromium is missing; apt-get install -y chromium" >&2
    exit 1
  fi
fi

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
go run ./cmd/exportdb docs --format html --out "$T/site"
(cd catalog/render/browsertest && npm ci --no-audit --no-fund --loglevel=error)
# Chromium writes its profile under XDG dirs; keep them out of $HOME.
SITE=$T/site ARTEFACTS=$ARTEFACTS CHROMIUM=$(command -v chromium) \
  XDG_CONFIG_HOME=$T/xdg-config XDG_CACHE_HOME=$T/xdg-cache \
  timeout 180 node catalog/render/browsertest/check.js
