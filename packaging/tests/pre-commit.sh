#!/usr/bin/env bash
# Tests the pre-commit hooks with the real pre-commit on a sample repository, offline:
#
#   packaging/tests/pre-commit.sh BINDIR WHEELDIR
#
# BINDIR holds the exportdb to test (the wheel's virtual environment's bin/); WHEELDIR holds
# that wheel. The hooks repository is a snapshot of this work tree (tracked and untracked
# files), so uncommitted hook changes are tested too. Every pre-commit run happens in a
# network namespace with no network where `unshare -n` is allowed, and with PIP_NO_INDEX
# and GOPROXY=off everywhere: nothing may come from PyPI or the Go proxy.
#
#   1. exportdb-system refuses a commit with a finding and accepts one without; a file under
#      a configured exclude glob does not stop a commit (--force-exclude).
#   2. exportdb-fix-system fixes the file, refuses the commit because it changed, and the
#      re-staged commit passes.
#   3. The no-Go recipe from the README (repo: local, language: python, additional_dependencies:
#      [exportdb-lsp==VERSION]) installs the wheel into pre-commit's own environment.
#   4. exportdb (language: golang) builds exportdb from the hooks repository with `go install`
#      (modules from the local module cache) and refuses the commit; skipped when go is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bindir=$(cd "$1" && pwd)
wheels=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v pre-commit >/dev/null || { echo "pre-commit.sh: pre-commit is not installed (apt-get install pre-commit)" >&2; exit 2; }
echo "pre-commit $(pre-commit --version | awk '{print $2}')"

offline=()
if unshare -n true 2>/dev/null; then
  offline=(unshare -n)
else
  echo "note: unshare -n is not allowed here; offline only by PIP_NO_INDEX and GOPROXY=off"
fi
export PRE_COMMIT_HOME=$work/pre-commit-home PIP_NO_INDEX=1 PIP_FIND_LINKS=$wheels PIP_DISABLE_PIP_VERSION_CHECK=1
export GOPROXY=off GOFLAGS=-mod=mod GOMODCACHE=${GOMODCACHE:-$(go env GOMODCACHE 2>/dev/null || echo "$HOME/go/pkg/mod")}
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.com GIT_COMMITTER_NAME=test GIT_COMMITTER_EMAIL=test@example.com
export GIT_CONFIG_GLOBAL=$work/gitconfig GIT_CONFIG_NOSYSTEM=1
git config --global init.defaultBranch main

pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# The hooks repository: a snapshot of the work tree, committed.
hooks=$work/hooks-repo
mkdir -p "$hooks"
(cd "$root" && git ls-files -z -co --exclude-standard | xargs -0 cp --parents -t "$hooks" 2>/dev/null || true)
git -C "$hooks" init -q && git -C "$hooks" add -A && git -C "$hooks" commit -qm snapshot
rev=$(git -C "$hooks" rev-parse HEAD)
version=$("$bindir/exportdb" --version | awk '{print $2}')

# new_sample DIR HOOKS_YAML: a git repository with a model that has one error (cond operands
# as a bare tensor; safe fix: wrap it in a tuple) and one hint (functorch import; safe fix),
# a clean module, and pre-commit installed as its git hook.
new_sample() {
  local dir=$1
  mkdir -p "$dir"
  git -C "$dir" init -q
  cat >"$dir/gate.py" <<'PY'
import torch
from functorch.experimental.control_flow import cond
from torch import nn


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(16, 16)

    def on_true(self, x):
        return self.proj(x)

    def on_false(self, x):
        return x.clone()

    def forward(self, x):
        return cond(x.shape[1] > 32, self.on_true, self.on_false, x)
PY
  cat >"$dir/clean.py" <<'PY'
import torch
from torch import nn


class Scale(nn.Module):
    def __init__(self, factor: float):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor
PY
  printf '%s\n' "$2" >"$dir/.pre-commit-config.yaml"
  git -C "$dir" add .pre-commit-config.yaml
  (cd "$dir" && pre-commit install >/dev/null)
}

# commit DIR LOG FILES...: stages FILES and commits offline; returns git's status.
commit() {
  local dir=$1 log=$2; shift 2
  git -C "$dir" add -- "$@"
  (cd "$dir" && "${offline[@]}" git commit -qm "add $*") >"$log" 2>&1
}

commits() { git -C "$1" rev-list --count HEAD 2>/dev/null || echo 0; }

remote_config() {
  printf 'repos:\n  - repo: %s\n    rev: %s\n    hooks:\n' "$hooks" "$rev"
  for id in "$@"; do printf '      - id: %s\n' "$id"; done
}

# 1. The check hook.
s=$work/check
new_sample "$s" "$(remote_config exportdb-system)"
(cd "$s" && pre-commit install-hooks >/dev/null)
if PATH=$bindir:$PATH commit "$s" "$work/1.log" gate.py; then
  bad "exportdb-system: the commit of gate.py went through"; cat "$work/1.log"
