/*
 * test_group.c: kfk consumer groups against the real broker (issue 7, single node). Members run
 * as separate processes (kfk_test_group_member, group_member.c) that log every join,
 * assignment, revocation and batch (start and done, with CLOCK_MONOTONIC times) to a file; the
 * checks read those logs and the offsets Kafka holds as committed.
 *
 * Covered: 1 -> 3 -> 2 members over a 12-partition topic (every record processed, none by two
 * members at once, no duplicate without a crash, committed offsets as ConsumerGroupCommand
 * reports them); a member killed with SIGKILL mid-batch (every record processed at least once,
 * duplicates at most one batch per partition, only in the killed member's partitions); a group
 * shared with kcat -G (librdkafka) agreeing on range; a group shared with Apache Kafka's Java
 * consumer (GroupPeer.java: range, partitions handed over both ways through committed offsets,
 * every record processed once); static membership (a member that closes and comes back with the
 * same group.instance.id within session.timeout.ms gets its partitions back without a rebalance
 * of the other); the assignors range, roundrobin and cooperative-sticky (a member joining makes
 * the others revoke only what moves).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"

#ifndef KFK_TEST_MEMBER
#error "KFK_TEST_MEMBER (the path of kfk_test_group_member) must be defined"
#endif

static const char *bs(void) {
    return kt_env_required("BOOTSTRAP");
}

/* ---- members --------------------------------------------------------------------------------- */

enum { MAXM = 8, MAXT = 2, MAXP = 32 };

typedef struct mem {
    char name[16];
    char log[128];
    pid_t pid;
    double killed_at; /* SIGKILL time, 0 if not killed */
    double cut[4];    /* times its batches in progress stop counting as held (SIGSTOP) */
    int ncut;
    int running;
} mem_t;

typedef struct world {
    char group[96];
    char topics[MAXT][96];
    int ntopics;
    int32_t nparts[MAXT];
    mem_t m[MAXM];
    int nm;
} world_t;

static void world_init(world_t *w, const char *tag) {
    memset(w, 0, sizeof *w);
    snprintf(w->group, sizeof w->group, "kfk-g-%s-%d-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000));
}

static int add_topic(world_t *w, const char *tag, int32_t parts) {
    int t = w->ntopics++;
    ck_topic_create(bs(), w->topics[t], sizeof w->topics[t], tag, parts, 1, NULL);
    w->nparts[t] = parts;
    return t;
}

/* Starts member @p name (a new slot, or the slot of that name again) with the NULL-terminated
 * name=value arguments of @p kv. */
static int start_member(world_t *w, const char *name, const char *const *kv) {
    int i;
    for (i = 0; i < w->nm; i++)
        if (!strcmp(w->m[i].name, name))
            break;
    if (i == w->nm) {
        cr_assert_lt(w->nm, MAXM);
        w->nm++;
        snprintf(w->m[i].name, sizeof w->m[i].name, "%s", name);
        snprintf(w->m[i].log, sizeof w->m[i].log, "/tmp/kfk-tg-%d-%s.log", (int)getpid(), name);
        unlink(w->m[i].log);
    }
    cr_assert_eq(w->m[i].running, 0, "member %s is running", name);
    char topics[256];
    snprintf(topics, sizeof topics, "%s%s%s", w->topics[0], w->ntopics > 1 ? "," : "",
             w->ntopics > 1 ? w->topics[1] : "");
    char *argv[32];
    int n = 0;
    argv[n++] = KFK_TEST_MEMBER;
    argv[n++] = (char *)bs();
    argv[n++] = w->group;
    argv[n++] = topics;
    argv[n++] = w->m[i].name;
    argv[n++] = w->m[i].log;
    for (size_t k = 0; kv && kv[k] && n < 31; k++)
        argv[n++] = (char *)kv[k];
    argv[n] = NULL;
    char errpath[160];
    snprintf(errpath, sizeof errpath, "%s.err", w->m[i].log);
    w->m[i].pid = ck_spawn(argv, NULL, errpath);
    w->m[i].running = 1;
    w->m[i].killed_at = 0;
    return i;
}

static void stop_member(world_t *w, int i) {
    if (!w->m[i].running)
        return;
    int st = ck_stop(w->m[i].pid, SIGTERM, 30000);
    w->m[i].running = 0;
    char errpath[160];
    snprintf(errpath, sizeof errpath, "%s.err", w->m[i].log);
    char *err = ck_slurp(errpath, NULL);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "member %s exited with status %d:\n%s",
              w->m[i].name, st, err ? err : "");
    free(err);
}

static void kill_member(world_t *w, int i) {
    kill(w->m[i].pid, SIGKILL);
    w->m[i].killed_at = ck_now_ms();
    ck_wait(w->m[i].pid, 10000);
    w->m[i].running = 0;
}

static void stop_all(world_t *w) {
    for (int i = 0; i < w->nm; i++)
        stop_member(w, i);
}

static void cleanup(world_t *w) {
    for (int i = 0; i < w->nm; i++) {
        char errpath[160];
        snprintf(errpath, sizeof errpath, "%s.err", w->m[i].log);
        unlink(w->m[i].log);
        unlink(errpath);
    }
}

/* ---- the members' logs -------------------------------------------------------------------------
 */

typedef struct tp {
    int topic;
    int32_t part;
    int64_t first, last;
    int count;
} tp_t;

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

typedef struct evs {
    ev_t *v;
    size_t n;
} evs_t;

static int topic_index(const world_t *w, const char *name) {
    for (int t = 0; t < w->ntopics; t++)
        if (!strcmp(w->topics[t], name))
            return t;
    return -1;
}

/* Parses "topic:part[:first:last:count]" items into e->tp. */
static void parse_tps(const world_t *w, ev_t *e, char *rest, int full) {
    char *save = NULL;
    for (char *tok = strtok_r(rest, " ", &save); tok && e->ntp < MAXP;
         tok = strtok_r(NULL, " ", &save)) {
        /* Topic names hold no ':'; split from the left. */
        char *c1 = strchr(tok, ':');
        if (!c1)
            continue;
        *c1 = 0;
        tp_t *x = &e->tp[e->ntp];
        memset(x, 0, sizeof *x);
        x->topic = topic_index(w, tok);
        if (x->topic < 0)
            continue;
        if (full) {
            long long first, last;
            if (sscanf(c1 + 1, "%d:%lld:%lld:%d", &x->part, &first, &last, &x->count) != 4)
                continue;
            x->first = first;
            x->last = last;
        } else {
            x->part = atoi(c1 + 1);
        }
        e->ntp++;
    }
}

static int cmp_ev(const void *a, const void *b) {
    double x = ((const ev_t *)a)->t, y = ((const ev_t *)b)->t;
    return x < y ? -1 : x > y;
}

static evs_t read_logs(const world_t *w) {
    size_t cap = 1024;
    evs_t es = {malloc(cap * sizeof(ev_t)), 0};
    for (int i = 0; i < w->nm; i++) {
        char *txt = ck_slurp(w->m[i].log, NULL);
        if (!txt)
            continue;
        char *save = NULL;
        for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (es.n == cap)
                es.v = realloc(es.v, (cap *= 2) * sizeof(ev_t));
            ev_t *e = &es.v[es.n];
            memset(e, 0, sizeof *e);
            char name[32];
            int off = 0;
            if (sscanf(line, "%c %31s %lf %n", &e->type, name, &e->t, &off) < 3)
                continue;
            e->m = i;
            char *rest = line + off;
            switch (e->type) {
            case 'J':
                sscanf(rest, "%d %159s %d %31s", &e->gen, e->mid, &e->leader, e->proto);
                break;
            case 'A':
            case 'R':
            case 'L': {
                int n = 0, k = 0;
                sscanf(rest, "%d %n", &n, &k);
                parse_tps(w, e, rest + k, 0);
                break;
            }
            case 'S': {
                int n = 0, k = 0;
                sscanf(rest, "%u %d %n", &e->batch, &n, &k);
                parse_tps(w, e, rest + k, 1);
                break;
            }
            case 'D':
                sscanf(rest, "%u", &e->batch);
                break;
            case 'W':
                if (strstr(rest, "max.poll.interval.ms"))
                    e->mid[0] = 'P'; /* kfk left the group: its batches are void */
                break;
            default:
                break;
            }
            es.n++;
        }
        free(txt);
    }
    qsort(es.v, es.n, sizeof *es.v, cmp_ev);
    return es;
}

