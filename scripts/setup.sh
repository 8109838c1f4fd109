#!/usr/bin/env bash
# Install the host tools tailmatrix needs, by their names on the detected distribution.
# Shipped in the npm package and run by `tailmatrix setup`; the repository's scripts/install-deps.sh calls it
# too, before `npm ci` (so this is plain bash: no Node, no node_modules).
#
#   setup.sh [--with-tests] [--with-arm64] [--dry-run] [--print-packages]
#     --with-tests      also what the test suite needs (not needed to run a matrix)
#     --with-arm64      also what arm64 guests need on this amd64 host: qemu-system-aarch64, the aarch64 cross
#                       compiler, the arm64 static libraries through multiarch, an arm64 busybox
#     --dry-run         print the exact commands, change nothing
#     --print-packages  print the apt packages for this distribution, one a line, and exit
#
# Supported: Debian 12 (bookworm), Debian 13 (trixie), Ubuntu 22.04 (jammy), Ubuntu 24.04 (noble).
# Idempotent: when every package is present, apt is not called at all. Never edits the apt sources, except
# --with-arm64 on Ubuntu, whose arm64 packages live on ports.ubuntu.com: it adds that archive for arm64 and
# limits Ubuntu's own sources to amd64 (the originals kept as *.tailmatrix-orig).
# Environment: TAILMATRIX_OS_RELEASE (default /etc/os-release: which distribution this is);
#   TAILMATRIX_APT_ARCHIVES (a folder apt downloads the .debs into and reuses them from, e.g. one a CI cache keeps).
# Exit codes: 0 done, 64 bad option, 69 unsupported distribution or no way to become root.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: error: %s\n' "$2" >&2; exit "$1"; }

with_tests=0 with_arm64=0 dry_run=0 print_packages=0
for arg in "$@"; do
  case "$arg" in
    --with-tests) with_tests=1 ;;
    --with-arm64) with_arm64=1 ;;
    --dry-run) dry_run=1 ;;
    --print-packages) print_packages=1 ;;
    -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# arm64 guests (--with-arm64). The :arm64 libraries are Multi-Arch: same, so dpkg keeps them at the very
# version of the amd64 ones (one libbpf for both agents).
ARM64_PACKAGES=(
  # booting arm64 kernels: qemu-system-aarch64
  qemu-system-arm
  # cross-linking the static aarch64 agent (the C library is only a Recommends of the compiler)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  # the agent's static libraries for arm64
  libbpf-dev:arm64 libelf-dev:arm64 zlib1g-dev:arm64 libzstd-dev:arm64
)
# busybox-static:arm64 cannot sit beside the amd64 one (not Multi-Arch: same): its binary is extracted here,
# where src/arch/arm64.ts looks for it.
ARM64_BUSYBOX=/usr/local/lib/tailmatrix/arm64/busybox

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
((with_arm64)) && packages+=("${ARM64_PACKAGES[@]}")

if ((print_packages)); then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

log "detected $distro (ID=$ID, VERSION_ID=$VERSION_ID)"
log "installing what running needs$( ((with_tests)) && echo ' and what the test suite needs')$( ((with_arm64)) && echo ', with arm64 guests')"

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

# arm64 packages need dpkg to know the architecture, and on Ubuntu an archive that has it.
arm64_sources=()
if ((with_arm64)); then
  dpkg --print-foreign-architectures 2>/dev/null | grep -qx arm64 || arm64_sources+=("${SUDO[*]}${SUDO:+ }dpkg --add-architecture arm64")
  if [[ $ID == ubuntu ]] && [[ ! -e /etc/apt/sources.list.d/tailmatrix-arm64-ports.sources ]]; then
    arm64_sources+=("ubuntu-ports")
  fi
fi

