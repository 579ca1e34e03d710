#!/usr/bin/env bash
# Installs what the CLI's integration tests run besides Go, when it is missing; scripts/test.sh
# calls it before `go test` and then requires the tests to run (EXPORTDB_REQUIRE_TOOLS=1):
#   zsh, fish          the shell completion scripts are loaded and asked in real shells
#   libxml2-utils      xmllint validates --format junit against the JUnit XSD
#   node + npm ci      ajv (schemas/validate) validates the JSON reports and SARIF
#   python3            tomllib reads the configuration files the editor's dims command writes
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

packages=(zsh fish libxml2-utils python3)
# a node already on PATH (nvm, another package source) serves as well as Debian's
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ ! -d schemas/validate/node_modules/ajv ] || [ schemas/validate/package-lock.json -nt schemas/validate/node_modules/.package-lock.json ]; then
  (cd schemas/validate && npm ci --loglevel=error)
fi
echo "zsh $(zsh --version | cut -d' ' -f2), fish $(fish --version | awk '{print $NF}'), $(xmllint --version 2>&1 | head -1), node $(node --version), ajv $(node -p 'require("./schemas/validate/node_modules/ajv/package.json").version')"