/* Partitions member @p m owns after its events (A adds, R and L remove); what a process owned
 * when it closed (C) still counts, until the member's next process logs something. */
static void owned(const evs_t *es, int m, uint64_t own[MAXT]) {
    memset(own, 0, MAXT * sizeof own[0]);
    int closed = 0;
    for (size_t i = 0; i < es->n; i++) {
        const ev_t *e = &es->v[i];
        if (e->m != m)
            continue;
        if (e->type == 'C') {
            closed = 1;
            continue;
        }
        if (closed) {
            memset(own, 0, MAXT * sizeof own[0]);
            closed = 0;
        }
        for (int k = 0; k < e->ntp; k++) {
            uint64_t bit = 1ull << e->tp[k].part;
            if (e->type == 'A')
                own[e->tp[k].topic] |= bit;
            else if (e->type == 'R' || e->type == 'L')
                own[e->tp[k].topic] &= ~bit;
        }
    }
}

static int count_type(const evs_t *es, int m, char type) {
    int n = 0;
    for (size_t i = 0; i < es->n; i++)
        n += es->v[i].m == m && es->v[i].type == type;
    return n;
}

static const ev_t *last_of(const evs_t *es, int m, char type) {
    const ev_t *e = NULL;
    for (size_t i = 0; i < es->n; i++)
        if (es->v[i].m == m && es->v[i].type == type)
            e = &es->v[i];
    return e;
}

