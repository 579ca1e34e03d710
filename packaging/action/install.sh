#!/usr/bin/env bash
# Action step 2: installs exportdb into $RUNNER_TEMP and puts it on PATH for later steps.
# A release archive is checked against the release's SHA256SUMS before it is unpacked.
# In: EXPORTDB_FROM (release|source), EXPORTDB_VERSION, EXPORTDB_RELEASE_URL, RUNNER_OS,
# RUNNER_ARCH, RUNNER_TEMP, GITHUB_ACTION_PATH. Out: $GITHUB_PATH, $GITHUB_OUTPUT (path, version).
set -euo pipefail
fail() { echo "::error::exportdb action: $*"; exit 2; }
case ${RUNNER_OS:-} in
  Linux) os=linux ;; macOS) os=macos ;; Windows) os=windows ;; *) fail "unsupported runner OS '${RUNNER_OS:-}'" ;;
esac
case ${RUNNER_ARCH:-} in
  X64) arch=x86_64 ;; ARM64) arch=$([ "$os" = linux ] && echo aarch64 || echo arm64) ;;
  *) fail "unsupported runner architecture '${RUNNER_ARCH:-}'" ;;
esac
exe=exportdb; [ "$os" = windows ] && exe=exportdb.exe
dest=${RUNNER_TEMP:?}/exportdb-bin
mkdir -p "$dest"

if [ "${EXPORTDB_FROM:-}" = source ]; then
  command -v go >/dev/null || fail "building from source needs Go; pin the action to a release tag or set the version input"
  (cd "${GITHUB_ACTION_PATH:?}" && CGO_ENABLED=1 go build -trimpath -o "$dest/$exe" ./cmd/exportdb)
else
  version=${EXPORTDB_VERSION:?}
  name=exportdb-$version-$os-$arch
  base=${EXPORTDB_RELEASE_URL%/}/v$version
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  get() { curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$1" "$base/$1" || fail "cannot download $base/$1"; }
  get "$name.tar.gz"
  get SHA256SUMS
  want=$(awk -v f="$name.tar.gz" '$2 == f || $2 == "*" f {print $1}' "$tmp/SHA256SUMS")
  [ -n "$want" ] || fail "SHA256SUMS of v$version does not list $name.tar.gz"
  if command -v sha256sum >/dev/null; then got=$(sha256sum "$tmp/$name.tar.gz" | awk '{print $1}')
  else got=$(shasum -a 256 "$tmp/$name.tar.gz" | awk '{print $1}'); fi
  [ "$got" = "$want" ] || fail "$name.tar.gz does not match its SHA-256 checksum (got $got, want $want)"
  tar -xzf "$tmp/$name.tar.gz" -C "$tmp"
  mv -f "$tmp/$name/$exe" "$dest/$exe"
fi
chmod +x "$dest/$exe"
line=$("$dest/$exe" --version) || fail "$dest/$exe does not run on this runner"
echo "$dest" >>"$GITHUB_PATH"
{
  echo "path=$dest/$exe"
  echo "version=$line"
} >>"$GITHUB_OUTPUT"
echo "$line"
