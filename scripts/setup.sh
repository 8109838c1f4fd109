#!/usr/bin/env bash
# Install the host tools tailmatrix needs, by their names on the detected distribution.
# Shipped in the npm package and run by `tailmatrix setup`; the repository's scripts/install-deps.sh calls it
# too, before `npm ci` (so this is plain bash: no Node, no node_modules).
#
#   setup.sh [--with-tests] [--dry-run] [--print-packages]
#     --with-tests      also what the test suite needs (not needed to run a matrix)
#     --dry-run         print the exact commands, change nothing
#     --print-packages  print the apt packages for this distribution, one a line, and exit
#
# Supported: Debian 12 (bookworm), Debian 13 (trixie), Ubuntu 22.04 (jammy), Ubuntu 24.04 (noble).
# Idempotent: when every package is present, apt is not called at all. Never edits the apt sources.
# Environment: TAILMATRIX_OS_RELEASE (default /etc/os-release: which distribution this is);
#   TAILMATRIX_APT_ARCHIVES (a folder apt downloads the .debs into and reuses them from, e.g. one a CI cache keeps).
# Exit codes: 0 done, 64 bad option, 69 unsupported distribution or no way to become root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$2" >&2; exit "$1"; }

with_tests=0 dry_run=0 print_packages=0
for arg in "$@"; do
  case "$arg" in
    --with-tests) with_tests=1 ;;
    --dry-run) dry_run=1 ;;
    --print-packages) print_packages=1 ;;
    -h | --help) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die 64 "unknown option '$arg' (see --help)" ;;
  esac
done

# ---------------------------------------------------------------------------------------------------
# The package lists. One place: add a package to the group that needs it, with the reason.
# Names are the same on all four distributions unless a distribution block below says otherwise.

# What `tailmatrix run`, `build`, `fetch` and the native backend need.
RUN_PACKAGES=(
  # booting kernels (qemu backend), the guest initramfs, unpacking .debs and modules
  qemu-system-x86 busybox-static cpio xz-utils zstd kmod file
  # building the BPF objects and the static measurement agent
  make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev libzstd-dev
  # verifying Debian's archive signatures (InRelease)
  gpgv debian-archive-keyring ca-certificates
  # building kernels from source (`build`, `run --tree`): work trees are git, .debs unpack with ar
  git binutils bc bison flex libssl-dev ccache
  # vng finds its virtio-serial script ports through the host's udevd
  udev
  # the traffic benchmark: iperf3 pushes the packets (copied with its libraries into the qemu initramfs,
  # run from the host's root by vng and natively)
  iperf3
)

# What the test suite needs on top (`npm test`, the slow suite).
TEST_PACKAGES=(
  # tests look for leftover QEMU processes
  procps
  # the composite-action test reads action.yml
  python3-yaml
  # the fresh-machine test builds Debian roots
  debootstrap
)

# virtme-ng (the vng backend): from the distribution where it is packaged; elsewhere install-vng.sh
# extracts Debian trixie's .deb under /opt (signature-checked), which needs these on the host.
VNG_PACKAGES=(virtme-ng virtiofsd)
VNG_FALLBACK_PACKAGES=(python3 python3-requests python3-argcomplete python3-pkg-resources curl)

# ---------------------------------------------------------------------------------------------------
os_release="${TAILMATRIX_OS_RELEASE:-/etc/os-release}"
[[ -r "$os_release" ]] || die 69 "cannot read $os_release: which distribution is this? Supported: Debian 12/13, Ubuntu 22.04/24.04"
ID="" VERSION_ID="" PRETTY_NAME=""
# shellcheck disable=SC1090 # os-release is shell assignments by specification
. "$os_release"
distro="${PRETTY_NAME:-$ID $VERSION_ID}"

vng_from=""       # distribution | fallback
browser_note=""   # how the HTML report test gets a browser here
case "$ID:$VERSION_ID" in
  debian:12)
    vng_from=fallback
    # chromium: the HTML report test; bpftool: the native tests check no BPF program of ours outlives a cell
    TEST_PACKAGES+=(chromium bpftool) ;;
  debian:13)
    vng_from=distribution
    TEST_PACKAGES+=(chromium bpftool) ;;
  ubuntu:22.04)
    # virtme-ng reached Ubuntu's universe in 23.10; jammy gets the fallback.
    vng_from=fallback
    browser_note="Ubuntu has no Chromium deb (only a snap): the HTML report test uses Google Chrome or Chromium when one is installed (GitHub's runners ship Google Chrome), or the browser named by TAILMATRIX_CHROMIUM" ;;
  ubuntu:24.04)
    vng_from=distribution
    browser_note="Ubuntu has no Chromium deb (only a snap): the HTML report test uses Google Chrome or Chromium when one is installed (GitHub's runners ship Google Chrome), or the browser named by TAILMATRIX_CHROMIUM" ;;
  *)
    die 69 "unsupported distribution: $distro (ID=$ID VERSION_ID=$VERSION_ID from $os_release).
  Supported: Debian 12, Debian 13, Ubuntu 22.04, Ubuntu 24.04.
  Elsewhere install by hand what \`tailmatrix doctor\` lists as missing (Debian's names: ${RUN_PACKAGES[*]})." ;;
esac

packages=("${RUN_PACKAGES[@]}")
if [[ $vng_from == distribution ]]; then packages+=("${VNG_PACKAGES[@]}"); else packages+=("${VNG_FALLBACK_PACKAGES[@]}"); fi
((with_tests)) && packages+=("${TEST_PACKAGES[@]}")

if ((print_packages)); then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

log "detected $distro (ID=$ID, VERSION_ID=$VERSION_ID)"
log "installing what running needs$( ((with_tests)) && echo ' and what the test suite needs')"

SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || ((dry_run)) || die 69 "not root and no sudo: run this as root"
  SUDO=(sudo)
fi
show() { printf '  %s\n' "$*"; }

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done

# The action keeps this folder between jobs (actions/cache): a .deb already there is not downloaded again.
apt_opts=()
[[ -n ${TAILMATRIX_APT_ARCHIVES:-} ]] && apt_opts=(-o "Dir::Cache::Archives=$TAILMATRIX_APT_ARCHIVES")
apt_install=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}")
if ((${#missing[@]} == 0)); then
  log "all ${#packages[@]} apt packages present"
elif ((dry_run)); then
  log "would run:"
  show "${SUDO[*]}${SUDO:+ }apt-get update"
  show "${apt_install[*]}"
else
  log "apt-get install ${missing[*]}"
  # apt wants partial/ inside its archive folder; it owns it (user _apt) once it has run.
  [[ -n ${TAILMATRIX_APT_ARCHIVES:-} ]] && mkdir -p "$TAILMATRIX_APT_ARCHIVES/partial"
  "${SUDO[@]}" apt-get update -qq
  "${apt_install[@]}"
fi

if [[ $vng_from == fallback ]]; then
  if ((dry_run)); then
    log "would run (virtme-ng is not packaged on $distro: Debian trixie's .deb, signature-checked, extracted under /opt/tailmatrix/virtme-ng):"
    show "${SUDO[*]}${SUDO:+ }bash $here/install-vng.sh"
  else
    log "virtme-ng is not packaged on $distro: installing Debian trixie's under /opt/tailmatrix/virtme-ng"
    "${SUDO[@]}" bash "$here/install-vng.sh"
  fi
fi

if ((with_tests)) && [[ -n $browser_note ]]; then log "note: $browser_note"; fi
((dry_run)) || log "done; \`tailmatrix doctor\` shows what was found"