static int popcount64(uint64_t x) {
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

static void own_str(const world_t *w, const uint64_t own[MAXT], char *buf, size_t cap) {
    size_t off = 0;
    buf[0] = 0;
    for (int t = 0; t < w->ntopics; t++)
        for (int p = 0; p < w->nparts[t] && off < cap - 16; p++)
            if (own[t] >> p & 1)
                off += (size_t)snprintf(buf + off, cap - off, "%s%c%d", off ? "," : "", 'a' + t, p);
}

/* True when the members in @p which (bitmask of member slots) each own something and together
 * own every partition exactly once. */
static int settled(const world_t *w, const evs_t *es, unsigned which) {
    uint64_t all[MAXT] = {0};
    for (int m = 0; m < w->nm; m++) {
        if (!(which >> m & 1))
            continue;
        uint64_t own[MAXT];
        owned(es, m, own);
        int any = 0;
        for (int t = 0; t < w->ntopics; t++) {
            if (all[t] & own[t])
                return 0;
            all[t] |= own[t];
            any |= own[t] != 0;
        }
        if (!any)
            return 0;
    }
    for (int t = 0; t < w->ntopics; t++)
        if (all[t] != (w->nparts[t] == 64 ? ~0ull : (1ull << w->nparts[t]) - 1))
            return 0;
    return 1;
}

/* Waits (up to @p max_ms) until the members of @p which have settled (see settled) and stayed
 * so for @p quiet_ms. */
static void wait_settled(const world_t *w, unsigned which, int max_ms, int quiet_ms) {
    double t0 = ck_now_ms(), since = 0;
    for (;;) {
        evs_t es = read_logs(w);
        int ok = settled(w, &es, which);
        free(es.v);
        double now = ck_now_ms();
        if (ok && !since)
            since = now;
        if (!ok)
            since = 0;
        if (ok && now - since >= quiet_ms)
            return;
        cr_assert_lt(now - t0, max_ms, "the group did not settle within %d ms", max_ms);
        usleep(100000);
    }
}

/* Waits until member @p m's log has at least @p n lines of @p type. */
static void wait_count(const world_t *w, int m, char type, int n, int max_ms) {
    double t0 = ck_now_ms();
    for (;;) {
        evs_t es = read_logs(w);
        int got = count_type(&es, m, type);
        free(es.v);
        if (got >= n)
            return;
        if (ck_now_ms() - t0 >= max_ms) {
            for (int i = 0; i < w->nm; i++) {
                char *txt = ck_slurp(w->m[i].log, NULL);
                fprintf(stderr, "---- log of %s:\n%s", w->m[i].name, txt ? txt : "(none)\n");
                free(txt);
            }
        }
        cr_assert_lt(ck_now_ms() - t0, max_ms, "member %s: %d '%c' lines of %d after %d ms",
                     w->m[m].name, got, type, n, max_ms);
        usleep(50000);
    }
}

/* ---- what was processed ------------------------------------------------------------------------
 */

typedef struct check {
    size_t batches, done_batches;
    size_t processed; /* records in done batches */
    size_t missing, dups, overlaps;
    char first_missing[256], first_overlap[512];
    int max_dup_batches_per_part; /* batches holding duplicates, per partition, at most */
    int64_t dup_per_part[MAXT][MAXP];
    unsigned dup_parts_outside[MAXT]; /* partitions with duplicates outside @p allowed */
} check_t;

typedef struct iv {
    int m;
    double s, e;
    int64_t first, last;
    int done;
} iv_t;

/* The time batch [@p s, @p e] of member @p m stops counting as held: its end, or the first cut
 * within it (a SIGKILL or SIGSTOP of the member, or kfk leaving the group because a batch
 * outlived max.poll.interval.ms: the group has given the partitions away by then). */
static double held_until(const world_t *w, const evs_t *es, int m, double s, double e) {
    if (w->m[m].killed_at && w->m[m].killed_at > s && w->m[m].killed_at < e)
        e = w->m[m].killed_at;
    for (int i = 0; i < w->m[m].ncut; i++)
        if (w->m[m].cut[i] > s && w->m[m].cut[i] < e)
            e = w->m[m].cut[i];
    for (size_t i = 0; i < es->n; i++) {
        const ev_t *x = &es->v[i];
        if (x->m == m && x->type == 'W' && x->t > s && x->t < e && x->mid[0] == 'P')
            e = x->t;
    }
    return e;
}

/* Checks the batches of every member: every offset below @p end[t][p] in a done batch, the
 * duplicates (records in two done batches), and that no two members held records of one
 * partition at the same time (see held_until). */
static check_t check_processing(const world_t *w, const evs_t *es, int64_t end[MAXT][MAXP]) {
    check_t c;
    memset(&c, 0, sizeof c);
    for (int t = 0; t < w->ntopics; t++)
        for (int p = 0; p < w->nparts[t]; p++) {
            size_t niv = 0, cap = 1024;
            iv_t *iv = malloc(cap * sizeof *iv);
            for (size_t i = 0; i < es->n; i++) {
                const ev_t *e = &es->v[i];
                if (e->type != 'S')
                    continue;
                for (int k = 0; k < e->ntp; k++) {
                    if (e->tp[k].topic != t || e->tp[k].part != p)
                        continue;
                    if (niv == cap)
                        iv = realloc(iv, (cap *= 2) * sizeof *iv);
                    iv_t *x = &iv[niv++];
                    x->m = e->m;
                    x->s = e->t;
                    x->e = 1e300;
                    x->first = e->tp[k].first;
                    x->last = e->tp[k].last;
                    x->done = 0;
                    cr_assert_eq(e->tp[k].count, e->tp[k].last - e->tp[k].first + 1,
                                 "a batch of %s [%d] has a gap", w->topics[t], p);
                    for (size_t j = i + 1; j < es->n; j++)
                        if (es->v[j].type == 'D' && es->v[j].m == e->m &&
                            es->v[j].batch == e->batch) {
                            x->e = es->v[j].t;
                            x->done = 1;
                            break;
                        }
                    x->e = held_until(w, es, e->m, x->s, x->e);
                }
            }
            int64_t n = end[t][p];
            uint8_t *times = calloc((size_t)n + 1, 1);
            int dup_batches = 0;
            for (size_t a = 0; a < niv; a++) {
                c.batches++;
                if (!iv[a].done)
                    continue;
                c.done_batches++;
                int dup_here = 0;
                for (int64_t o = iv[a].first; o <= iv[a].last; o++) {
                    if (o < n && times[o] < 255)
                        times[o]++;
                    if (o < n && times[o] > 1) {
                        c.dups++;
                        c.dup_per_part[t][p]++;
                        dup_here = 1;
                    }
                    c.processed++;
                }
                dup_batches += dup_here;
                for (size_t b = 0; b < a; b++)
                    if (iv[b].m != iv[a].m && iv[a].s < iv[b].e && iv[b].s < iv[a].e) {
                        if (!c.overlaps++)
                            snprintf(c.first_overlap, sizeof c.first_overlap,
                                     "%s [%d]: %s held %lld-%lld from %.0f to %.0f, %s held "
                                     "%lld-%lld from %.0f to %.0f",
                                     w->topics[t], p, w->m[iv[b].m].name, (long long)iv[b].first,
                                     (long long)iv[b].last, iv[b].s, iv[b].e, w->m[iv[a].m].name,
                                     (long long)iv[a].first, (long long)iv[a].last, iv[a].s,
                                     iv[a].e);
                    }
            }
            if (dup_batches > c.max_dup_batches_per_part)
                c.max_dup_batches_per_part = dup_batches;
            for (int64_t o = 0; o < n; o++)
                if (!times[o] && !c.missing++)
                    snprintf(c.first_missing, sizeof c.first_missing, "%s [%d] offset %lld",
                             w->topics[t], p, (long long)o);
            free(times);
            free(iv);
        }
    return c;
}

/* Waits until the group's committed offsets reach @p end on every partition. */
static void wait_committed(const world_t *w, int64_t end[MAXT][MAXP], int max_ms) {
    double t0 = ck_now_ms();
    for (;;) {
        int all = 1;
        char what[256] = "";
        for (int t = 0; t < w->ntopics && all; t++) {
            int64_t got[MAXP];
            ck_committed(bs(), w->group, w->topics[t], w->nparts[t], got);
            for (int p = 0; p < w->nparts[t] && all; p++)
                if (got[p] != end[t][p]) {
                    all = 0;
                    snprintf(what, sizeof what, "%s [%d] at %lld of %lld", w->topics[t], p,
                             (long long)got[p], (long long)end[t][p]);
                }
        }
        if (all)
            return;
        cr_assert_lt(ck_now_ms() - t0, max_ms, "commits did not reach the end in %d ms: %s", max_ms,
                     what);
        usleep(200000);
    }
}

/* Writes @p per records to every partition of topic @p t and adds them to @p end. */
static void produce_to(const world_t *w, int t, int per, int64_t end[MAXT][MAXP], const char *tag) {
    ck_pos_t *pos =
        ck_produce(bs(), w->topics[t], (size_t)per * (size_t)w->nparts[t], 0, w->nparts[t], 0, tag);
    int64_t e[MAXP];
    ck_end_offsets(pos, (size_t)per * (size_t)w->nparts[t], w->nparts[t], e);
    for (int p = 0; p < w->nparts[t]; p++)
        if (e[p] > end[t][p])
            end[t][p] = e[p];
    free(pos);
}

static const char *const fast_group[] = {"heartbeat.interval.ms=300", "session.timeout.ms=6000",
                                         "max.poll.interval.ms=30000", NULL};

/* fast_group plus the NULL-terminated @p more. */
static const char **args(const char **buf, const char *const *more) {
    int n = 0;
    for (int i = 0; fast_group[i]; i++)
        buf[n++] = fast_group[i];
    for (int i = 0; more && more[i]; i++)
        buf[n++] = more[i];
    buf[n] = NULL;
    return buf;
}

/* ==== 1 -> 3 -> 2 members =================================================================== */

Test(group, one_then_three_then_two_members_process_every_record_once, .timeout = 150) {
    world_t w;
    world_init(&w, "132");
    add_topic(&w, "g132", 12);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, 2000, end, "r");
    const char *a[16];
    const char *const more[] = {"batch.size=20", "hold.ms=100", NULL};
    args(a, more);
    double t0 = ck_now_ms();
    int m1 = start_member(&w, "m1", a);
    wait_count(&w, m1, 'D', 10, 20000);
    usleep(1500000);
    int m2 = start_member(&w, "m2", a);
    int m3 = start_member(&w, "m3", a);
    wait_settled(&w, 1u << m1 | 1u << m2 | 1u << m3, 30000, 0);
    double three_at = ck_now_ms();
    usleep(2500000);
    stop_member(&w, m2);
    wait_settled(&w, 1u << m1 | 1u << m3, 30000, 0);
    double two_at = ck_now_ms();
    wait_committed(&w, end, 90000);
    double done_at = ck_now_ms();
    stop_all(&w);

    evs_t es = read_logs(&w);
    check_t c = check_processing(&w, &es, end);
    int64_t total = 0;
    for (int p = 0; p < 12; p++)
        total += end[0][p];
    size_t by[3] = {0};
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].type == 'S')
            by[es.v[i].m]++;
    fprintf(stderr,
            "1->3->2: %lld records, %zu batches (m1 %zu, m2 %zu, m3 %zu); 3 members settled at "
            "%.1f s, 2 at %.1f s, all committed at %.1f s; %zu duplicates, %zu overlaps; m1 "
            "joined %d generations\n",
            (long long)total, c.batches, by[0], by[1], by[2], (three_at - t0) / 1e3,
            (two_at - t0) / 1e3, (done_at - t0) / 1e3, c.dups, c.overlaps,
            count_type(&es, m1, 'J'));
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_eq(c.dups, 0, "%zu records processed twice without a crash", c.dups);
    cr_assert(by[0] && by[1] && by[2], "a member processed nothing");
    cr_assert_geq(count_type(&es, m1, 'J'), 3, "m1 joined %d generations",
                  count_type(&es, m1, 'J'));
    for (int m = 0; m < 3; m++) {
        const ev_t *j = last_of(&es, m, 'J');
        cr_assert_not_null(j);
        cr_assert_str_eq(j->proto, "range", "the group chose %s", j->proto);
        cr_assert_eq(count_type(&es, m, 'L'), 0, "member %s lost partitions", w.m[m].name);
    }
    /* Kafka's own tool: the group's committed offsets are the ends. */
    int64_t cgc[12];
    cr_assert_eq(ck_cgc_describe(bs(), w.group, w.topics[0], 12, cgc), 12);
    for (int p = 0; p < 12; p++)
        cr_assert_eq(cgc[p], end[0][p], "ConsumerGroupCommand: partition %d at %lld of %lld", p,
                     (long long)cgc[p], (long long)end[0][p]);
    free(es.v);
    cleanup(&w);
}

/* ==== SIGKILL mid-batch
 * ============================================================================ */

