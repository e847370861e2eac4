#!/usr/bin/env bash
# Prepares a machine with no container registry and no upstream source hosts for
# levitate-docker's `offline` profile. Idempotent: safe to run again.
#
#   1. a Docker engine (Debian's docker.io), installed if missing, started if not running
#   2. a base image (levitate/debian-base:bookworm) made by debootstrap + docker import
#   3. the source mirror, filled from Debian's archive on the machine's configured mirror:
#        busybox-1.37.0.tar.bz2     (trixie's orig tarball from the archive pool, byte-identical
#                                    to upstream; verified against the pinned sha256)
#        linux-source-6.12.tar.xz   (Debian's 6.12 kernel tree, from linux-source-6.12 in
#                                    bookworm-security; the tarball's sha256 is checked)
#      OpenRC's source is not in Debian's archive: openrc-0.54.tar.gz is copied (verified) from
#      ../shared/mirror/ beside the checkout when that exists; otherwise the build downloads it
#      from GitHub, or you put it in the mirror yourself (see README).
#
# Needs apt and root: run it as root, or as a user who may sudo (it re-runs itself with
# sudo, filling the invoking user's cache and handing it back to that user). Environment:
#   LEVITATE_CACHE   cache root (default: ~/.cache/levitate-docker); the mirror is $LEVITATE_CACHE/mirror
#   LEVITATE_BASE_IMAGE  tag of the base image to make (default: levitate/debian-base:bookworm)
set -euo pipefail

CACHE="${LEVITATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/levitate-docker}"
MIRROR="${LEVITATE_MIRROR:-$CACHE/mirror}"
BASE_IMAGE="${LEVITATE_BASE_IMAGE:-levitate/debian-base:bookworm}"
# Debian's linux-source-6.12 package and the sha256 of the tarball it holds; config/profiles/offline.yaml
# pins the same tarball (version 6.12.117). Bookworm gets 6.12 through bookworm-security.
LINUX_PACKAGE="linux-source-6.12"
LINUX_DEB_VERSION="6.12.117-1~deb12u1"
LINUX_TARBALL="linux-source-6.12.tar.xz"
LINUX_SHA256="585a4a074597aefa2b1a68ada83a3184ba351c127544dea80618bbcceaa3961f"
BUSYBOX_VERSION="1.37.0"
# Upstream's sha256 of busybox-1.37.0.tar.bz2; Debian's orig tarball is the same file.
BUSYBOX_SHA256="3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4"
BUSYBOX_POOL_PATH="pool/main/b/busybox/busybox_$BUSYBOX_VERSION.orig.tar.bz2"
OPENRC_FILE="openrc-0.54.tar.gz"
OPENRC_SHA256="c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0"
SHARED_MIRROR="$(cd "$(dirname "$0")/.." && pwd)/../shared/mirror"

log() { printf '[prepare] %s\n' "$*" >&2; }
die() { printf '[prepare] error: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || die "run as root (it installs packages and starts dockerd); there is no sudo here"
  log "not root: re-running with sudo (cache: $CACHE)"
  exec sudo env LEVITATE_CACHE="$CACHE" LEVITATE_MIRROR="$MIRROR" LEVITATE_BASE_IMAGE="$BASE_IMAGE" \
    LEVITATE_CACHE_OWNER="$(id -u):$(id -g)" bash "$0" "$@"
fi
# Started through sudo: the cache belongs to the user who asked, not to root.
hand_back_cache() {
  if [ -n "${LEVITATE_CACHE_OWNER:-}" ] && [ -d "$CACHE" ]; then chown -R "$LEVITATE_CACHE_OWNER" "$CACHE"; fi
}
trap hand_back_cache EXIT

apt_updated=0
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The URI of the machine's own configured Debian archive (not its security archive): no host is named here.
debian_mirror_url() {
  local url
  url="$(grep -rhoE '^(URIs:|deb) +[a-z]+://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
      | grep -v security | head -1 | awk '{print $2}' || true)"
  [ -n "$url" ] || die "no Debian mirror found in /etc/apt/sources.list or /etc/apt/sources.list.d/"
  printf '%s\n' "${url%/}"
}

