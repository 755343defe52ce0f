/*
 * parts.h: the consumer's state, shared by the files of the consumer component and the group
 * member above it: the partition table (cpart_t), the fetched buffers of each partition and the
 * reference-counted chunks records point into, the batches that hold them, and the consumer
 * struct itself. parts.c keeps the table; fetcher.c fills the buffers, offsets.c talks to the
 * coordinator, consumer.c (the top: the public API and the loop) turns buffers into batches.
 * Notifications upward go through pointers the upper files set: the loop's turn (run), the
 * group member's hooks (group_ops).
 */
#ifndef KFK_CLIENT_CONSUMER_PARTS_H
#define KFK_CLIENT_CONSUMER_PARTS_H

#include "client/core/bufpool.h"
#include "client/core/client.h"

/* Reference-counted memory that delivered records point into: a fetch response frame, or the
 * decompressed records of a compressed batch. */
/* How long the consumer keeps its spare inflate buffers once idle. */
enum { KFK__INFLATE_POOL_IDLE_MS = 1000 };

typedef struct kfk__chunk {
    uint8_t *mem;
    int refs;
    kfk__bufpool_t *pool; /* where mem goes back when the last reference goes, or NULL: freed */
    size_t cap;           /* mem's capacity, for the pool */
    /* A fetch frame's CRC-32C registers of its whole 1 KiB blocks from mem on (in the same
     * allocation), taken as it arrived; NULL when none. */
    const uint32_t *crc_blocks;
    size_t crc_nblocks;
} kfk__chunk_t;

kfk__chunk_t *kfk__chunk_new(uint8_t *mem);
/* A chunk whose memory (@p cap bytes) goes back to @p pool, which must outlive it. */
kfk__chunk_t *kfk__chunk_new_pooled(uint8_t *mem, size_t cap, kfk__bufpool_t *pool);
void kfk__chunk_ref(kfk__chunk_t *ch);
void kfk__chunk_unref(kfk__chunk_t *ch);

/* Fetched records of one partition waiting to be delivered. */
typedef struct cbuf {
    struct cbuf *next;
    kfk__chunk_t *frame; /* owns the bytes of `records` */
    const uint8_t *records;
    size_t records_len;
    kfk_record_batch_reader_t rd;
    int in_batch;          /* iterating a record batch */
    kfk_record_batch_t rb; /* that batch */
    kfk_record_iter_t it;  /* its records */
    kfk__chunk_t *decomp;  /* the decompressed records of a compressed batch, or NULL */
    int skip_batch;        /* aborted transaction: skip this batch's records */
    kfk_txn_filter_t txn;  /* read_committed */
    int txn_on;
} cbuf_t;

enum { CP_NEED_OFFSET, CP_OFFSET_PENDING, CP_READY, CP_ERROR };

/* cpart_t.start: "apply auto.offset.reset". */
#define KFK__OFFSET_RESET (KFK_OFFSET_END - 100)
/* cpart_t.start: "the first record at or after start_ts" (kfk_consumer_seek_timestamp). */
#define KFK__OFFSET_TIME (KFK_OFFSET_END - 101)

/* A kfk_consumer_seek_timestamp whose callback waits: on its partition (cpart_t.seek) until the
 * offset is known or the seek ends otherwise, then on the consumer's list of settled seeks,
 * called from the next loop turn. */
typedef struct kfk__seek {
    struct kfk__seek *next;
    kfk_seek_cb cb;
    void *opaque;
    const char *topic; /* interned */
    int32_t partition;
    int64_t offset;
    kfk_err_t err;
    /* Still waiting then: settled with KFK_ERR__TIMED_OUT (the partition asks on). */
    uint64_t deadline;
} kfk__seek_t;

