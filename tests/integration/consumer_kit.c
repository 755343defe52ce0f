/* consumer_kit.c: shared pieces of the consumer's integration tests, see consumer_kit.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "consumer_kit.h"
#include "env.h"
#include "rawconn.h"

/* ---- configuration and topics ---------------------------------------------------------------- */

void ck_set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s=%s: %s", k, v, err);
}

kfk_conf_t *ck_conf(const char *bootstrap, const char *const *kv) {
    kfk_conf_t *c = kfk_conf_new();
    cr_assert_not_null(c);
    ck_set(c, "bootstrap.servers", bootstrap);
    ck_set(c, "log_level", "4");
    for (size_t i = 0; kv && kv[i]; i += 2)
        ck_set(c, kv[i], kv[i + 1]);
    return c;
}

typedef struct {
    int done;
    kfk_err_t err, topic_err;
    int32_t parts;
    int leaders_ok;
} admin_res_t;

static void on_created(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                       void *opaque) {
    (void)a;
    admin_res_t *r = opaque;
    r->done = 1;
    r->err = err;
    r->topic_err = n ? res[0].err : KFK_ERR_NONE;
}

static void on_topic_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    admin_res_t *r = opaque;
    r->done = 1;
    r->err = err;
    r->parts = 0;
    r->leaders_ok = 0;
    if (!md || md->topic_cnt < 1 || md->topics[0].err)
        return;
    r->parts = md->topics[0].partition_cnt;
    r->leaders_ok = 1;
    for (int32_t i = 0; i < r->parts; i++)
        if (md->topics[0].partitions[i].leader < 0)
            r->leaders_ok = 0;
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static unsigned topic_counter;

void ck_topic_create(const char *bootstrap, char *name, size_t cap, const char *tag, int32_t parts,
                     int16_t rf, const char *const *cfg) {
    ck_topic_create_ex(bootstrap, name, cap, tag, parts, rf, cfg, 1);
}

