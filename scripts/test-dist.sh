#!/usr/bin/env bash
# Tests exportdb as people install it without Go: builds the release artefacts with
# scripts/release.sh, then installs and runs them with the real tools.
#
#   scripts/test-dist.sh                 CI: linux-x86_64 with the system C compiler
#   scripts/test-dist.sh --all-targets   every target, cross-compiled with Zig (slow: minutes
#                                        per target on a cold cache); also runs the aarch64
#                                        binary under qemu-user
#
# 1. the packaging unit tests (wheel contents, platform-tag checks); 2. SHA256SUMS; 3. the
# wheel in a fresh virtual environment with `pip install --no-index`: exportdb --version (the
# release version, and the commit when the tree is clean), python -m exportdb, exportdb check
# on examples/, and a real LSP initialize ... shutdown/exit exchange; 4. the npm packages,
# installed offline; 5. the pre-commit hooks with Debian's pre-commit (packaging/tests/
# pre-commit.sh); 6. the GitHub Action's steps (packaging/tests/action.sh).
# Installs what it needs with apt-get: pre-commit, python3-venv (and for --all-targets
# qemu-user and libc6-arm64-cross).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
all=
[ "${1:-}" = --all-targets ] && all=1
export PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1

step() { printf '\n--> %s\n' "$*"; }
need_apt=()
command -v pre-commit >/dev/null || need_apt+=(pre-commit)
python3 -c 'import ensurepip, venv' 2>/dev/null || need_apt+=(python3-venv)
if [ -n "$all" ]; then
  command -v qemu-aarch64 >/dev/null || need_apt+=(qemu-user)
  [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need_apt+=(libc6-arm64-cross)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  step "apt-get install ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dist=$work/dist
dirty=; [ -n "$(git status --porcelain)" ] && dirty=--allow-dirty

if [ -n "$all" ]; then
  step "scripts/release.sh (every target, Zig)"
  scripts/release.sh $dirty --out "$dist"
else
  step "scripts/release.sh --cc system (linux-x86_64)"
  scripts/release.sh $dirty --cc system --targets linux-x86_64 --out "$dist"
fi

step "SHA256SUMS"
(cd "$dist" && sha256sum -c --quiet SHA256SUMS && echo "$(wc -l <SHA256SUMS) files match SHA256SUMS")

archive=$(cd "$dist" && ls exportdb-*-linux-x86_64.tar.gz)
version=${archive#exportdb-}; version=${version%-linux-x86_64.tar.gz}
tar -xzf "$dist/$archive" -C "$work"
bin=$work/${archive%.tar.gz}/exportdb

step "packaging unit tests"
EXPORTDB_BINARY=$bin python3 -m unittest packaging/python/test_packaging.py 2>&1 | tail -3

step "the wheel in a fresh virtual environment (pip install --no-index)"
wheel=$(cd "$dist" && ls exportdb_lsp-*-manylinux_*_x86_64.whl)
echo "$wheel"
python3 -m venv --without-pip "$work/venv"
"$work/venv/bin/python3" -m ensurepip --upgrade --default-pip >"$work/ensurepip.log" 2>&1 || { cat "$work/ensurepip.log"; exit 1; }
"$work/venv/bin/pip" install -q --no-index "$dist/$wheel"
fails=0
expect() { # expect WHAT COMMAND...: the command must succeed
  local what=$1; shift
  if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
line=$("$work/venv/bin/exportdb" --version)
echo "$line"
expect "exportdb --version names $version" grep -q "^exportdb $version (" <<<"$line"
if [ -z "$dirty" ]; then
  expect "exportdb --version names the commit $(git rev-parse --short=12 HEAD)" grep -q "commit $(git rev-parse --short=12 HEAD)," <<<"$line"
fi
expect "exportdb version prints the same line" [ "$("$work/venv/bin/exportdb" version)" = "$line" ]
expect "python -m exportdb runs the same binary" [ "$("$work/venv/bin/python" -m exportdb --version)" = "$line" ]
set +e
"$work/venv/bin/exportdb" check examples >"$work/check.out" 2>&1
code=$?
set -e
expect "exportdb check examples: exit 1, 4 errors, 1 warning, 1 hint" \
  eval '[ $code = 1 ] && grep -q "^Found 6 findings: 4 errors, 1 warning, 1 hint.$" "$work/check.out"'
expect "exportdb lsp: initialize, diagnostics, shutdown, exit" \
  python3 packaging/tests/lsp_exchange.py "$work/venv/bin/exportdb" examples/router.py

step "npm packages, installed offline"
mkdir -p "$work/npm" && echo '{"name": "npm-install-test", "private": true}' >"$work/npm/package.json"
(cd "$work/npm" && npm install --offline --no-audit --no-fund --omit=optional \
  "$dist"/exportdb-lsp-linux-x64-*.tgz "$dist/$(cd "$dist" && ls exportdb-lsp-[0-9]*.tgz)" >/dev/null)
expect "npx exportdb --version" [ "$(cd "$work/npm" && npx --offline exportdb --version)" = "$line" ]
expect "require('exportdb-lsp').binaryPath()" \
  [ "$(cd "$work/npm" && node -p "require('exportdb-lsp').binaryPath()")" = "$work/npm/node_modules/@exportdb-lsp/linux-x64/bin/exportdb" ]

if [ -n "$all" ]; then
  step "every target"
  for t in linux-x86_64:manylinux_2_17_x86_64 linux-aarch64:manylinux_2_17_aarch64 macos-x86_64:macosx_12_0_x86_64 \
    macos-arm64:macosx_12_0_arm64 windows-x86_64:win_amd64 windows-arm64:win_arm64; do
    expect "${t%%:*}: archive and ${t#*:} wheel" eval "[ -s '$dist/exportdb-$version-${t%%:*}.tar.gz' ] && ls '$dist'/exportdb_lsp-*-py3-none-${t#*:}.whl >/dev/null"
  done
  arm=$work/arm && mkdir -p "$arm" && tar -xzf "$dist/exportdb-$version-linux-aarch64.tar.gz" -C "$arm"
  set +e
  qemu-aarch64 -L /usr/aarch64-linux-gnu "$arm/exportdb-$version-linux-aarch64/exportdb" check examples >"$work/arm.out" 2>&1
  code=$?
  set -e
  expect "linux-aarch64 under qemu-user: exportdb check examples finds the same" \
    eval '[ $code = 1 ] && diff "$work/check.out" "$work/arm.out"'
  printf '#!/bin/sh\nexec qemu-aarch64 -L /usr/aarch64-linux-gnu %s "$@"\n' "$arm/exportdb-$version-linux-aarch64/exportdb" >"$arm/run"
  chmod +x "$arm/run"
  expect "linux-aarch64 under qemu-user: exportdb lsp session" python3 packaging/tests/lsp_exchange.py "$arm/run" examples/router.py
fi

step "pre-commit hooks"
packaging/tests/pre-commit.sh "$work/venv/bin" "$dist" || fails=$((fails + 1))

step "GitHub Action"
packaging/tests/action.sh "$dist" || fails=$((fails + 1))

[ "$fails" = 0 ] || { echo "test-dist.sh: $fails failed"; exit 1; }
echo "test-dist.sh: all passed"
