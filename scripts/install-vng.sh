#!/usr/bin/env bash
# Install virtme-ng (vng) and a virtiofsd it can use on Debian 12 without touching the machine's apt
# sources: virtme-ng is not in bookworm, and trixie's virtiofsd needs glibc >= 2.39 (bookworm has 2.36).
#
# What it does (as root, idempotent; re-run is a no-op once installed, --force reinstalls):
#   1. apt-get installs from the machine's own (bookworm) sources the host pieces vng needs:
#      python3 python3-requests python3-argcomplete python3-pkg-resources kmod file qemu-system-x86
#      busybox-static udev (the guest runs the host's udevd to find vng's virtio-serial script ports),
#      plus curl, xz-utils, gpgv and debian-archive-keyring for the download itself.
#   2. Downloads trixie's InRelease, checks its signature with gpgv against debian-archive-keyring,
#      downloads main/binary-amd64/Packages.xz and checks it against the SHA256 in InRelease.
#   3. Downloads virtme-ng, virtiofsd and the libraries virtiofsd links against (libc6, libgcc-s1,
#      libcap-ng0, libseccomp2) as listed in that index, checks each .deb's SHA256, extracts them with
#      dpkg-deb -x into $PREFIX (nothing is registered with dpkg; the system libc is untouched).
#   4. Writes $PREFIX/bin/vng (PYTHONPATH to the extracted package, its own bin first on PATH) and
#      $PREFIX/bin/virtiofsd (runs the trixie binary through the trixie dynamic loader with the private
#      library directory), and links /usr/local/bin/vng to the former.
# Where the distribution packages virtme-ng itself (Ubuntu universe, trixie and later), use that instead.
#
# Environment: TAILMATRIX_VNG_PREFIX (default /opt/tailmatrix/virtme-ng), TAILMATRIX_VNG_LINK (the
# link to create, default /usr/local/bin/vng; empty: none), DEBIAN_MIRROR (default
# https://deb.debian.org/debian), VNG_SUITE (default trixie).
set -euo pipefail

PREFIX="${TAILMATRIX_VNG_PREFIX:-/opt/tailmatrix/virtme-ng}"
MIRROR="${DEBIAN_MIRROR:-https://deb.debian.org/debian}"
SUITE="${VNG_SUITE:-trixie}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Packages taken from $SUITE: vng itself, and virtiofsd with every shared library it links against
# (so the private loader never falls back to a bookworm library built for an older glibc).
SUITE_PACKAGES=(virtme-ng virtiofsd libc6 libgcc-s1 libcap-ng0 libseccomp2)
HOST_PACKAGES=(python3 python3-requests python3-argcomplete python3-pkg-resources kmod file qemu-system-x86
  busybox-static udev curl ca-certificates xz-utils gpgv debian-archive-keyring)
LINK="${TAILMATRIX_VNG_LINK-/usr/local/bin/vng}"
STAMP="$PREFIX/.installed"

