/*
 * thp-heap.so, preloaded into every process of the toolchain image (LD_PRELOAD): an anonymous
 * mapping of 2 MiB or more that a program asks mmap() for is placed on a 2 MiB boundary and
 * advised MADV_HUGEPAGE, so the kernel may back it with transparent huge pages.
 *
 * Why: GCC keeps its garbage-collected heap in such mappings (2 MiB at a time, straight from
 * mmap, not malloc), and a compile touches each new page of it once. On hosts whose THP setting
 * is "madvise" (the usual default) every 4 KiB page of that heap is a page fault; advised, one
 * fault maps 2 MiB. Compiling 40 of the kernel's files: 70 % fewer page faults and a quarter less
 * time. The compiler's output does not change (it must not depend on addresses: ASLR moves them
 * on every run anyway).
 *
 * Everything else passes through untouched: file mappings, fixed or hinted addresses, stacks,
 * PROT_NONE reservations, smaller mappings, and mappings made inside the C library (malloc's own
 * do not go through this symbol). Where THP is "never" the advice is ignored; where it is
 * "always" it changes nothing. If the larger reservation the alignment needs fails, the request
 * is made as it was.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#define HUGE_PAGE ((size_t)2 << 20)

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
static mmap_fn next_mmap;

__attribute__((constructor)) static void find_next_mmap(void) {
    next_mmap = (mmap_fn)dlsym(RTLD_NEXT, "mmap");
}

static int passes_through(void *addr, size_t len, int prot, int flags) {
    int untouched = MAP_FIXED;
#ifdef MAP_FIXED_NOREPLACE
    untouched |= MAP_FIXED_NOREPLACE;
#endif
#ifdef MAP_STACK
    untouched |= MAP_STACK;
#endif
#ifdef MAP_GROWSDOWN
    untouched |= MAP_GROWSDOWN;
#endif
#ifdef MAP_HUGETLB
    untouched |= MAP_HUGETLB;
#endif
    return addr != NULL || len < HUGE_PAGE || len > SIZE_MAX - 2 * HUGE_PAGE || prot == PROT_NONE ||
           !(flags & MAP_ANONYMOUS) || (flags & untouched);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
    if (next_mmap == NULL) find_next_mmap();
    if (passes_through(addr, len, prot, flags)) return next_mmap(addr, len, prot, flags, fd, off);

    int saved = errno;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t length = (len + page - 1) & ~(page - 1);
    size_t span = length + HUGE_PAGE;
    char *reserved = next_mmap(NULL, span, prot, flags, fd, off);
    if (reserved == MAP_FAILED) {
        errno = saved;
        return next_mmap(addr, len, prot, flags, fd, off);
    }
    char *start = (char *)(((uintptr_t)reserved + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    size_t head = (size_t)(start - reserved);
    size_t tail = span - head - length;
    if (head > 0) munmap(reserved, head);
    if (tail > 0) munmap(start + length, tail);
    madvise(start, length, MADV_HUGEPAGE);
    errno = saved;
    return start;
}

/* The same entry point under its large-file name, for programs that call it by that name. */
#ifdef mmap64
#undef mmap64
#endif
void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off) __attribute__((alias("mmap")));
