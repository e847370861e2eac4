#!/bin/sh
# Stage "grub": GRUB's boot images and modules for the ISO, made once per toolchain so that an edit only reassembles the ISO.
#
# In:   nothing but this script
# Env:  SOURCE_DATE_EPOCH
# Out:  /out/grub.tar: tree/ (what grub-mkrescue grafts into every ISO: the BIOS El Torito core image
#       and modules in boot/grub/i386-pc, the EFI modules in boot/grub/x86_64-efi, the EFI boot floppy
#       efi.img, ...), xorriso.args (grub-mkrescue's xorriso command line, one argument a line,
#       with @GRUB_TREE@, @TREE@ and @ISO@ where its temporary paths were) and xorriso-poll.so
#       (a preload library for that xorriso run: see below)
#
# grub-mkrescue runs under a frozen faketime clock: it takes the ISO's volume uuid (the
# --modification-date its embedded images search for) and the EFI floppy's FAT serial from the
# clock, ignoring SOURCE_DATE_EPOCH. Nothing here depends on the kernel, the initramfs, the kernel
# command line or the ISO label: those are the iso stage's, which runs only xorriso.
set -eu

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
# xorriso takes SOURCE_DATE_EPOCH=0 for "unset" and then gives the GPT random GUIDs: use 1 s (as the iso stage does).
[ "$SOURCE_DATE_EPOCH" != 0 ] || SOURCE_DATE_EPOCH=1
export SOURCE_DATE_EPOCH
log() { echo "grub: $*"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tree" "$work/capture" "$work/capture/tree"

# Only the modules grub.cfg uses (and their dependencies) go on the ISO, plus the partition maps
# GRUB probes whenever it opens a disk (it prints an error for each one missing). They are not
# xz-compressed: that saves 0.5 MB of the ISO but costs time whenever the ISO is read.
partmaps=$(cat /usr/lib/grub/i386-pc/partmap.lst /usr/lib/grub/x86_64-efi/partmap.lst | LC_ALL=C sort -u | tr '\n' ' ')
modules="normal boot linux linux16 serial terminal echo test ${partmaps% }"
frozen=$(TZ=UTC date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')

# grub-mkrescue runs xorriso through this wrapper. Its queries (-help, --version) go to xorriso;
# the final run (the one with --efi-boot) makes no ISO but is captured:
# - the EFI image grub-mkrescue made is a 2.88 MB floppy holding one file of about 160 KB: it is
#   made again as the smallest standard floppy that holds its files (2.5 MB less on every ISO),
#   still under the frozen clock (mtools takes the FAT serial and dates from it);
# - GRUB's temporary tree is copied to capture/tree, and the arguments to capture/xorriso.args.
cat > "$work/capture-xorriso" <<'WRAPPER'
#!/bin/sh
set -eu
case " $* " in *" --efi-boot "*) ;; *) unset LD_PRELOAD FAKETIME; exec xorriso "$@" ;; esac
die() { echo "grub: error: $*" >&2; exit 1; }
dir=
previous=
for arg in "$@"; do [ "$previous" != -r ] || dir=$arg; previous=$arg; done
img="$dir/efi.img"
[ -n "$dir" ] && [ -f "$img" ] || die "grub-mkrescue's EFI image not found (xorriso $*)"
files=$(mktemp -d)
mcopy -s -i "$img" ::/ "$files/"
need=$(( $(du -sk "$files" | cut -f1) + 64 ))
for size in 360 720 1440 2880; do [ "$size" -lt "$need" ] || break; done
rm -f "$img"
mformat -C -f "$size" -i "$img" ::
mcopy -s -i "$img" "$files"/* ::/
rm -rf "$files"
cp -a "$dir/." "$CAPTURE/tree/"
: > "$CAPTURE/xorriso.args"
previous=
for arg in "$@"; do
    case $arg in *'
'*) die "a xorriso argument spans lines: '$arg'" ;; esac
    if [ "$arg" = "$dir" ]; then arg=@GRUB_TREE@
    elif [ "$arg" = "$TREE" ]; then arg=@TREE@
    elif [ "$previous" = -o ]; then arg=@ISO@
    fi
    case $arg in */tmp/*) die "xorriso argument '$arg' names a temporary path this stage does not know" ;; esac
    printf '%s\n' "$arg" >> "$CAPTURE/xorriso.args"
    previous=$arg
done
for placeholder in @GRUB_TREE@ @TREE@ @ISO@; do
    [ "$(grep -cx "$placeholder" "$CAPTURE/xorriso.args")" = 1 ] || die "expected $placeholder once in xorriso's arguments, got: $*"
done
WRAPPER
chmod +x "$work/capture-xorriso"

log "grub-mkrescue $(grub-mkrescue --version | sed 's/^grub-mkrescue //') (clock frozen at $frozen UTC; modules: $modules)"
CAPTURE="$work/capture" TREE="$work/tree" TZ=UTC faketime -f "$frozen" grub-mkrescue \
    --xorriso="$work/capture-xorriso" -o "$work/unused.iso" \
    --compress=no --locales= --fonts= --themes= \
    --install-modules="$modules" \
    "$work/tree"
[ -s "$work/capture/xorriso.args" ] || { echo "grub: error: grub-mkrescue never ran xorriso with --efi-boot" >&2; exit 1; }

# xorriso's progress loop (Xorriso_pacifier_loop) first looks at its writer thread after a
# usleep(100002); while the write is under way it sleeps in steps of usleep(100000) up to the
# next whole second (at most 12 steps) before it looks again. Writing a 7 MB ISO takes about
# 50 ms, yet xorriso slept 0.1 s, and up to 1.2 s more whenever the write outlasted the first
# sleep (a busy machine). This library, preloaded into the iso stage's xorriso, caps every sleep
# of that process at 1 ms, so the loop looks every 1-12 ms; what xorriso writes does not change
# (every date comes from SOURCE_DATE_EPOCH and its options). Built here, with the toolchain's
# own C compiler, so it matches xorriso's C library.
cat > "$work/xorriso-poll.c" <<'C'
#define _GNU_SOURCE
#include <time.h>
#include <unistd.h>
int usleep(useconds_t us) {
    struct timespec t = { 0, (long) (us > 1000 ? 1000 : us) * 1000L };
    return nanosleep(&t, NULL);
}
C
cc -O2 -shared -fPIC -o "$work/capture/xorriso-poll.so" "$work/xorriso-poll.c" || { echo "grub: error: cc could not build xorriso-poll.so" >&2; exit 1; }

# A fixed tar: sorted names, owner 0, fixed dates (the tree's own dates never reach the ISO: the
# iso stage sets every file date there; this keeps grub.tar itself byte-identical).
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --format=gnu \
    -C "$work/capture" -cf /out/grub.tar tree xorriso.args xorriso-poll.so
log "done: $(wc -c < /out/grub.tar) bytes, sha256 $(sha256sum /out/grub.tar | cut -d' ' -f1)"
