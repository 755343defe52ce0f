/* log.c: see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ev/log.h"

static const char *ctx_names[] = {"generic",  "broker",   "protocol", "metadata", "security",
                                  "producer", "consumer", "cgrp",     "fetch",    "lock"};

unsigned kfk__log_parse_debug(const char *csv) {
    unsigned bits = 0;
    const char *p = csv;
    while (p && *p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n == 3 && !strncmp(p, "all", 3))
            bits |= KFK_DBG_ALL;
        for (size_t i = 0; i < sizeof ctx_names / sizeof ctx_names[0]; i++)
            if (strlen(ctx_names[i]) == n && !strncmp(ctx_names[i], p, n))
                bits |= 1u << i;
        p = comma ? comma + 1 : NULL;
    }
    return bits;
}

static const char *ctx_name(unsigned ctx) {
    for (size_t i = 0; i < sizeof ctx_names / sizeof ctx_names[0]; i++)
        if (ctx & (1u << i))
            return ctx_names[i];
    return "generic";
}

void kfk__log(const kfk__logger_t *lg, int level, unsigned ctx, const char *fmt, ...) {
    if (!lg || level > lg->level)
        return;
    if (level == KFK_LOG_DEBUG && !(lg->debug & ctx))
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (lg->cb)
        lg->cb(level, ctx_name(ctx), msg, lg->opaque);
    else
        fprintf(stderr, "%%%d|%s|%s: %s\n", level, lg->name ? lg->name : "kfk", ctx_name(ctx), msg);
}
