/*
 * stats.h: the statistics document (stats.c). The client core owns one kfk__stats_t; every
 * statistics.interval.ms it renders one JSON object from the sections registered with it, in
 * order, and hands it to the application's kfk_stats_cb. Each component writes its own
 * section (the core its brokers and metadata, the producer and the consumer theirs) through
 * kfk__stats_section_add; stats.c knows none of them.
 */
#ifndef KFK_CLIENT_STATS_H
#define KFK_CLIENT_STATS_H

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/protocol.h"

/* Appends one section's members to the document's top-level object: the first section starts
 * with its first member (no comma), every later one with a comma. */
typedef void (*kfk__stats_render_cb)(void *owner, kfk_wbuf_t *w);

#define KFK__STATS_SECTIONS 4

typedef struct kfk__stats {
    uv_timer_t timer;
    int open;        /* the timer handle is open */
    kfk_stats_cb cb; /* the application's callback */
    void *opaque;
    struct {
        kfk__stats_render_cb render;
        void *owner;
    } sections[KFK__STATS_SECTIONS];
    size_t nsections;
    void (*closed_cb)(void *opaque);
    void *closed_opaque;
} kfk__stats_t;

/* Starts the timer when @p every_ms > 0 and @p cb is set (an unreferenced handle: statistics
 * alone keep no loop alive). Returns 1 when a handle was opened (it must be closed with
 * kfk__stats_close), else 0. @p s must not move until it is closed. */
int kfk__stats_init(kfk__stats_t *s, uv_loop_t *loop, int64_t every_ms, kfk_stats_cb cb,
                    void *opaque);

/* Adds a section, rendered after those added before it, with @p owner (valid until
 * kfk__stats_close). Beyond KFK__STATS_SECTIONS sections, the call is ignored. */
void kfk__stats_section_add(kfk__stats_t *s, kfk__stats_render_cb render, void *owner);

/* Stops the statistics: no document is rendered any more. Returns 1 when the timer handle is
 * closing, @p closed then runs with @p opaque once it has closed; 0 when there was none. */
int kfk__stats_close(kfk__stats_t *s, void (*closed)(void *opaque), void *opaque);

/* Writing helpers for section renderers. */
void kfk__stats_put(kfk_wbuf_t *w, const char *s);
void kfk__stats_putf(kfk_wbuf_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A JSON string (NULL as ""). */
void kfk__stats_put_str(kfk_wbuf_t *w, const char *s);

#endif
