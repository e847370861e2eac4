#!/bin/sh
# Builds /usr/local/lib/levitate/thp-heap.so from thp-heap.c (either flavour's gcc); the Dockerfile preloads it.
set -eu
here=$(dirname "$0")
mkdir -p /usr/local/lib/levitate
gcc -O2 -Wall -Wextra -Werror -shared -fPIC -o /usr/local/lib/levitate/thp-heap.so "$here/thp-heap.c"
