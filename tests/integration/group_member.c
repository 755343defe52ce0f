/*
 * group_member.c: kfk_test_group_member, one kfk consumer group member in its own process, for
 * test_group_*.c (several members, SIGKILL mid-batch, static membership, assignors).
 *
 *   kfk_test_group_member BOOTSTRAP GROUP TOPIC[,TOPIC...] NAME LOGFILE [name=value]...
 *
 * It subscribes to the topics and "processes" every batch by holding it hold.ms milliseconds
 * (a uv timer) before kfk_batch_done. Pairs: hold.ms (default 0), slow.n and slow.ms (the
 * first slow.n batches are held slow.ms instead) and life.ms (close after this long, default
 * 120000) are its own; every other pair goes to kfk_conf_set (client.id defaults to NAME, so
 * that member ids sort by name). SIGTERM or SIGINT closes the consumer
 * (kfk_consumer_close) and exits 0 once the close callback ran.
 *
 * LOGFILE gets one line per event, each with one write(2) on an O_APPEND descriptor, so that a
 * SIGKILL loses no finished line. Times are CLOCK_MONOTONIC milliseconds, comparable between
 * processes:
 *   J NAME T GENERATION MEMBER_ID LEADER(0|1) PROTOCOL   joined a generation
 *   A|R|L NAME T N TOPIC:PARTITION...                      assigned / revoked / lost
 *   S NAME T BATCH N TOPIC:PARTITION:FIRST:LAST:COUNT...   a batch delivered (processing starts)
 *   D NAME T BATCH                                         kfk_batch_done (processing ended)
 *   W NAME T MESSAGE                                       a kfk log line at level <= 4
 *   C NAME T                                               the close callback ran
 */
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include "kfk/kfk.h"

typedef struct hold {
    struct hold *next, **prev;
    struct member *m;
    kfk_batch_t *batch;
    unsigned no;
    uv_timer_t timer;
} hold_t;

typedef struct member {
    uv_loop_t *loop;
    kfk_consumer_t *c;
    const char *name;
    int fd;
    uint64_t hold_ms, slow_ms;
    unsigned batches, slow_n;
    hold_t *holds;
    uv_signal_t sigterm, sigint;
    uv_timer_t life;
    int closing, closed;
} member_t;

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Appends one line "TYPE NAME TIME rest\n" to the log with a single write. */
static void logline(member_t *m, char type, const char *fmt, ...) {
    char buf[8192];
    int n = snprintf(buf, sizeof buf, "%c %s %.3f ", type, m->name, now_ms());
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(buf + n, sizeof buf - (size_t)n - 1, fmt, ap);
    va_end(ap);
    n += k < (int)(sizeof buf - (size_t)n - 1) ? k : (int)(sizeof buf - (size_t)n - 2);
    buf[n++] = '\n';
    if (write(m->fd, buf, (size_t)n) != n)
        fprintf(stderr, "%s: short log write\n", m->name);
}

static void on_log(int level, const char *ctx, const char *msg, void *opaque) {
    member_t *m = opaque;
    (void)ctx;
    const char *j = strstr(msg, ": joined generation ");
    if (j) {
        /* "group G: joined generation N as MEMBER[, leader] (protocol P, K members)" */
        int gen = 0;
        char member[512] = "", proto[64] = "";
        if (sscanf(j, ": joined generation %d as %511s", &gen, member) == 2) {
            size_t ml = strlen(member);
            if (ml && member[ml - 1] == ',')
                member[ml - 1] = 0;
            const char *p = strstr(j, "(protocol ");
            if (p)
                sscanf(p, "(protocol %63[^,)]", proto);
            logline(m, 'J', "%d %s %d %s", gen, member, strstr(j, ", leader") != NULL,
                    proto[0] ? proto : "?");
        }
    }
    if (level <= 4)
        logline(m, 'W', "%s", msg);
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    member_t *m = opaque;
    char buf[6000];
    size_t off = 0;
    for (size_t i = 0; i < n && off < sizeof buf - 300; i++)
        off += (size_t)snprintf(buf + off, sizeof buf - off, " %s:%d", parts[i].topic,
                                parts[i].partition);
    buf[off] = 0;
    char type = ev == KFK_REBALANCE_ASSIGNED ? 'A' : ev == KFK_REBALANCE_REVOKED ? 'R' : 'L';
    logline(m, type, "%zu%s", n, buf);
}

static void on_hold_closed(uv_handle_t *h) {
    free(h->data);
}

static void release(hold_t *h, int done) {
    *h->prev = h->next;
    if (h->next)
        h->next->prev = h->prev;
    if (done) {
        logline(h->m, 'D', "%u", h->no);
        kfk_batch_done(h->batch, KFK_ERR_NONE);
    }
    uv_close((uv_handle_t *)&h->timer, on_hold_closed);
}

