#!/bin/sh
# Install the build dependencies, build moat, and run its main job on an
# embedded default.
#
# The daemons (moat-frontd, moat-keyd) do not exist yet: for now this builds
# everything and runs the smoke program, which links every dependency and
# exercises the common/ primitives. This script keeps its name when it starts
# the real terminator.
set -eu
cd "$(dirname "$0")"
./install-deps.sh
[ -x configure ] || autoreconf -fi
mkdir -p build
cd build
../configure -q
make -j"$(nproc)"
make -j"$(nproc)" tests/smoke
./tests/smoke
