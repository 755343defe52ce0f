#!/usr/bin/env bash
# docs_api.sh BUILD_DIR: builds the API reference (`cmake --build BUILD_DIR --target docs`,
# Doxygen with WARN_IF_UNDOCUMENTED and WARN_AS_ERROR), so an undocumented public symbol of
# kfk.h, protocol.h or kfk/msgs/*.h fails. Without doxygen the check is skipped (exit 77), except
# in CI (CI set in the environment), where it must run: scripts/deps installs doxygen.
set -euo pipefail
build=$1
if ! command -v doxygen >/dev/null; then
    if [ -n "${CI:-}" ]; then
        echo "doxygen not found and CI is set: install the Debian package doxygen (scripts/deps)"
        exit 1
    fi
    echo "doxygen not found: skipped (apt-get install doxygen, or scripts/deps)"
    exit 77
fi
# A build directory configured before doxygen was installed has the stub target: configure again.
grep -q "Doxyfile" "$build/build.ninja" "$build/Makefile" 2>/dev/null || cmake "$build" >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! cmake --build "$build" --target docs >"$log" 2>&1; then
    cat "$log"
    echo "the docs target failed: document the symbols named above (a /** */ comment each)"
    exit 1
fi
if grep -E "warning|error" "$log"; then
    echo "the docs target printed warnings"
    exit 1
fi
echo "API reference built with no warning: $build/docs/html/index.html"
