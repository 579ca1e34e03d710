#!/usr/bin/env bash
# Tests the composite GitHub Action (action.yml) without GitHub: its structure, then each of
# its shell steps as the runner would run them (the same environment variables, $GITHUB_OUTPUT
# and $GITHUB_PATH files), with the release downloaded from a server on 127.0.0.1.
#
#   packaging/tests/action.sh DISTDIR
#
# DISTDIR holds scripts/release.sh's output for linux-x86_64. The `uses:` steps
# (actions/setup-go, github/codeql-action/upload-sarif) run only on GitHub.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
dist=$(cd "$1" && pwd)
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

pass=0 fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# 1. Structure: a composite action whose run steps call scripts that exist, and whose
# expressions name only declared inputs and existing step ids.
if out=$(/usr/bin/python3 - "$root" <<'PY' 2>&1
import os, re, sys, yaml
root = sys.argv[1]
a = yaml.safe_load(open(os.path.join(root, "action.yml")))
errs = []
if a["runs"]["using"] != "composite":
    errs.append("runs.using is not composite")
inputs, ids = set(a["inputs"]), {s.get("id") for s in a["runs"]["steps"]}
text = open(os.path.join(root, "action.yml")).read()
for name in re.findall(r"inputs\.([\w-]+)", text):
    if name not in inputs:
        errs.append("inputs.%s is not declared" % name)
for sid in re.findall(r"steps\.([\w-]+)\.outputs", text):
    if sid not in ids:
        errs.append("steps.%s does not exist" % sid)
for s in a["runs"]["steps"]:
    if "run" in s:
        if s.get("shell") != "bash":
            errs.append("step %r has no shell: bash" % s["name"])
        for script in re.findall(r'\$GITHUB_ACTION_PATH/([\w/.-]+)', s["run"]):
            if not os.path.isfile(os.path.join(root, script)):
                errs.append("step %r runs %s, which does not exist" % (s["name"], script))
    elif "uses" not in s:
        errs.append("step %r neither runs nor uses" % s["name"])
print("\n".join(errs))
sys.exit(1 if errs else 0)
PY
); then
  ok "action.yml: composite; its scripts exist; it names only declared inputs and step ids"
else
  bad "action.yml: $out"