void ck_topic_create_ex(const char *bootstrap, char *name, size_t cap, const char *tag,
                        int32_t parts, int16_t rf, const char *const *cfg, int wait) {
    snprintf(name, cap, "kfk-c-%s-%d-%u-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000), topic_counter++);
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_t *c = ck_conf(bootstrap, NULL);
    ck_set(c, "log_level", "2");
    kfk_admin_t *a;
    char err[256];
    cr_assert_eq(kfk_admin_new(&loop, c, &a, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    size_t ncfg = 0;
    while (cfg && cfg[2 * ncfg])
        ncfg++;
    kfk_new_topic_t nt = {name, parts, rf, cfg, ncfg};
    admin_res_t r = {0};
    cr_assert_eq(kfk_admin_create_topics(a, &nt, 1, 15000, on_created, &r), 0);
    while (!r.done)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(r.err, 0, "CreateTopics: %s", kfk_err_name(r.err));
    cr_assert_eq(r.topic_err, 0, "CreateTopics %s: %s", name, kfk_err_name(r.topic_err));
    const char *names[1] = {name};
    for (int i = 0; i < 150 && wait; i++) {
        r.done = 0;
        cr_assert_eq(kfk_admin_metadata(a, names, 1, on_topic_md, &r), 0);
        while (!r.done)
            uv_run(&loop, UV_RUN_ONCE);
        if (r.parts == parts && r.leaders_ok)
            break;
        usleep(100000);
    }
    if (wait) {
        cr_assert_eq(r.parts, parts, "topic %s: %d partitions in metadata", name, r.parts);
        cr_assert(r.leaders_ok, "topic %s: a partition has no leader", name);
    }
    kfk_admin_close(a, on_admin_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- test data ------------------------------------------------------------------------------ */

typedef struct {
    size_t reports, failed;
    kfk_err_t first_err;
    int flushed, closed;
} prod_tally_t;

static prod_tally_t tally;

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    ck_pos_t *pos = opaque;
    tally.reports++;
    if (d->err) {
        if (!tally.failed++)
            tally.first_err = d->err;
        return;
    }
    pos->partition = d->partition;
    pos->offset = d->offset;
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
    tally.flushed = 1;
}

static void on_prod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
    tally.closed = 1;
}

ck_pos_t *ck_produce(const char *bootstrap, const char *topic, size_t n, size_t nkeys,
                     int32_t nparts, size_t value_len, const char *tag) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    memset(&tally, 0, sizeof tally);
    kfk_conf_t *c = ck_conf(bootstrap, NULL);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    ck_pos_t *pos = calloc(n ? n : 1, sizeof *pos);
    size_t vcap = value_len > 64 ? value_len : 64;
    char *val = malloc(vcap);
    for (size_t i = 0; i < n; i++) {
        pos[i].partition = -1;
        pos[i].offset = -1;
        char key[32];
        int kl = nkeys ? snprintf(key, sizeof key, "key-%zu", i % nkeys) : 0;
        size_t vl = (size_t)snprintf(val, vcap, "%s:%zu:", tag, i);
        if (value_len > vl) {
            memset(val + vl, '.', value_len - vl);
            vl = value_len;
        }
        kfk_record_t rec = {topic,
                            nparts > 0 ? (int32_t)(i % (size_t)nparts) : KFK_PARTITION_ANY,
                            nkeys ? key : NULL,
                            (size_t)kl,
                            val,
                            vl,
                            NULL,
                            0,
                            0};
        kfk_err_t e;
        uint64_t t0 = uv_now(&loop);
        while ((e = kfk_producer_send(p, &rec, on_delivery, &pos[i])) == KFK_ERR__QUEUE_FULL) {
            uv_run(&loop, UV_RUN_ONCE);
            uv_update_time(&loop);
            cr_assert_lt(uv_now(&loop) - t0, 30000, "the producer queue stayed full for 30 s");
        }
        cr_assert_eq(e, 0, "kfk_producer_send: %s", kfk_err_name(e));
    }
    free(val);
    cr_assert_eq(kfk_producer_flush(p, on_flushed, NULL), 0);
    uint64_t t0 = uv_now(&loop);
    while (!tally.flushed) {
        uv_run(&loop, UV_RUN_ONCE);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 60000, "flush took over 60 s");
    }
    kfk_producer_close(p, on_prod_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert(tally.closed);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(tally.reports, n, "%zu reports for %zu records", tally.reports, n);
    cr_assert_eq(tally.failed, 0, "%zu records failed, first: %s", tally.failed,
                 kfk_err_name(tally.first_err));
    return pos;
}

int64_t ck_value_index(const void *value, int32_t len) {
    const char *v = value;
    if (!v || len <= 0)
        return -1;
    const char *colon = memchr(v, ':', (size_t)len);
    if (!colon)
        return -1;
    int64_t i = 0;
    const char *q = colon + 1;
    if (q >= v + len || *q < '0' || *q > '9')
        return -1;
    while (q < v + len && *q >= '0' && *q <= '9')
        i = i * 10 + (*q++ - '0');
    if (q >= v + len || *q != ':')
        return -1;
    return i;
}

void ck_end_offsets(const ck_pos_t *pos, size_t n, int32_t nparts, int64_t *end) {
    for (int32_t p = 0; p < nparts; p++)
        end[p] = 0;
    for (size_t i = 0; i < n; i++)
        if (pos[i].partition >= 0 && pos[i].partition < nparts &&
            pos[i].offset + 1 > end[pos[i].partition])
            end[pos[i].partition] = pos[i].offset + 1;
}

/* ---- loops ---------------------------------------------------------------------------------- */

double ck_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

uint64_t ck_run_until(uv_loop_t *loop, ck_pred_fn pred, void *arg, uint64_t max_ms) {
    uv_update_time(loop);
    uint64_t t0 = uv_now(loop);
    while (!pred(arg)) {
        int alive = uv_run(loop, UV_RUN_ONCE);
        uv_update_time(loop);
        cr_assert(alive || pred(arg), "the loop ran dry before the condition held");
        cr_assert_lt(uv_now(loop) - t0, max_ms, "condition not reached within %llu ms",
                     (unsigned long long)max_ms);
    }
    return uv_now(loop) - t0;
}

static void on_wake(uv_timer_t *t) {
    *(int *)t->data = 1;
}

static void on_timer_closed(uv_handle_t *h) {
    (void)h;
}

static int flag_set(void *arg) {
    return *(int *)arg;
}

void ck_run_for(uv_loop_t *loop, uint64_t ms) {
    uv_timer_t t;
    int fired = 0;
    uv_timer_init(loop, &t);
    t.data = &fired;
    uv_timer_start(&t, on_wake, ms, 0);
    ck_run_until(loop, flag_set, &fired, ms + 60000);
    uv_close((uv_handle_t *)&t, on_timer_closed);
    uv_run(loop, UV_RUN_NOWAIT);
}

int ck_pred_count(void *arg) {
    ck_count_target_t *t = arg;
    return *t->counter >= t->target;
}

/* ---- the recording consumer ------------------------------------------------------------------ */

static void ck_log(int level, const char *ctx, const char *msg, void *opaque) {
    (void)ctx;
    ck_cons_t *k = opaque;
    if (level <= 3) {
        k->errors++;
        snprintf(k->last_error, sizeof k->last_error, "%s", msg);
    }
    if (k->log)
        k->log(level, ctx, msg, k->log_opaque);
    else if (level <= 4)
        fprintf(stderr, "  [kfk %d %s] %s\n", level, ctx, msg);
}

void ck_cons_init(ck_cons_t *k, uv_loop_t *loop, kfk_conf_t *conf) {
    ck_hook_fn hook = k->hook;
    void *user = k->user, *log_opaque = k->log_opaque;
    ck_log_fn log = k->log;
    memset(k, 0, sizeof *k);
    k->hook = hook;
    k->user = user;
    k->log = log;
    k->log_opaque = log_opaque;
    k->loop = loop;
    kfk_conf_set_log_cb(conf, ck_log, k);
    char err[256];
    kfk_err_t e = kfk_consumer_new(loop, conf, &k->c, err, sizeof err);
    kfk_conf_free(conf);
    cr_assert_eq(e, 0, "kfk_consumer_new: %s: %s", kfk_err_name(e), err);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    ck_cons_t *k = opaque;
    size_t n = kfk_batch_count(b);
    if (k->nb == k->bcap) {
        k->bcap = k->bcap ? 2 * k->bcap : 1024;
        k->b = realloc(k->b, k->bcap * sizeof *k->b);
    }
    uint32_t no = (uint32_t)k->nb++;
    k->b[no] = (ck_binfo_t){k->n, n, ck_now_ms(), 0};
    if (n > k->max_batch)
        k->max_batch = n;
    if (k->n + n > k->cap) {
        while (k->n + n > k->cap)
            k->cap = k->cap ? 2 * k->cap : 4096;
        k->msgs = realloc(k->msgs, k->cap * sizeof *k->msgs);
    }
    for (size_t i = 0; i < n; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        k->msgs[k->n++] =
            (ck_msg_t){m->partition, m->offset, ck_value_index(m->value, m->value_len), no};
    }
    if (!k->hook || !k->hook(k, b, no))
        ck_done(k, b, no, KFK_ERR_NONE);
}

void ck_done(ck_cons_t *k, kfk_batch_t *b, uint32_t batch_no, kfk_err_t err) {
    if (batch_no < k->nb)
        k->b[batch_no].done_ms = ck_now_ms();
    kfk_batch_done(b, err);
}

void ck_cons_start(ck_cons_t *k) {
    cr_assert_eq(kfk_consumer_start(k->c, on_batch, k), 0);
}

static void on_cons_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ((ck_cons_t *)opaque)->closed++;
}

static int cons_closed(void *arg) {
    return ((ck_cons_t *)arg)->closed;
}

void ck_cons_close(ck_cons_t *k, int64_t timeout_ms) {
    kfk_consumer_set_close_timeout(k->c, timeout_ms);
    kfk_consumer_close(k->c, on_cons_closed, k);
    ck_run_until(k->loop, cons_closed, k, 60000);
    cr_assert_eq(k->closed, 1, "the close callback ran %d times", k->closed);
    k->c = NULL;
}

void ck_cons_free(ck_cons_t *k) {
    free(k->msgs);
    free(k->b);
    k->msgs = NULL;
    k->b = NULL;
}

/* ---- committed offsets ------------------------------------------------------------------------
 */

/* A raw connection to the first node of @p bootstrap that answers. */
static int connect_any(const char *bootstrap) {
    const char *p = bootstrap;
    while (p && *p) {
        int fd = kt_connect(p);
        if (fd >= 0)
            return fd;
        p = strchr(p, ',');
        if (p)
            p++;
    }
    return -1;
}

static int32_t correlation = 7000;

/* Sends @p req (api @p key, version @p v) on @p fd and decodes the answer into @p a. */
static void *roundtrip(int fd, int16_t key, int16_t v, const void *req, kfk_arena_t *a,
                       uint8_t **frame) {
    kfk_request_header_t h = {key, v, correlation++, kfk_str_c("kfk-consumer-test"), {NULL, -1}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, req), 0);
    cr_assert_eq(kt_send_all(fd, w.data, w.len), 0);
    kfk_wbuf_free(&w);
    size_t len;
    cr_assert_eq(kt_recv_frame(fd, frame, &len, 16u << 20), 0, "no answer to api %d", key);
    void *body = NULL;
    cr_assert_eq(kfk_response_decode(*frame, len, key, v, NULL, a, &body), 0);
    return body;
}