log() { printf 'install-vng: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

force=0
[[ "${1:-}" == "--force" ]] && force=1

[[ $(id -u) -eq 0 ]] || die "run as root (apt-get, $PREFIX)"

install_host_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
  done
  if ((${#missing[@]})); then
    log "apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

installed_ok() {
  [[ -f "$STAMP" ]] && "$PREFIX/bin/vng" --version >/dev/null 2>&1 && "$PREFIX/bin/virtiofsd" --version >/dev/null 2>&1
}

# Prefer the distribution's own package where it has one (Ubuntu's universe, Debian >= 13).
distro_has() { apt-cache policy "$1" 2>/dev/null | grep -q 'Candidate: [^(]'; }

install_host_packages "${HOST_PACKAGES[@]}"

if ((force == 0)) && installed_ok; then
  log "already installed: $(cat "$STAMP" | tr '\n' ' ')"
  exit 0
fi
if ((force == 0)) && [[ ! -e "$PREFIX" ]] && distro_has virtme-ng && distro_has virtiofsd; then
  log "installing virtme-ng and virtiofsd from the distribution"
  install_host_packages virtme-ng virtiofsd
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { curl -fsSL --retry 3 --retry-delay 2 -o "$2" "$1"; }
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# 1. The signed release file: the root of trust for everything below.
#    Debian signs it with several keys (trixie: the 12 and 13 archive keys and the 13 release key). An
#    older keyring knows only some (Ubuntu's lags Debian's), and gpgv then exits 2 although a signature
#    from a key it trusts is good. So, like apt: at least one good signature (GOODSIG: a key of the keyring,
#    neither it nor the signature expired or revoked) and no bad one (BADSIG: the file was altered);
#    signatures by unknown keys alone are not enough.
fetch "$MIRROR/dists/$SUITE/InRelease" "$work/InRelease"
gpgv --status-fd 3 --keyring "$KEYRING" --output "$work/Release" "$work/InRelease" 3>"$work/gpgv.status" 2>"$work/gpgv.log" || true
if grep -q '^\[GNUPG:\] BADSIG' "$work/gpgv.status" || ! grep -q '^\[GNUPG:\] GOODSIG' "$work/gpgv.status"; then
  cat "$work/gpgv.log" >&2
  die "InRelease of $SUITE: no good signature by a key in $KEYRING (or a bad one)"
fi

# 2. The package index, checked against the signed release. The arch-specific index also lists the
#    Architecture: all packages (trixie's Release says No-Support-for-Architecture-all: Packages).
index=main/binary-amd64/Packages.xz
want=$(awk -v f="$index" '/^SHA256:/{s=1;next} /^[^ ]/{s=0} s && $3==f {print $1}' "$work/Release")
[[ -n "$want" ]] || die "$index is not listed in $SUITE's Release"
fetch "$MIRROR/dists/$SUITE/$index" "$work/Packages.xz"
if [[ $(sha256_of "$work/Packages.xz") != "$want" ]]; then
  # A mirror caught between two updates serves an index newer or older than its Release: by-hash is stable.
  log "$index does not match the signed Release; trying by-hash"
  fetch "$MIRROR/dists/$SUITE/${index%/*}/by-hash/SHA256/$want" "$work/Packages.xz" ||
    die "$index: no copy matching the signed Release on $MIRROR"
  [[ $(sha256_of "$work/Packages.xz") == "$want" ]] || die "$index: SHA256 mismatch"
fi
xz -dc "$work/Packages.xz" >"$work/Packages"

# 3. Each .deb, checked against the index, extracted into a staging tree.
stage="$PREFIX.new"
rm -rf "$stage"
mkdir -p "$stage/root" "$stage/bin"
: >"$work/stamp"
for pkg in "${SUITE_PACKAGES[@]}"; do
  stanza=$(awk -v p="Package: $pkg" 'BEGIN{RS="";FS="\n"} $1==p {print; exit}' "$work/Packages")
  [[ -n "$stanza" ]] || die "$pkg is not in $SUITE"
  file=$(sed -n 's/^Filename: //p' <<<"$stanza")
  sum=$(sed -n 's/^SHA256: //p' <<<"$stanza")
  version=$(sed -n 's/^Version: //p' <<<"$stanza")
  log "$pkg $version"
  fetch "$MIRROR/$file" "$work/pkg.deb"
  [[ $(sha256_of "$work/pkg.deb") == "$sum" ]] || die "$file: SHA256 mismatch (expected $sum)"
  dpkg-deb -x "$work/pkg.deb" "$stage/root"
  printf '%s %s %s\n' "$pkg" "$version" "$sum" >>"$work/stamp"
done

# 4. Wrappers. Paths are the final ones ($PREFIX), not the staging tree.
libdir="$PREFIX/root/usr/lib/x86_64-linux-gnu"
cat >"$stage/bin/virtiofsd" <<EOF
#!/bin/sh
# trixie's virtiofsd needs glibc >= 2.39: run it with trixie's own loader and libraries, privately.
exec "$libdir/ld-linux-x86-64.so.2" --library-path "$libdir" "$PREFIX/root/usr/libexec/virtiofsd" "\$@"
EOF
cat >"$stage/bin/vng" <<EOF
#!/bin/sh
# virtme-ng $SUITE, extracted (not dpkg-installed); its virtiofsd wrapper and
# its own virtme-run (vng runs it by name) come first on PATH.
# /usr/bin/python3, not whatever python3 is first on PATH: the apt-installed modules live there.
PATH="$PREFIX/bin:$PREFIX/root/usr/bin:\$PATH" PYTHONPATH="$PREFIX/root/usr/lib/python3/dist-packages\${PYTHONPATH:+:\$PYTHONPATH}" \\
  exec /usr/bin/python3 "$PREFIX/root/usr/bin/vng" "\$@"
EOF
chmod 0755 "$stage/bin/vng" "$stage/bin/virtiofsd"
cp "$work/stamp" "$stage/.installed"

# Swap in the new tree whole, so a failed run never leaves half an install behind.
if [[ -e "$PREFIX" ]]; then
  rm -rf "$PREFIX.old"
  mv "$PREFIX" "$PREFIX.old"
fi
mv "$stage" "$PREFIX"
rm -rf "$PREFIX.old"
[[ -z "$LINK" ]] || ln -sfn "$PREFIX/bin/vng" "$LINK"

installed_ok || die "installed, but '$PREFIX/bin/vng --version' or '$PREFIX/bin/virtiofsd --version' fails"
log "installed into $PREFIX: $("$PREFIX/bin/vng" --version 2>&1), $("$PREFIX/bin/virtiofsd" --version 2>&1)"