Test(group, a_member_killed_mid_batch_loses_nothing_and_repeats_at_most_one_batch, .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    world_init(&w, "kill");
    add_topic(&w, "gkill", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, 300, end, "k");
    const char *a[16];
    const char *const more[] = {"batch.size=10", "hold.ms=300", NULL};
    args(a, more);
    int m1 = start_member(&w, "m1", a);
    int m2 = start_member(&w, "m2", a);
    wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    /* Kill m1 100 ms into a batch (batches are held 300 ms). */
    evs_t es = read_logs(&w);
    int starts = count_type(&es, m1, 'S');
    uint64_t victim_own[MAXT];
    owned(&es, m1, victim_own);
    free(es.v);
    wait_count(&w, m1, 'S', starts + 1, 10000);
    usleep(100000);
    kill_member(&w, m1);
    double killed = ck_now_ms();
    wait_committed(&w, end, 90000);
    double done_at = ck_now_ms();
    stop_all(&w);

    es = read_logs(&w);
    check_t c = check_processing(&w, &es, end);
    const ev_t *last_s = last_of(&es, m1, 'S');
    double takeover = 0;
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].m == m2 && es.v[i].type == 'A' && es.v[i].t > killed) {
            takeover = es.v[i].t - killed;
            break;
        }
    char vs[256];
    own_str(&w, victim_own, vs, sizeof vs);
    fprintf(stderr,
            "SIGKILL: m1 (partitions %s) killed 100 ms into batch %u; m2 took over after %.1f s; "
            "all committed %.1f s after the kill; %zu duplicate records, at most %d batch(es) "
            "per partition\n",
            vs, last_s ? last_s->batch : 0, takeover / 1e3, (done_at - killed) / 1e3, c.dups,
            c.max_dup_batches_per_part);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_gt(takeover, 0, "m2 never got m1's partitions");
    for (int p = 0; p < PARTS; p++) {
        cr_assert_leq(c.dup_per_part[0][p], BATCH, "partition %d: %lld duplicates", p,
                      (long long)c.dup_per_part[0][p]);
        if (c.dup_per_part[0][p])
            cr_assert(victim_own[0] >> p & 1,
                      "partition %d (not the killed member's) has duplicates", p);
    }
    cr_assert_leq(c.max_dup_batches_per_part, 1);
    free(es.v);
    cleanup(&w);
}

/* ==== a group shared with kcat -G (librdkafka)
 * ========================================================= */

Test(group, a_group_shared_with_kcat_splits_partitions_by_range, .timeout = 120) {
    enum { PARTS = 12, PER = 100 };
    world_t w;
    world_init(&w, "kcat");
    add_topic(&w, "gkcat", PARTS);
    const char *a[16];
    const char *const more[] = {"batch.size=50", NULL};
    args(a, more);
    int m1 = start_member(&w, "m1", a);
    wait_count(&w, m1, 'A', 1, 20000);
    char kout[128], kerr[128];
    snprintf(kout, sizeof kout, "/tmp/kfk-tg-%d-kcat.out", (int)getpid());
    snprintf(kerr, sizeof kerr, "/tmp/kfk-tg-%d-kcat.err", (int)getpid());
    unlink(kout);
    unlink(kerr);
    char *kargv[] = {"kcat",      "-u",
                     "-b",        (char *)bs(),
                     "-G",        w.group,
                     "-o",        "beginning",
                     "-f",        "%t %p %o %s\\n",
                     "-X",        "session.timeout.ms=6000",
                     "-X",        "heartbeat.interval.ms=300",
                     w.topics[0], NULL};
    pid_t kcat = ck_spawn(kargv, kout, kerr);
    /* Settled: m1 owns half, and kcat says it was assigned the other half. */
    double t0 = ck_now_ms();
    for (;;) {
        evs_t es = read_logs(&w);
        uint64_t own[MAXT];
        owned(&es, m1, own);
        free(es.v);
        char *ke = ck_slurp(kerr, NULL);
        int kcat_assigned = ke && strstr(ke, "assigned:") != NULL;
        free(ke);
        if (popcount64(own[0]) == PARTS / 2 && kcat_assigned)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "kfk and kcat did not share the partitions");
        usleep(100000);
    }
    usleep(500000);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, PER, end, "x");
    /* Wait until kfk and kcat together saw every record. */
    t0 = ck_now_ms();
    size_t kcat_lines = 0, kfk_records = 0;
    for (;;) {
        char *ko = ck_slurp(kout, NULL);
        kcat_lines = 0;
        for (char *q = ko; q && *q; q++)
            kcat_lines += *q == '\n';
        free(ko);
        evs_t es = read_logs(&w);
        kfk_records = 0;
        for (size_t i = 0; i < es.n; i++)
            if (es.v[i].type == 'S')
                for (int k = 0; k < es.v[i].ntp; k++)
                    kfk_records += (size_t)es.v[i].tp[k].count;
        free(es.v);
        if (kcat_lines + kfk_records >= PARTS * PER)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "kcat %zu + kfk %zu records of %d", kcat_lines,
                     kfk_records, PARTS * PER);
        usleep(100000);
    }
    usleep(500000);
    stop_all(&w);
    ck_stop(kcat, SIGTERM, 15000);

    evs_t es = read_logs(&w);
    uint64_t own[MAXT];
    owned(&es, m1, own);
    const ev_t *j = last_of(&es, m1, 'J');
    cr_assert_not_null(j);
    cr_assert_str_eq(j->proto, "range", "kfk and librdkafka agreed on %s", j->proto);
    /* Range over 12 partitions and 2 members: one has 0-5, the other 6-11. */
    cr_assert(own[0] == 0x03full || own[0] == 0xfc0ull, "kfk owns %#llx",
              (unsigned long long)own[0]);
    int seen[PARTS * PER] = {0};
    int kfk_n = 0, kcat_n = 0;
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].type == 'S')
            for (int k = 0; k < es.v[i].ntp; k++) {
                cr_assert(own[0] >> es.v[i].tp[k].part & 1, "kfk got partition %d",
                          es.v[i].tp[k].part);
                for (int64_t o = es.v[i].tp[k].first; o <= es.v[i].tp[k].last; o++) {
                    int idx = es.v[i].tp[k].part * PER + (int)o;
                    cr_assert(o < PER);
                    seen[idx]++;
                    kfk_n++;
                }
            }
    char *ko = ck_slurp(kout, NULL);
    char *save = NULL;
    for (char *line = strtok_r(ko, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char t[128];
        int p;
        long long o;
        cr_assert_eq(sscanf(line, "%127s %d %lld", t, &p, &o), 3, "kcat line: %s", line);
        cr_assert_str_eq(t, w.topics[0]);
        cr_assert(!(own[0] >> p & 1), "kcat got partition %d, which kfk owns", p);
        cr_assert(p >= 0 && p < PARTS && o >= 0 && o < PER);
        seen[p * PER + o]++;
        kcat_n++;
    }
    free(ko);
    for (int i = 0; i < PARTS * PER; i++)
        cr_assert_eq(seen[i], 1, "partition %d offset %d was read %d times", i / PER, i % PER,
                     seen[i]);
    fprintf(stderr, "kcat -G and kfk share a group on range: kfk %d records, kcat %d\n", kfk_n,
            kcat_n);
    free(es.v);
    unlink(kout);
    unlink(kerr);
    cleanup(&w);
}

/* ==== a group shared with Apache Kafka's Java consumer (GroupPeer.java)
 * ================================ */

enum { JP_PARTS = 6, JP_HALF = 1500, JP_N = 2 * JP_HALF, JP_SECONDS = 20 };
#define JP_ALL ((1ull << JP_PARTS) - 1)

/* The kfk member's side: its partitions as its rebalance callback reports them. */
typedef struct jk {
    uint64_t own;
    int assigned, revoked, lost;
    size_t outside; /* records delivered for a partition it did not own */
    char first_outside[96];
} jk_t;

static void jk_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    jk_t *j = opaque;
    for (size_t i = 0; i < n; i++) {
        uint64_t bit = 1ull << parts[i].partition;
        if (ev == KFK_REBALANCE_ASSIGNED)
            j->own |= bit;
        else
            j->own &= ~bit;
    }
    j->assigned += ev == KFK_REBALANCE_ASSIGNED;
    j->revoked += ev == KFK_REBALANCE_REVOKED;
    j->lost += ev == KFK_REBALANCE_LOST;
}

static int jk_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)b;
    jk_t *j = k->user;
    for (size_t i = k->b[no].first; i < k->b[no].first + k->b[no].n; i++)
        if (!(j->own >> k->msgs[i].partition & 1) && !j->outside++)
            snprintf(j->first_outside, sizeof j->first_outside, "partition %d offset %lld",
                     k->msgs[i].partition, (long long)k->msgs[i].offset);
    return 0;
}

