/* bufpool.c: spare output buffers for reuse (see bufpool.h). */
#include <string.h>

#include "client/core/bufpool.h"
#include "protocol/mem.h"

void kfk__bufpool_init(kfk__bufpool_t *bp, size_t max_bytes) {
    memset(bp, 0, sizeof *bp);
    bp->max_bytes = max_bytes;
}

/* Takes slot @p i out of the pool (the last slot moves into its place); returns its buffer. */
static uint8_t *take(kfk__bufpool_t *bp, int i) {
    uint8_t *d = bp->data[i];
    bp->bytes -= bp->cap[i];
    bp->n--;
    bp->data[i] = bp->data[bp->n];
    bp->cap[i] = bp->cap[bp->n];
    return d;
}

void kfk__bufpool_get(kfk__bufpool_t *bp, kfk_wbuf_t *w) {
    kfk_wbuf_init(w);
    if (bp->n == 0)
        return;
    int best = 0;
    for (int i = 1; i < bp->n; i++)
        if (bp->cap[i] > bp->cap[best])
            best = i;
    w->cap = bp->cap[best];
    w->data = take(bp, best);
}

void kfk__bufpool_put_mem(kfk__bufpool_t *bp, uint8_t *data, size_t cap) {
    if (!data)
        return;
    if (cap > bp->max_bytes) {
        kfk__free(data);
        return;
    }
    if (bp->n == KFK__BUFPOOL_SLOTS || bp->bytes + cap > bp->max_bytes) {
        /* Full: keep the larger buffers (they spare the most growth). */
        int least = 0;
        for (int i = 1; i < bp->n; i++)
            if (bp->cap[i] < bp->cap[least])
                least = i;
        if (bp->n == 0 || bp->cap[least] >= cap) {
            kfk__free(data);
            return;
        }
        kfk__free(take(bp, least));
        if (bp->bytes + cap > bp->max_bytes) {
            kfk__free(data);
            return;
        }
    }
    bp->data[bp->n] = data;
    bp->cap[bp->n] = cap;
    bp->n++;
    bp->bytes += cap;
}

void kfk__bufpool_put(kfk__bufpool_t *bp, kfk_wbuf_t *w) {
    if (w->err || w->nsegs) {
        kfk_wbuf_free(w);
        return;
    }
    kfk__bufpool_put_mem(bp, w->data, w->cap);
    kfk__free(w->segs);
    memset(w, 0, sizeof *w);
}

void kfk__bufpool_clear(kfk__bufpool_t *bp) {
    for (int i = 0; i < bp->n; i++)
        kfk__free(bp->data[i]);
    bp->n = 0;
    bp->bytes = 0;
}