int32_t ck_coordinator(const char *bootstrap, const char *group, char *hostport, size_t cap) {
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = connect_any(bootstrap);
        cr_assert_geq(fd, 0, "no node of %s answers", bootstrap);
        kfk_find_coordinator_request_t req;
        memset(&req, 0, sizeof req);
        req.key = kfk_str_c(group);
        req.key_type = 0;
        kfk_arena_t a;
        kfk_arena_init(&a);
        uint8_t *frame;
        kfk_find_coordinator_response_t *r =
            roundtrip(fd, KFK_API_FIND_COORDINATOR, 3, &req, &a, &frame);
        close(fd);
        int32_t node = -1;
        if (r->error_code == 0) {
            node = r->node_id;
            snprintf(hostport, cap, "%.*s:%d", r->host.len, r->host.ptr, r->port);
        }
        kfk_arena_free(&a);
        free(frame);
        if (node >= 0)
            return node;
        usleep(200000);
    }
    cr_assert_fail("FindCoordinator for %s never answered", group);
    return -1;
}

int ck_committed(const char *bootstrap, const char *group, const char *topic, int32_t nparts,
                 int64_t *out) {
    char coord[128];
    ck_coordinator(bootstrap, group, coord, sizeof coord);
    int fd = kt_connect(coord);
    cr_assert_geq(fd, 0, "coordinator %s unreachable", coord);
    int32_t *ids = calloc((size_t)nparts, sizeof *ids);
    for (int32_t p = 0; p < nparts; p++) {
        ids[p] = p;
        out[p] = -1;
    }
    kfk_offset_fetch_request_topic_t t;
    memset(&t, 0, sizeof t);
    t.name = kfk_str_c(topic);
    t.partition_indexes = (kfk_array_t){ids, nparts};
    kfk_offset_fetch_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(group);
    req.topics = (kfk_array_t){&t, 1};
    req.require_stable = false;
    kfk_arena_t a;
    kfk_arena_init(&a);
    uint8_t *frame;
    kfk_offset_fetch_response_t *r = roundtrip(fd, KFK_API_OFFSET_FETCH, 7, &req, &a, &frame);
    close(fd);
    int err = r->error_code;
    for (int32_t i = 0; !err && i < r->topics.count; i++) {
        kfk_offset_fetch_response_topic_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_offset_fetch_response_topic_t, i);
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_offset_fetch_response_partition_t *pr =
                &KFK_ARRAY_AT(tr->partitions, kfk_offset_fetch_response_partition_t, k);
            if (pr->partition_index >= 0 && pr->partition_index < nparts && !pr->error_code)
                out[pr->partition_index] = pr->committed_offset;
        }
    }
    kfk_arena_free(&a);
    free(frame);
    free(ids);
    return err;
}