/* The Java member's side, from GroupPeer's stdout. */
typedef struct jv {
    uint64_t own;           /* after the last line */
    ck_pos_t *rec;          /* its records, in order */
    size_t nrec, n_outside; /* records of partitions it did not own at the time */
    int revokes, commit_failed, closed;
    char first_outside[96];
} jv_t;

static jv_t jv_read(const char *path) {
    jv_t v = {0};
    char *txt = ck_slurp(path, NULL);
    size_t cap = 0;
    char *save = NULL;
    for (char *line = txt ? strtok_r(txt, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        int p;
        long long o;
        if (sscanf(line, "record %d %lld", &p, &o) == 2) {
            cr_assert(p >= 0 && p < JP_PARTS, "GroupPeer: %s", line);
            if (!(v.own >> p & 1) && !v.n_outside++)
                snprintf(v.first_outside, sizeof v.first_outside, "partition %d offset %lld", p, o);
            if (v.nrec == cap)
                v.rec = realloc(v.rec, (cap = cap ? 2 * cap : 1024) * sizeof *v.rec);
            v.rec[v.nrec++] = (ck_pos_t){p, o};
        } else if (sscanf(line, "assigned %d", &p) == 1) {
            v.own |= 1ull << p;
        } else if (sscanf(line, "revoked %d", &p) == 1) {
            v.own &= ~(1ull << p);
            v.revokes++;
        } else if (!strncmp(line, "commitfailed", 12)) {
            v.commit_failed++;
        } else if (!strcmp(line, "closed")) {
            v.closed = 1;
        }
    }
    free(txt);
    return v;
}

/* Record index (0 .. JP_N-1) of partition @p p offset @p o: idx[p][o], -1 if none. Record x is
 * in partition x % JP_PARTS (ck_produce deals them in turn; JP_HALF is a multiple of JP_PARTS). */
static int jp_index(int32_t idx[JP_PARTS][JP_N], int32_t p, int64_t o) {
    return p >= 0 && p < JP_PARTS && o >= 0 && o < JP_N ? idx[p][o] : -1;
}

/*
 * kfk and Java's KafkaConsumer (classic protocol, range) in one group, handing partitions to
 * each other both ways through committed offsets:
 *  1. Java alone: it gets all 6 partitions and processes the first half of the records, which
 *     it commits (the test waits for the commits at the broker).
 *  2. kfk joins: range gives each member a block of 3; kfk starts its partitions at Java's
 *     commits (so none of the first half again). The second half is written and split.
 *  3. kfk closes (committing and leaving): Java gets all 6 back and starts at kfk's commits (so
 *     none of kfk's records again), until its time is up.
 * Checks: every record processed exactly once in all; in phase 2 the members own disjoint
 * blocks 0-2 / 3-5 covering the topic, and each processes the second-half records of its block
 * only; neither ever delivers a record of a partition it does not own at the time.
 */
Test(group, a_group_shared_with_a_java_consumer_splits_partitions_and_processes_every_record_once,
     .timeout = 150) {
    const char *libs_dir = kt_env("KAFKA_LIBS");
    if (!libs_dir || ck_sh("command -v java >/dev/null 2>&1") != 0) {
        const char *req = getenv("KFK_REQUIRE_BROKER");
        if (req && req[0] == '1')
            cr_assert_fail("java or KFK_KAFKA_LIBS missing (Kafka's Java consumer is needed)");
        cr_skip_test("java or KFK_KAFKA_LIBS missing: no Java consumer to share the group with");
    }
    world_t w;
    world_init(&w, "java");
    add_topic(&w, "gjava", JP_PARTS);
    const char *topic = w.topics[0];
    static int32_t idx[JP_PARTS][JP_N];
    memset(idx, 0xff, sizeof idx);
    int64_t end[JP_PARTS] = {0};
    ck_pos_t *pos1 = ck_produce(bs(), topic, JP_HALF, 0, JP_PARTS, 0, "j1");
    for (int i = 0; i < JP_HALF; i++) {
        cr_assert(pos1[i].partition >= 0 && pos1[i].offset >= 0 && pos1[i].offset < JP_N);
        idx[pos1[i].partition][pos1[i].offset] = i;
    }
    ck_end_offsets(pos1, JP_HALF, JP_PARTS, end);
    free(pos1);

    char jout[128], jerr[128], libs[1024], secs[16];
    snprintf(jout, sizeof jout, "/tmp/kfk-tg-%d-java.out", (int)getpid());
    snprintf(jerr, sizeof jerr, "/tmp/kfk-tg-%d-java.err", (int)getpid());
    unlink(jout);
    unlink(jerr);
    snprintf(libs, sizeof libs, "%s/*", libs_dir);
    snprintf(secs, sizeof secs, "%d", JP_SECONDS);
    char *jargv[] = {
        "java",       "-cp",   libs,        KFK_SOURCE_DIR "/tests/integration/GroupPeer.java",
        (char *)bs(), w.group, w.topics[0], secs,
        NULL};
    double t0 = ck_now_ms();
    pid_t java = ck_spawn(jargv, jout, jerr);

    /* 1. Java alone takes every partition and processes (and commits) the first half. */
    for (;;) {
        jv_t v = jv_read(jout);
        size_t n = v.nrec;
        uint64_t own = v.own;
        free(v.rec);
        int64_t committed[JP_PARTS];
        int done = own == JP_ALL && n >= JP_HALF &&
                   ck_committed(bs(), w.group, topic, JP_PARTS, committed) == 0 &&
                   !memcmp(committed, end, sizeof end);
        if (done)
            break;
        if (ck_now_ms() - t0 >= 60000) {
            char *je = ck_slurp(jerr, NULL);
            cr_assert_fail("Java: partitions %#llx, %zu records of %d, not all committed:\n%s",
                           (unsigned long long)own, n, JP_HALF, je ? je : "");
        }
        usleep(100000);
    }
    double java_alone = ck_now_ms() - t0;

    /* 2. kfk joins; once the group settled on two blocks, the second half is written. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    jk_t jk = {0};
    ck_cons_t k = {.hook = jk_hook, .user = &jk};
    ck_cons_init(&k, &loop,
                 ck_conf(bs(), (const char *[]){
                                   "group.id", w.group, "partition.assignment.strategy", "range",
                                   "auto.offset.reset", "earliest", "heartbeat.interval.ms", "500",
                                   "session.timeout.ms", "10000", "batch.timeout.ms", "50",
                                   "fetch.max.wait.ms", "200", NULL}));
    kfk_consumer_set_rebalance_cb(k.c, jk_rebalance, &jk);
    cr_assert_eq(kfk_consumer_subscribe(k.c, &topic, 1), 0);
    ck_cons_start(&k);
    double t1 = ck_now_ms();
    for (;;) {
        jv_t v = jv_read(jout);
        uint64_t jown = v.own;
        free(v.rec);
        if (jk.own && jown && !(jk.own & jown) && (jk.own | jown) == JP_ALL)
            break;
        cr_assert_lt(ck_now_ms() - t1, 60000, "kfk %#llx and Java %#llx did not share the group",
                     (unsigned long long)jk.own, (unsigned long long)jown);
        ck_run_for(&loop, 100);
    }
    double settled_after = ck_now_ms() - t1;
    ck_pos_t *pos2 = ck_produce(bs(), topic, JP_HALF, 0, JP_PARTS, 0, "j2");
    for (int i = 0; i < JP_HALF; i++) {
        cr_assert(pos2[i].partition >= 0 && pos2[i].offset >= 0 && pos2[i].offset < JP_N);
        idx[pos2[i].partition][pos2[i].offset] = JP_HALF + i;
    }
    free(pos2);
    /* Until kfk and Java together processed every record. */
    static int seen[JP_N];
    double t2 = ck_now_ms();
    uint64_t kfk_block = 0, java_block = 0;
    for (;;) {
        memset(seen, 0, sizeof seen);
        jv_t v = jv_read(jout);
        for (size_t i = 0; i < v.nrec; i++) {
            int x = jp_index(idx, v.rec[i].partition, v.rec[i].offset);
            if (x >= 0)
                seen[x] = 1;
        }
        for (size_t i = 0; i < k.n; i++) {
            int x = jp_index(idx, k.msgs[i].partition, k.msgs[i].offset);
            if (x >= 0)
                seen[x] = 1;
        }
        size_t covered = 0;
        for (int i = 0; i < JP_N; i++)
            covered += (size_t)seen[i];
        java_block = v.own;
        free(v.rec);
        kfk_block = jk.own;
        if (covered == JP_N)
            break;
        cr_assert_lt(ck_now_ms() - t2, 60000, "kfk %zu and Java records cover %zu of %d", k.n,
                     covered, JP_N);
        ck_run_for(&loop, 100);
    }
    double shared_took = ck_now_ms() - t2;
    ck_run_for(&loop, 500);
    int kfk_revoked_before_close = jk.revoked;

    /* 3. kfk leaves; Java takes its partitions back from kfk's commits. */
    ck_cons_close(&k, 10000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    double t3 = ck_now_ms();
    for (;;) {
        jv_t v = jv_read(jout);
        int back = v.own == JP_ALL, closed = v.closed;
        free(v.rec);
        cr_assert(!closed, "Java's time (%d s) ran out before it took kfk's partitions back",
                  JP_SECONDS);
        if (back)
            break;
        cr_assert_lt(ck_now_ms() - t3, 30000, "Java did not take kfk's partitions back");
        usleep(100000);
    }
    double java_back = ck_now_ms() - t3;
    int st = ck_wait(java, (JP_SECONDS + 30) * 1000);
    char *je = ck_slurp(jerr, NULL);
    cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "GroupPeer failed (%d):\n%s", st,
              je ? je : "");
    free(je);

    /* Who processed what. */
    jv_t v = jv_read(jout);
    int by_kfk[JP_N] = {0}, by_java[JP_N] = {0};
    for (size_t i = 0; i < v.nrec; i++) {
        int x = jp_index(idx, v.rec[i].partition, v.rec[i].offset);
        cr_assert_geq(x, 0, "Java got partition %d offset %lld, which was never written",
                      v.rec[i].partition, (long long)v.rec[i].offset);
        by_java[x]++;
    }
    size_t kfk_outside_block = 0;
    for (size_t i = 0; i < k.n; i++) {
        int x = jp_index(idx, k.msgs[i].partition, k.msgs[i].offset);
        cr_assert_geq(x, 0, "kfk got partition %d offset %lld, which was never written",
                      k.msgs[i].partition, (long long)k.msgs[i].offset);
        cr_assert_eq(k.msgs[i].idx, x < JP_HALF ? x : x - JP_HALF, "kfk: value of record %d", x);
        by_kfk[x]++;
        kfk_outside_block += !(kfk_block >> k.msgs[i].partition & 1);
    }
    int java_n = 0, kfk_n = 0, kfk_phase1 = 0, both = 0, missing = 0, java_2nd_outside = 0,
        first_bad = -1;
    for (int i = 0; i < JP_N; i++) {
        java_n += by_java[i];
        kfk_n += by_kfk[i];
        kfk_phase1 += i < JP_HALF && by_kfk[i];
        both += by_java[i] && by_kfk[i];
        missing += !by_java[i] && !by_kfk[i];
        if (by_java[i] + by_kfk[i] != 1 && first_bad < 0)
            first_bad = i;
        /* Second-half records of kfk's block are kfk's (Java takes them back only after kfk
         * committed them). */
        java_2nd_outside += i >= JP_HALF && by_java[i] && (kfk_block >> (i % JP_PARTS) & 1);
    }
    fprintf(stderr,
            "Java's KafkaConsumer and kfk share a group on range: Java alone had everything after "
            "%.1f s; kfk joined and the group settled in %.1f s (kfk %#llx, Java %#llx); the "
            "second half took %.1f s; after kfk left Java had everything back in %.1f s; records "
            "kfk %d, Java %d (%d by both, %d by neither), Java revokes %d, commit failures %d\n",
            java_alone / 1e3, settled_after / 1e3, (unsigned long long)kfk_block,
            (unsigned long long)java_block, shared_took / 1e3, java_back / 1e3, kfk_n, java_n, both,
            missing, v.revokes, v.commit_failed);
    /* The split: two range blocks, disjoint and covering the topic. */
    cr_assert(kfk_block == 0x07 || kfk_block == 0x38, "kfk owned %#llx, not a range block",
              (unsigned long long)kfk_block);
    cr_assert_eq(java_block, JP_ALL & ~kfk_block, "Java owned %#llx beside kfk's %#llx",
                 (unsigned long long)java_block, (unsigned long long)kfk_block);
    cr_assert_eq(kfk_revoked_before_close, 0, "kfk revoked partitions while both were members");
    cr_assert_eq(jk.lost, 0, "kfk lost its partitions");
    cr_assert_eq(v.commit_failed, 0, "Java's commitSync failed %d times", v.commit_failed);
    /* Neither consumed a partition it did not own (both at once on one partition). */
    cr_assert_eq(jk.outside, 0, "kfk got %zu records of partitions it did not own, first %s",
                 jk.outside, jk.first_outside);
    cr_assert_eq(v.n_outside, 0, "Java got %zu records of partitions it did not own, first %s",
                 v.n_outside, v.first_outside);
    cr_assert_eq(kfk_outside_block, 0, "kfk got %zu records outside its block", kfk_outside_block);
    /* Handoffs through committed offsets: Java -> kfk (phase 1) and kfk -> Java (kfk's close). */
    cr_assert_eq(kfk_phase1, 0, "kfk re-processed %d records Java had committed", kfk_phase1);
    cr_assert_eq(java_2nd_outside, 0,
                 "Java processed %d second-half records of kfk's block (kfk's commits lost?)",
                 java_2nd_outside);
    cr_assert_gt(kfk_n, 0, "kfk processed nothing");
    cr_assert_eq(missing, 0, "%d records processed by neither member", missing);
    cr_assert_eq(both, 0, "%d records processed by both members", both);
    cr_assert_lt(first_bad, 0, "record %d (partition %d) processed %d times by Java, %d by kfk",
                 first_bad, first_bad % JP_PARTS, first_bad >= 0 ? by_java[first_bad] : 0,
                 first_bad >= 0 ? by_kfk[first_bad] : 0);
    cr_assert_eq(kfk_n + java_n, JP_N);
    free(v.rec);
    ck_cons_free(&k);
    unlink(jout);
    unlink(jerr);
    cleanup(&w);
}

/* ==== static membership
 * ============================================================================== */

Test(group, a_static_member_that_comes_back_gets_its_partitions_without_a_rebalance,
     .timeout = 120) {
    enum { PARTS = 12 };
    world_t w;
    world_init(&w, "static");
    add_topic(&w, "gstatic", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, 50, end, "s1");
    const char *a1[16], *a2[16];
    const char *const more1[] = {"group.instance.id=i1", "session.timeout.ms=15000", NULL};
    const char *const more2[] = {"group.instance.id=i2", "session.timeout.ms=15000", NULL};
    args(a1, more1);
    args(a2, more2);
    int m1 = start_member(&w, "m1", a1);
    wait_count(&w, m1, 'A', 1, 20000);
    int m2 = start_member(&w, "m2", a2);
    wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    evs_t es = read_logs(&w);
    const ev_t *j1 = last_of(&es, m1, 'J'), *j2 = last_of(&es, m2, 'J');
    cr_assert(j1 && j2);
    cr_assert_eq(j1->gen, j2->gen);
    /* The follower goes and comes back (a static leader that rejoins makes JoinGroup < v9
     * trigger a rebalance, KIP-814; kfk speaks JoinGroup v7). */
    int follower = j1->leader ? m2 : m1, leader = j1->leader ? m1 : m2;
    cr_assert(j1->leader != j2->leader, "one leader expected");
    int gen = j1->gen;
    uint64_t before[MAXT], leader_before[MAXT];
    owned(&es, follower, before);
    owned(&es, leader, leader_before);
    int leader_events = count_type(&es, leader, 'J') + count_type(&es, leader, 'A') +
                        count_type(&es, leader, 'R') + count_type(&es, leader, 'L');
    free(es.v);
    double t_stop = ck_now_ms();
    stop_member(&w, follower);
    usleep(1000000);
    int assigned_before = 0;
    es = read_logs(&w);
    assigned_before = count_type(&es, follower, 'A');
    free(es.v);
    start_member(&w, w.m[follower].name, follower == m1 ? a1 : a2);
    wait_count(&w, follower, 'A', assigned_before + 1, 20000);
    double back = ck_now_ms() - t_stop;
    produce_to(&w, 0, 50, end, "s2");
    wait_committed(&w, end, 60000);
    stop_all(&w);

    es = read_logs(&w);
    uint64_t after[MAXT], leader_after[MAXT];
    owned(&es, follower, after);
    owned(&es, leader, leader_after);
    const ev_t *jf = last_of(&es, follower, 'J');
    int leader_events_after = count_type(&es, leader, 'J') + count_type(&es, leader, 'A') +
                              count_type(&es, leader, 'R') + count_type(&es, leader, 'L');
    check_t c = check_processing(&w, &es, end);
    char sb[256], sa[256];
    own_str(&w, before, sb, sizeof sb);
    own_str(&w, after, sa, sizeof sa);
    fprintf(stderr,
            "static membership: %s (%s) closed and came back in %.1f s with %s, generation %d -> "
            "%d; the leader saw %d new group events\n",
            w.m[follower].name, sb, back / 1e3, sa, gen, jf ? jf->gen : -1,
            leader_events_after - leader_events);
    cr_assert_eq(after[0], before[0], "the static member came back with other partitions");
    cr_assert_not_null(jf);
    cr_assert_eq(jf->gen, gen, "a new generation: the group rebalanced");
    cr_assert_eq(leader_events_after, leader_events,
                 "the other member saw a rebalance (join, assign, revoke or lose)");
    cr_assert_eq(leader_after[0], leader_before[0]);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.dups, 0, "%zu duplicates", c.dups);
    free(es.v);
    cleanup(&w);
}

