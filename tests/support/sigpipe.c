/*
 * sigpipe.c: compiled into every Criterion test executable (tests/CMakeLists.txt). A test that
 * runs a mock cluster or a broker connection in its own process writes to sockets through
 * libuv's write(2); when the peer has closed first, the default SIGPIPE would kill the test
 * process (seen once under valgrind: unit_faults consumer_follow, the in-process mock answering
 * a client that had just closed). kfk.h asks applications to ignore SIGPIPE, as any libuv
 * program must: the test executables are such applications. Criterion's workers inherit it.
 */
#include <signal.h>

__attribute__((constructor)) static void kt_ignore_sigpipe(void) {
    signal(SIGPIPE, SIG_IGN);
}
