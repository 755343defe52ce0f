#!/usr/bin/env bash
# exports.sh LIBKFK_SO: every dynamic symbol libkfk.so defines starts with kfk_ (STYLE rule 1),
# and the library exports at least the error functions.
set -euo pipefail
lib=$1
syms=$(nm -D --defined-only "$lib" | awk '$2 ~ /^[TDBRVW]$/ { print $3 }')
bad=$(printf '%s\n' "$syms" | grep -v '^kfk_' | grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$' || true)
if [ -n "$bad" ]; then
    echo "symbols exported without the kfk_ prefix:"
    printf '%s\n' "$bad"
    exit 1
fi
internal=$(printf '%s\n' "$syms" | grep '^kfk__' || true)
if [ -n "$internal" ]; then
    echo "internal kfk__ symbols exported:"
    printf '%s\n' "$internal"
    exit 1
fi
# grep -q would exit at the first match while printf still writes: printf then dies of SIGPIPE
# and, with pipefail, a symbol that is there reads as missing (it failed CI once). A here-string
# has no writer left to kill.
for s in kfk_err_name kfk_err_str kfk_version_str; do
    grep -qx "$s" <<<"$syms" || { echo "missing export: $s"; exit 1; }
done
echo "exports ok: $(printf '%s\n' "$syms" | grep -c '^kfk_') kfk_* symbols, nothing else"