typedef struct cpart {
    struct kfk_consumer *c;
    char *topic;
    int32_t id;
    int state;
    int paused;
    int64_t start;        /* requested start: an offset or KFK_OFFSET_* */
    int64_t start_ts;     /* start == KFK__OFFSET_TIME: the time (ms since the epoch) */
    kfk__seek_t *seek;    /* a kfk_consumer_seek_timestamp waiting for its offset, or NULL */
    int64_t fetch_offset; /* next offset to fetch */
    int64_t fetch_sent;   /* fetch_offset of the Fetch in flight */
    int64_t position;     /* next offset to deliver */
    int64_t done;         /* done watermark: every record before it is done (-1: none yet) */
    int64_t committed;    /* last offset known committed (-1: none) */
    int64_t hwm;
    int32_t leader_epoch;
    struct kfk_batch *busy; /* the batch holding this partition's records, or NULL */
    cbuf_t *bufs, **bufs_tail;
    size_t buffered;   /* bytes of fetched, undelivered data */
    int fetching;      /* in a Fetch request now */
    uint64_t retry_at; /* back off fetching after errors */
    int revoking;
    /* Errors (perr.c). An unusable answer (bad data at err_offset) counts in fails; at
     * KFK__CONSUMER_MAX_FAILS in a row at the same offset the partition stops (stopped) until
     * kfk_consumer_seek. Transient causes (no leader, broker down, an answer that does not
     * decode, a broker error code) count in retries only, for the backoff. */
    int stopped;         /* no more Fetch until kfk_consumer_seek (an error stopped it) */
    int fails;           /* consecutive unusable answers at err_offset */
    int retries;         /* consecutive transient failures (backoff), 0 after a usable answer */
    kfk_err_t err;       /* the last cause (0: none) */
    int64_t err_offset;  /* where it was found (-1: not at an offset) */
    int64_t err_next;    /* the offset after the bad batch, as its header says (-1: unknown) */
    kfk_err_t transient; /* the last transient cause reported (reported once per cause) */
    int report;          /* an error event waits for the next loop turn */
    int report_attempt;  /* its attempt number (0: transient) */
    char why[320];       /* the last cause in words */
} cpart_t;

/* Unusable answers in a row at one offset before a partition stops. */
#define KFK__CONSUMER_MAX_FAILS 5

/* The hard cap on one batch's decompressed bytes (see kfk__consumer_inflate_cap). */
#define KFK__CONSUMER_INFLATE_HARD_CAP ((size_t)32 << 20)

struct kfk_batch {
    struct kfk_batch *next;
    struct kfk_consumer *c;
    kfk_message_t *msgs;
    size_t n, cap;
    struct bpart {
        cpart_t *p;
        int64_t first, end; /* offsets: first record, after the last */
        int done;
        const char *topic; /* interned (valid until the consumer closes) */
        int32_t partition;
    } * parts;
    size_t nparts, parts_cap;
    kfk__chunk_t **chunks;
    size_t nchunks, chunks_cap;
    uint64_t delivered_ms;
    int32_t generation;
    int delivered;
    int void_; /* the consumer closed or the partitions were revoked: done() only frees */
    /* Abandoned (kfk__consumer_abandon_batches): c is NULL and the batch holds what outlives
     * its consumer: its topic names (names) and the decoder's free function. */
    kfk_free_cb free_obj;
    void *free_opaque;
    char *names;
};

/* The group member (group/group.c), opaque to the consumer. */
typedef struct kfk__group kfk__group_t;

/* What the consumer asks of its group member: set by group.c when kfk_consumer_subscribe makes
 * the consumer a member, so that the consumer calls it through these and never names group.c. */
