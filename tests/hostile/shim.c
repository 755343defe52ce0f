/*
 * shim.c: `hostile --shim REPORT_FD KILL_MS PROG ARGS...`, the harness's measuring shim.
 *
 * libuv reaps the children it spawns itself (SIGCHLD) and gives their exit status only, not
 * their rusage. So the harness spawns itself as this shim, which forks PROG (stdin, stdout and
 * stderr inherited), waits for it with wait4 (the child's CPU time and peak RSS), kills it with
 * SIGKILL when it outlives KILL_MS, and writes one line to REPORT_FD:
 *
 *   exit=E signal=S killed=K wall=SECONDS utime=SECONDS stime=SECONDS maxrss_kib=N
 *
 * The shim waits with wait4(WNOHANG) every 10 ms, so it can kill on time (its own CPU is not
 * counted in the child's rusage, and a wake-up every 10 ms costs nothing measurable).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hostile.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_s(struct timeval tv) {
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

int hostile_shim(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: hostile --shim REPORT_FD KILL_MS PROG [ARGS...]\n");
        return 2;
    }
    int fd = (int)strtol(argv[0], NULL, 10);
    long kill_ms = strtol(argv[1], NULL, 10);
    FILE *report = fdopen(fd, "w");
    if (!report)
        return 2;
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(report, "exit=-1 signal=0 killed=0 wall=0 utime=0 stime=0 maxrss_kib=0 "
                        "error=fork\n");
        return 2;
    }
    if (pid == 0) {
        close(fd);
        signal(SIGPIPE, SIG_DFL);
        execv(argv[2], argv + 2);
        fprintf(stderr, "hostile shim: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    struct rusage ru;
    int status = 0, killed = 0;
    memset(&ru, 0, sizeof ru);
    for (;;) {
        pid_t r = wait4(pid, &status, WNOHANG, &ru);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            status = 0;
            break;
        }
        if (!killed && (now_s() - t0) * 1000.0 >= (double)kill_ms) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    double wall = now_s() - t0;
    fprintf(report, "exit=%d signal=%d killed=%d wall=%.3f utime=%.3f stime=%.3f maxrss_kib=%ld\n",
            WIFEXITED(status) ? WEXITSTATUS(status) : -1,
            WIFSIGNALED(status) ? WTERMSIG(status) : 0, killed, wall, tv_s(ru.ru_utime),
            tv_s(ru.ru_stime), ru.ru_maxrss);
    fclose(report);
    return 0;
}
