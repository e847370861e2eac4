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
# `move-linux-pin [DEBIAN_VERSION]` moves the offline profile's kernel pin to the newest (or the
# named) build of linux-source-6.12 the archive offers, when the pinned one is gone (the security
# archive keeps only recent builds): the tarball into the mirror, then the profile's pin.
#
# Needs apt and root: run it as root, or as a user who may sudo (it re-runs itself with
# sudo, filling the invoking user's cache and handing it back to that user). Environment:
#   LEVITATE_CACHE   cache root (default: ~/.cache/levitate-docker); the mirror is $LEVITATE_CACHE/mirror
#   LEVITATE_BASE_IMAGE  tag of the base image to make (default: levitate/debian-base:bookworm)
set -euo pipefail

CACHE="${LEVITATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/levitate-docker}"
MIRROR="${LEVITATE_MIRROR:-$CACHE/mirror}"
BASE_IMAGE="${LEVITATE_BASE_IMAGE:-levitate/debian-base:bookworm}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# The offline profile is the one place the kernel pin lives: its `# debian-package:` line names
# Debian's package and version (bookworm gets 6.12 through bookworm-security), sources.linux the
# tarball inside it and its sha256. `move-linux-pin` moves all of them together.
OFFLINE_PROFILE="$ROOT/config/profiles/offline.yaml"
profile_linux() { # profile_linux KEY: sources.linux.KEY of the offline profile
  awk -v key="$1" '/^  linux:/ {inside = 1; next} inside && /^  [^ #]/ {inside = 0}
    inside && $1 == key ":" {print $2; exit}' "$OFFLINE_PROFILE"
}
debian_package_line="$(sed -n 's/^# debian-package: *//p' "$OFFLINE_PROFILE" | head -1)"
LINUX_PACKAGE="${debian_package_line%%=*}"
LINUX_DEB_VERSION="${debian_package_line#*=}"
LINUX_TARBALL="$(profile_linux file)"
LINUX_SHA256="$(profile_linux sha256)"
[ -n "$LINUX_PACKAGE" ] && [ -n "$LINUX_DEB_VERSION" ] && [ -n "$LINUX_TARBALL" ] && [ -n "$LINUX_SHA256" ] \
  || { printf '[prepare] error: %s\n' "$OFFLINE_PROFILE: expected a '# debian-package: PACKAGE=VERSION' line and sources.linux with file and sha256" >&2; exit 1; }
BUSYBOX_VERSION="1.37.0"
# Upstream's sha256 of busybox-1.37.0.tar.bz2; Debian's orig tarball is the same file.
BUSYBOX_SHA256="3311dff32e746499f4df0d5df04d7eb396382d7e108bb9250e7b519b837043a4"
BUSYBOX_POOL_PATH="pool/main/b/busybox/busybox_$BUSYBOX_VERSION.orig.tar.bz2"
OPENRC_FILE="openrc-0.54.tar.gz"
OPENRC_SHA256="c84ff1d8e468c043fe136d11d3d34d6bb28328267d1352526a5d18cdf4c60fb0"
SHARED_MIRROR="$ROOT/../shared/mirror"

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
    # The security archive keeps only recent builds: when the pin is gone, say what is there.
    local available; available="$(linux_versions_available)"
    case " $available " in
      *" $LINUX_DEB_VERSION "*) ;;
      *) die "$LINUX_PACKAGE=$LINUX_DEB_VERSION (pinned in $OFFLINE_PROFILE) is no longer in the configured Debian archive; it has: ${available:-nothing (is bookworm-security configured?)}. Move the pin to the newest with: bash scripts/prepare-offline.sh move-linux-pin (or name one: move-linux-pin ${available%% *}); the next build then compiles the kernel from that tree" ;;
    esac
    download_linux_tree "$LINUX_DEB_VERSION" "$work"
    local got; got="$(sha256_of "$work/usr/src/$LINUX_TARBALL")"
    [ "$got" = "$LINUX_SHA256" ] || die "$LINUX_PACKAGE=$LINUX_DEB_VERSION holds $LINUX_TARBALL with sha256 $got, but $OFFLINE_PROFILE pins $LINUX_SHA256"
    place "$work/usr/src/$LINUX_TARBALL" "$LINUX_TARBALL"
  fi
  place_openrc
  log "mirror $MIRROR:"
  (cd "$MIRROR" && ls -1 | sed 's/^/[prepare]   /' >&2)
  [ -s "$MIRROR/$OPENRC_FILE" ] || log "note: $MIRROR/$OPENRC_FILE is absent: the OpenRC flavour's build downloads it from GitHub; without network put it there (README: Quick start)"
}

