#!/bin/sh
# Installs /usr/local/bin/musl-cc, the toolchain's "C for musl, static by default" compiler, for one flavour.
set -eu
flavour=${1:?usage: install-musl-cc.sh alpine|debian}
here=$(dirname "$0")

case "$flavour" in
alpine)
    # Alpine's gcc already targets musl and finds the kernel headers (linux-headers).
    install -m 0755 "$here/musl-cc.alpine" /usr/local/bin/musl-cc ;;
debian)
    # musl-gcc searches only musl's own include dir, so give it the kernel's uapi headers
    # (linux, asm-generic, mtd, ...: every top directory of linux-libc-dev, plus the multiarch asm)
    # through a directory of symlinks; not /usr/include itself, which would mix in glibc headers.
    headers=/usr/local/lib/musl-kernel-headers
    mkdir -p "$headers"
    for d in $(dpkg -L linux-libc-dev | sed -n 's#^/usr/include/\([^/]*\)$#\1#p'); do
        [ "$d" = x86_64-linux-gnu ] || ln -sfn "/usr/include/$d" "$headers/$d"
    done
    ln -sfn /usr/include/x86_64-linux-gnu/asm "$headers/asm"
    for d in linux asm-generic asm mtd; do
        [ -d "$headers/$d/" ] || { echo "install-musl-cc: $headers/$d does not resolve to a directory" >&2; exit 1; }
    done
    # musl-gcc is a one-line script that runs gcc with musl's specs file; musl-cc runs that
    # command itself (a shell fewer per compile: BusyBox's build compiles about 700 files).
    specs=$(sed -n 's/.*-specs "\([^"]*\)".*/\1/p' "$(command -v musl-gcc)")
    [ -n "$specs" ] && [ -f "$specs" ] || { echo "install-musl-cc: cannot find the specs file musl-gcc uses (got '$specs')" >&2; exit 1; }
    sed "s#@MUSL_GCC_SPECS@#$specs#" "$here/musl-cc.debian" > /usr/local/bin/musl-cc
    chmod 0755 /usr/local/bin/musl-cc ;;
*)
    echo "install-musl-cc: flavour must be alpine or debian, got '$flavour'" >&2; exit 1 ;;
esac