# --- 1. Docker engine -------------------------------------------------------
start_engine() {
  if docker info >/dev/null 2>&1; then log "docker engine is running"; return 0; fi
  command -v dockerd >/dev/null 2>&1 || apt_install docker.io
  if [ -f /var/run/docker.pid ]; then
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      log "dockerd (pid $pid) is starting; waiting"
    else
      log "removing stale /var/run/docker.pid"
      rm -f /var/run/docker.pid
    fi
  fi
  if ! pgrep -x dockerd >/dev/null 2>&1; then
    log "starting dockerd (log: /var/log/dockerd.log)"
    rm -f /var/run/containerd/containerd.pid 2>/dev/null || true
    nohup dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && { log "docker engine is ready"; return 0; }
    sleep 1
  done
  tail -20 /var/log/dockerd.log >&2 || true
  die "dockerd did not become ready in 60 s (see /var/log/dockerd.log)"
}

# --- 2. base image ----------------------------------------------------------
make_base_image() {
  if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    log "base image $BASE_IMAGE exists"; return 0
  fi
  apt_install debootstrap
  local dir; dir="$(mktemp -d /tmp/levitate-rootfs.XXXXXX)"
  trap 'rm -rf "$dir"' RETURN
  local mirror_url; mirror_url="$(debian_mirror_url)"
  log "debootstrap minbase bookworm (from the configured mirror) into $dir"
  debootstrap --variant=minbase bookworm "$dir" "$mirror_url" >/tmp/levitate-debootstrap.log 2>&1 \
    || { tail -20 /tmp/levitate-debootstrap.log >&2; die "debootstrap failed (log: /tmp/levitate-debootstrap.log)"; }
  # Carry the machine's apt sources into the image so `apt-get install` in
  # Dockerfile.toolchain reaches the same archive.
  rm -f "$dir/etc/apt/sources.list"
  mkdir -p "$dir/etc/apt/sources.list.d"
  for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    [ -f "$f" ] && grep -q debian "$f" && cp "$f" "$dir/etc/apt/sources.list.d/$(basename "$f" .list)$( [[ $f == *.list ]] && echo .list || true)"
  done
  log "importing $BASE_IMAGE"
  tar -C "$dir" -c . | docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' - "$BASE_IMAGE" >/dev/null
  docker image inspect "$BASE_IMAGE" >/dev/null || die "docker import did not produce $BASE_IMAGE"
}

# --- 3. source mirror -------------------------------------------------------
place() { # place SRC NAME: atomic copy into the mirror
  local tmp="$MIRROR/.$2.partial.$$"
  cp "$1" "$tmp" && mv -f "$tmp" "$MIRROR/$2"
}

sha256_of() { [ -f "$1" ] && sha256sum "$1" | cut -d' ' -f1 || true; }

