#!/usr/bin/env bash
# Runs every test of exportdb-lsp: formatting and vet, the Go tests (fuzz seed corpora
# included; scripts/cli-tools.sh first installs the shells and schema validators the CLI's
# tests use), the language server under the race detector, and the editor clients end to end
# (editors/ci.sh installs Neovim, Emacs + eglot, Vim + ALE, Chromium and code-server when
# they are missing), the HTML catalog in Chromium (scripts/test-html-catalog.sh), and the
# release packaging as users install it (scripts/test-dist.sh: the wheel with pip, the npm
# packages, pre-commit, the GitHub Action). Set SKIP_EDITORS=1 to run only the Go tests and
# the packaging, SKIP_BROWSER=1 to skip the catalog's browser check, SKIP_DIST=1 to skip the
# packaging.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "CLI integration tools (zsh, fish, xmllint, ajv)"
scripts/cli-tools.sh
export EXPORTDB_REQUIRE_TOOLS=1 # the completion and schema tests may not skip

step "go test"
go test -count=1 ./...

step "go test -race (language server, parallel rules, arena and incremental parses side by side, check)"
go test -count=1 -race ./lsp/...
go test -count=1 -race -run 'TestParallelMatchesSequential' ./analysis/rules/
go test -count=1 -race -run 'ParseTree|Reuse' ./analysis/syntax/
go test -count=1 -race ./check/

if [ "${SKIP_DIST:-}" = "1" ]; then
  step "release packaging skipped (SKIP_DIST=1)"
else
  step "release packaging: wheel, npm, pre-commit, GitHub Action (scripts/test-dist.sh)"
  scripts/test-dist.sh
fi

if [ "${SKIP_EDITORS:-}" = "1" ] || [ "${SKIP_BROWSER:-}" = "1" ]; then
  step "HTML catalog in Chromium skipped (SKIP_EDITORS=1 or SKIP_BROWSER=1)"
else
  step "HTML catalog in Chromium (desktop and phone widths)"
  scripts/test-html-catalog.sh
fi

if [ "${SKIP_EDITORS:-}" = "1" ]; then
  step "editor clients skipped (SKIP_EDITORS=1)"
elif [ -x editors/ci.sh ]; then
  step "editor clients"
  editors/ci.sh
fi