typedef struct kfk__group_ops {
    /* One turn of the member's state machine (each run of the consumer's loop). */
    void (*run)(kfk__group_t *g);
    /* Batches were marked done (a member that left for max.poll.interval.ms may rejoin). */
    void (*batches_done)(kfk__group_t *g);
    /* An OffsetCommit failed with @p err (some errors mean a rebalance). */
    void (*commit_failed)(kfk__group_t *g, kfk_err_t err);
    /* True while commits may go out; then the member's generation and ids (instance: NULL for a
     * dynamic member). */
    int (*stable)(const kfk__group_t *g, int32_t *generation, const char **member_id,
                  const char **instance_id);
    /* The member's state ("init", "revoking", "joining", "syncing", "stable", "leaving",
     * "closed"), its generation and how many generations it joined (statistics). */
    const char *(*state_name)(const kfk__group_t *g, int32_t *generation, uint64_t *joins);
    /* Leaves the group (@p leave, dynamic members) and stops; closed() tells when it is done. */
    void (*close)(kfk__group_t *g, int leave);
    int (*closed)(const kfk__group_t *g);
    /* Frees the member (after close, once the client closed). */
    void (*free)(kfk__group_t *g);
} kfk__group_ops_t;

struct kfk_consumer {
    uv_loop_t *loop;
    kfk__client_t *cl;
    kfk_conf_t *conf;
    cpart_t **parts;
    size_t nparts, parts_cap;
    int subscribed;
    char **topics;
    size_t ntopics;
    kfk_batch_cb batch_cb;
    void *batch_opaque;
    kfk_rebalance_cb rebalance_cb;
    void *rebalance_opaque;
    kfk_consumer_error_cb error_cb;
    void *error_opaque;
    /* The group's errors (perr.c): the member's last cause (coordinator lookup, JoinGroup,
     * SyncGroup, OffsetFetch, OffsetCommit), reported with topic NULL once per cause. */
    kfk_err_t gerr;
    int greport, gstopped;
    char gwhy[320];
    kfk_codec_ctx_t *codec; /* reused for every compressed batch (created on first use) */
    /* Spare buffers for decompressed records: a compressed batch inflates into one, and it
     * comes back when the last record pointing into it is done (no growth, no page faults). */
    kfk__bufpool_t inflate_pool;
    uint64_t inflate_idle_at; /* no batch inflated since a while before this: pool emptied */
    kfk_decode_cb decode;
    kfk_free_cb free_obj;
    void *decode_opaque;
    int started;
    struct kfk_batch *forming;     /* the batch being filled, not yet delivered */
    struct kfk_batch *outstanding; /* delivered, not done */
    size_t noutstanding;
    uint64_t forming_since;
    size_t buffered;      /* bytes prefetched in all partitions */
    uint32_t fetch_round; /* counts kfk__fetcher_run calls */
    uint32_t rr;          /* round-robin start for batch filling */
    int max_records;      /* records per batch: max.poll.records, or a listener's bound */

    uv_timer_t timer;
    uv_timer_cb run; /* the loop's turn (consumer.c), which kfk__consumer_kick schedules */
    int timer_armed;
    uint64_t timer_due;

    /* fetch */
    struct fbroker *fbrokers;

    /* offsets and commits */
    kfk__broker_t *coord;
    int coord_lookup;
    kfk__waiter_t coord_w;
    int coord_waiting;
    kfk__waiter_t coord_up_w;
    uint64_t coord_retry_at;
    uint32_t coord_failures; /* lookups failed in a row (their backoff grows) */
    int commit_in_flight;
    int commit_again;
    /* batch.commit.wait (or the partition worker): a partition's next batch waits until the
     * commit of its done watermark is acknowledged; a failed commit is retried after
     * kfk__consumer_backoff(commit_failures), not before commit_retry_at. */
    int commit_wait;
    uint32_t commit_failures;
    uint64_t commit_retry_at;
    struct commitw *commit_waiters; /* kfk_consumer_commit callers for the next round */
    struct commitw *commit_sent;    /* those the round in flight answers */
    int revoke_commit_ended; /* the commit a revocation asked for has ended (its callback ran) */
    struct commitw *commit_settled; /* ended without a request: called from the next run */
    struct xcommit *xcommits;       /* kfk_consumer_commit_offsets waiting to be sent */
    uint64_t next_auto_commit;
    int offsets_fetching;
    int list_offsets_in_flight;