int ck_cgc_describe(const char *bootstrap, const char *group, const char *topic, int32_t nparts,
                    int64_t *out) {
    char path[128];
    snprintf(path, sizeof path, "/tmp/kfk-cgc-%d.out", (int)getpid());
    /* The tool lists no row while the group is still settling (a rebalance after the last
     * member left, a coordinator loading it): ask again, 30 s at most, then say what it said. */
    for (double t0 = ck_now_ms();;) {
        for (int32_t p = 0; p < nparts; p++)
            out[p] = -1;
        int st = ck_sh("java -cp '%s/*' org.apache.kafka.tools.consumer.group.ConsumerGroupCommand "
                       "--bootstrap-server %s --describe --group %s --timeout 30000 >%s 2>&1",
                       kt_env_required("KAFKA_LIBS"), bootstrap, group, path);
        char *txt = ck_slurp(path, NULL);
        cr_assert_not_null(txt);
        cr_assert_eq(st, 0, "ConsumerGroupCommand failed:\n%s", txt);
        int rows = 0;
        char *all = strdup(txt), *save = NULL;
        for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char g[256], t[256], cur[32];
            int part;
            if (sscanf(line, "%255s %255s %d %31s", g, t, &part, cur) != 4)
                continue;
            if (strcmp(g, group) || strcmp(t, topic) || part < 0 || part >= nparts)
                continue;
            out[part] = strcmp(cur, "-") ? strtoll(cur, NULL, 10) : -1;
            rows++;
        }
        free(txt);
        unlink(path);
        if (rows > 0 || ck_now_ms() - t0 > 30000) {
            if (rows == 0)
                fprintf(stderr, "ConsumerGroupCommand listed no row of %s for 30 s; it said:\n%s\n",
                        topic, all);
            free(all);
            return rows;
        }
        free(all);
        usleep(500000);
    }
}

