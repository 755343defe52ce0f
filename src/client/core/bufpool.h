/*
 * bufpool.h: spare output buffers kept for reuse. The producer builds each batch in a buffer of
 * its own that grows by doubling (realloc) up to batch.size; the consumer inflates each
 * compressed batch into a buffer that its records point into until they are done. Fresh buffers
 * cost growth copies and page faults (the kernel zeroes every new page) that can outweigh the
 * records' own copy; buffers that come back here start the next batches with their capacity.
 * The pool is bounded (KFK__BUFPOOL_SLOTS buffers, at most max_bytes of capacity in all) and its
 * owner empties it once it has been idle a while, so what it holds is a fixed amount, not a leak.
 */
#ifndef KFK_CLIENT_CORE_BUFPOOL_H
#define KFK_CLIENT_CORE_BUFPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "kfk/protocol.h"

enum { KFK__BUFPOOL_SLOTS = 64 };

typedef struct kfk__bufpool {
    uint8_t *data[KFK__BUFPOOL_SLOTS];
    size_t cap[KFK__BUFPOOL_SLOTS];
    int n;
    size_t bytes;     /* capacity held */
    size_t max_bytes; /* capacity held at most */
} kfk__bufpool_t;

/* An empty pool holding at most @p max_bytes of capacity. */
void kfk__bufpool_init(kfk__bufpool_t *bp, size_t max_bytes);

/* Sets @p w to an empty buffer: the largest spare one (its capacity kept), else none. */
void kfk__bufpool_get(kfk__bufpool_t *bp, kfk_wbuf_t *w);

/* Takes @p w's memory back for reuse (or frees it when the pool is full, or @p w holds spliced
 * segments or an error); @p w is left empty. */
void kfk__bufpool_put(kfk__bufpool_t *bp, kfk_wbuf_t *w);

/* Takes @p data, @p cap bytes from kfk__malloc, back for reuse (or frees it when the pool is
 * full). */
void kfk__bufpool_put_mem(kfk__bufpool_t *bp, uint8_t *data, size_t cap);

/* Frees every spare buffer. */
void kfk__bufpool_clear(kfk__bufpool_t *bp);

#endif
