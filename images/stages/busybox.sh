#!/bin/sh
# Stage "busybox": builds one static BusyBox with musl-cc from defconfig + /in/busybox.config, incrementally in /work.
#
# In:   /in/busybox.config, $SRC (tarball), $SRC_SHA256
# Env:  JOBS, SOURCE_DATE_EPOCH, CC_MUSL (from the toolchain image)
# Work: /work/src-<sha>/ (unpacked tree), /work/config-<sha>/ (config composition), /work/build-<sha>/ (O= output)
# Out:  /out/busybox (static), /out/applets.txt (busybox --list-full), /out/busybox.config
set -eu

: "${SRC:?SRC must name the BusyBox tarball}"
: "${SRC_SHA256:?SRC_SHA256 must be the tarball sha256}"
JOBS=${JOBS:-$(nproc)}
CC_MUSL=${CC_MUSL:-musl-cc}
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}"
fragment=/in/busybox.config
log() { echo "busybox: $*"; }
die() { echo "busybox: error: $*" >&2; exit 1; }

[ -f "$fragment" ] || die "missing $fragment"
[ -f "$SRC" ] || die "missing source tarball $SRC"

key=$(printf '%s' "$SRC_SHA256" | cut -c1-16)
tree=/work/src-$key
build=/work/build-$key
confdir=/work/config-$key

for old in /work/src-* /work/build-* /work/config-*; do
    case "$old" in "$tree"|"$build"|"$confdir"|'/work/src-*'|'/work/build-*'|'/work/config-*') ;; *) log "removing stale $old"; rm -rf "$old" ;; esac
done

if [ ! -f "$tree/.levitate-unpacked" ]; then
    log "unpacking $(basename "$SRC") into $tree"
    rm -rf "$tree" "$tree.partial" "$build" "$confdir"
    mkdir -p "$tree.partial"
    tar -xf "$SRC" --strip-components=1 -C "$tree.partial"
    mv "$tree.partial" "$tree"
    touch "$tree/.levitate-unpacked"
else
    log "reusing $tree"
fi
mkdir -p "$build"

# No ccache, as for the kernel: a cold BusyBox took 97 s with plain musl-gcc and 105-112 s through an
# empty ccache on the 2-core machine (a cold build is all misses, each running the preprocessor twice).
# The build tree in /work is kept, and its kbuild tracks each CONFIG_ symbol a file uses, so an edit
# of the fragment recompiles only the files that read the changed symbols.
# LDLIBS= : BusyBox's link script links once more per library it lists (m, resolv, rt, ...) to find
# the ones not needed, and with musl none is (libc.a holds them all): two links instead of five,
# the same binary. Libraries the config asks for by name (CONFIG_EXTRA_LDLIBS) are still linked.
bbmake() { make -C "$tree" O="$build" CC="$CC_MUSL" HOSTCC=gcc LDLIBS= "$@"; }

# Compose the config in a side directory (BusyBox's kconfig always rewrites .config and .kconfig.d,
# which would make the build regenerate its headers and relink) and copy it into the build tree
# only when it differs, so make rebuilds only what a changed fragment touches.
mkdir -p "$confdir"
cfg=$confdir/.config
make -C "$tree" O="$confdir" -s defconfig >/dev/null
sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p; s/^# \(CONFIG_[A-Za-z0-9_]*\) is not set.*/\1/p' "$fragment" | while read -r sym; do
    sed -i -e "/^$sym=/d" -e "/^# $sym is not set/d" "$cfg"
done
sed 's/\r$//' "$fragment" | grep -E '^(CONFIG_|# CONFIG_[A-Za-z0-9_]* is not set)' >> "$cfg"
yes '' | make -C "$tree" O="$confdir" -s oldconfig >/dev/null

# Every assignment the fragment makes must survive oldconfig's dependency resolution.
lost=$(
    sed -n 's/\r$//; s/[[:space:]]*$//; /^CONFIG_[A-Za-z0-9_]*=/p' "$fragment" | while IFS= read -r line; do
        grep -qxF -- "$line" "$cfg" || echo "$line (got: $(grep "^${line%%=*}=" "$cfg" || echo 'not set'))"
    done
    sed -n 's/^# \(CONFIG_[A-Za-z0-9_]*\) is not set.*/\1/p' "$fragment" | while read -r sym; do
        grep "^$sym=" "$cfg" | sed 's/$/ (wanted: not set)/'
    done
)
[ -z "$lost" ] || die "fragment settings missing from the final config:
$lost"

if cmp -s "$cfg" "$build/.config"; then
    log ".config unchanged"
else
    log ".config changed"
    cp "$cfg" "$build/.config"
fi

log "make -j$JOBS with CC='$CC_MUSL'"
bbmake -j"$JOBS" busybox

bin=$build/busybox
kind=$(file -b "$bin")
case "$kind" in
    *"statically linked"*|*"static-pie linked"*) ;;
    *) die "busybox is not static: file says: $kind" ;;
esac
! readelf -lW "$bin" | grep -q INTERP || die "busybox has a PT_INTERP (needs a dynamic loader)"

mkdir -p /out
cp "$bin" /out/busybox
"$bin" --list-full > /out/applets.txt
cp "$build/.config" /out/busybox.config
log "done: $("$bin" 2>&1 | head -n1), $(wc -c < /out/busybox) bytes, $(wc -l < /out/applets.txt) applets"
