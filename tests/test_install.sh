#!/usr/bin/env bash
#  Install jbus into a scratch prefix, then build and run a project that
#  finds it with find_package(jbus) and with pkg-config.
#  Usage: test_install.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" >/dev/null
libdir=$(find "$scratch/prefix" -name 'libjbus.so*' -printf '%h\n' | head -n 1)
cmake -S "$source_dir/tests/install_consumer" -B "$scratch/consumer" \
      -DCMAKE_PREFIX_PATH="$scratch/prefix" >/dev/null
PKG_CONFIG_PATH="$libdir/pkgconfig" cmake -S "$source_dir/tests/install_consumer" \
      -B "$scratch/consumer" >/dev/null
cmake --build "$scratch/consumer" >/dev/null
for program in consumer_cmake consumer_pkgconfig; do
    output=$(LD_LIBRARY_PATH="$libdir" "$scratch/consumer/$program")
    if [ "$output" != "jerry.work_tracking.task.completed" ]; then
        echo "$program printed '$output'" >&2
        exit 1
    fi
    echo "$program: $output"
done
