#!/bin/sh
# Compares what an install step did with its lock file and fails with a readable diff when they differ.
#
# usage: verify-lock.sh IMAGE FLAVOUR LOCK BEFORE AFTER
#   LOCK, BEFORE, AFTER: sorted name=version lines (the lock; the image before and after the install step).
# Two rules: every locked package is installed at exactly its locked version, and every package the
# step added or changed is in the lock (nothing reached the image that the lock does not name).
set -eu
image=$1 flavour=$2 lock=$3 before=$4 after=$5
export LC_ALL=C
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

comm -23 "$lock" "$after" > "$tmp/missing"
comm -13 "$before" "$after" > "$tmp/changed"
comm -23 "$tmp/changed" "$lock" > "$tmp/unlocked"

if [ ! -s "$tmp/missing" ] && [ ! -s "$tmp/unlocked" ]; then
    echo "$image package lock ($flavour.lock): $(wc -l < "$lock") packages installed exactly as locked"
    exit 0
fi

{
    echo "$image package lock check FAILED ($flavour.lock does not match what was installed):"
    while IFS= read -r pin; do
        name=${pin%%=*}
        now=$(awk -F= -v n="$name" '$1 == n' "$after")
        echo "  - $pin    (installed: ${now:-nothing})"
    done < "$tmp/missing"
    while IFS= read -r got; do
        echo "  + $got    (installed, but not in the lock)"
    done < "$tmp/unlocked"
    echo "See the archive's current versions with: levitate-docker lock toolchain --flavour $flavour"
    echo "and move the lock with: levitate-docker lock toolchain --flavour $flavour --write"
} >&2
exit 1