/* ==== the assignors
 * ================================================================================= */

static void assignor_case(const char *strategy, const uint64_t want[3][MAXT]) {
    world_t w;
    world_init(&w, strategy);
    /* Topic names sort as their indexes: "...-asga-..." < "...-asgb-...". */
    add_topic(&w, "asga", 12);
    add_topic(&w, "asgb", 5);
    char strat[64];
    snprintf(strat, sizeof strat, "partition.assignment.strategy=%s", strategy);
    const char *a[16];
    const char *const more[] = {strat, NULL};
    args(a, more);
    int m[3];
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%d", i + 1);
        m[i] = start_member(&w, name, a);
    }
    wait_settled(&w, 7, 30000, 1000);
    evs_t es = read_logs(&w); /* before the members leave (which moves partitions again) */
    stop_all(&w);
    for (int i = 0; i < 3; i++) {
        uint64_t own[MAXT];
        owned(&es, m[i], own);
        const ev_t *j = last_of(&es, m[i], 'J');
        cr_assert_not_null(j);
        cr_assert_str_eq(j->proto, strategy);
        char got[256], exp[256];
        own_str(&w, own, got, sizeof got);
        own_str(&w, want[i], exp, sizeof exp);
        fprintf(stderr, "%s: m%d owns %s\n", strategy, i + 1, got);
        cr_assert(own[0] == want[i][0] && own[1] == want[i][1], "%s: m%d owns %s, want %s",
                  strategy, i + 1, got, exp);
    }
    free(es.v);
    cleanup(&w);
}

