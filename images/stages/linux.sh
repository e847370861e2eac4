#!/bin/sh
# Stage "linux": builds bzImage from the pinned kernel tarball, tinyconfig + /in/levitate.config, incrementally in /work.
#
# In:   /in/levitate.config, /in/patches/*.patch (optional), $SRC (tarball), $SRC_SHA256
# Env:  JOBS, SOURCE_DATE_EPOCH, KERNEL_VERSION (when set, kernel.release must start with it)
# Work: /work/src-<sha>/ (unpacked + patched tree), /work/build-<sha>/ (O= output)
# Out:  /out/bzImage, /out/kernel.config, /out/kernel.release
set -eu

: "${SRC:?SRC must name the kernel tarball}"
: "${SRC_SHA256:?SRC_SHA256 must be the tarball sha256}"
JOBS=${JOBS:-$(nproc)}
SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-0}
fragment=/in/levitate.config
log() { echo "linux: $*"; }
die() { echo "linux: error: $*" >&2; exit 1; }

[ -f "$fragment" ] || die "missing $fragment"
[ -f "$SRC" ] || die "missing source tarball $SRC"

key=$(printf '%s' "$SRC_SHA256" | cut -c1-16)
tree=/work/src-$key
build=/work/build-$key
marker=$tree/.levitate-unpacked

# The patch set's identity: names and contents, in the order they are applied.
patches=$(find /in/patches -maxdepth 1 -name '*.patch' 2>/dev/null | LC_ALL=C sort)
patchset=$(for p in $patches; do printf '%s %s\n' "$(basename "$p")" "$(sha256sum < "$p" | cut -d' ' -f1)"; done | sha256sum | cut -d' ' -f1)

# Trees of other tarballs are dead weight.
for old in /work/src-* /work/build-*; do
    case "$old" in "$tree"|"$build"|'/work/src-*'|'/work/build-*') ;; *) log "removing stale $old"; rm -rf "$old" ;; esac
done

# (Re)unpack unless a complete tree with exactly this patch set is already there. A fresh tree
# also gets a fresh build dir: re-unpacked files carry old mtimes that make would not rebuild.
if [ ! -f "$marker" ] || [ "$(cat "$marker")" != "$patchset" ]; then
    log "unpacking $(basename "$SRC") into $tree"
    rm -rf "$tree" "$tree.partial" "$build"
    mkdir -p "$tree.partial"
    # xz (5.4) decompresses on several threads only when asked; the kernel tarballs are multi-block
    # (Debian's: 62 blocks). The other core idles while the tree is unpacked: 9 s instead of 12 s
    # on two cores (into tmpfs; writing 1.4 GB to the volume may take longer than either).
    case "$SRC" in
        *.xz) tar -I "xz -T$JOBS" -xf "$SRC" --strip-components=1 -C "$tree.partial" ;;
        *) tar -xf "$SRC" --strip-components=1 -C "$tree.partial" ;;
    esac
    for p in $patches; do
        log "applying $(basename "$p")"
        patch -d "$tree.partial" -p1 --forward --batch --no-backup-if-mismatch < "$p" \
            || die "patch $(basename "$p") does not apply"
    done
    mv "$tree.partial" "$tree"
    echo "$patchset" > "$marker"
else
    log "reusing $tree"
fi
mkdir -p "$build"

# No ccache: a cold kernel took 240 s with plain gcc and about 300 s through ccache (an empty one) on this project's
# 2-core machine (every miss runs the preprocessor a second time, and a cold build is all misses).
# Edits stay cheap without it: the build tree in /work is kept, so kbuild recompiles only what changed.
KBUILD_BUILD_TIMESTAMP=$(date -u -d "@$SOURCE_DATE_EPOCH" '+%Y-%m-%d %H:%M:%S UTC')
export KBUILD_BUILD_TIMESTAMP
export KBUILD_BUILD_USER=levitate KBUILD_BUILD_HOST=levitate-docker KBUILD_BUILD_VERSION=1
# -Os makes GCC inline memset and memcpy as byte-wise `rep stosb` / `rep movsb`. QEMU's TCG runs
# those one byte per step: sampling the guest's instruction pointer put about a fifth of a TCG boot
# there (poisoning the freed initramfs and init memory a byte at a time, copying the initramfs into
# tmpfs). Unrolled 8-byte loops keep -Os everywhere else; the kernel grew 0.1 MiB. (Under KVM
# the byte-wise forms are fast either way; this machine has no working KVM to measure it on.)
# -ftrack-macro-expansion=0: GCC stops recording where each token came from through macro
# expansions, which it keeps only for diagnostics (the kernel's headers are mostly macros). The
# objects are byte for byte the same; compiling takes about 6 % less CPU and a fifth fewer page
# faults. A compile error then names the line, without the chain of macros that led there.
KCFLAGS="-mstringop-strategy=unrolled_loop -ftrack-macro-expansion=0"
objtool_switch=
capflags_switch=
kmake() {
    make -C "$tree" O="$build" ARCH=x86_64 CC=gcc HOSTCC=gcc KCFLAGS="$KCFLAGS" \
        ${objtool_switch:+"$objtool_switch"} ${capflags_switch:+"$capflags_switch"} "$@"
}

