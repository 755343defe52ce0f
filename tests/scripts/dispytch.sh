#!/usr/bin/env bash
# dispytch.sh BUILD_DIR VERSION: kfk's events against the real Dispytch VERSION (PyPI
# dispytch[kafka], in the virtualenv scripts/pyenv made: $KFK_CACHE/venv-dispytch-VERSION), both
# ways, JSON and msgpack (tests/integration/dispytch/interop.py). Needs the broker (KFK_BOOTSTRAP).
# Without the broker or the virtualenv: exit 77 (skipped), or 1 under KFK_REQUIRE_BROKER=1
# (scripts/test), where a missing Python >= 3.13 or Dispytch is a failure.
set -uo pipefail
build=$1
version=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
missing() {
    echo "$*" >&2
    [ "${KFK_REQUIRE_BROKER:-}" = 1 ] && exit 1
    exit 77
}
[ -n "${KFK_BOOTSTRAP:-}" ] || missing "no broker (KFK_BOOTSTRAP): scripts/kafka start"
py=$("$root/scripts/pyenv" --dispytch-dir)/venv-dispytch-$version/bin/python
[ -x "$py" ] || missing "no Dispytch $version ($py): run scripts/pyenv (it needs Python >= 3.13)"
exec timeout 540 "$py" "$root/tests/integration/dispytch/interop.py" --kfk "$build/kfk" \
    --bootstrap "$KFK_BOOTSTRAP"
