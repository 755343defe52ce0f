/*
 * group_kit.c: shared pieces of the consumer group integration tests (group_kit.h): member
 * processes, their logs, and the checks on what was processed and committed.
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
#include "group_kit.h"
#include "kfk/kfk.h"

#ifndef KFK_TEST_MEMBER
#error "KFK_TEST_MEMBER (the path of kfk_test_group_member) must be defined"
#endif

const char *gk_bs(void) {
    return kt_env_required("BOOTSTRAP");
}

/* ---- members --------------------------------------------------------------------------------- */

void gk_world_init(world_t *w, const char *tag) {
    memset(w, 0, sizeof *w);
    snprintf(w->group, sizeof w->group, "kfk-g-%s-%d-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000));
}

int gk_add_topic(world_t *w, const char *tag, int32_t parts) {
    int t = w->ntopics++;
    ck_topic_create(gk_bs(), w->topics[t], sizeof w->topics[t], tag, parts, 1, NULL);
    w->nparts[t] = parts;
    return t;
}

/* Starts member @p name (a new slot, or the slot of that name again) with the NULL-terminated
 * name=value arguments of @p kv. */
int gk_start_member(world_t *w, const char *name, const char *const *kv) {
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
    argv[n++] = (char *)gk_bs();
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

void gk_stop_member(world_t *w, int i) {
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

void gk_kill_member(world_t *w, int i) {
    kill(w->m[i].pid, SIGKILL);
    w->m[i].killed_at = ck_now_ms();
    ck_wait(w->m[i].pid, 10000);
    w->m[i].running = 0;
}

void gk_stop_all(world_t *w) {
    for (int i = 0; i < w->nm; i++)
        gk_stop_member(w, i);
}

void gk_cleanup(world_t *w) {
    for (int i = 0; i < w->nm; i++) {
        char errpath[160];
        snprintf(errpath, sizeof errpath, "%s.err", w->m[i].log);
        unlink(w->m[i].log);
        unlink(errpath);
    }
}

/* ---- the members' logs -------------------------------------------------------------------------
 */

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

evs_t gk_read_logs(const world_t *w) {
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
void gk_owned(const evs_t *es, int m, uint64_t own[MAXT]) {
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

int gk_count_type(const evs_t *es, int m, char type) {
    int n = 0;
    for (size_t i = 0; i < es->n; i++)
        n += es->v[i].m == m && es->v[i].type == type;
    return n;
}

const ev_t *gk_last_of(const evs_t *es, int m, char type) {
    const ev_t *e = NULL;
    for (size_t i = 0; i < es->n; i++)
        if (es->v[i].m == m && es->v[i].type == type)
            e = &es->v[i];
    return e;
}

int gk_popcount64(uint64_t x) {
    int n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
}

void gk_own_str(const world_t *w, const uint64_t own[MAXT], char *buf, size_t cap) {
    size_t off = 0;
    buf[0] = 0;
    for (int t = 0; t < w->ntopics; t++)
        for (int p = 0; p < w->nparts[t] && off < cap - 16; p++)
            if (own[t] >> p & 1)
                off += (size_t)snprintf(buf + off, cap - off, "%s%c%d", off ? "," : "", 'a' + t, p);
}

/* True when the members in @p which (bitmask of member slots) each own something and together
 * own every partition exactly once. */
int gk_settled(const world_t *w, const evs_t *es, unsigned which) {
    uint64_t all[MAXT] = {0};
    for (int m = 0; m < w->nm; m++) {
        if (!(which >> m & 1))
            continue;
        uint64_t own[MAXT];
        gk_owned(es, m, own);
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

/* Waits (up to @p max_ms) until the members of @p which have settled (see gk_settled) and stayed
 * so for @p quiet_ms. */
void gk_wait_settled(const world_t *w, unsigned which, int max_ms, int quiet_ms) {
    double t0 = ck_now_ms(), since = 0;
    for (;;) {
        evs_t es = gk_read_logs(w);
        int ok = gk_settled(w, &es, which);
        free(es.v);
        double now = ck_now_ms();
        if (ok && !since)
            since = now;
        if (!ok)
            since = 0;
        if (ok && now - since >= quiet_ms)
            return;
        if (now - t0 >= max_ms) {
            char own[1024], warn[2048];
            cr_assert_fail("the group did not settle within %d ms; owned (the logs):%s the "
                           "members' warnings:\n%s",
                           max_ms, gk_owned_all_str(w, own, sizeof own),
                           gk_warnings(w, warn, sizeof warn));
        }
        usleep(100000);
    }
}

const char *gk_owned_all_str(const world_t *w, char *buf, size_t cap) {
    evs_t es = gk_read_logs(w);
    size_t n = 0;
    buf[0] = 0;
    for (int m = 0; m < w->nm && n + 1 < cap; m++) {
        uint64_t own[MAXT];
        char one[256];
        gk_owned(&es, m, own);
        gk_own_str(w, own, one, sizeof one);
        int k = snprintf(buf + n, cap - n, " %s: %s;", w->m[m].name, one[0] ? one : "nothing");
        n = k > 0 && (size_t)k < cap - n ? n + (size_t)k : cap - 1;
    }
    free(es.v);
    return buf;
}

const char *gk_warnings(const world_t *w, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < w->nm && n + 1 < cap; i++) {
        char *txt = ck_slurp(w->m[i].log, NULL);
        char *save = NULL;
        for (char *line = txt ? strtok_r(txt, "\n", &save) : NULL; line && n + 1 < cap;
             line = strtok_r(NULL, "\n", &save)) {
            if (line[0] != 'W')
                continue;
            int k = snprintf(buf + n, cap - n, "  %s\n", line);
            n = k > 0 && (size_t)k < cap - n ? n + (size_t)k : cap - 1;
        }
        free(txt);
    }
    if (!n)
        snprintf(buf, cap, "  (none)\n");
    return buf;
}

/* Waits until member @p m's log has at least @p n lines of @p type. */
void gk_wait_count(const world_t *w, int m, char type, int n, int max_ms) {
    double t0 = ck_now_ms();
    for (;;) {
        evs_t es = gk_read_logs(w);
        int got = gk_count_type(&es, m, type);
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
check_t gk_check_processing(const world_t *w, const evs_t *es, int64_t end[MAXT][MAXP]) {
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
void gk_wait_committed(const world_t *w, int64_t end[MAXT][MAXP], int max_ms) {
    double t0 = ck_now_ms();
    for (;;) {
        int all = 1;
        char what[256] = "";
        for (int t = 0; t < w->ntopics && all; t++) {
            int64_t got[MAXP];
            ck_committed(gk_bs(), w->group, w->topics[t], w->nparts[t], got);
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
void gk_produce_to(const world_t *w, int t, int per, int64_t end[MAXT][MAXP], const char *tag) {
    ck_pos_t *pos = ck_produce(gk_bs(), w->topics[t], (size_t)per * (size_t)w->nparts[t], 0,
                               w->nparts[t], 0, tag);
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
const char **gk_args(const char **buf, const char *const *more) {
    int n = 0;
    for (int i = 0; fast_group[i]; i++)
        buf[n++] = fast_group[i];
    for (int i = 0; more && more[i]; i++)
        buf[n++] = more[i];
    buf[n] = NULL;
    return buf;
}
