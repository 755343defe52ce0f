/*
 * consumer_kit.h: shared pieces of the consumer's integration tests (test_consumer_*.c,
 * test_group_*.c, test_group_cluster.c): configurations, topics, test data written by kfk's
 * producer, an in-process consumer that records what it receives, committed offsets read back
 * from Kafka (a raw OffsetFetch, and Kafka's own ConsumerGroupCommand), and child processes.
 * Helpers assert with Criterion, so they run inside a test.
 */
#ifndef KFK_TEST_CONSUMER_KIT_H
#define KFK_TEST_CONSUMER_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "kfk/kfk.h"

/* ---- configuration and topics ---------------------------------------------------------------- */

/* Sets @p k = @p v on @p c or fails the test. */
void ck_set(kfk_conf_t *c, const char *k, const char *v);

/* A configuration for @p bootstrap with log_level 4 and the NULL-terminated name, value, ...
 * pairs of @p kv (may be NULL). The caller destroys it. */
kfk_conf_t *ck_conf(const char *bootstrap, const char *const *kv);

/* Creates a topic named kfk-c-TAG-PID-N (written to @p name) with @p parts partitions,
 * replication @p rf and the NULL-terminated config pairs @p cfg, and waits until every
 * partition has a leader. */
void ck_topic_create(const char *bootstrap, char *name, size_t cap, const char *tag, int32_t parts,
                     int16_t rf, const char *const *cfg);

/* ck_topic_create, and with @p wait 0 it returns as soon as CreateTopics answered (the
 * partitions may have no leader yet). */
void ck_topic_create_ex(const char *bootstrap, char *name, size_t cap, const char *tag,
                        int32_t parts, int16_t rf, const char *const *cfg, int wait);

/* ---- test data ------------------------------------------------------------------------------ */

/* Where a record was written. */
typedef struct ck_pos {
    int32_t partition;
    int64_t offset;
} ck_pos_t;

/*
 * Writes @p n records with kfk's producer (acks=all, idempotent) and waits for every report.
 * Record i: key "key-<i % nkeys>" (null when nkeys is 0), value "<tag>:<i>:" padded with '.'
 * to @p value_len bytes when that is longer; partition i % @p nparts when nparts > 0, else the
 * partitioner's (murmur2 of the key). Returns the reported positions (malloc'd, n entries).
 */
ck_pos_t *ck_produce(const char *bootstrap, const char *topic, size_t n, size_t nkeys,
                     int32_t nparts, size_t value_len, const char *tag);

/* The record index of a value written by ck_produce ("<tag>:<i>:..."), or -1. */
int64_t ck_value_index(const void *value, int32_t len);

/* Per partition (0..nparts-1) the end offset implied by @p pos (last offset + 1, 0 if none). */
void ck_end_offsets(const ck_pos_t *pos, size_t n, int32_t nparts, int64_t *end);

/* ---- loops ---------------------------------------------------------------------------------- */

typedef int (*ck_pred_fn)(void *arg);

/* Runs @p loop until @p pred is true; fails the test after @p max_ms. Returns the ms taken. */
uint64_t ck_run_until(uv_loop_t *loop, ck_pred_fn pred, void *arg, uint64_t max_ms);

/* Runs @p loop for @p ms (timers and I/O keep going). */
void ck_run_for(uv_loop_t *loop, uint64_t ms);

/* Monotonic milliseconds (CLOCK_MONOTONIC, shared by every process of the machine). */
double ck_now_ms(void);

/* ---- an in-process consumer that records what it gets -------------------------------------- */

typedef struct ck_msg {
    int32_t partition;
    int64_t offset;
    int64_t idx;    /* ck_value_index of the value */
    uint32_t batch; /* the batch it came in (0-based) */
} ck_msg_t;

typedef struct ck_binfo {
    size_t first, n; /* its records: msgs[first .. first + n) */
    double at_ms;    /* ck_now_ms at delivery */
    double done_ms;  /* ck_now_ms at kfk_batch_done, 0 while not done */
} ck_binfo_t;

typedef struct ck_cons ck_cons_t;

/* Called for each batch after its records were recorded; return 0 to have the batch done at
 * once, non-zero when the hook calls kfk_batch_done itself (then through ck_done). */
typedef int (*ck_hook_fn)(ck_cons_t *k, kfk_batch_t *b, uint32_t batch_no);

/* An extra log callback: sees every line the consumer logs (after the kit counted errors). */
typedef void (*ck_log_fn)(int level, const char *ctx, const char *msg, void *opaque);

