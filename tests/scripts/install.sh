#!/usr/bin/env bash
# install.sh BUILD_DIR WORK_DIR: cmake --install into a prefix, then build a small consumer with
# find_package(kfk) (shared and static) and with pkg-config, and run them.
set -euo pipefail
build=$1
work=$2
rm -rf "$work"
mkdir -p "$work/app"
prefix="$work/prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
cat >"$work/app/main.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <kfk/kfk.h>
int main(void) {
    if (strcmp(kfk_err_name(KFK_ERR_NOT_LEADER_OR_FOLLOWER), "NOT_LEADER_OR_FOLLOWER") != 0)
        return 1;
    printf("kfk %s\n", kfk_version_str());
    return strcmp(kfk_version_str(), KFK_VERSION_STR) != 0;
}
C
cat >"$work/app/CMakeLists.txt" <<'C'
cmake_minimum_required(VERSION 3.18)
project(kfk_consumer C)
find_package(kfk REQUIRED)
add_executable(app_shared main.c)
target_link_libraries(app_shared PRIVATE kfk::kfk)
add_executable(app_static main.c)
target_link_libraries(app_static PRIVATE kfk::kfk_static)
add_executable(app_protocol main.c)
target_link_libraries(app_protocol PRIVATE kfk::protocol)
C
cmake -S "$work/app" -B "$work/app/build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 ||
    { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/app/build" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
LD_LIBRARY_PATH="$prefix/lib" "$work/app/build/app_shared"
"$work/app/build/app_static"
"$work/app/build/app_protocol"
# pkg-config
libdir=$(ls -d "$prefix"/lib*/pkgconfig | head -n 1)
export PKG_CONFIG_PATH="$libdir"
pkg-config --exists kfk || { echo "pkg-config kfk not found"; exit 1; }
cc "$work/app/main.c" -o "$work/app/app_pc" $(pkg-config --cflags --libs kfk)
LD_LIBRARY_PATH="$prefix/lib" "$work/app/app_pc"
cc "$work/app/main.c" -o "$work/app/app_pc_static" $(pkg-config --cflags kfk) \
    "$prefix/lib/libkfk.a" $(pkg-config --libs --static kfk | sed 's/-lkfk//')
"$work/app/app_pc_static"
echo "install ok: find_package(kfk) shared/static/protocol and pkg-config kfk (shared and static)"