# Ubuntu's archive.ubuntu.com has no arm64: ports.ubuntu.com serves it, and the existing sources are limited to
# amd64 so apt does not ask them for arm64 (which fails the update).
ubuntu_ports() {
  local codename="${VERSION_CODENAME:?os-release has no VERSION_CODENAME}"
  if [[ -f /etc/apt/sources.list.d/ubuntu.sources ]]; then
    "${SUDO[@]}" cp -n /etc/apt/sources.list.d/ubuntu.sources /etc/apt/sources.list.d/ubuntu.sources.tailmatrix-orig
    # deb822: every stanza without an Architectures field gets "Architectures: amd64".
    "${SUDO[@]}" awk 'BEGIN{RS="";ORS="\n\n"} /(^|\n)Types:/ && !/(^|\n)Architectures:/ {$0=$0"\nArchitectures: amd64"} {print}' \
      /etc/apt/sources.list.d/ubuntu.sources.tailmatrix-orig | "${SUDO[@]}" tee /etc/apt/sources.list.d/ubuntu.sources >/dev/null
  fi
  if [[ -f /etc/apt/sources.list ]] && grep -Eq '^deb(-src)? +https?://' /etc/apt/sources.list; then
    "${SUDO[@]}" cp -n /etc/apt/sources.list /etc/apt/sources.list.tailmatrix-orig
    "${SUDO[@]}" sed -Ei 's|^(deb(-src)?) +(https?://)|\1 [arch=amd64] \3|' /etc/apt/sources.list
  fi
  printf '%s\n' \
    "# Added by tailmatrix setup --with-arm64: Ubuntu's arm64 packages." \
    "Types: deb" "URIs: http://ports.ubuntu.com/ubuntu-ports" \
    "Suites: $codename $codename-updates $codename-security" "Components: main universe" \
    "Architectures: arm64" "Signed-By: /usr/share/keyrings/ubuntu-archive-keyring.gpg" |
    "${SUDO[@]}" tee /etc/apt/sources.list.d/tailmatrix-arm64-ports.sources >/dev/null
}

# The action keeps this folder between jobs (actions/cache): a .deb already there is not downloaded again.
apt_opts=()
[[ -n ${TAILMATRIX_APT_ARCHIVES:-} ]] && apt_opts=(-o "Dir::Cache::Archives=$TAILMATRIX_APT_ARCHIVES")
apt_install=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}")
if ((${#missing[@]} == 0)); then
  log "all ${#packages[@]} apt packages present"
elif ((dry_run)); then
  log "would run:"
  for step in "${arm64_sources[@]}"; do
    if [[ $step == ubuntu-ports ]]; then
      show "add /etc/apt/sources.list.d/tailmatrix-arm64-ports.sources (ports.ubuntu.com, arm64); limit Ubuntu's sources to amd64"
    else
      show "$step"
    fi
  done
  show "${SUDO[*]}${SUDO:+ }apt-get update"
  show "${apt_install[*]}"
else
  for step in "${arm64_sources[@]}"; do
    if [[ $step == ubuntu-ports ]]; then
      log "arm64 packages come from ports.ubuntu.com: adding it for arm64, limiting Ubuntu's sources to amd64"
      ubuntu_ports
    else
      log "$step"
      "${SUDO[@]}" dpkg --add-architecture arm64
    fi
  done
  log "apt-get install ${missing[*]}"
  # apt wants partial/ inside its archive folder; it owns it (user _apt) once it has run.
  [[ -n ${TAILMATRIX_APT_ARCHIVES:-} ]] && mkdir -p "$TAILMATRIX_APT_ARCHIVES/partial"
  "${SUDO[@]}" apt-get update -qq
  "${apt_install[@]}"
fi

if ((with_arm64)) && [[ ! -x $ARM64_BUSYBOX ]]; then
  if ((dry_run)); then
    log "would extract busybox-static:arm64's binary to $ARM64_BUSYBOX:"
    show "apt-get download busybox-static:arm64 && dpkg-deb -x busybox-static_*_arm64.deb <tmp> && ${SUDO[*]}${SUDO:+ }install -D -m 0755 <tmp>/{usr/,}bin/busybox $ARM64_BUSYBOX"
  else
    log "extracting busybox-static:arm64 to $ARM64_BUSYBOX"
    bbtmp="$(mktemp -d)"
    # apt-get download checks the .deb against the signed index, as an install would.
    (cd "$bbtmp" && apt-get download -qq busybox-static:arm64 && dpkg-deb -x busybox-static_*_arm64.deb root)
    # Debian 12 and Ubuntu 22.04 ship it as bin/busybox; Debian 13 (merged /usr) as usr/bin/busybox.
    bb="$bbtmp/root/usr/bin/busybox"
    [[ -f $bb ]] || bb="$bbtmp/root/bin/busybox"
    "${SUDO[@]}" install -D -m 0755 "$bb" "$ARM64_BUSYBOX"
    rm -rf "$bbtmp"
  fi
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