fill_mirror() {
  mkdir -p "$MIRROR"
  local work; work="$(mktemp -d /tmp/levitate-mirror.XXXXXX)"
  trap 'rm -rf "$work"' RETURN
  if [ ! -s "$MIRROR/busybox-$BUSYBOX_VERSION.tar.bz2" ]; then
    # bookworm ships 1.35; trixie's source package carries upstream's 1.37.0 tarball as its orig
    # tarball, and the pool path is the same for every suite, so no trixie entry is added to apt.
    local url; url="$(debian_mirror_url)/$BUSYBOX_POOL_PATH"
    log "downloading BusyBox $BUSYBOX_VERSION source ($BUSYBOX_POOL_PATH) from the configured Debian mirror"
    command -v curl >/dev/null 2>&1 || apt_install curl
    curl -fsSL --retry 3 -o "$work/busybox.tar.bz2" "$url" \
      || die "could not download $url (the pool may have dropped BusyBox $BUSYBOX_VERSION: see $(dirname "$url")/ for what it holds now)"
    local got; got="$(sha256sum "$work/busybox.tar.bz2" | cut -d' ' -f1)"
    [ "$got" = "$BUSYBOX_SHA256" ] || die "$url: sha256 $got, expected $BUSYBOX_SHA256 (upstream busybox-$BUSYBOX_VERSION.tar.bz2)"
    place "$work/busybox.tar.bz2" "busybox-$BUSYBOX_VERSION.tar.bz2"
  fi
  if [ "$(sha256_of "$MIRROR/$LINUX_TARBALL")" != "$LINUX_SHA256" ]; then
    if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
    # The security archive keeps only recent builds: when the pin is gone, say what is there.
    local available; available="$(apt-cache madison "$LINUX_PACKAGE" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -urV | paste -sd' ')"
    case " $available " in
      *" $LINUX_DEB_VERSION "*) ;;
      *) die "$LINUX_PACKAGE=$LINUX_DEB_VERSION is no longer in the configured Debian archive; it has: ${available:-nothing (is bookworm-security configured?)}. Pick one, set LINUX_DEB_VERSION and LINUX_SHA256 here and sources.linux (version, sha256) in config/profiles/offline.yaml to its usr/src/$LINUX_TARBALL" ;;
    esac
    log "downloading $LINUX_PACKAGE=$LINUX_DEB_VERSION from Debian's archive (apt verifies the .deb)"
    (cd "$work" && apt-get download "$LINUX_PACKAGE=$LINUX_DEB_VERSION" >/dev/null 2>&1) \
      || die "apt-get download $LINUX_PACKAGE=$LINUX_DEB_VERSION failed"
    dpkg-deb --fsys-tarfile "$work/${LINUX_PACKAGE}_"*.deb | tar -x -C "$work" "./usr/src/$LINUX_TARBALL"
    local got; got="$(sha256_of "$work/usr/src/$LINUX_TARBALL")"
    [ "$got" = "$LINUX_SHA256" ] || die "$LINUX_PACKAGE=$LINUX_DEB_VERSION holds $LINUX_TARBALL with sha256 $got, expected $LINUX_SHA256"
    place "$work/usr/src/$LINUX_TARBALL" "$LINUX_TARBALL"
  fi
  place_openrc
  log "mirror $MIRROR:"
  (cd "$MIRROR" && ls -1 | sed 's/^/[prepare]   /' >&2)
  [ -s "$MIRROR/$OPENRC_FILE" ] || log "note: $MIRROR/$OPENRC_FILE is absent: the OpenRC flavour's build downloads it from GitHub; without network put it there (README: Quick start)"
}

# OpenRC's tarball from ../shared/mirror/ (beside the checkout on the project's machines and in CI).
place_openrc() {
  local got
  if [ -f "$MIRROR/$OPENRC_FILE" ]; then
    got="$(sha256sum "$MIRROR/$OPENRC_FILE" | cut -d' ' -f1)"
    [ "$got" = "$OPENRC_SHA256" ] && return 0
    log "$MIRROR/$OPENRC_FILE has sha256 $got, not the pinned $OPENRC_SHA256: replacing it"
    rm -f "$MIRROR/$OPENRC_FILE"
  fi
  [ -f "$SHARED_MIRROR/$OPENRC_FILE" ] || return 0
  got="$(sha256sum "$SHARED_MIRROR/$OPENRC_FILE" | cut -d' ' -f1)"
  [ "$got" = "$OPENRC_SHA256" ] || die "$SHARED_MIRROR/$OPENRC_FILE: sha256 $got, expected $OPENRC_SHA256"
  log "copying $OPENRC_FILE from $(cd "$SHARED_MIRROR" && pwd)"
  place "$SHARED_MIRROR/$OPENRC_FILE" "$OPENRC_FILE"
  chmod 644 "$MIRROR/$OPENRC_FILE"
}

case "${1:-all}" in
  engine) start_engine ;;
  base) start_engine; make_base_image ;;
  mirror) fill_mirror ;;
  all) start_engine; make_base_image; fill_mirror ;;
  *) die "usage: $0 [all|engine|base|mirror]" ;;
esac
