#!/usr/bin/env bash
# Install everything tailmatrix needs on a fresh Debian 12 / Ubuntu 22.04+ machine (as root or with sudo).
# Idempotent: packages already present are not touched. Never edits the machine's apt sources.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  # booting kernels
  qemu-system-x86 busybox-static cpio xz-utils zstd kmod file udev
  # building the BPF objects and the static agent
  make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  # verifying Debian's archive signatures
  gpgv debian-archive-keyring
  # virtme-ng's Python dependencies (virtme-ng itself comes from scripts/install-vng.sh)
  python3 python3-requests python3-argcomplete
  # building kernels from source (the patched-kernel loop): work trees are git, .debs unpack with ar
  git binutils bc bison flex libssl-dev ccache
  # tests look for leftover QEMU processes
  procps
  # the native tests check that no BPF program of ours outlives a running-kernel cell
  bpftool
  # the HTML report test renders in headless Chromium
  chromium
  # the vng installer downloads with curl
  curl ca-certificates
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "install-deps: all apt packages present"
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -x "$here/install-vng.sh" ]; then
  $SUDO "$here/install-vng.sh"
fi