/* ---- raw looks at partitions ------------------------------------------------------------------
 */

void ck_list_end(const char *bootstrap, const char *topic, int32_t nparts, int8_t isolation,
                 int64_t *out) {
    int fd = connect_any(bootstrap);
    cr_assert_geq(fd, 0);
    kfk_list_offsets_request_list_offsets_partition_t *parts =
        calloc((size_t)nparts, sizeof *parts);
    for (int32_t p = 0; p < nparts; p++) {
        parts[p].partition_index = p;
        parts[p].current_leader_epoch = -1;
        parts[p].timestamp = -1;
        out[p] = -1;
    }
    kfk_list_offsets_request_list_offsets_topic_t t;
    memset(&t, 0, sizeof t);
    t.name = kfk_str_c(topic);
    t.partitions = (kfk_array_t){parts, nparts};
    kfk_list_offsets_request_t req;
    memset(&req, 0, sizeof req);
    req.replica_id = -1;
    req.isolation_level = isolation;
    req.topics = (kfk_array_t){&t, 1};
    kfk_arena_t a;
    kfk_arena_init(&a);
    uint8_t *frame;
    kfk_list_offsets_response_t *r = roundtrip(fd, KFK_API_LIST_OFFSETS, 5, &req, &a, &frame);
    close(fd);
    for (int32_t i = 0; i < r->topics.count; i++) {
        kfk_list_offsets_response_list_offsets_topic_response_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_list_offsets_response_list_offsets_topic_response_t, i);
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_list_offsets_response_list_offsets_partition_response_t *pr = &KFK_ARRAY_AT(
                tr->partitions, kfk_list_offsets_response_list_offsets_partition_response_t, k);
            cr_assert_eq(pr->error_code, 0, "ListOffsets %s [%d]: error %d", topic,
                         pr->partition_index, pr->error_code);
            if (pr->partition_index >= 0 && pr->partition_index < nparts)
                out[pr->partition_index] = pr->offset;
        }
    }
    kfk_arena_free(&a);
    free(frame);
    free(parts);
}

