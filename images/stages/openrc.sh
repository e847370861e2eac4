#!/bin/sh
# The openrc stage: builds OpenRC statically against musl and writes /out/openrc.tar, the installed tree a tiny initramfs needs.
#
# Contract (docs/ARCHITECTURE.md, "Stage script contract"): $SRC is the source tarball
# (top directory openrc-<version>/), $SRC_SHA256 its sha256; /work persists between runs,
# /ccache is shared, /out is the only output; no network.
#
# Dropped from the installed tree (not needed in a tiny initramfs):
#   usr/share/man, usr/share/doc, usr/include, pkgconfig files, static libraries (*.a),
#   bash/zsh completions, usr/share/openrc (support scripts and examples),
#   etc/runlevels (the runlevel links come from the config: orchestrator/initramfs/openrc-layout.ts),
#   and the netmount service: it needs a `net` provider, which -Dnewnet=false does not install, so
#   its mere presence makes every dependency scan print "needs non existent service `net'".
set -eu
umask 022
export LC_ALL=C

: "${SRC:?SRC (path of the OpenRC source tarball) is not set}"
: "${SRC_SHA256:?SRC_SHA256 is not set}"
: "${SOURCE_DATE_EPOCH:=0}"
: "${JOBS:=$(nproc 2>/dev/null || echo 2)}"
: "${CC_MUSL:=musl-cc}"
export SOURCE_DATE_EPOCH

log() { printf 'openrc.sh: %s\n' "$*"; }
die() { printf 'openrc.sh: error: %s\n' "$*" >&2; exit 1; }

[ -f "$SRC" ] || die "source tarball $SRC does not exist"
[ -d /out ] || die "/out does not exist"
command -v "$CC_MUSL" >/dev/null 2>&1 || die "C compiler $CC_MUSL (CC_MUSL) is not on PATH"
mkdir -p /work