struct ck_cons {
    uv_loop_t *loop;
    kfk_consumer_t *c;
    ck_msg_t *msgs;
    size_t n, cap;
    ck_binfo_t *b;
    size_t nb, bcap;
    size_t max_batch;
    ck_hook_fn hook;
    void *user;
    ck_log_fn log; /* may be NULL; set before ck_cons_init, like hook and user */
    void *log_opaque;
    int closed;
    int errors;           /* log lines at level <= 3 */
    char last_error[256]; /* the last of them */
};

/* Creates the consumer on @p loop from @p conf (destroyed here) with a log callback that counts
 * errors (and passes every line to k->log when set). k->hook, user, log and log_opaque are
 * kept; everything else is reset. */
void ck_cons_init(ck_cons_t *k, uv_loop_t *loop, kfk_conf_t *conf);

/* Starts delivering batches to the recorder. */
void ck_cons_start(ck_cons_t *k);

/* Marks batch @p batch_no (kfk_batch_t @p b) done with @p err, recording the time. */
void ck_done(ck_cons_t *k, kfk_batch_t *b, uint32_t batch_no, kfk_err_t err);

/* Closes the consumer and runs the loop until its close callback ran. */
void ck_cons_close(ck_cons_t *k, int64_t timeout_ms);

/* Frees what the recorder holds. */
void ck_cons_free(ck_cons_t *k);

/* A predicate argument for ck_pred_count: true once *counter >= target. */
typedef struct ck_count_target {
    const size_t *counter;
    size_t target;
} ck_count_target_t;
int ck_pred_count(void *arg);

/* ---- committed offsets as Kafka reports them ------------------------------------------------- */

/* The coordinator of @p group (FindCoordinator over a raw connection to any live node of
 * @p bootstrap); writes "host:port" to @p hostport. Returns its node id. */
int32_t ck_coordinator(const char *bootstrap, const char *group, char *hostport, size_t cap);

/* Committed offsets of @p group for partitions 0..nparts-1 of @p topic (a raw OffsetFetch v7 at
 * the coordinator); -1 where none. Returns 0, or the error code of the group. */
int ck_committed(const char *bootstrap, const char *group, const char *topic, int32_t nparts,
                 int64_t *out);

/* Runs Kafka's ConsumerGroupCommand --describe for @p group and fills CURRENT-OFFSET of
 * partitions 0..nparts-1 of @p topic (-1 for "-" or absent), again while it lists no row of the
 * topic (30 s at most; then its output is printed). Returns the rows of that topic. */
int ck_cgc_describe(const char *bootstrap, const char *group, const char *topic, int32_t nparts,
                    int64_t *out);

/* ---- raw looks at partitions (single-node broker: it leads every partition) ---------------- */

/* The end offsets (ListOffsets -1, @p isolation 0 read_uncommitted: the high watermark; 1
 * read_committed: the last stable offset) of partitions 0..nparts-1. */
void ck_list_end(const char *bootstrap, const char *topic, int32_t nparts, int8_t isolation,
                 int64_t *out);

/* Reads partition @p part of @p topic from offset 0 to its high watermark with raw Fetch v11
 * requests (single-node broker: it leads every partition) and calls @p visit (may be NULL) with
 * each record batch header, decoded by kfk's reader. Returns the batch count; the first reader
 * error, if any, goes to @p reader_err (may be NULL). */
typedef void (*ck_batch_visit_fn)(const kfk_record_batch_t *b, void *arg);
size_t ck_batches_visit(const char *bootstrap, const char *topic, int32_t part,
                        ck_batch_visit_fn visit, void *arg, kfk_err_t *reader_err);

/* The codecs of the record batches of @p topic / @p part (a raw Fetch from offset 0): writes up
 * to @p cap of them to @p codecs and returns how many batches there were. */
size_t ck_batch_codecs(const char *bootstrap, const char *topic, int32_t part, kfk_codec_t *codecs,
                       size_t cap);

/* ---- child processes --------------------------------------------------------------------------
 */

/* Starts @p argv (argv[0] a path) with stdout to @p out_path and stderr to @p err_path (NULL:
 * /dev/null), killed when the test process dies. Returns its pid. */
pid_t ck_spawn(char *const argv[], const char *out_path, const char *err_path);

/* Waits up to @p max_ms for @p pid to exit; returns its wait status, or -1 on timeout. */
int ck_wait(pid_t pid, int max_ms);

/* Sends @p sig to @p pid (started by ck_spawn) and waits up to @p max_ms for it to exit;
 * SIGKILL after that. Returns its wait status. */
int ck_stop(pid_t pid, int sig, int max_ms);

/* Reads a whole file into a NUL-terminated malloc'd string (NULL if missing). */
char *ck_slurp(const char *path, size_t *len);

/* Runs a shell command, returning its exit status (or -1). */
int ck_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
