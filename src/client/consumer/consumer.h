/*
 * consumer.h: the consumer's internal state, shared by consumer.c (API, batches, offsets,
 * commits), fetcher.c (the fetch pipeline), group.c (classic group membership) and assignor.c.
 */
#ifndef KFK_CLIENT_CONSUMER_H
#define KFK_CLIENT_CONSUMER_H

#include "client/core/client.h"

/* Reference-counted memory that delivered records point into: a fetch response frame, or the
 * decompressed records of a compressed batch. */
typedef struct kfk__chunk {
    uint8_t *mem;
    int refs;
} kfk__chunk_t;

kfk__chunk_t *kfk__chunk_new(uint8_t *mem);
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

typedef struct cpart {
    struct kfk_consumer *c;
    char *topic;
    int32_t id;
    int state;
    int paused;
    int64_t start;        /* requested start: an offset or KFK_OFFSET_* */
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
} cpart_t;

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
};

typedef struct kfk__group kfk__group_t;

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
    int batch_size;

    uv_timer_t timer;
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
    int commit_in_flight;
    int commit_again;
    struct commitw *commit_waiters;
    uint64_t next_auto_commit;
    int offsets_fetching;
    int list_offsets_in_flight;

    kfk__group_t *group;
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

    int closing;
    int close_phase;
    int64_t close_timeout_ms; /* kfk_consumer_set_close_timeout; < 0: max.poll.interval.ms */
    void *data;               /* kfk_consumer_set_data */
    uint64_t close_deadline;
    kfk_consumer_close_cb close_cb;
    void *close_opaque;
    int client_closing;
    int32_t generation;
    kfk_err_t fatal;
    uint64_t stat_rxmsgs, stat_rxbytes, stat_batches; /* delivered to the application */
};

/* consumer.c */
cpart_t *kfk__consumer_part(kfk_consumer_t *c, const char *topic, int32_t id);
cpart_t *kfk__consumer_add_part(kfk_consumer_t *c, const char *topic, int32_t id, int64_t start);
void kfk__consumer_remove_part(kfk_consumer_t *c, cpart_t *p);
void kfk__consumer_kick(kfk_consumer_t *c);
void kfk__consumer_drop_buffers(kfk_consumer_t *c, cpart_t *p);
void kfk__consumer_void_batches(kfk_consumer_t *c, cpart_t *p);
int kfk__consumer_busy_parts(const kfk_consumer_t *c);
int64_t kfk__consumer_now(const kfk_consumer_t *c);
/* Asks for a metadata refresh and runs the consumer again when it is answered. */
void kfk__consumer_refresh_metadata(kfk_consumer_t *c);

/* offsets.c */
/* Commits every partition's done watermark past its committed offset; @p cb (optional) runs
 * when this round (or a later one it is folded into) ends. */
kfk_err_t kfk__consumer_commit(kfk_consumer_t *c, kfk_commit_cb cb, void *opaque);
void kfk__consumer_find_coordinator(kfk_consumer_t *c);
/* True when the coordinator is known and connected; else arranges that it becomes so. */
int kfk__consumer_coordinator_up(kfk_consumer_t *c);
/* Ends the commit in flight: runs a queued commit round, or calls the waiters with @p err. */
void kfk__consumer_finish_commit(kfk_consumer_t *c, kfk_err_t err);
/* Asks the coordinator for the committed offsets of partitions starting from STORED. */
void kfk__consumer_fetch_committed(kfk_consumer_t *c, uint64_t now);

/* fetcher.c */
/* Sends a Fetch to each broker that has none in flight; lowers @p next to when it must run
 * again (a backoff or a deferred Fetch ends). */
void kfk__fetcher_run(kfk_consumer_t *c, uint64_t *next);
void kfk__fetcher_close(kfk_consumer_t *c);
void kfk__fetcher_free(kfk_consumer_t *c);
void kfk__fetcher_list_offsets(kfk_consumer_t *c);

/* group.c */
kfk_err_t kfk__group_new(kfk_consumer_t *c, kfk__group_t **out);
void kfk__group_run(kfk__group_t *g);
void kfk__group_on_coordinator(kfk__group_t *g);
void kfk__group_close(kfk__group_t *g, int leave);
void kfk__group_free(kfk__group_t *g);
int kfk__group_closed(const kfk__group_t *g);
int kfk__group_stable(const kfk__group_t *g, int32_t *generation, const char **member_id,
                      const char **instance_id);
void kfk__group_commit_failed(kfk__group_t *g, kfk_err_t err);
/* The member's state ("init", "revoking", "joining", "syncing", "stable", "leaving",
 * "closed"), its generation and how many generations it joined. */
const char *kfk__group_state_name(const kfk__group_t *g, int32_t *generation, uint64_t *joins);
void kfk__group_batches_done(kfk__group_t *g);

/* assignor.c: members' subscriptions in, assignments out. */
typedef struct kfk__assign_member {
    const char *member_id;
    const char *instance_id; /* NULL for dynamic members */
    const char **topics;
    size_t ntopics;
    kfk_topic_partition_t *owned; /* cooperative-sticky: partitions owned before */
    size_t nowned;
    /* out */
    kfk_topic_partition_t *assigned;
    size_t nassigned;
} kfk__assign_member_t;

typedef struct kfk__assign_topic {
    const char *topic;
    int32_t partitions;
} kfk__assign_topic_t;

/* Fills every member's `assigned` (allocated with kfk__malloc; the caller frees). */
kfk_err_t kfk__assign(const char *strategy, kfk__assign_member_t *members, size_t nmembers,
                      const kfk__assign_topic_t *topics, size_t ntopics);

#endif