static void on_hold_timer(uv_timer_t *t) {
    release(t->data, 1);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    member_t *m = opaque;
    unsigned no = m->batches++;
    /* Per partition: first, last, count (records of a partition are in offset order). */
    char buf[6000];
    size_t off = 0;
    size_t n = kfk_batch_count(b);
    for (size_t i = 0; i < n;) {
        const kfk_message_t *first = kfk_batch_message(b, i);
        size_t j = i + 1;
        while (j < n && kfk_batch_message(b, j)->partition == first->partition &&
               !strcmp(kfk_batch_message(b, j)->topic, first->topic))
            j++;
        const kfk_message_t *last = kfk_batch_message(b, j - 1);
        if (off < sizeof buf - 300)
            off += (size_t)snprintf(buf + off, sizeof buf - off, " %s:%d:%lld:%lld:%zu",
                                    first->topic, first->partition, (long long)first->offset,
                                    (long long)last->offset, j - i);
        i = j;
    }
    buf[off] = 0;
    logline(m, 'S', "%u %zu%s", no, n, buf);
    hold_t *h = calloc(1, sizeof *h);
    h->m = m;
    h->batch = b;
    h->no = no;
    h->next = m->holds;
    h->prev = &m->holds;
    if (m->holds)
        m->holds->prev = &h->next;
    m->holds = h;
    uv_timer_init(m->loop, &h->timer);
    h->timer.data = h;
    uv_timer_start(&h->timer, on_hold_timer, no < m->slow_n ? m->slow_ms : m->hold_ms, 0);
}

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    member_t *m = opaque;
    /* Batches still held are void now: drop their timers without kfk_batch_done. */
    while (m->holds)
        release(m->holds, 0);
    m->closed = 1;
    logline(m, 'C', "");
    uv_close((uv_handle_t *)&m->sigterm, NULL);
    uv_close((uv_handle_t *)&m->sigint, NULL);
    uv_close((uv_handle_t *)&m->life, NULL);
}

static void begin_close(member_t *m) {
    if (m->closing)
        return;
    m->closing = 1;
    uint64_t longest = m->hold_ms > m->slow_ms ? m->hold_ms : m->slow_ms;
    kfk_consumer_set_close_timeout(m->c, (int64_t)longest + 10000);
    kfk_consumer_close(m->c, on_closed, m);
}

static void on_signal(uv_signal_t *s, int signum) {
    (void)signum;
    begin_close(s->data);
}

static void on_life(uv_timer_t *t) {
    begin_close(t->data);
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s BOOTSTRAP GROUP TOPIC[,TOPIC...] NAME LOGFILE [name=value]...\n",
                argv[0]);
        return 2;
    }
    member_t m;
    memset(&m, 0, sizeof m);
    m.name = argv[4];
    m.fd = open(argv[5], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (m.fd < 0) {
        perror(argv[5]);
        return 2;
    }
    uint64_t life_ms = 120000;
    kfk_conf_t *conf = kfk_conf_new();
    char err[512];
    const char *fixed[][2] = {{"bootstrap.servers", argv[1]},
                              {"group.id", argv[2]},
                              {"client.id", argv[4]},
                              {"log_level", "6"},
                              {"auto.offset.reset", "earliest"}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (kfk_conf_set(conf, fixed[i][0], fixed[i][1], err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
    for (int i = 6; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "not name=value: %s\n", argv[i]);
            return 2;
        }
        *eq = 0;
        if (!strcmp(argv[i], "hold.ms"))
            m.hold_ms = strtoull(eq + 1, NULL, 10);
        else if (!strcmp(argv[i], "slow.ms"))
            m.slow_ms = strtoull(eq + 1, NULL, 10);
        else if (!strcmp(argv[i], "slow.n"))
            m.slow_n = (unsigned)strtoul(eq + 1, NULL, 10);
        else if (!strcmp(argv[i], "life.ms"))
            life_ms = strtoull(eq + 1, NULL, 10);
        else if (kfk_conf_set(conf, argv[i], eq + 1, err, sizeof err) != 0) {
            fprintf(stderr, "%s\n", err);
            return 2;
        }
    }
    kfk_conf_set_log_cb(conf, on_log, &m);
    uv_loop_t loop;
    uv_loop_init(&loop);
    m.loop = &loop;
    kfk_err_t e = kfk_consumer_new(&loop, conf, &m.c, err, sizeof err);
    kfk_conf_free(conf);
    if (e) {
        fprintf(stderr, "kfk_consumer_new: %s: %s\n", kfk_err_name(e), err);
        return 1;
    }
    const char *topics[16];
    size_t nt = 0;
    char *save = NULL;
    for (char *t = strtok_r(argv[3], ",", &save); t && nt < 16; t = strtok_r(NULL, ",", &save))
        topics[nt++] = t;
    kfk_consumer_set_rebalance_cb(m.c, on_rebalance, &m);
    if ((e = kfk_consumer_subscribe(m.c, topics, nt)) != 0 ||
        (e = kfk_consumer_start(m.c, on_batch, &m)) != 0) {
        fprintf(stderr, "subscribe/start: %s\n", kfk_err_name(e));
        return 1;
    }
    uv_signal_init(&loop, &m.sigterm);
    uv_signal_init(&loop, &m.sigint);
    m.sigterm.data = m.sigint.data = &m;
    uv_signal_start(&m.sigterm, on_signal, SIGTERM);
    uv_signal_start(&m.sigint, on_signal, SIGINT);
    uv_timer_init(&loop, &m.life);
    m.life.data = &m;
    uv_timer_start(&m.life, on_life, life_ms, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&loop) == 0 && m.closed ? 0 : 3;
    close(m.fd);
    return rc;
}
