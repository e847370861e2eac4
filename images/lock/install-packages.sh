#!/bin/sh
# Installs an image's packages exactly as its lock file says, records every installed package, and fails with a diff when they disagree.
#
# usage: install-packages.sh FLAVOUR IMAGE DIR
#   FLAVOUR  alpine | debian
#   IMAGE    toolchain | runner (names the image in messages and in the refresh command)
#   DIR      holds FLAVOUR.packages (what we ask for) and FLAVOUR.lock (name=version, the resolved closure)
# Writes /usr/share/levitate/installed-packages.txt: every package in the image as name=version, sorted.
set -eu
flavour=${1:?usage: install-packages.sh alpine|debian toolchain|runner DIR}
image=${2:?usage: install-packages.sh alpine|debian toolchain|runner DIR}
dir=${3:?usage: install-packages.sh alpine|debian toolchain|runner DIR}
here=$(dirname "$0")
record=/usr/share/levitate/installed-packages.txt
refresh="levitate-docker lock toolchain --flavour $flavour"

names=$(sed -e 's/#.*//' "$dir/$flavour.packages" | tr -s ' \t' '\n\n' | grep -v '^$' || true)
pins=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$dir/$flavour.lock" | grep -v '^$' || true)
[ -n "$names" ] || { echo "install-packages: $dir/$flavour.packages names no package" >&2; exit 1; }

installed() {
    case "$flavour" in
    debian) dpkg-query -W -f '${db:Status-Abbrev}${Package}=${Version}\n' | sed -n 's/^ii *//p' | LC_ALL=C sort ;;
    alpine) awk -F: '/^P:/ { p = substr($0, 3) } /^V:/ { print p "=" substr($0, 3) }' /lib/apk/db/installed | LC_ALL=C sort ;;
    esac
}

before=$(mktemp)
after=$(mktemp)
installed > "$before"

if [ -n "$pins" ]; then
    wanted=$pins
else
    echo "WARNING: $image lock $flavour.lock is unresolved (it pins no version): installing $(echo $names) at whatever versions the archive has." >&2
    echo "WARNING: resolve it with: $refresh --write (needs the flavour's package archive)" >&2
    wanted=$names
fi

case "$flavour" in
debian)
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    # shellcheck disable=SC2086
    if ! apt-get install -y --no-install-recommends $wanted; then
        echo "install-packages: apt-get could not install the locked $image packages (see the error above)." >&2
        echo "If the archive no longer has a locked version, see what it has now with: $refresh" >&2
        echo "and move the lock with: $refresh --write" >&2
        exit 1
    fi
    apt-get clean
    rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/* ;;
alpine)
    # shellcheck disable=SC2086
    if ! apk add --no-cache $wanted; then
        echo "install-packages: apk could not install the locked $image packages (see the error above)." >&2
        echo "See what the archive has now with: $refresh   and move the lock with: $refresh --write" >&2
        exit 1
    fi ;;
*)
    echo "install-packages: flavour must be alpine or debian, got '$flavour'" >&2; exit 1 ;;
esac

installed > "$after"
mkdir -p "$(dirname "$record")"
cp "$after" "$record"
if [ -n "$pins" ]; then
    printf '%s\n' "$pins" | LC_ALL=C sort -u > "$before.lock"
    sh "$here/verify-lock.sh" "$image" "$flavour" "$before.lock" "$before" "$after"
    rm -f "$before.lock"
fi
rm -f "$before" "$after"
echo "$image packages: $(wc -l < "$record") installed, recorded in $record"
