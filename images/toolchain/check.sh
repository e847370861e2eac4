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

# thp-heap.so (the image preloads it): a large anonymous mapping comes back on a 2 MiB boundary and,
# where the kernel has transparent huge pages at all, advised for them ("hg" in smaps' VmFlags).
thp=/usr/local/lib/levitate/thp-heap.so
if [ ! -f "$thp" ]; then
    problem "missing $thp"
else
    tmp=$(mktemp -d)
    cat > "$tmp/map.c" <<'C'
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(int argc, char **argv) {
    size_t len = ((size_t)4 << 20) + 1;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { puts("mmap failed"); return 1; }
    if ((uintptr_t)p % ((uintptr_t)2 << 20) != 0) { printf("not on a 2 MiB boundary: %p\n", (void *)p); return 1; }
    memset(p, 1, len);
    if (argc > 1 && strcmp(argv[1], "--no-thp") == 0) return 0;
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int inside = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        unsigned long start, end;
        if (sscanf(line, "%lx-%lx ", &start, &end) == 2) inside = start <= (uintptr_t)p && (uintptr_t)p < end;
        else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
            if (strstr(line, " hg") != NULL) return 0;
            printf("not advised for huge pages: %s", line);
            return 1;
        }
    }
    puts("the mapping is not in /proc/self/smaps");
    return 1;
}
C
    if ! gcc -O2 -o "$tmp/map" "$tmp/map.c"; then
        problem "cannot compile the thp-heap.so check"
    else
        [ -d /sys/kernel/mm/transparent_hugepage ] && thp_mode= || thp_mode=--no-thp
        out=$(LD_PRELOAD=$thp "$tmp/map" $thp_mode 2>&1) || problem "thp-heap.so: $out"
    fi
    rm -rf "$tmp"
fi

if [ -n "$problems" ]; then
    echo "toolchain self-check FAILED:$problems" >&2
    exit 1
fi
echo "toolchain self-check passed: $(gcc -dumpversion) gcc, musl-cc static, grub i386-pc + x86_64-efi, thp-heap.so"