elif [ "$(commits "$s")" != 0 ] || ! grep -q 'error cond_operands' "$work/1.log"; then
  bad "exportdb-system: refused, but not for cond_operands"; cat "$work/1.log"
else
  ok "exportdb-system refuses a commit with a finding (gate.py:18 cond_operands)"
fi
git -C "$s" reset -q gate.py
if PATH=$bindir:$PATH commit "$s" "$work/1b.log" clean.py && [ "$(commits "$s")" = 1 ] && grep -q 'exportdb.*Passed' "$work/1b.log"; then
  ok "exportdb-system passes a commit without findings"
else
  bad "exportdb-system: the clean commit did not pass"; cat "$work/1b.log"
fi

# 1c. --force-exclude: a file under a configured exclude glob does not stop the commit.
s=$work/exclude
new_sample "$s" "$(remote_config exportdb-system)"
mkdir -p "$s/generated" && git -C "$s" mv -f gate.py generated/gate.py 2>/dev/null || mv "$s/gate.py" "$s/generated/gate.py"
printf '[tool.exportdb]\nexclude = ["generated/"]\n' >"$s/pyproject.toml"
if PATH=$bindir:$PATH commit "$s" "$work/1c.log" pyproject.toml generated/gate.py && [ "$(commits "$s")" = 1 ]; then
  ok "exportdb-system skips a staged file under a configured exclude (--force-exclude)"
else
  bad "exportdb-system: the excluded generated/gate.py stopped the commit"; cat "$work/1c.log"
fi

# 2. The fix hook.
s=$work/fix
new_sample "$s" "$(remote_config exportdb-fix-system)"
if PATH=$bindir:$PATH commit "$s" "$work/2.log" gate.py clean.py; then
  bad "exportdb-fix-system: the commit went through before the fixes were staged"; cat "$work/2.log"
elif ! grep -q 'files were modified by this hook' "$work/2.log" ||
  ! grep -q 'torch.cond(x.shape\[1\] > 32, self.on_true, self.on_false, (x,))' "$s/gate.py" ||
  grep -q functorch "$s/gate.py"; then
  bad "exportdb-fix-system: gate.py was not fixed as expected"; cat "$work/2.log" "$s/gate.py"
else
  ok "exportdb-fix-system fixes gate.py (tuple operands, torch.cond) and refuses the commit"
fi
if PATH=$bindir:$PATH commit "$s" "$work/2b.log" gate.py && [ "$(commits "$s")" = 1 ]; then
  ok "exportdb-fix-system passes once the fixes are staged"
else
  bad "exportdb-fix-system: the re-staged commit did not pass"; cat "$work/2b.log"
fi

# 3. The README's recipe without Go: pre-commit installs the wheel into its own environment.
s=$work/python
new_sample "$s" "repos:
  - repo: local
    hooks:
      - id: exportdb
        name: exportdb
        entry: exportdb check --force-exclude
        language: python
        additional_dependencies: [exportdb-lsp==$(python3 -c "import sys; sys.path.insert(0, '$root/packaging/python'); import build_wheel; print(build_wheel.pep440('$version'))")]
        types_or: [python, pyi]
        require_serial: true"
if (cd "$s" && "${offline[@]}" pre-commit install-hooks) >"$work/3i.log" 2>&1; then
  if commit "$s" "$work/3.log" gate.py; then
    bad "python recipe: the commit went through"; cat "$work/3.log"
  elif grep -q 'error cond_operands' "$work/3.log" && [ "$(commits "$s")" = 0 ]; then
    ok "python recipe (repo: local, additional_dependencies: [exportdb-lsp]) installs the wheel and refuses the commit"
  else
    bad "python recipe: refused, but not for cond_operands"; cat "$work/3.log"
  fi
else
  bad "python recipe: pre-commit could not install exportdb-lsp from $wheels"; cat "$work/3i.log"
fi

# 4. The golang hook: pre-commit runs `go install ./...` in the hooks repository.
if command -v go >/dev/null; then
  s=$work/golang
  new_sample "$s" "$(remote_config exportdb)"
  if (cd "$s" && "${offline[@]}" pre-commit install-hooks) >"$work/4i.log" 2>&1; then
    if commit "$s" "$work/4.log" gate.py; then
      bad "exportdb (golang): the commit went through"; cat "$work/4.log"
    elif grep -q 'error cond_operands' "$work/4.log" && [ "$(commits "$s")" = 0 ]; then
      ok "exportdb (language: golang) builds from the hooks repository and refuses the commit"
    else
      bad "exportdb (golang): refused, but not for cond_operands"; cat "$work/4.log"
    fi
  else
    bad "exportdb (golang): pre-commit could not build the hook"; cat "$work/4i.log"
  fi
else
  echo "skip exportdb (language: golang): go is not installed"
fi

echo "pre-commit hooks: $pass passed, $fail failed"
[ "$fail" = 0 ]