# Compose the config in a side file and replace .config only when it differs, so an unchanged
# fragment costs nothing and a changed one rebuilds only what depends on the changed symbols.
# tinyconfig depends only on the tree, so it is made once per tree and kept beside the build.
candidate=$build/.config.candidate
tiny=$build/.config.tinyconfig
if [ ! -f "$tiny" ]; then
    KCONFIG_CONFIG=$tiny.partial kmake -s tinyconfig
    mv "$tiny.partial" "$tiny"
    rm -f "$tiny.partial.old"
fi
# tinyconfig without its lines for the symbols the fragment sets (no "override" warnings), then the
# fragment. (One awk each here and in the check below: a process per symbol cost seconds.)
awk '
    function symbol(line,    s) {
        if (match(line, /^CONFIG_[A-Za-z0-9_]*=/)) return substr(line, 1, RLENGTH - 1)
        if (match(line, /^# CONFIG_[A-Za-z0-9_]* is not set/)) { s = substr(line, 3); sub(/ .*/, "", s); return s }
        return ""
    }
    FILENAME == ARGV[1] { s = symbol($0); if (s != "") set[s] = 1; next }
    { s = symbol($0); if (s == "" || !(s in set)) print }
' "$fragment" "$tiny" > "$candidate"
sed 's/\r$//' "$fragment" >> "$candidate"
# syncconfig resolves the candidate as olddefconfig would and also writes include/config/auto.conf
# (and touches the per-symbol files of what changed), which make would otherwise do in a second
# Kconfig run of its own: each run costs 4-9 s here, mostly the compiler probes Kconfig runs.
# auto.conf is then newer than the .config the candidate becomes, so make does not run it again.
# If the checks below stop the stage, auto.conf describes a candidate that never became .config;
# harmless, since make only runs after this sync, and the next run syncs its own candidate first.
# syncconfig asks about symbols that are new to the candidate as oldconfig does: an empty answer
# takes each one's default, as olddefconfig would, and its questions are not worth a log.
yes '' | KCONFIG_CONFIG=$candidate kmake -s syncconfig > /dev/null
rm -f "$candidate.old"

# Every assignment the fragment makes must survive Kconfig's dependency resolution.
lost=$(awk '
    FILENAME == ARGV[1] { have[$0] = 1; if (match($0, /^CONFIG_[A-Za-z0-9_]*=/)) got[substr($0, 1, RLENGTH - 1)] = $0; next }
    {
        line = $0; sub(/\r$/, "", line); sub(/[[:space:]]+$/, "", line)
        if (match(line, /^CONFIG_[A-Za-z0-9_]*=/) && !(line in have)) {
            s = substr(line, 1, RLENGTH - 1)
            unmet[++n] = line " (got: " (s in got ? got[s] : "not set") ")"
        }
        if (match($0, /^# CONFIG_[A-Za-z0-9_]* is not set/)) {
            s = substr($0, 3); sub(/ .*/, "", s)
            if (s in got) kept[++k] = got[s] " (wanted: not set)"
        }
    }
    END { for (i = 1; i <= n; i++) print unmet[i]; for (i = 1; i <= k; i++) print kept[i] }
' "$candidate" "$fragment")
[ -z "$lost" ] || die "fragment settings missing from the final config (unmet dependencies?):
$lost"

if cmp -s "$candidate" "$build/.config"; then
    log ".config unchanged"
    rm -f "$candidate"
else
    log ".config changed"
    mv "$candidate" "$build/.config"
fi

# objtool runs after every compile on x86_64 (its Kconfig selects it unconditionally). What it
# writes into the objects matters only with the options below (the ORC unwinder's tables, jump
# labels' NOPs, retpoline and return-thunk sites, IBT seals, mcount, KCOV's noinstr calls); without
# them it only validates, and lists static call sites, without which static calls stay correct
# through their trampolines. So unless the config has one of them, it is switched off for make
# (CONFIG_OBJTOOL= on its command line; the C code still sees the config as it is): no objtool run
# per object, and objtool itself is not built (30 host objects). Two cold kernels each way,
# alternating, on this project's 2-core machine: 569 and 587 s without the runs against 618 and
# 594 s with them (CPU time 1035 and 1069 s against 1095 s).
needs_objtool=$(grep -E '^CONFIG_(UNWINDER_ORC|JUMP_LABEL|MITIGATION_[A-Z0-9_]+|X86_KERNEL_IBT|FINEIBT|FTRACE|KCOV|KASAN|KCSAN|KMSAN|STACK_VALIDATION|NOINSTR_VALIDATION)=y' "$build/.config" | tr '\n' ' ' || true)
if [ -z "$needs_objtool" ]; then
    objtool_switch=CONFIG_OBJTOOL=
else
    log "objtool on: the config has $needs_objtool"
fi

# capflags.c (the flag names of /proc/cpuinfo) is generated by arch/x86/kernel/cpu/mkcapflags.sh,
# which starts 4-5 processes per line of cpufeatures.h: about 2,000, 15 s here alone and twice that
# beside the compiles. The awk program below writes the same file in a few milliseconds (checked
# byte for byte with mawk and BusyBox awk against Linux 6.12's script). It stands in only for that
# script, known by its sha256; any other tree's own script runs.
capflags_script=$tree/arch/x86/kernel/cpu/mkcapflags.sh
if [ -f "$capflags_script" ] && [ "$(sha256sum < "$capflags_script" | cut -d' ' -f1)" = d893cf017224a9171ef795dcf7cc25d6a177008d1aaca2a756b3f7b2e6833e54 ]; then
    cat > /tmp/mkcapflags.sh <<'EOF'
# mkcapflags.sh OUT cpufeatures.h vmxfeatures.h: Linux 6.12's arch/x86/kernel/cpu/mkcapflags.sh, one awk per array.
set -e
dump() { # ARRAY SIZE PREFIX POSTFIX HEADER
    awk -v array="$1" -v size="$2" -v pfx="$3" -v postfix="$4" '
        # The position of the last t in s that starts before position before (0: none).
        function last(s, t, before,    p, at, found) {
            at = 0; found = 0
            while ((p = index(substr(s, at + 1), t)) > 0 && at + p < before) { found = at + p; at += p }
            return found
        }
        # What the script keeps of a line, sed s@.*/\* *\("[^"]*"\).*\*/@\1@: the quoted string after
        # the last "/*" that is followed by one, and whatever follows the last "*/" after it.
        function quoted(i,    s, tail, q, rest, e) {
            for (s = last(i, "/*", length(i) + 1); s > 0; s = last(i, "/*", s)) {
                tail = substr(i, s + 2)
                if (!match(tail, /^ *"[^"]*"/)) continue
                q = substr(tail, 1, RLENGTH); sub(/^ */, "", q)
                rest = substr(tail, RLENGTH + 1)
                e = last(rest, "*/", length(rest) + 1)
                if (e > 0) return q substr(rest, e + 2)
            }
            return ""
        }
        BEGIN {
            printf "const char * const %s[%s] = {\n", array, size
            pfxsz = length(pfx) + 1
            tabs = postfix == "" ? "\t\t\t\t\t" : "\t\t\t\t\t\t"
        }
        {
            line = $0; gsub(/\t/, " ", line)
            if (!match(line, "^ *# *define *" pfx)) next
            i = substr(line, RLENGTH + 1); sub(/^ +/, "", i); sub(/ +$/, "", i)
            name = i; sub(/ .*/, "", name)
            value = tolower(quoted(i))
            if (value == "") next
            if (postfix != "") {
                tc = int((6 * 8 - (pfxsz + length(postfix) + 1 + 2 + 1) - (length(name) + 1)) / 8)
                printf "\t[%s - %s]%s = %s,\n", pfx name, postfix, (tc < 0 ? tabs : substr(tabs, 1, tc)), value
            } else {
                tc = int((5 * 8 - (pfxsz + 1) - (length(name) + 1)) / 8)
                printf "\t[%s]%s = %s,\n", pfx name, (tc < 0 ? tabs : substr(tabs, 1, tc)), value
            }
        }
        END { print "};" }
    ' "$5"
}
{
    printf '%s\n' '#ifndef _ASM_X86_CPUFEATURES_H' '#include <asm/cpufeatures.h>' '#endif' ''
    dump x86_cap_flags 'NCAPINTS*32' X86_FEATURE_ '' "$2"
    echo
    dump x86_bug_flags 'NBUGINTS*32' X86_BUG_ 'NCAPINTS*32' "$2"
    echo
    printf '%s\n' '#ifdef CONFIG_X86_VMX_FEATURE_NAMES' '#ifndef _ASM_X86_VMXFEATURES_H' '#include <asm/vmxfeatures.h>' '#endif'
    dump x86_vmx_flags 'NVMXINTS*32' VMX_FEATURE_ '' "$3"
    echo '#endif /* CONFIG_X86_VMX_FEATURE_NAMES */'
} > "$1.tmp"
mv "$1.tmp" "$1"
EOF
    capflags_switch='cmd_mkcapflags=$(CONFIG_SHELL) /tmp/mkcapflags.sh $@ $^'
fi

log "make -j$JOBS bzImage"
kmake -j"$JOBS" bzImage

mkdir -p /out
cp "$build/arch/x86/boot/bzImage" /out/bzImage
cp "$build/.config" /out/kernel.config
cp "$build/include/config/kernel.release" /out/kernel.release
case "$(cat /out/kernel.release)" in
    "${KERNEL_VERSION:-}"*) ;;
    *) die "the tarball built kernel $(cat /out/kernel.release), but KERNEL_VERSION is $KERNEL_VERSION" ;;
esac
log "done: $(cat /out/kernel.release), bzImage $(wc -c < /out/bzImage) bytes, $(find "$build" -name '*.o' ! -name '*.mod.o' | wc -l) objects in the build tree"