# 1. Unpack, keyed by the source's sha256; the marker is written only after a complete unpack.
tree=/work/$SRC_SHA256
marker=$tree/.unpacked
if [ ! -f "$marker" ]; then
    got=$(sha256sum "$SRC" | cut -d' ' -f1)
    [ "$got" = "$SRC_SHA256" ] || die "sha256 of $SRC is $got, expected $SRC_SHA256"
    # Trees of other source versions are stale, and so is a half-done unpack of this one.
    find /work -mindepth 1 -maxdepth 1 -exec rm -rf {} +
    mkdir -p "$tree/unpack"
    log "unpacking $(basename "$SRC")"
    tar -xf "$SRC" -C "$tree/unpack"
    set -- "$tree"/unpack/*/
    [ $# -eq 1 ] && [ -f "$1/meson.build" ] || die "$SRC does not hold a single top directory with meson.build"
    mv "$1" "$tree/src"
    rmdir "$tree/unpack"
    touch "$marker"
fi
src=$tree/src
build=$tree/build

# 2. Configure: static, musl, no PAM/audit/SELinux/capabilities, no completions or pkg-config files.
#    Every program links librc and libeinfo statically; with a section per function and
#    --gc-sections each keeps only the code it calls: the helpers' distinct ELF files shrink
#    from 4.4 MB to 3.1 MB, which the initramfs, the ISO and every boot's unpacking pay for.
#    Re-run setup only when these options or the compiler change (ninja itself re-runs meson
#    when meson.build files change).
cc=$CC_MUSL
if command -v ccache >/dev/null 2>&1 && [ -d /ccache ] && [ -w /ccache ]; then
    export CCACHE_DIR=/ccache CCACHE_BASEDIR=/work CCACHE_NOHASHDIR=1
    cc="ccache $CC_MUSL"
fi
set -- --prefix=/usr --sysconfdir=/etc --libdir=lib --buildtype=minsize \
    --default-library=static -Dos=Linux \
    "-Dc_args=-ffunction-sections -fdata-sections" "-Dc_link_args=-static -Wl,--gc-sections" \
    -Dpam=false -Daudit=disabled -Dselinux=disabled -Dcapabilities=disabled \
    -Dbash-completions=false -Dzsh-completions=false -Dpkgconfig=false \
    -Dnewnet=false -Dsysvinit=false
compiler_id=$(command -v "$CC_MUSL"; cat "$(command -v "$CC_MUSL")"; "$CC_MUSL" -dumpversion)
setup_key=$(printf '%s\n' "$cc" "$*" "$compiler_id" | sha256sum | cut -d' ' -f1)
stamp=$build/.levitate-setup
if [ ! -f "$build/build.ninja" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$setup_key" ]; then
    log "meson setup ($*)"
    rm -rf "$build"
    CC=$cc meson setup "$build" "$src" "$@"
    printf '%s\n' "$setup_key" > "$stamp"
else
    log "meson setup is current, building incrementally"
fi

# 3. Build and install into a fresh staging directory.
ninja -C "$build" -j "$JOBS"
stage=/tmp/stage
rm -rf "$stage"
DESTDIR=$stage meson install -C "$build" --no-rebuild --strip --quiet

# 4. Drop what a tiny initramfs does not need (listed at the top of this file).
rm -rf "$stage/usr/share/man" "$stage/usr/share/doc" "$stage/usr/include" \
    "$stage/usr/share/bash-completion" "$stage/usr/share/zsh" "$stage/usr/share/openrc" \
    "$stage/etc/runlevels" "$stage/etc/init.d/netmount" "$stage/etc/conf.d/netmount"
find "$stage" \( -name '*.a' -o -name '*.pc' \) -type f -exec rm -f {} +
find "$stage" -depth -type d -empty -exec rmdir {} \;

# 5. Every ELF file must be static: no program interpreter, no needed shared libraries.
offenders=""
elf_files=$(find "$stage" -type f | sort | while IFS= read -r f; do
    readelf -h "$f" >/dev/null 2>&1 && printf '%s\n' "$f"
done)
[ -n "$elf_files" ] || die "no ELF files were installed (is $src really OpenRC?)"
for f in $elf_files; do
    why=""
    if readelf -lW "$f" | grep -q 'Requesting program interpreter'; then why="PT_INTERP"; fi
    needed=$(readelf -dW "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | paste -sd' ' -)
    if [ -n "$needed" ]; then why="$why${why:+, }DT_NEEDED $needed"; fi
    if [ -n "$why" ]; then offenders="$offenders
  ${f#"$stage"}: $why"; fi
done
[ -z "$offenders" ] || die "OpenRC installed ELF files that are not static:$offenders"
log "$(find "$stage" -type f | wc -l) files installed; all $(printf '%s\n' "$elf_files" | wc -l) ELF files are static"

# 6. OpenRC installs its multi-call helpers (ebegin, eend, service_started, mark_service_*, ...)
#    as identical copies that dispatch on argv[0]: keep the first of each set (by name) and
#    make the others symlinks to it (relative within a directory, absolute across), ~5 MB less.
dupes=0
sums=$(printf '%s\n' "$elf_files" | xargs sha256sum | sort -k1,1 -k2,2)
keep_sum="" keep_path=""
while read -r sum path; do
    if [ "$sum" != "$keep_sum" ]; then keep_sum=$sum keep_path=$path; continue; fi
    if [ "$(dirname "$path")" = "$(dirname "$keep_path")" ]; then target=$(basename "$keep_path");
    else target=${keep_path#"$stage"}; fi
    ln -sf "$target" "$path"
    dupes=$((dupes + 1))
done <<EOF
$sums
EOF
log "replaced $dupes identical copies of multi-call helpers with symlinks"

# 7. The deterministic tarball: names without "./", sorted, fixed times and owners.
cd "$stage"
tar --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner \
    --format=gnu -cf /out/openrc.tar -- *
log "wrote /out/openrc.tar ($(wc -c < /out/openrc.tar) bytes, sha256 $(sha256sum /out/openrc.tar | cut -d' ' -f1))"