# The versions of the kernel package the configured archive offers, newest first.
linux_versions_available() {
  if [ $apt_updated = 0 ]; then apt-get update -qq; apt_updated=1; fi
  apt-cache madison "$LINUX_PACKAGE" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -urV | paste -sd' '
}

# download_linux_tree DEB_VERSION DIR: DIR/usr/src/$LINUX_TARBALL from that .deb (apt verifies the .deb).
download_linux_tree() {
  log "downloading $LINUX_PACKAGE=$1 from Debian's archive (apt verifies the .deb)"
  (cd "$2" && apt-get download "$LINUX_PACKAGE=$1" >/dev/null 2>&1) || die "apt-get download $LINUX_PACKAGE=$1 failed"
  dpkg-deb --fsys-tarfile "$2/${LINUX_PACKAGE}_"*.deb | tar -x -C "$2" "./usr/src/$LINUX_TARBALL"
}

# move-linux-pin [DEB_VERSION]: Debian's newest (or the named) build of the kernel package into the
# mirror, then the pin in the offline profile moved to it by the tool's own `lock source` (which
# shows the change), and the profile's debian-package line with it. Never silent, never partial:
# nothing in the profile changes unless the tarball is in the mirror.
move_linux_pin() {
  local target="${1:-}" available
  available="$(linux_versions_available)"
  [ -n "$available" ] || die "the configured Debian archive has no $LINUX_PACKAGE (is bookworm-security configured?)"
  [ -n "$target" ] || target="${available%% *}"
  case " $available " in
    *" $target "*) ;;
    *) die "$LINUX_PACKAGE=$target is not in the configured Debian archive; it has: $available" ;;
  esac
  [ -f "$ROOT/dist/cli/main.js" ] || die "the pin is moved by levitate-docker's own 'lock source': run npm ci first (it builds dist/)"
  command -v node >/dev/null 2>&1 || die "node is needed to move the pin (levitate-docker lock source)"
  if [ "$target" = "$LINUX_DEB_VERSION" ] && [ "$(sha256_of "$MIRROR/$LINUX_TARBALL")" = "$LINUX_SHA256" ]; then
    log "the pin is already $LINUX_PACKAGE=$target and the mirror holds it"; return 0
  fi
  mkdir -p "$MIRROR"
  local work; work="$(mktemp -d /tmp/levitate-mirror.XXXXXX)"
  trap 'rm -rf "$work"' RETURN
  download_linux_tree "$target" "$work"
  local upstream="${target%%-*}"
  log "moving sources.linux to $upstream ($LINUX_PACKAGE=$target)"
  # As the user who asked (through sudo), so the profile keeps its owner.
  local as_owner=()
  if [ -n "${LEVITATE_CACHE_OWNER:-}" ]; then
    as_owner=(setpriv --reuid="${LEVITATE_CACHE_OWNER%%:*}" --regid="${LEVITATE_CACHE_OWNER##*:}" --clear-groups)
  fi
  "${as_owner[@]}" env LEVITATE_CACHE="$CACHE" node "$ROOT/bin/levitate-docker.js" lock source linux \
    --config "$ROOT/config/levitate.yaml" --profile offline --file "$work/usr/src/$LINUX_TARBALL" --version "$upstream" --write \
    || die "levitate-docker lock source linux failed; the profile is unchanged"
  [ "$MIRROR" = "$CACHE/mirror" ] || place "$work/usr/src/$LINUX_TARBALL" "$LINUX_TARBALL"
  local edited; edited="$(sed "s|^# debian-package: .*|# debian-package: $LINUX_PACKAGE=$target|" "$OFFLINE_PROFILE")"
  printf '%s\n' "$edited" > "$OFFLINE_PROFILE"
  log "$OFFLINE_PROFILE now pins $LINUX_PACKAGE=$target; commit it. The next build compiles the kernel from that tree."
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
  move-linux-pin) move_linux_pin "${2:-}" ;;
  *) die "usage: $0 [all|engine|base|mirror] | move-linux-pin [DEBIAN_VERSION]" ;;
esac
