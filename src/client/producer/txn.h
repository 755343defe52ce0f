/*
 * txn.h: the transactional producer's state, shared by txn.c (the state machine, the
 * transaction coordinator, the public calls) and txn_offsets.c (a consumer group's offsets in
 * the transaction: AddOffsetsToTxn, TxnOffsetCommit). Internal to src/client/producer.
 */
#ifndef KFK_CLIENT_PRODUCER_TXN_H
#define KFK_CLIENT_PRODUCER_TXN_H

#include "client/producer/producer_int.h"

enum {
    TS_UNINIT,
    TS_INIT,
    TS_READY,
    TS_IN_TXN,
    TS_COMMIT_FLUSH,
    TS_END,
    TS_ABORT_DRAIN,
    TS_BUMP,
    TS_ABORTABLE,
    TS_FATAL
};
enum { OP_NONE, OP_INIT, OP_COMMIT, OP_ABORT, OP_OFFSETS };
/* The steps of kfk_producer_send_offsets_to_txn. */
enum { TXN_OFF_NONE, TXN_OFF_ADD, TXN_OFF_COMMIT };

struct kfk__txn {
    int state;
    int op; /* the user call in progress (OP_NONE: none, or it ended as retriable) */
    kfk_txn_cb cb;
    void *opaque;
    uint64_t deadline; /* of the coordinator phase of op */
    int end_commit;    /* TS_END: commit (1) or abort (0) */
    int started;       /* a partition joined the transaction on the coordinator */
    int bump;          /* a record of this transaction failed: new epoch after the abort */
    int flush_pending; /* the commit's flush has not called back */
    int failed_all;    /* TS_FATAL: the queued records were failed */
    kfk_err_t err;     /* the abortable or fatal cause, or the last retriable one */
    char msg[400];
    /* the transaction coordinator */
    kfk__broker_t *coord;
    kfk__broker_t *lookup_broker; /* FindCoordinator goes to it (waiting for it to be up) */
    int lookup;                   /* a FindCoordinator is under way */
    int coord_waiting;
    kfk__waiter_t lookup_w, coord_w;
    int busy; /* a request to the coordinator is in flight */
    uint64_t retry_at;
    uint32_t attempts;
    /* kfk_producer_send_offsets_to_txn in progress (txn_offsets.c) */
    int off_phase;             /* TXN_OFF_*: the step it is at */
    kfk_commit_offset_t *offs; /* the offsets (and their strings, in offs_mem) */
    size_t noffs;
    char *offs_mem;
    const char *group_id, *member_id, *instance_id; /* in offs_mem; instance_id may be NULL */
    int32_t generation;
    kfk__broker_t *gcoord; /* the group's coordinator */
    char gcoord_for[256];  /* ... of this group */
    kfk__broker_t *glookup_broker;
    int glookup, gwaiting;
    kfk__waiter_t glookup_w, gcoord_w;
};

static inline const char *kfk__txn_id(const kfk_producer_t *p) {
    return p->c->transactional_id;
}

/* Ends the user call in progress with @p err of class @p cls (t->msg says why). */
void kfk__txn_finish(kfk_producer_t *p, kfk_err_t err, kfk_txn_class_t cls);
/* The producer is unusable: @p api answered @p err; every call is refused from now on. */
void kfk__txn_fatal(kfk_producer_t *p, kfk_err_t err, const char *api);
/* The open transaction cannot commit any more (printf-style cause): the caller must abort. */
void kfk__txn_abortable(kfk_producer_t *p, kfk_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A passing failure (@p why): the next attempt waits the backoff; @p lost: the transaction
 * coordinator is looked up again. */
void kfk__txn_retry(kfk_producer_t *p, kfk_err_t err, int lost, const char *why);
/* The errors a transaction call retries; *lost: the coordinator must be looked up again. */
int kfk__txn_retriable(kfk_err_t err, int *lost);
/* The errors that end a transactional producer (Java's fatal errors; fenced above all). */
int kfk__txn_is_fatal(kfk_err_t err);
/* 1 when the transaction coordinator's connection is up; else sets about it and returns 0. */
int kfk__txn_coordinator_up(kfk_producer_t *p);

/* txn_offsets.c: the request the offsets call needs now (an API key, -1: none), and sending it
 * (0, or why it could not go; sets busy); freeing its copy; closing its waits. */
int16_t kfk__txn_offsets_needed(kfk_producer_t *p);
kfk_err_t kfk__txn_offsets_send(kfk_producer_t *p, int16_t api);
void kfk__txn_offsets_clear(kfk_producer_t *p);
/* Copies the offsets and the group's identity of a kfk_producer_send_offsets_to_txn call
 * (checked by the caller): 0 or KFK_ERR__NOMEM. */
kfk_err_t kfk__txn_offsets_copy(kfk_producer_t *p, const kfk_commit_offset_t *offsets, size_t n,
                                const kfk_group_metadata_t *g);
void kfk__txn_offsets_close(kfk_producer_t *p);

#endif
