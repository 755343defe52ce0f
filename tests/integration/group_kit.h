/*
 * group_kit.h: shared pieces of the consumer group integration tests (test_group_*.c): member
 * processes (kfk_test_group_member, group_member.c) that log every join, assignment, revocation
 * and batch to a file, the reading of those logs, and the checks on what was processed and
 * committed. Helpers assert with Criterion, so they run inside a test.
 */
#ifndef KFK_TEST_GROUP_KIT_H
#define KFK_TEST_GROUP_KIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- members --------------------------------------------------------------------------------- */

/* At most 8 members, 2 topics, 32 partitions per topic. */
enum { MAXM = 8, MAXT = 2, MAXP = 32 };

/* One member process (kfk_test_group_member) and its log. */
typedef struct mem {
    char name[16];
    char log[128];
    pid_t pid;
    double killed_at; /* SIGKILL time, 0 if not killed */
    double cut[4];    /* times its batches in progress stop counting as held (SIGSTOP) */
    int ncut;
    int running;
} mem_t;

/* A group under test: its topics and members. */
typedef struct world {
    char group[96];
    char topics[MAXT][96];
    int ntopics;
    int32_t nparts[MAXT];
    mem_t m[MAXM];
    int nm;
} world_t;

/* ---- the members' logs ------------------------------------------------------------------------
 */

/* A partition named in a log line (with the offsets of a batch for S lines). */
typedef struct tp {
    int topic;
    int32_t part;
    int64_t first, last;
    int count;
} tp_t;

/* One log line: J join, A assigned, R revoked, L lost, S batch start, D batch done, C closed,
 * W warning. */
typedef struct ev {
    char type;
    int m;
    double t;
    int gen, leader;
    char mid[160], proto[32];
    unsigned batch;
    int ntp;
    tp_t tp[MAXP];
} ev_t;

/* The events of every member, in time order (gk_read_logs). */
typedef struct evs {
    ev_t *v;
    size_t n;
} evs_t;

/* ---- what was processed -----------------------------------------------------------------------
 */

/* What gk_check_processing found. */
typedef struct check {
    size_t batches, done_batches;
    size_t processed; /* records in done batches */
    size_t missing, dups, overlaps;
    char first_missing[256], first_overlap[512];
    int max_dup_batches_per_part; /* batches holding duplicates, per partition, at most */
    int64_t dup_per_part[MAXT][MAXP];
    unsigned dup_parts_outside[MAXT]; /* partitions with duplicates outside @p allowed */
} check_t;

/* ---- functions ------------------------------------------------------------------------------- */

/* The bootstrap servers of the broker under test. */
const char *gk_bs(void);

/* Empties @p w and gives it a fresh group name (kfk-g-TAG-PID-TIME). */
void gk_world_init(world_t *w, const char *tag);

/* Creates a topic with @p parts partitions for the group of @p w; returns its index. */
int gk_add_topic(world_t *w, const char *tag, int32_t parts);

/* Starts member @p name (a new slot, or the slot of that name again) with the NULL-terminated
 * name=value arguments of @p kv. */
int gk_start_member(world_t *w, const char *name, const char *const *kv);

/* Stops member @p i with SIGTERM (if it runs) and checks that it exited with status 0. */
void gk_stop_member(world_t *w, int i);

/* Kills member @p i with SIGKILL, notes the time and reaps it. */
void gk_kill_member(world_t *w, int i);

/* gk_stop_member for every member. */
void gk_stop_all(world_t *w);

/* Removes the members' log and error files. */
void gk_cleanup(world_t *w);

/* Every event of every member's log, in time order. The caller frees the v array. */
evs_t gk_read_logs(const world_t *w);

/* Partitions member @p m owns after its events (A adds, R and L remove); what a process owned
 * when it closed (C) still counts, until the member's next process logs something. */
void gk_owned(const evs_t *es, int m, uint64_t own[MAXT]);

/* The number of events of @p type that member @p m logged. */
int gk_count_type(const evs_t *es, int m, char type);

/* The last event of @p type that member @p m logged, or NULL. */
const ev_t *gk_last_of(const evs_t *es, int m, char type);

/* The number of bits set in @p x. */
int gk_popcount64(uint64_t x);

/* The partitions in @p own as "a0,a3,b1" (topic letter, partition), written to @p buf. */
void gk_own_str(const world_t *w, const uint64_t own[MAXT], char *buf, size_t cap);

/* True when the members in @p which (bitmask of member slots) each own something and together
 * own every partition exactly once. */
int gk_settled(const world_t *w, const evs_t *es, unsigned which);

/* Waits (up to @p max_ms) until the members of @p which have settled (see gk_settled) and stayed
 * so for @p quiet_ms. */
void gk_wait_settled(const world_t *w, unsigned which, int max_ms, int quiet_ms);

/* The warnings (W lines: kfk's log at level <= 4, such as why a member lost its partitions) of
 * every member, one per line, written to @p buf (cut at @p cap); returns @p buf. */
const char *gk_warnings(const world_t *w, char *buf, size_t cap);

/* What every member owns after its log, as " m1: a0,a3; m2: nothing;", written to @p buf (cut
 * at @p cap); returns @p buf. */
const char *gk_owned_all_str(const world_t *w, char *buf, size_t cap);

/* Waits until member @p m's log has at least @p n lines of @p type. */
void gk_wait_count(const world_t *w, int m, char type, int n, int max_ms);

/* Checks the batches of every member: every offset below @p end[t][p] in a done batch, the
 * duplicates (records in two done batches), and that no two members held records of one
 * partition at the same time (a batch
 * stops counting as held at a SIGKILL or SIGSTOP of its member, or when kfk left the group). */
check_t gk_check_processing(const world_t *w, const evs_t *es, int64_t end[MAXT][MAXP]);

/* Waits until the group's committed offsets reach @p end on every partition. */
void gk_wait_committed(const world_t *w, int64_t end[MAXT][MAXP], int max_ms);

/* Writes @p per records to every partition of topic @p t and adds them to @p end. */
void gk_produce_to(const world_t *w, int t, int per, int64_t end[MAXT][MAXP], const char *tag);

/* For a test in which no member dies or freezes (nothing waits for a session to end): a session
 * long enough for a loaded machine. With 6 s, a clean-clone CI run at load 14-18 on 2 cores
 * failed the three group suites at once: a heartbeat unanswered for session.timeout.ms makes a
 * kfk member drop its partitions and join again (as librdkafka's does), which these tests count
 * as a fault. Put it after gk_args' own (the last setting wins). */
#define GK_STEADY_SESSION "session.timeout.ms=30000"

/* fast_group (heartbeat.interval.ms 300, session.timeout.ms 6000, max.poll.interval.ms 30000)
 * plus the NULL-terminated @p more. */
const char **gk_args(const char **buf, const char *const *more);

#endif
