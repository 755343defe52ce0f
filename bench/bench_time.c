/*
 * bench_time.c: runs one client process for bench/run and measures it the same way whatever the
 * client is (kfk's CLI, kcat, a librdkafka program, Python): whole-process wall time from fork to
 * exit, user and system CPU and peak RSS of the child from wait4(), the broker's CPU over the
 * same interval from /proc/PID/stat, and the lines the child wrote to stdout.
 *
 *   bench_time [-i STDIN_FILE] [-O STDOUT_COPY] [-p BROKER_PID] [-T TIMEOUT_S] -- CMD [ARG]...
 *
 * The child's stdin is STDIN_FILE (default /dev/null). Its stdout is a pipe that bench_time
 * drains in 256 KiB reads, counting newlines (so a consumer pays for writing to a pipe, as when
 * a user pipes it into something, and the counting is not on the child's bill); with -O the
 * bytes are also copied to STDOUT_COPY (for programs that report through stdout). stderr is
 * inherited. With -T the child is killed (SIGKILL) after TIMEOUT_S seconds and the run counts as
 * failed.
 *
 * Output, one line on stdout:
 *   exit=CODE timed_out=0|1 wall_s=... user_s=... sys_s=... cpu_s=... max_rss_kb=... lines=...
 *   broker_cpu_s=...
 * CODE is the child's exit status, or 128+signal. bench_time exits 0 when it could measure
 * (whatever the child did), 2 on bad usage, 1 when the child could not be started.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"

/* CPU seconds (utime + stime) of process PID from /proc/PID/stat, or -1 when unreadable. */
static double proc_cpu_s(long pid) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    /* The command name (field 2) may hold spaces: fields are counted after its closing ')'. */
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* After ')': field 3 (state) ... field 14 utime, field 15 stime. */
    if (sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static void usage(void) {
    fprintf(stderr, "usage: bench_time [-i STDIN_FILE] [-O STDOUT_COPY] [-p BROKER_PID] "
                    "[-T TIMEOUT_S] -- CMD [ARG]...\n");
    exit(2);
}

int main(int argc, char **argv) {
    const char *in = "/dev/null", *copy = NULL;
    long broker = 0;
    double timeout = 0;
    int opt;
    while ((opt = getopt(argc, argv, "+i:O:p:T:")) != -1) {
        switch (opt) {
        case 'i':
            in = optarg;
            break;
        case 'O':
            copy = optarg;
            break;
        case 'p':
            broker = strtol(optarg, NULL, 10);
            break;
        case 'T':
            timeout = strtod(optarg, NULL);
            break;
        default:
            usage();
        }
    }
    if (optind >= argc)
        usage();
    int infd = open(in, O_RDONLY);
    if (infd < 0) {
        fprintf(stderr, "bench_time: %s: %s\n", in, strerror(errno));
        return 1;
    }
    int copyfd = -1;
    if (copy && (copyfd = open(copy, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
        fprintf(stderr, "bench_time: %s: %s\n", copy, strerror(errno));
        return 1;
    }
    int pfd[2];
    if (pipe(pfd)) {
        fprintf(stderr, "bench_time: pipe: %s\n", strerror(errno));
        return 1;
    }
    fflush(stdout);
    double b0 = broker ? proc_cpu_s(broker) : -1;
    double t0 = bench_now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench_time: fork: %s\n", strerror(errno));
        return 1;
    }
    if (pid == 0) {
        dup2(infd, 0);
        dup2(pfd[1], 1);
        close(infd);
        close(pfd[0]);
        close(pfd[1]);
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "bench_time: %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    close(infd);
    close(pfd[1]);

    /* Drain the child's stdout until it closes it (normally at exit), counting newlines. */
    static char buf[256 * 1024];
    long long lines = 0;
    int timed_out = 0;
    for (;;) {
        int wait_ms = -1;
        if (timeout > 0) {
            double left = t0 + timeout - bench_now_s();
            if (left <= 0) {
                timed_out = 1;
                kill(pid, SIGKILL);
                break;
            }
            wait_ms = (int)(left * 1000) + 1;
        }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int r = poll(&p, 1, wait_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            continue; /* the deadline is checked at the top */
        ssize_t n = read(pfd[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        for (char *s = buf, *e = buf + n; (s = memchr(s, '\n', (size_t)(e - s))) != NULL; s++)
            lines++;
        if (copyfd >= 0 && write(copyfd, buf, (size_t)n) != n) {
            fprintf(stderr, "bench_time: writing %s: %s\n", copy, strerror(errno));
            copyfd = -1;
        }
    }
    close(pfd[0]);

    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "bench_time: wait4: %s\n", strerror(errno));
            return 1;
        }
    }
    double wall = bench_now_s() - t0;
    double b1 = broker ? proc_cpu_s(broker) : -1;
    if (copyfd >= 0)
        close(copyfd);
    double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("exit=%d timed_out=%d wall_s=%.3f user_s=%.3f sys_s=%.3f cpu_s=%.3f max_rss_kb=%ld "
           "lines=%lld broker_cpu_s=%.2f\n",
           code, timed_out, wall, user, sys, user + sys, ru.ru_maxrss, lines,
           b0 >= 0 && b1 >= 0 ? b1 - b0 : -1.0);
    return 0;
}
