#!/usr/bin/env bash
# mock_aiokafka.sh BUILD_DIR: aiokafka (PyPI, the interpreter of scripts/pyenv in $KFK_PYTHON)
# against a 3-broker `kfk mock`: an idempotent producer and a group consumer (mock_aiokafka.py).
# Exit 77 when KFK_PYTHON is not set (scripts/test sets it).
set -uo pipefail
build=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${KFK_PYTHON:-}" ]; then
    echo "KFK_PYTHON is not set (scripts/test sets it from scripts/pyenv)" >&2
    exit 77
fi
tmp=$(mktemp -d)
mock=
cleanup() {
    [ -n "$mock" ] && kill -KILL "$mock" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
"$build/kfk" mock --brokers 3 --topic aio:3 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock=$!
for _ in $(seq 1 250); do
    head -1 "$tmp/mock.out" 2>/dev/null | grep -q '^KFK_BOOTSTRAP=' && break
    sleep 0.02
done
bs=$(head -1 "$tmp/mock.out" | sed -n 's/^KFK_BOOTSTRAP=//p')
[ -n "$bs" ] || { echo "kfk mock did not start: $(head -3 "$tmp/mock.err")" >&2; exit 1; }
timeout 60 "$KFK_PYTHON" "$here/mock_aiokafka.py" "$bs" aio 100
rc=$?
kill -TERM "$mock"
wait "$mock"
mrc=$?
mock=
[ $mrc = 0 ] || { echo "kfk mock exited $mrc" >&2; rc=1; }
if [ $rc = 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $rc