Test(group, range_gives_each_member_a_contiguous_block_per_topic, .timeout = 60) {
    /* Members sort m1 < m2 < m3 (member ids start with client.id). a: 12 / 3; b: 5 = 2 + 2 + 1. */
    const uint64_t want[3][MAXT] = {{0x00f, 0x03}, {0x0f0, 0x0c}, {0xf00, 0x10}};
    assignor_case("range", want);
}

Test(group, roundrobin_deals_every_partition_in_turn, .timeout = 60) {
    /* a0..a11, b0..b4 dealt to m1, m2, m3 in turn. */
    const uint64_t want[3][MAXT] = {{0x249, 0x09}, {0x492, 0x12}, {0x924, 0x04}};
    assignor_case("roundrobin", want);
}

Test(group, cooperative_sticky_revokes_only_the_partitions_that_move, .timeout = 120) {
    enum { PARTS = 12 };
    world_t w;
    world_init(&w, "coop");
    add_topic(&w, "gcoop", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, 200, end, "c");
    const char *a[16];
    const char *const more[] = {"partition.assignment.strategy=cooperative-sticky", "batch.size=10",
                                "hold.ms=50", NULL};
    args(a, more);
    int m1 = start_member(&w, "m1", a);
    int m2 = start_member(&w, "m2", a);
    wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    evs_t es = read_logs(&w);
    uint64_t own1[MAXT], own2[MAXT];
    owned(&es, m1, own1);
    owned(&es, m2, own2);
    size_t ev_before = es.n;
    double t_join = ck_now_ms();
    free(es.v);
    int m3 = start_member(&w, "m3", a);
    wait_settled(&w, 1u << m1 | 1u << m2 | 1u << m3, 30000, 1000);
    wait_committed(&w, end, 60000);
    es = read_logs(&w); /* before the members leave (which moves partitions again) */
    stop_all(&w);
    evs_t es_all = read_logs(&w);

    uint64_t fin1[MAXT], fin2[MAXT], fin3[MAXT];
    owned(&es, m1, fin1);
    owned(&es, m2, fin2);
    owned(&es, m3, fin3);
    /* What m1 and m2 revoked after m3 came: exactly what m3 got from each. */
    uint64_t rev1 = 0, rev2 = 0;
    int lost = 0;
    for (size_t i = 0; i < es.n; i++) {
        const ev_t *e = &es.v[i];
        if (e->t < t_join || e->type == 'C')
            continue;
        lost += e->type == 'L';
        for (int k = 0; k < e->ntp && e->type == 'R'; k++) {
            if (e->m == m1)
                rev1 |= 1ull << e->tp[k].part;
            if (e->m == m2)
                rev2 |= 1ull << e->tp[k].part;
        }
    }
    check_t c = check_processing(&w, &es_all, end);
    free(es_all.v);
    char s1[128], s2[128], s3[128], sr1[128], sr2[128];
    own_str(&w, fin1, s1, sizeof s1);
    own_str(&w, fin2, s2, sizeof s2);
    own_str(&w, fin3, s3, sizeof s3);
    own_str(&w, (uint64_t[MAXT]){rev1, 0}, sr1, sizeof sr1);
    own_str(&w, (uint64_t[MAXT]){rev2, 0}, sr2, sizeof sr2);
    fprintf(stderr,
            "cooperative-sticky: after m3 joined m1 owns %s (revoked %s), m2 %s (revoked %s), m3 "
            "%s; %zu events before; %zu duplicates, %zu overlaps\n",
            s1, sr1, s2, sr2, s3, ev_before, c.dups, c.overlaps);
    cr_assert_eq(lost, 0, "partitions lost in a cooperative rebalance");
    cr_assert_eq(popcount64(fin1[0]), 4);
    cr_assert_eq(popcount64(fin2[0]), 4);
    cr_assert_eq(popcount64(fin3[0]), 4);
    cr_assert_eq(fin1[0] & ~own1[0], 0, "m1 got partitions it did not have (sticky)");
    cr_assert_eq(fin2[0] & ~own2[0], 0, "m2 got partitions it did not have (sticky)");
    cr_assert_eq(rev1, own1[0] & ~fin1[0], "m1 revoked %s, but moved only %#llx", sr1,
                 (unsigned long long)(own1[0] & ~fin1[0]));
    cr_assert_eq(rev2, own2[0] & ~fin2[0], "m2 revoked %s, but moved only %#llx", sr2,
                 (unsigned long long)(own2[0] & ~fin2[0]));
    cr_assert_eq(fin3[0], rev1 | rev2);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_eq(c.dups, 0, "%zu duplicates", c.dups);
    free(es.v);
    cleanup(&w);
}

