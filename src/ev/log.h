/*
 * log.h: kfk's logger, shared by every layer above src/protocol: syslog levels, debug contexts
 * (the "debug" property), and a log callback (or stderr when none is set). ev has its own
 * callback type, so that it needs only kfk/protocol.h; src/client attaches the user's
 * kfk_log_cb (kfk/kfk.h), which has the same signature.
 */
#ifndef KFK_EV_LOG_H
#define KFK_EV_LOG_H

#include "kfk/protocol.h"

enum {
    KFK_LOG_ERR = 3,
    KFK_LOG_WARNING = 4,
    KFK_LOG_NOTICE = 5,
    KFK_LOG_INFO = 6,
    KFK_LOG_DEBUG = 7
};

/* Debug contexts: bits of kfk__logger_t.debug. */
enum {
    KFK_DBG_GENERIC = 1 << 0,
    KFK_DBG_BROKER = 1 << 1,
    KFK_DBG_PROTOCOL = 1 << 2,
    KFK_DBG_METADATA = 1 << 3,
    KFK_DBG_SECURITY = 1 << 4,
    KFK_DBG_PRODUCER = 1 << 5,
    KFK_DBG_CONSUMER = 1 << 6,
    KFK_DBG_CGRP = 1 << 7,
    KFK_DBG_FETCH = 1 << 8,
    KFK_DBG_LOCK = 1 << 9,
    KFK_DBG_ALL = 0xffff
};

/* Where log lines go: @p level a syslog level (KFK_LOG_*), @p context the name of a debug
 * context ("broker", ...); @p message lives during the call. */
typedef void (*kfk__log_cb)(int level, const char *context, const char *message, void *opaque);

typedef struct kfk__logger {
    kfk__log_cb cb;
    void *opaque;
    int level;        /* messages above this syslog level are dropped */
    unsigned debug;   /* KFK_DBG_* contexts whose debug messages pass */
    const char *name; /* client.id, prefixed to stderr lines */
} kfk__logger_t;

/* Parses a "debug" property value ("broker,metadata", "all") into KFK_DBG_* bits. */
unsigned kfk__log_parse_debug(const char *csv);

/* Logs a message at a syslog level in a context (a KFK_DBG_* bit names it). Debug-level
 * messages pass only when their context is enabled. */
void kfk__log(const kfk__logger_t *lg, int level, unsigned ctx, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#define kfk__dbg(lg, ctx, ...)                                                                     \
    do {                                                                                           \
        if ((lg) && ((lg)->debug & (ctx)))                                                         \
            kfk__log((lg), KFK_LOG_DEBUG, (ctx), __VA_ARGS__);                                     \
    } while (0)

#endif