fi
for f in "$root"/packaging/action/*.sh; do
  bash -n "$f" || bad "bash -n $f"
done

# run_step SCRIPT VAR=VALUE...: runs one step's script as the runner does; its outputs land
# in $work/output, its PATH additions in $work/path, its log in $work/log.
run_step() {
  local script=$1; shift
  : >"$work/output"; : >"$work/path"
  (cd "$work/repo" && env GITHUB_OUTPUT="$work/output" GITHUB_PATH="$work/path" GITHUB_ACTION_PATH="$root" \
    RUNNER_OS=Linux RUNNER_ARCH=X64 RUNNER_TEMP="$work/runner-temp" "$@" \
    bash "$root/packaging/action/$script") >"$work/log" 2>&1
}
output() { sed -n "s/^$1=//p" "$work/output"; }
mkdir -p "$work/repo" "$work/runner-temp"
cp -r "$root/examples" "$work/repo/"

# 2. resolve.sh: a version or a release tag means a download, anything else the source.
while read -r input ref want_from want_version; do
  [ "$input" = - ] && input=; [ "$want_version" = - ] && want_version=
  run_step resolve.sh INPUT_VERSION="$input" ACTION_REF="$ref"
  if [ "$(output from)" = "$want_from" ] && [ "$(output version)" = "$want_version" ]; then
    ok "resolve.sh: version '$input', pinned to '$ref' -> $want_from $want_version"
  else
    bad "resolve.sh: version '$input', pinned to '$ref': got from=$(output from) version=$(output version)"; cat "$work/log"
  fi
done <<'EOF'
0.3.0 main release 0.3.0
v0.3.0 main release 0.3.0
- v1.2.3 release 1.2.3
- main source -
- 4c74061bdc7b03150b55264639441acf8b78ebf0 source -
EOF
if run_step resolve.sh INPUT_VERSION=latest ACTION_REF=main; then
  bad "resolve.sh accepted the version 'latest'"
else
  grep -q "not a release version" "$work/log" && ok "resolve.sh refuses the version 'latest'" || { bad "resolve.sh: unclear error"; cat "$work/log"; }
fi

# 3. install.sh from a release served on 127.0.0.1, laid out as GitHub's v<version>/<file>.
archive=$(cd "$dist" && ls exportdb-*-linux-x86_64.tar.gz)
version=${archive#exportdb-}; version=${version%-linux-x86_64.tar.gz}
mkdir -p "$work/www/v$version" "$work/bad/v$version"
cp "$dist/$archive" "$dist/SHA256SUMS" "$work/www/v$version/"
cp "$dist/$archive" "$work/bad/v$version/"
sed 's/^0/1/;t;s/^[0-9a-f]/0/' "$dist/SHA256SUMS" >"$work/bad/v$version/SHA256SUMS" # change each sum's first digit (a sum may start with 0)
python3 - "$work" >"$work/server.log" 2>&1 <<'PY' &
import functools, http.server, os, sys
work = sys.argv[1]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=work)
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(os.path.join(work, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(work, "port.tmp"), os.path.join(work, "port"))
srv.timeout = 1
for _ in range(600):  # stops by itself after 10 minutes at most
    srv.handle_request()
PY
server=$!
for _ in $(seq 100); do [ -f "$work/port" ] && break; sleep 0.1; done
port=$(cat "$work/port")

if run_step install.sh EXPORTDB_FROM=release EXPORTDB_VERSION="$version" EXPORTDB_RELEASE_URL="http://127.0.0.1:$port/www" &&
  [ "$(cat "$work/path")" = "$work/runner-temp/exportdb-bin" ] &&
  [ "$(output path)" = "$work/runner-temp/exportdb-bin/exportdb" ] &&
  [[ "$(output version)" == "exportdb $version "* ]]; then
  ok "install.sh downloads v$version, checks SHA256SUMS and puts exportdb on PATH ($(output version))"
else
  bad "install.sh (release)"; cat "$work/log" "$work/output" "$work/path"
fi
rm -rf "$work/runner-temp/exportdb-bin"
if run_step install.sh EXPORTDB_FROM=release EXPORTDB_VERSION="$version" EXPORTDB_RELEASE_URL="http://127.0.0.1:$port/bad"; then
  bad "install.sh installed an archive whose checksum does not match"
elif grep -q "does not match its SHA-256 checksum" "$work/log" && [ ! -e "$work/runner-temp/exportdb-bin/exportdb" ]; then
  ok "install.sh refuses an archive whose checksum does not match"
else
  bad "install.sh (bad checksum): unclear error"; cat "$work/log"
fi
if run_step install.sh EXPORTDB_FROM=release EXPORTDB_VERSION=9.9.9 EXPORTDB_RELEASE_URL="http://127.0.0.1:$port/www"; then
  bad "install.sh installed a release that does not exist"
else
  grep -q "cannot download" "$work/log" && ok "install.sh fails clearly on a missing release" || { bad "install.sh (missing release)"; cat "$work/log"; }
fi

# 4. install.sh from the action's own source (needs Go, as on a runner after setup-go).
if command -v go >/dev/null; then
  rm -rf "$work/runner-temp/exportdb-bin"
  if run_step install.sh EXPORTDB_FROM=source && "$(output path)" check --quiet "$work/repo/examples/resnet_block.py" >/dev/null; then
    ok "install.sh builds exportdb from the action's source ($(output version))"
  else
    bad "install.sh (source)"; cat "$work/log"
  fi
fi

# 5. check.sh with the release binary on PATH.
export PATH=$work/bin:$PATH
mkdir -p "$work/bin" && tar -xzf "$dist/$archive" -C "$work" && cp "$work/${archive%.tar.gz}/exportdb" "$work/bin/"
if run_step check.sh EXPORTDB_PATHS=examples EXPORTDB_ARGS="" EXPORTDB_SARIF=true EXPORTDB_SARIF_FILE=exportdb.sarif EXPORTDB_ANNOTATIONS=true &&
  [ "$(output exit-code)" = 1 ] && [ "$(output sarif-file)" = exportdb.sarif ] &&
  grep -q '^::error file=examples/encoder.py,line=44' "$work/log" &&
  python3 - "$work/repo/exportdb.sarif" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
run = log["runs"][0]
assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "exportdb", "not exportdb's SARIF 2.1.0"
rules = {r["id"] for r in run["tool"]["driver"]["rules"]}
results = run["results"]
assert len(results) == 6, "want the 6 findings of examples/, got %d" % len(results)
for r in results:
    assert r["ruleId"] in rules, r["ruleId"]
    loc = r["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"].startswith("examples/") and loc["region"]["startLine"] > 0, loc
PY
then
  ok "check.sh on examples/: exit-code 1, 6 SARIF results with rules and locations, annotations on the lines"
else
  bad "check.sh (findings)"; cat "$work/log" "$work/output"
fi
if run_step check.sh EXPORTDB_PATHS="examples/resnet_block.py" EXPORTDB_SARIF=true EXPORTDB_SARIF_FILE=clean.sarif EXPORTDB_ANNOTATIONS=false &&
  [ "$(output exit-code)" = 0 ] && [ -s "$work/repo/clean.sarif" ]; then
  ok "check.sh on a clean file: exit-code 0, SARIF written"
else
  bad "check.sh (clean)"; cat "$work/log" "$work/output"
fi
if run_step check.sh EXPORTDB_PATHS=examples EXPORTDB_ARGS="--no-such-flag" EXPORTDB_SARIF=true EXPORTDB_SARIF_FILE=err.sarif; then
  bad "check.sh passed with an unknown flag"
else
  [ "$(output exit-code)" = 2 ] && grep -q "::error::exportdb check failed with status 2" "$work/log" &&
    ok "check.sh fails the step on a usage error (status 2)" || { bad "check.sh (usage error)"; cat "$work/log"; }
fi

echo "GitHub Action: $pass passed, $fail failed"
[ "$fail" = 0 ]
