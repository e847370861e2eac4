#!/bin/sh
# Stage "iso": packs bzImage + initramfs + grub.cfg, with GRUB's images from the grub stage, into a BIOS+UEFI hybrid ISO, reproducibly.
#
# In:   /in/bzImage, /in/initramfs.cpio.gz, /in/grub.tar (the grub stage's tree/, xorriso.args, xorriso-poll.so)
# Env:  KERNEL_CMDLINE, ISO_LABEL, SOURCE_DATE_EPOCH
# Out:  /out/levitate.iso
#
# GRUB's images do not depend on anything here, so the grub stage made them once (with
# grub-mkrescue under a frozen clock) and recorded the xorriso command line grub-mkrescue would
# run. This stage runs only that command, with our tree grafted in beside GRUB's: every date it
# writes comes from SOURCE_DATE_EPOCH and the options below, so it runs on the real clock.
set -eu

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
# xorriso takes SOURCE_DATE_EPOCH=0 for "unset" and then gives the GPT random GUIDs: use 1 s.
[ "$SOURCE_DATE_EPOCH" != 0 ] || SOURCE_DATE_EPOCH=1
export SOURCE_DATE_EPOCH
KERNEL_CMDLINE=${KERNEL_CMDLINE:-console=ttyS0}
ISO_LABEL=${ISO_LABEL:-LEVITATEOS}
log() { echo "iso: $*"; }
die() { echo "iso: error: $*" >&2; exit 1; }

for f in bzImage initramfs.cpio.gz grub.tar; do [ -s "/in/$f" ] || die "missing /in/$f"; done
# The command line goes verbatim into grub.cfg: refuse what GRUB's script parser would interpret.
case "$KERNEL_CMDLINE" in
    *[\"\'\\\$\;\&\|\<\>\{\}\`]*) die "KERNEL_CMDLINE has a character GRUB would interpret: $KERNEL_CMDLINE" ;;
esac
# (Shell patterns, not grep and wc: every process costs milliseconds here, and this stage runs
# after every edit.)
newline='
'
case "$KERNEL_CMDLINE" in *"$newline"*) die "KERNEL_CMDLINE must be one line" ;; esac
case "$ISO_LABEL" in
    '' | *[!A-Za-z0-9_-]*) die "ISO_LABEL must be 1-32 of A-Z a-z 0-9 _ -, got '$ISO_LABEL'" ;;
esac
[ "${#ISO_LABEL}" -le 32 ] || die "ISO_LABEL must be 1-32 of A-Z a-z 0-9 _ -, got '$ISO_LABEL'"

# /tmp is the stage's own (a tmpfs mount, emptied before each run): no mktemp needed.
work=/tmp/iso.$$
trap 'rm -rf "$work"' EXIT
mkdir "$work" "$work/grub"
tar -C "$work/grub" -xf /in/grub.tar || die "/in/grub.tar (the grub stage's artifact) is not a readable tar"
[ -d "$work/grub/tree" ] && [ -s "$work/grub/xorriso.args" ] && [ -s "$work/grub/xorriso-poll.so" ] ||
    die "/in/grub.tar lacks tree/, xorriso.args or xorriso-poll.so: not the grub stage's artifact"

# Under BIOS, GRUB's 32-bit `linux` cannot place the kernel at its preferred 16 MiB: it loads
# the kernel's whole init_size (about 12 MiB) at 1 MiB and, as its last step, copies it up byte by
# byte, backwards (`std; rep movsb`). Under QEMU's TCG that copy alone took about 0.5 s of every
# boot. `linux16` (the 16-bit boot protocol) loads the kernel at 1 MiB, where the kernel moves
# only its 2 MiB compressed image itself. UEFI keeps `linux` (GRUB's EFI loader copies nothing).
# (printf, a builtin, not a here-document through cat: one process less.)
printf '%s\n' \
    'serial --unit=0 --speed=115200' \
    'terminal_input serial console' \
    'terminal_output serial console' \
    'set timeout=0' \
    'menuentry "LevitateOS" {' \
    '    if [ "$grub_platform" = pc ]; then' \
    "        linux16 /boot/bzImage $KERNEL_CMDLINE" \
    '        initrd16 /boot/initramfs.cpio.gz' \
    '    else' \
    "        linux /boot/bzImage $KERNEL_CMDLINE" \
    '        initrd /boot/initramfs.cpio.gz' \
    '    fi' \
    '}' > "$work/grub.cfg"
# Our three files are grafted into GRUB's tree where they are (no copies): `-r` gives every file
# in the image uid 0 and modes from its x bits alone, `-volume_date all_file_dates` every timestamp.

# grub-mkrescue's xorriso command line, its temporary paths replaced by ours.
set --
while IFS= read -r arg; do
    case $arg in
        @GRUB_TREE@) arg="$work/grub/tree" ;;
        @TREE@)
            set -- "$@" "/boot/grub/grub.cfg=$work/grub.cfg" "/boot/bzImage=/in/bzImage" "/boot/initramfs.cpio.gz=/in/initramfs.cpio.gz"
            continue
            ;;
        @ISO@) arg=/out/levitate.iso ;;
    esac
    set -- "$@" "$arg"
done < "$work/grub/xorriso.args"
[ -d /out ] || mkdir -p /out
log "xorriso (label $ISO_LABEL)"
# xorriso-poll.so caps xorriso's polling sleeps at 1 ms (see grub.sh): 0.08-1.2 s less per ISO.
LD_PRELOAD="$work/grub/xorriso-poll.so" xorriso "$@" -- -volid "$ISO_LABEL" -volume_date all_file_dates "=$SOURCE_DATE_EPOCH"

# (No size or sha256 here: the build records every output's size and digest in its artifact's
# meta.json, and a process to count them would run after every edit.)
log "done: /out/levitate.iso"
