#!/bin/sh
# The toolchain image's self-check, run at image build time: fails the build unless the stage-script contract holds.
set -u
problems=""
problem() { problems="$problems
  - $*"; }

# Every tool a stage script may call (docs/ARCHITECTURE.md, "Stage script contract").
for tool in sh make gcc musl-cc readelf bc bison flex perl xz bzip2 gzip cpio tar patch \
            meson ninja pkg-config xorriso grub-mkrescue mformat mcopy ccache file faketime \
            find sort sed awk grep diff cmp sha256sum install; do
    command -v "$tool" >/dev/null 2>&1 || problem "missing tool: $tool"
done

# grub-mkrescue needs the platform directories for both boot paths of the hybrid ISO.
for platform in i386-pc x86_64-efi; do
    [ -f "/usr/lib/grub/$platform/modinfo.sh" ] || problem "missing GRUB platform: /usr/lib/grub/$platform"
done

# Headers the kernel build needs on the host side (objtool: libelf; certificate tools: openssl).
[ -f /usr/include/libelf.h ] || [ -f /usr/include/elfutils/libelf.h ] || problem "missing header: libelf.h (libelf dev package)"
[ -f /usr/include/openssl/opensslv.h ] || problem "missing header: openssl/opensslv.h (openssl dev package)"

# musl-cc must build a static musl program that runs and can use the kernel uapi headers.
if command -v musl-cc >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    cat > "$tmp/hello.c" <<'C'
#include <stdio.h>
#include <linux/version.h>
#include <mtd/mtd-user.h>
#ifdef __GLIBC__
#error "musl-cc compiled against glibc, not musl"
#endif
int main(void) { printf("hello from musl, uapi %d\n", LINUX_VERSION_CODE); return 0; }
C
    if ! musl-cc -O2 -o "$tmp/hello" "$tmp/hello.c"; then
        problem "musl-cc cannot compile a hello world"
    else
        "$tmp/hello" | grep -q '^hello from musl' || problem "musl-cc's hello world does not run"
        kind=$(file -b "$tmp/hello")
        case "$kind" in
            *"statically linked"*|*"static-pie linked"*) ;;
            *) problem "musl-cc output is not static: file says: $kind" ;;
        esac
        readelf -lW "$tmp/hello" | grep -q 'INTERP' && problem "musl-cc output has a PT_INTERP (needs a dynamic loader)"
        readelf -dW "$tmp/hello" | grep -q '(NEEDED)' && problem "musl-cc output needs shared libraries"
    fi
    rm -rf "$tmp"
fi

if [ -n "$problems" ]; then
    echo "toolchain self-check FAILED:$problems" >&2
    exit 1
fi
echo "toolchain self-check passed: $(gcc -dumpversion) gcc, musl-cc static, grub i386-pc + x86_64-efi"
