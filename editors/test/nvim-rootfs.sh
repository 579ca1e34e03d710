#!/usr/bin/env bash
# A newer Neovim than Debian 12's 0.7.2 for the end-to-end tests, without touching the system:
# a minimal Debian root filesystem holding neovim (debootstrap, from the Debian mirror), run
# through its own dynamic loader (no chroot). Prints the path of a wrapper to pass in NVIM_EXTRA:
#   NVIM_EXTRA="$(editors/test/nvim-rootfs.sh sid /tmp/nvim-sid)" editors/test/run-editors.sh
# SUITE: trixie (Neovim 0.10) or sid (0.11 and later, whatever unstable has). A second run
# reuses DIR. Needs root; installs debootstrap when missing. MIRROR: the Debian mirror
# (default http://deb.debian.org/debian). Takes a few minutes and about 280 MB.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 SUITE DIR" >&2; exit 2; }
suite=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
case $(uname -m) in
  x86_64) loader=lib64/ld-linux-x86-64.so.2 triplet=x86_64-linux-gnu ;;
  aarch64) loader=lib/ld-linux-aarch64.so.1 triplet=aarch64-linux-gnu ;;
  *) echo "$0: no loader known for $(uname -m)" >&2; exit 1 ;;
esac
if [ ! -e "$dir/usr/bin/nvim" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  debootstrap --variant=minbase --include=neovim "$suite" "$dir" "${MIRROR:-http://deb.debian.org/debian}" \
    >"$dir.debootstrap.log" 2>&1 || { tail -n 20 "$dir.debootstrap.log" >&2; exit 1; }
fi
cat >"$dir/nvim-wrapper" <<WRAPPER
#!/bin/sh
# Debian $suite's Neovim through its own loader and libraries
exec env VIMRUNTIME="$dir/usr/share/nvim/runtime" "$dir/$loader" \\
  --library-path "$dir/usr/lib/$triplet:$dir/lib/$triplet" "$dir/usr/bin/nvim" "\$@"
WRAPPER
chmod +x "$dir/nvim-wrapper"
"$dir/nvim-wrapper" --version | head -n 1 >&2
echo "$dir/nvim-wrapper"
