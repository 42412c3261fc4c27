#!/bin/sh
# Build moat and run the whole test suite (make check, run by Kyua).
# Extra arguments go to ./configure, e.g. ./test.sh --enable-sanitizers --enable-werror
# MOAT_BUILD_DIR picks the build directory (default: build).
set -eu
cd "$(dirname "$0")"
./install-deps.sh
[ -x configure ] || autoreconf -fi
dir=${MOAT_BUILD_DIR:-build}
mkdir -p "$dir"
cd "$dir"
../configure -q "$@"
make -j"$(nproc)"
make -j"$(nproc)" check
