#!/usr/bin/env bash
# format.sh SRC_DIR: every C file of the tree is clang-formatted (.clang-format at the root).
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "clang-format not found: apt-get install clang-format"; exit 1; }
files=$(git ls-files --cached --others --exclude-standard '*.c' '*.h' 2>/dev/null || find src include tests fuzz bench examples -name '*.[ch]')
[ -n "$files" ] || { echo "no C files?"; exit 1; }
bad=""
for f in $files; do
    [ -f "$f" ] || continue
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad="$bad $f"
done
if [ -n "$bad" ]; then
    echo "not clang-formatted:$bad"
    echo "fix with: clang-format -i$bad"
    exit 1
fi
echo "format ok: $(printf '%s\n' $files | wc -l) files"
