/*
 * records_txn.c: read_committed filtering (KIP-98), as Java's consumer does it in
 * CompletedFetch.java: the partition's AbortedTransactions (producer id, first offset) are
 * taken in first-offset order; before each batch with a producer id, every aborted transaction
 * starting at or before the batch's last offset marks its producer aborted; a transactional
 * batch of an aborted producer is skipped; that producer's ABORT marker clears the mark.
 *
 * Memory: one allocation of 32 bytes per list entry (the list arrived in a Fetch response and
 * is already in memory, so this is bounded by what was received), sorted once; each batch
 * costs O(log n).
 */
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/mem.h"
#include "protocol/records.h"

typedef struct txn_entry {
    int64_t first_offset;
    int64_t producer_id;
} txn_entry_t;

typedef struct txn_pid {
    int64_t producer_id;
    int64_t aborted; /* 0 or 1 (int64 keeps the struct free of padding) */
} txn_pid_t;

static int cmp_entry(const void *a, const void *b) {
    const txn_entry_t *x = a, *y = b;
    if (x->first_offset != y->first_offset)
        return x->first_offset < y->first_offset ? -1 : 1;
    return (x->producer_id > y->producer_id) - (x->producer_id < y->producer_id);
}

static int cmp_pid(const void *a, const void *b) {
    const txn_pid_t *x = a, *y = b;
    return (x->producer_id > y->producer_id) - (x->producer_id < y->producer_id);
}

static txn_pid_t *pid_find(kfk_txn_filter_t *f, int64_t producer_id) {
    if (!f->npids)
        return NULL;
    txn_pid_t *pids = (txn_pid_t *)((txn_entry_t *)f->mem + f->count);
    size_t lo = 0, hi = f->npids;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pids[mid].producer_id < producer_id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->npids && pids[lo].producer_id == producer_id ? &pids[lo] : NULL;
}

kfk_err_t kfk_txn_filter_init(kfk_txn_filter_t *f, const void *txns, size_t count, size_t stride) {
    if (!f)
        return KFK_ERR__INVALID_ARG;
    memset(f, 0, sizeof *f);
    if (count == 0)
        return KFK_ERR_NONE;
    if (!txns || stride < 2 * sizeof(int64_t))
        return KFK_ERR__INVALID_ARG;
    void *mem = kfk__mallocarray(count, sizeof(txn_entry_t) + sizeof(txn_pid_t));
    if (!mem)
        return KFK_ERR__NOMEM;
    txn_entry_t *entries = mem;
    txn_pid_t *pids = (txn_pid_t *)(entries + count);
    const uint8_t *src = txns;
    for (size_t i = 0; i < count; i++, src += stride) {
        memcpy(&entries[i].producer_id, src, sizeof(int64_t));
        memcpy(&entries[i].first_offset, src + sizeof(int64_t), sizeof(int64_t));
        pids[i].producer_id = entries[i].producer_id;
        pids[i].aborted = 0;
    }
    qsort(entries, count, sizeof *entries, cmp_entry);
    qsort(pids, count, sizeof *pids, cmp_pid);
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (n == 0 || pids[n - 1].producer_id != pids[i].producer_id)
            pids[n++] = pids[i];
    f->mem = mem;
    f->count = count;
    f->npids = n;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_txn_filter_check(kfk_txn_filter_t *f, const kfk_record_batch_t *batch, bool *skip) {
    *skip = batch->is_control;
    if (batch->magic < 2 || batch->producer_id == -1)
        return KFK_ERR_NONE;
    int64_t last = kfk__add64(batch->base_offset, batch->last_offset_delta);
    const txn_entry_t *entries = f->mem;
    while (f->next < f->count && entries[f->next].first_offset <= last) {
        txn_pid_t *pid = pid_find(f, entries[f->next].producer_id);
        if (pid)
            pid->aborted = 1;
        f->next++;
    }
    if (batch->is_control) {
        kfk_control_record_t ctl;
        kfk_err_t err = kfk_record_batch_control(batch, &ctl);
        if (err)
            return err;
        if (ctl.type == KFK_CONTROL_ABORT) {
            txn_pid_t *pid = pid_find(f, batch->producer_id);
            if (pid)
                pid->aborted = 0;
        }
        return KFK_ERR_NONE;
    }
    if (batch->is_transactional) {
        txn_pid_t *pid = pid_find(f, batch->producer_id);
        *skip = pid && pid->aborted;
    }
    return KFK_ERR_NONE;
}

void kfk_txn_filter_free(kfk_txn_filter_t *f) {
    if (!f)
        return;
    kfk__free(f->mem);
    memset(f, 0, sizeof *f);
}
