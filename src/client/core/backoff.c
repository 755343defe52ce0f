/*
 * backoff.c: exponential backoff with jitter (backoff.h). The jitter spreads clients that
 * failed together (a broker restart) so they do not come back in one wave; it needs no quality,
 * only spread, so a xorshift over the high-resolution clock is enough (no state, so loops in
 * several threads share nothing).
 */
#include "client/core/backoff.h"

#include <uv.h>

static uint32_t jitter(void) {
    /* No state (loops may run in several threads): the clock's nanoseconds, mixed. */
    uint64_t t = uv_hrtime();
    uint32_t x = (uint32_t)(t ^ (t >> 32)) * 2654435761u | 1u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
}

uint64_t kfk__backoff_ms(int64_t base, int64_t max, uint32_t attempt) {
    if (base <= 0)
        return 0;
    if (max < base)
        max = base;
    int64_t b = base;
    for (uint32_t i = 1; i < attempt && b < max; i++)
        b *= 2;
    if (b > max)
        b = max;
    int64_t j = b / 5; /* +-20 %, then capped: the wait never exceeds the maximum */
    if (j > 0)
        b += (int64_t)(jitter() % (uint32_t)(2 * j + 1)) - j;
    if (b > max)
        b = max;
    return b < 0 ? 0 : (uint64_t)b;
}
