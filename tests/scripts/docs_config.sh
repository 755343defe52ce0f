#!/usr/bin/env bash
# docs_config.sh KFK SRC_DIR: docs/CONFIGURATION.md is exactly what the built `kfk config
# --markdown` prints, so the committed reference cannot fall behind the property table
# (src/client/core/conf_props.h). Fix a failure with scripts/gen-docs and commit the file.
set -euo pipefail
kfk=$1
src=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$kfk" config --markdown >"$out"
if ! diff -u "$src/docs/CONFIGURATION.md" "$out"; then
    echo "docs/CONFIGURATION.md is stale (diff above: - committed, + kfk config --markdown)"
    echo "fix with: scripts/gen-docs, then commit docs/CONFIGURATION.md"
    exit 1
fi
rows=$(grep -c '^| `' "$out")
[ "$rows" -gt 0 ] || { echo "no property rows in kfk config --markdown"; exit 1; }
echo "docs/CONFIGURATION.md matches kfk config --markdown ($rows properties)"
