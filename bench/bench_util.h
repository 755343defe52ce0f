/*
 * bench_util.h: what every benchmark program measures the same way (kfk's and the librdkafka
 * twins alike, so nothing here touches kfk): the monotonic clock, CPU seconds and peak RSS of
 * the process (getrusage, every thread), and a fatal-error exit.
 */
#ifndef KFK_BENCH_UTIL_H
#define KFK_BENCH_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

/* glibc's name of the running program (declared by <errno.h> only under _GNU_SOURCE). */
extern char *program_invocation_short_name;

/* Prints "PROGRAM: WHAT[: DETAIL]" on stderr and exits 1. */
static inline void bench_die(const char *what, const char *detail) {
    fprintf(stderr, "%s: %s%s%s\n", program_invocation_short_name, what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

/* Seconds on CLOCK_MONOTONIC. */
static inline double bench_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User + system CPU seconds of the process so far. */
static inline double bench_cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* Peak resident set size of the process, KiB. */
static inline long bench_max_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

#endif
