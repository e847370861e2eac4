#!/bin/sh
# Stage "iso": packs bzImage + initramfs into a BIOS+UEFI hybrid ISO (GRUB, serial console), reproducibly.
#
# In:   /in/bzImage, /in/initramfs.cpio.gz
# Env:  KERNEL_CMDLINE, ISO_LABEL, SOURCE_DATE_EPOCH
# Out:  /out/levitate.iso
#
# grub-mkrescue takes the ISO's volume uuid (which its embedded GRUB images search for) and the
# EFI FAT image's serial from the clock, ignoring SOURCE_DATE_EPOCH; running it under a frozen
# faketime clock is what makes two builds byte-identical.
set -eu

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
# xorriso takes SOURCE_DATE_EPOCH=0 for "unset" and then gives the GPT random GUIDs: use 1 s.
[ "$SOURCE_DATE_EPOCH" != 0 ] || SOURCE_DATE_EPOCH=1
export SOURCE_DATE_EPOCH
KERNEL_CMDLINE=${KERNEL_CMDLINE:-console=ttyS0}
ISO_LABEL=${ISO_LABEL:-LEVITATEOS}
log() { echo "iso: $*"; }
die() { echo "iso: error: $*" >&2; exit 1; }

for f in bzImage initramfs.cpio.gz; do [ -s "/in/$f" ] || die "missing /in/$f"; done
# The command line goes verbatim into grub.cfg: refuse what GRUB's script parser would interpret.
case "$KERNEL_CMDLINE" in
    *[\"\'\\\$\;\&\|\<\>\{\}\`]*) die "KERNEL_CMDLINE has a character GRUB would interpret: $KERNEL_CMDLINE" ;;
esac
[ "$(printf '%s' "$KERNEL_CMDLINE" | wc -l)" -eq 0 ] || die "KERNEL_CMDLINE must be one line"
printf '%s' "$ISO_LABEL" | grep -Eq '^[A-Za-z0-9_-]{1,32}$' || die "ISO_LABEL must be 1-32 of A-Z a-z 0-9 _ -, got '$ISO_LABEL'"

tree=$(mktemp -d)
real_clock_xorriso=$(mktemp)
trap 'rm -rf "$tree" "$real_clock_xorriso"' EXIT
mkdir -p "$tree/boot/grub"
cp /in/bzImage "$tree/boot/bzImage"
cp /in/initramfs.cpio.gz "$tree/boot/initramfs.cpio.gz"
cat > "$tree/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
menuentry "LevitateOS" {
    linux /boot/bzImage $KERNEL_CMDLINE
    initrd /boot/initramfs.cpio.gz
}
CFG
find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
chmod -R u=rwX,go=rX "$tree"

# Only the modules grub.cfg uses (and their dependencies) go on the ISO, plus the partition maps
# GRUB probes whenever it opens a disk (it prints an error for each one missing). They are not
# xz-compressed: that saves 0.5 MB of a 10 MB ISO but costs about a second on every rebuild,
# and this stage runs after every edit under config/files.
partmaps=$(cat /usr/lib/grub/i386-pc/partmap.lst /usr/lib/grub/x86_64-efi/partmap.lst | LC_ALL=C sort -u | tr '\n' ' ')
modules="normal boot linux serial terminal echo test $partmaps"
frozen=$(TZ=UTC date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S')
# grub-mkrescue runs xorriso through this wrapper. For the final run (the one with --efi-boot):
# - the EFI image grub-mkrescue made is a 2.88 MB floppy holding one file of about 160 KB: it is
#   made again as the smallest standard floppy that holds its files (2.5 MB less to write, upload
#   and hash on every rebuild), still under the frozen clock (mtools takes the FAT serial and
#   dates from it);
# - xorriso itself runs on the real clock: every date it writes comes from SOURCE_DATE_EPOCH and
#   the options below, and under a frozen clock it often stalls for about 2 s (a timed wait whose
#   clock never moves).
cat > "$real_clock_xorriso" <<'WRAPPER'
#!/bin/sh
set -eu
case " $* " in *" --efi-boot "*) ;; *) unset LD_PRELOAD FAKETIME; exec xorriso "$@" ;; esac
dir=
previous=
for arg in "$@"; do [ "$previous" != -r ] || dir=$arg; previous=$arg; done
img="$dir/efi.img"
[ -n "$dir" ] && [ -f "$img" ] || { echo "iso: error: grub-mkrescue's EFI image not found (xorriso $*)" >&2; exit 1; }
files=$(mktemp -d)
mcopy -s -i "$img" ::/ "$files/"
need=$(( $(du -sk "$files" | cut -f1) + 64 ))
for size in 360 720 1440 2880; do [ "$size" -lt "$need" ] || break; done
rm -f "$img"
mformat -C -f "$size" -i "$img" ::
mcopy -s -i "$img" "$files"/* ::/
rm -rf "$files"
unset LD_PRELOAD FAKETIME
exec xorriso "$@"
WRAPPER
chmod +x "$real_clock_xorriso"
mkdir -p /out
log "grub-mkrescue (label $ISO_LABEL, clock frozen at $frozen UTC)"
TZ=UTC faketime -f "$frozen" grub-mkrescue --xorriso="$real_clock_xorriso" -o /out/levitate.iso \
    --compress=no --locales= --fonts= --themes= \
    --install-modules="$modules" \
    "$tree" -- -volid "$ISO_LABEL" -volume_date all_file_dates "=$SOURCE_DATE_EPOCH"

log "done: $(wc -c < /out/levitate.iso) bytes, sha256 $(sha256sum /out/levitate.iso | cut -d' ' -f1)"
