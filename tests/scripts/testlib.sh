# testlib.sh: the pass/fail bookkeeping of the shell tests. Source it, report each check with
# `pass TEXT` or `fail TEXT`, and end with `finish NAME`: it prints the count and, when some
# failed, every FAIL line again, last, so that a log cut to its tail still names them.
passes=0
failures=0
failed=()
# pass TEXT: one check held.
pass() {
    echo "ok   $*"
    passes=$((passes + 1))
}
# fail TEXT: one check did not; the test goes on and fails at `finish`.
fail() {
    echo "FAIL $*" >&2
    failures=$((failures + 1))
    failed+=("$*")
}
# finish NAME: exits 0 when every check held, 1 with the failures listed otherwise.
finish() {
    local f
    if [ "$failures" = 0 ]; then
        echo "$1: $passes passed, all passed"
        exit 0
    fi
    echo "$1: $passes passed, $failures failed:" >&2
    for f in "${failed[@]}"; do printf '  FAIL %.2000s\n' "$f" >&2; done
    exit 1
}
