/*
 * schedule.h: what the client's backoff rule allows, for the unit_faults tests: the most
 * attempts a client can make in a window when each wait is @p base doubling to @p max, shortened
 * by at most 20 % jitter, the first attempt at once. A test that counts requests or connections
 * at the mock holds them to this bound.
 */
#ifndef KFK_TESTS_FAULTS_SCHEDULE_H
#define KFK_TESTS_FAULTS_SCHEDULE_H

#include <stdint.h>

static inline int kt_schedule_bound(uint64_t window_ms, double base, double max) {
    int n = 1;
    double at = 0, wait = base;
    for (;;) {
        double w = (wait > max ? max : wait) * 0.8;
        if (at + w > (double)window_ms)
            return n;
        at += w;
        n++;
        wait *= 2;
    }
}

#endif