/* ==== a member frozen (SIGSTOP) past session.timeout.ms
 * =========================================== */

Test(group, a_member_frozen_past_its_session_is_fenced_and_its_late_commits_do_not_count,
     .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    world_init(&w, "stop");
    add_topic(&w, "gstop", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    produce_to(&w, 0, 300, end, "z");
    const char *a1[16], *a2[16];
    /* m1's heartbeat is slower than its hold: after SIGCONT its batch is done (and committed)
     * before it notices the lost session. */
    const char *const more1[] = {"batch.size=10", "hold.ms=300", "heartbeat.interval.ms=1000",
                                 NULL};
    const char *const more2[] = {"batch.size=10", "hold.ms=300", NULL};
    args(a1, more1);
    args(a2, more2);
    int m1 = start_member(&w, "m1", a1);
    int m2 = start_member(&w, "m2", a2);
    wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    evs_t es = read_logs(&w);
    int starts = count_type(&es, m1, 'S');
    uint64_t frozen_own[MAXT];
    owned(&es, m1, frozen_own);
    free(es.v);
    wait_count(&w, m1, 'S', starts + 1, 10000);
    usleep(50000);
    kill(w.m[m1].pid, SIGSTOP);
    w.m[m1].cut[w.m[m1].ncut++] = ck_now_ms();
    /* m2 takes everything once m1's session expires. */
    double t0 = ck_now_ms();
    for (;;) {
        evs_t e2 = read_logs(&w);
        uint64_t own[MAXT];
        owned(&e2, m2, own);
        free(e2.v);
        if (own[0] == (1ull << PARTS) - 1)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "m2 never got the frozen member's partitions");
        usleep(100000);
    }
    double took = ck_now_ms() - t0;
    int64_t before[MAXP];
    ck_committed(bs(), w.group, w.topics[0], PARTS, before);
    kill(w.m[m1].pid, SIGCONT);
    /* Committed offsets never go back, while m1 wakes up, finds its session gone and rejoins. */
    int64_t last[MAXP];
    memcpy(last, before, sizeof last);
    int went_back = 0;
    char what[160] = "";
    for (double t1 = ck_now_ms(); ck_now_ms() - t1 < 3000;) {
        int64_t now[MAXP];
        ck_committed(bs(), w.group, w.topics[0], PARTS, now);
        for (int p = 0; p < PARTS; p++) {
            if (now[p] < last[p] && !went_back++)
                snprintf(what, sizeof what, "partition %d: committed %lld after %lld", p,
                         (long long)now[p], (long long)last[p]);
            last[p] = now[p];
        }
        usleep(100000);
    }
    wait_committed(&w, end, 90000);
    stop_all(&w); /* asserts a clean exit of each member (an ASan build reports memory errors) */

    es = read_logs(&w);
    check_t c = check_processing(&w, &es, end);
    int lost = count_type(&es, m1, 'L');
    char fs[128];
    own_str(&w, frozen_own, fs, sizeof fs);
    fprintf(stderr,
            "SIGSTOP: m1 (%s) frozen 50 ms into a batch; m2 had everything %.1f s later; after "
            "SIGCONT m1 logged %d lost event(s); %zu duplicate records, at most %d batch(es) per "
            "partition\n",
            fs, took / 1e3, lost, c.dups, c.max_dup_batches_per_part);
    cr_assert_eq(went_back, 0, "the woken member moved a commit back: %s", what);
    cr_assert_gt(lost, 0, "m1 never reported its partitions lost");
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    for (int p = 0; p < PARTS; p++) {
        cr_assert_leq(c.dup_per_part[0][p], BATCH, "partition %d: %lld duplicates", p,
                      (long long)c.dup_per_part[0][p]);
        if (c.dup_per_part[0][p])
            cr_assert(frozen_own[0] >> p & 1,
                      "partition %d (not the frozen member's) has duplicates", p);
    }
    free(es.v);
    cleanup(&w);
}

/* ==== a batch held past max.poll.interval.ms
 * ======================================================= */

Test(group, a_batch_held_past_max_poll_interval_makes_the_member_leave, .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    world_init(&w, "poll");
    add_topic(&w, "gpoll", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    const char *a1[16], *a2[16];
    /* m1 holds its first batches 8 s with max.poll.interval.ms 4 s. */
    const char *const more1[] = {"batch.size=10",
                                 "hold.ms=20",
                                 "slow.n=100",
                                 "slow.ms=8000",
                                 "max.poll.interval.ms=4000",
                                 NULL};
    const char *const more2[] = {"batch.size=10", "hold.ms=20", "max.poll.interval.ms=4000", NULL};
    args(a1, more1);
    args(a2, more2);
    int m2 = start_member(&w, "m2", a2);
    wait_count(&w, m2, 'A', 1, 20000);
    int m1 = start_member(&w, "m1", a1);
    wait_settled(&w, 1u << m1 | 1u << m2, 30000, 500);
    produce_to(&w, 0, 100, end, "q");
    /* m1 (first in member order) has 0-2 under range. */
    wait_count(&w, m1, 'S', 1, 20000);
    double t0 = ck_now_ms();
    wait_committed(&w, end, 60000);
    double took = ck_now_ms() - t0;
    stop_all(&w);
    evs_t es = read_logs(&w);
    check_t c = check_processing(&w, &es, end);
    int left = 0;
    for (size_t i = 0; i < es.n; i++)
        left += es.v[i].m == m1 && es.v[i].type == 'W' && es.v[i].mid[0] == 'P';
    int lost = count_type(&es, m1, 'L');
    fprintf(stderr,
            "max.poll.interval.ms: m1 left %d time(s) (lost events %d); everything committed %.1f "
            "s after its first batch; %zu duplicate records, at most %d batch(es) per "
            "partition\n",
            left, lost, took / 1e3, c.dups, c.max_dup_batches_per_part);
    cr_assert_geq(left, 1, "m1 did not leave the group");
    cr_assert_gt(lost, 0);
    cr_assert_lt(took, 8000, "the other member waited for the slow batches");
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_leq(c.max_dup_batches_per_part, 1);
    for (int p = 0; p < PARTS; p++)
        cr_assert_leq(c.dup_per_part[0][p], BATCH);
    free(es.v);
    cleanup(&w);
}

/* ==== long-polling fetches do not starve heartbeats
 * ==================================================== */

Test(group, long_polling_fetches_do_not_starve_heartbeats, .timeout = 60) {
    world_t w;
    world_init(&w, "lpoll");
    add_topic(&w, "glpoll", 2);
    /* An idle topic: every Fetch waits fetch.max.wait.ms (8 s) at the broker, longer than
     * session.timeout.ms (6 s). Heartbeats must still get through (Java's and librdkafka's go
     * on a coordinator connection of their own). */
    const char *a[16];
    const char *const more[] = {"fetch.max.wait.ms=8000", NULL};
    args(a, more);
    int m1 = start_member(&w, "m1", a);
    wait_count(&w, m1, 'A', 1, 20000);
    usleep(15000000);
    stop_all(&w);
    evs_t es = read_logs(&w);
    int joins = count_type(&es, m1, 'J'), lost = count_type(&es, m1, 'L');
    fprintf(stderr, "fetch.max.wait.ms 8000 > session.timeout.ms 6000: %d join(s), %d lost\n",
            joins, lost);
    cr_assert_eq(lost, 0, "the member lost its partitions %d times (heartbeats starved)", lost);
    cr_assert_eq(joins, 1, "the member joined %d times (heartbeats starved)", joins);
    free(es.v);
    cleanup(&w);
}