    kfk__group_t *group; /* the group member (kfk_consumer_subscribe), or NULL */
    const kfk__group_ops_t *group_ops;
    /* A metadata refresh the consumer waits for: its answer kicks the consumer (leaders known). */
    kfk__md_waiter_t md_w;
    int md_waiting;
    /* Topic names, interned: records and batches point at them, so they live until close. */
    struct tname {
        struct tname *next;
        char name[];
    } * tnames;
    /* A commit goes out only while this says yes (the partition worker's lock). */
    int (*commit_gate)(void *opaque);
    void *commit_gate_opaque;
    int offsets_in_txn; /* kfk_consumer_set_offsets_in_txn: never commits itself */

    int closing;
    int close_phase;
    int64_t close_timeout_ms; /* kfk_consumer_set_close_timeout; < 0: max.poll.interval.ms */
    kfk__seek_t *seeks_done;  /* settled seeks whose callbacks the next loop turn calls */
    void *data;               /* kfk_consumer_set_data */
    uint64_t close_deadline;
    kfk_consumer_close_cb close_cb;
    void *close_opaque;
    int client_closing;
    int32_t generation;
    kfk_err_t fatal;
    uint64_t stat_rxmsgs, stat_rxbytes, stat_batches; /* delivered to the application */
    uint64_t stat_fetches;                            /* Fetch requests sent */
};

/* ---- parts.c ------------------------------------------------------------------------------ */

/* The loop time in ms. */
int64_t kfk__consumer_now(const kfk_consumer_t *c);
/* Schedules the consumer's loop turn (c->run) at loop time @p due, unless one is due earlier;
 * nothing once the client is closing. */
void kfk__consumer_arm(kfk_consumer_t *c, uint64_t due);
/* Schedules the loop turn now. */
void kfk__consumer_kick(kfk_consumer_t *c);
/* Asks for a metadata refresh and runs the consumer again when it is answered. */
void kfk__consumer_refresh_metadata(kfk_consumer_t *c);

/* The partition @p topic / @p id of the table, or NULL. */
cpart_t *kfk__consumer_part(kfk_consumer_t *c, const char *topic, int32_t id);
/* Adds (or finds) a partition starting at @p start (an offset or KFK_OFFSET_* or
 * KFK__OFFSET_RESET), and follows its topic's metadata; NULL when out of memory. */
cpart_t *kfk__consumer_add_part(kfk_consumer_t *c, const char *topic, int32_t id, int64_t start);
/* Ends @p p's pending kfk_consumer_seek_timestamp (if any) with @p offset or @p err: its
 * callback is called from the next loop turn (kfk__consumer_run_seeks). */
void kfk__consumer_seek_settle(kfk_consumer_t *c, cpart_t *p, int64_t offset, kfk_err_t err);
/* Calls the callbacks of the settled seeks (from the loop's turn or the close). */
void kfk__consumer_run_seeks(kfk_consumer_t *c);
/* Settles with KFK_ERR__TIMED_OUT the seeks still waiting at their deadline (request.timeout.ms
 * after the call; their partitions keep asking on the retry backoff); lowers @p next to the
 * earliest deadline left. */
void kfk__consumer_seek_deadlines(kfk_consumer_t *c, uint64_t now, uint64_t *next);
/* Removes and frees @p p: the forming batch is dropped, batches holding its records are void;
 * a seek waiting on it ends with KFK_ERR__UNKNOWN_PARTITION. */
void kfk__consumer_remove_part(kfk_consumer_t *c, cpart_t *p);
/* Frees @p p's fetched, undelivered buffers. */
void kfk__consumer_drop_buffers(kfk_consumer_t *c, cpart_t *p);
/* Marks the batches holding @p p's records void (the partition is going away). */
void kfk__consumer_void_batches(kfk_consumer_t *c, cpart_t *p);
/* How many partitions are held by delivered, undone batches. */
int kfk__consumer_busy_parts(const kfk_consumer_t *c);