size_t ck_batches_visit(const char *bootstrap, const char *topic, int32_t part,
                        ck_batch_visit_fn visit, void *arg, kfk_err_t *reader_err) {
    int fd = connect_any(bootstrap);
    cr_assert_geq(fd, 0);
    size_t n = 0;
    int64_t offset = 0;
    for (int round = 0; round < 1000; round++) {
        kfk_fetch_request_fetch_partition_t fp;
        memset(&fp, 0, sizeof fp);
        fp.partition = part;
        fp.current_leader_epoch = -1;
        fp.fetch_offset = offset;
        fp.last_fetched_epoch = -1;
        fp.log_start_offset = -1;
        fp.partition_max_bytes = 4 << 20;
        kfk_fetch_request_fetch_topic_t ft;
        memset(&ft, 0, sizeof ft);
        ft.topic = kfk_str_c(topic);
        ft.partitions = (kfk_array_t){&fp, 1};
        kfk_fetch_request_t req;
        memset(&req, 0, sizeof req);
        req.cluster_id = (kfk_str_t){NULL, -1};
        req.replica_id = -1;
        req.max_bytes = 8 << 20;
        req.session_epoch = -1;
        req.topics = (kfk_array_t){&ft, 1};
        req.rack_id = kfk_str_c("");
        kfk_arena_t a;
        kfk_arena_init(&a);
        uint8_t *frame;
        kfk_fetch_response_t *r = roundtrip(fd, KFK_API_FETCH, 11, &req, &a, &frame);
        cr_assert_eq(r->responses.count, 1);
        kfk_fetch_response_fetchable_topic_response_t *tr =
            &KFK_ARRAY_AT(r->responses, kfk_fetch_response_fetchable_topic_response_t, 0);
        cr_assert_eq(tr->partitions.count, 1);
        kfk_fetch_response_partition_data_t *pd =
            &KFK_ARRAY_AT(tr->partitions, kfk_fetch_response_partition_data_t, 0);
        cr_assert_eq(pd->error_code, 0, "Fetch %s [%d]: error %d", topic, part, pd->error_code);
        size_t got = 0;
        if (pd->records.len > 0) {
            kfk_record_batch_reader_t rd;
            kfk_record_batch_reader_init(&rd, pd->records.ptr, (size_t)pd->records.len);
            kfk_record_batch_t b;
            while (kfk_record_batch_next(&rd, &b)) {
                if (visit)
                    visit(&b, arg);
                n++;
                got++;
                offset = kfk_record_batch_next_offset(&b);
            }
            if (reader_err && rd.err && !*reader_err)
                *reader_err = rd.err;
        }
        int64_t hw = pd->high_watermark;
        kfk_arena_free(&a);
        free(frame);
        if (!got || offset >= hw)
            break;
    }
    close(fd);
    return n;
}

typedef struct {
    kfk_codec_t *codecs;
    size_t n, cap;
} codecs_t;

static void visit_codec(const kfk_record_batch_t *b, void *arg) {
    codecs_t *c = arg;
    if (c->n < c->cap)
        c->codecs[c->n] = b->codec;
    c->n++;
}

size_t ck_batch_codecs(const char *bootstrap, const char *topic, int32_t part, kfk_codec_t *codecs,
                       size_t cap) {
    codecs_t c = {codecs, 0, cap};
    return ck_batches_visit(bootstrap, topic, part, visit_codec, &c, NULL);
}

/* ---- child processes --------------------------------------------------------------------------
 */

pid_t ck_spawn(char *const argv[], const char *out_path, const char *err_path) {
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        int err = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0644);
        int in = open("/dev/null", O_RDONLY);
        if (out < 0 || err < 0 || in < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

int ck_wait(pid_t pid, int max_ms) {
    for (int waited = 0;; waited += 10) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            return st;
        if (r < 0 || waited >= max_ms)
            return -1;
        usleep(10000);
    }
}

int ck_stop(pid_t pid, int sig, int max_ms) {
    kill(pid, sig);
    int st = ck_wait(pid, max_ms);
    if (st == -1) {
        kill(pid, SIGKILL);
        st = ck_wait(pid, 10000);
    }
    return st;
}

char *ck_slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(f);
    buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

int ck_sh(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    fflush(stdout);
    fflush(stderr);
    int st = system(cmd);
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}