/* Frees one fetched buffer (and its references to chunks). */
void kfk__cbuf_free(cbuf_t *b);
/* Frees a batch: decoded values (free_obj), chunk references, the batch. */
void kfk__batch_free(struct kfk_batch *b);
/* Drops the batch being formed (not delivered yet): its partitions rewind to its first
 * records, which are fetched again. */
void kfk__consumer_drop_forming(kfk_consumer_t *c);

/* ---- perr.c: partition errors --------------------------------------------------------------- */

/* The wait before retry @p attempt (1, 2, ...) of a partition: retry.backoff.ms doubling up to
 * retry.backoff.max.ms, +-20 % jitter. */
uint64_t kfk__consumer_backoff(kfk_consumer_t *c, int attempt);
/* An unusable answer for @p p at @p offset (bad data: CRC, lengths, counts, a codec that fails
 * or a batch over the inflate cap), its cause printf-style. Found while delivering (KFK__PF_DROP in
 * @p flags): the partition's buffers are dropped and it fetches again from its position; found in a
 * Fetch answer (no KFK__PF_DROP): buffers before the bad data stay, fetch_offset stays at it. The
 * next Fetch waits the backoff; after KFK__CONSUMER_MAX_FAILS in a row at @p offset the partition
 * stops (stopped: no more Fetch, what was buffered before is still delivered), with KFK__PF_FINAL
 * at once. An error event is queued either way. With KFK__PF_DROP, return right after: the buffers
 * being iterated are gone. */
void kfk__part_fail(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, int64_t offset, int flags,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* kfk__part_fail's flags: found while delivering (the buffers go); the same bytes can only fail
 * the same way (a batch over the inflate cap): stop now, do not fetch them again. */
#define KFK__PF_DROP 1
#define KFK__PF_FINAL 2

/* Sets the offset after the bad batch for the next kfk__part_fail of @p p (-1: unknown). */
static inline void kfk__part_fail_next(cpart_t *p, int64_t next) {
    p->err_next = next;
}
/* An error of the group member (topic NULL in the event): @p stopped non-zero when the member
 * cannot go on (a fatal group error); otherwise a transient cause, reported once per cause
 * until kfk__consumer_group_ok. Logged at debug when the application has an error callback. */
void kfk__consumer_group_error(kfk_consumer_t *c, kfk_err_t err, int stopped, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The member is well again (assigned, or a call succeeded): the next cause is news. */
void kfk__consumer_group_ok(kfk_consumer_t *c);
/* A transient cause for @p p (no leader, unknown topic, broker down, a broker error code, an
 * answer that does not decode): queues an event when it differs from the last one reported;
 * @p backoff non-zero also backs the partition off (retries grow). */
void kfk__part_transient(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, int backoff, const char *fmt,
                         ...) __attribute__((format(printf, 5, 6)));
/* Stops @p p at once with @p err (e.g. auto.offset.reset=error) and queues the event. */
void kfk__part_stop(kfk_consumer_t *c, cpart_t *p, kfk_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A usable answer for @p p: transient causes and their backoff are over. */
void kfk__part_ok(cpart_t *p);
/* Clears @p p's error state (kfk_consumer_seek, a new assignment). */
void kfk__part_clear(cpart_t *p);
/* Calls the error callback for every queued event (from the loop's turn, never inside an API
 * call); safe against the callback seeking, closing or reassigning. */
void kfk__consumer_report_errors(kfk_consumer_t *c);
/* The most bytes one batch may decompress to for @p c: min(fetch.max.bytes, 32 MiB), the hard
 * cap). *why names the bound that applies ("fetch.max.bytes cap" or "hard cap"). */
size_t kfk__consumer_inflate_cap(const kfk_consumer_t *c, const char **why);

#endif
