/*
 * test_producer_partitioning.c: where kfk_producer_t puts records, against the real broker
 * (issue 6): Java-compatible partitioning (the murmur2 vectors on 3/4/6/12 partitions, 1,000
 * random keys against kcat's murmur2_random, null keys spread batch by batch), the statistics
 * of acknowledged records per partition, and partition.by over msgpack. Helpers:
 * producer_kit.h. Part of integration_producer, registered COMPAT (Kafka 4.3.1 and 3.9.x);
 * every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <msgpack.h>
#include <uv.h>

#include "env.h"
#include "kfk/kfk.h"
#include "producer_kit.h"
#include "statsdoc.h"

/* ==== partitioning
 * ================================================================================ */

/* kafka-protocol.md section 7: Kafka's murmur2 vectors and their partitions for 3/4/6/12. */
static const struct {
    const char *key;
    int32_t part[4];
} murmur_vectors[] = {
    {"21", {0, 0, 0, 0}},
    {"foobar", {0, 2, 0, 6}},
    {"a-little-bit-long-string", {2, 0, 2, 8}},
    {"a-little-bit-longer-string", {2, 3, 5, 11}},
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", {2, 1, 5, 5}},
    {"abc", {0, 3, 3, 3}},
    {"", {0, 1, 3, 9}},
};
#define NVECTORS (sizeof murmur_vectors / sizeof murmur_vectors[0])

Test(producer, keyed_records_land_on_the_java_partition_of_the_murmur2_vectors, .timeout = 60) {
    static const int32_t counts[4] = {3, 4, 6, 12};
    char topics[4][96];
    for (int c = 0; c < 4; c++) {
        char tag[16];
        snprintf(tag, sizeof tag, "mm%d", counts[c]);
        pk_topic_create(topics[c], sizeof topics[c], tag, counts[c], NULL);
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    sent_t s[4][NVECTORS];
    memset(s, 0, sizeof s);
    for (int c = 0; c < 4; c++)
        for (size_t v = 0; v < NVECTORS; v++) {
            const char *k = murmur_vectors[v].key;
            kfk_record_t rec = {topics[c], KFK_PARTITION_ANY, k, strlen(k), k, strlen(k), NULL, 0,
                                0};
            s[c][v].t = &t;
            pk_send_wait(&loop, p, &rec, &s[c][v]);
        }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, 4 * NVECTORS);
    for (int c = 0; c < 4; c++) {
        rows_t r = pk_kcat_read(topics[c]);
        cr_assert_eq(r.n, NVECTORS);
        for (size_t j = 0; j < r.n; j++) {
            size_t v = 0;
            while (v < NVECTORS && strcmp(murmur_vectors[v].key, r.v[j].val))
                v++;
            cr_assert_lt(v, NVECTORS, "unexpected value %s", r.v[j].val);
            cr_assert_eq(r.v[j].klen, (int32_t)strlen(murmur_vectors[v].key),
                         "the empty key must stay a non-null empty key");
            cr_assert_eq(r.v[j].partition, murmur_vectors[v].part[c],
                         "key \"%s\" on %d partitions: partition %d, Java picks %d",
                         murmur_vectors[v].key, counts[c], r.v[j].partition,
                         murmur_vectors[v].part[c]);
            cr_assert_eq(s[c][v].partition, r.v[j].partition);
        }
        pk_rows_free(&r);
    }
}

static int key_cmp_rows(const void *a, const void *b) {
    const row_t *x = a, *y = b;
    return strcmp(x->key, y->key);
}

Test(producer, random_keys_land_where_kcat_murmur2_random_puts_them, .timeout = 60) {
    enum { N = 1000, PARTS = 7 };
    char ta[96], tb[96];
    pk_topic_create(ta, sizeof ta, "xkcat", PARTS, NULL);
    pk_topic_create(tb, sizeof tb, "xkfk", PARTS, NULL);
    /* Random keys of 1..48 bytes, printable ASCII and bytes >= 0x80 (murmur2's tail and sign
     * handling), unique, never a tab or newline (kcat's delimiters). */
    char(*keys)[64] = calloc(N, sizeof *keys);
    uint32_t x = (uint32_t)getpid() * 2654435761u | 1;
    for (int i = 0; i < N; i++) {
        for (;;) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            int len = 1 + (int)(x % 48);
            for (int j = 0; j < len; j++) {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                uint32_t c = x % (94 + 128);
                keys[i][j] = (char)(c < 94 ? 0x21 + c : 0x80 + (c - 94));
            }
            keys[i][len] = 0;
            int dup = 0;
            for (int k = 0; k < i && !dup; k++)
                dup = !strcmp(keys[k], keys[i]);
            if (!dup)
                break;
        }
    }
    char path[] = "/tmp/kfk-xkeys-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    FILE *f = fdopen(fd, "w");
    for (int i = 0; i < N; i++)
        fprintf(f, "%s\t%d\n", keys[i], i);
    fclose(f);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "kcat -P -b '%s' -t '%s' -K '\\t' -X partitioner=murmur2_random -l '%s' "
             ">/dev/null 2>&1",
             kt_env_required("BOOTSTRAP"), ta, path);
    cr_assert_eq(system(cmd), 0, "kcat -P failed");
    unlink(path);

    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char val[16];
        int vl = snprintf(val, sizeof val, "%d", i);
        kfk_record_t rec = {
            tb, KFK_PARTITION_ANY, keys[i], strlen(keys[i]), val, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, (size_t)N);

    rows_t ra = pk_kcat_read(ta), rb = pk_kcat_read(tb);
    cr_assert_eq(ra.n, (size_t)N, "kcat's topic holds %zu records", ra.n);
    cr_assert_eq(rb.n, (size_t)N, "kfk's topic holds %zu records", rb.n);
    qsort(ra.v, ra.n, sizeof *ra.v, key_cmp_rows);
    qsort(rb.v, rb.n, sizeof *rb.v, key_cmp_rows);
    int differ = 0, spread[PARTS] = {0};
    for (int i = 0; i < N; i++) {
        cr_assert_str_eq(ra.v[i].key, rb.v[i].key);
        cr_assert_str_eq(ra.v[i].val, rb.v[i].val);
        if (ra.v[i].partition != rb.v[i].partition && differ++ < 5)
            fprintf(stderr, "key of record %s: kcat partition %d, kfk partition %d\n", ra.v[i].val,
                    ra.v[i].partition, rb.v[i].partition);
        spread[rb.v[i].partition]++;
    }
    cr_assert_eq(differ, 0, "%d of %d keys landed on another partition than kcat's", differ, N);
    for (int i = 0; i < PARTS; i++)
        cr_assert_gt(spread[i], 50, "partition %d got %d of 1000 keys", i, spread[i]);
    pk_rows_free(&ra);
    pk_rows_free(&rb);
    free(keys);
    free(s);
}

Test(producer, null_keys_spread_over_partitions_batch_by_batch, .timeout = 60) {
    enum { N = 20000, PARTS = 4 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "sticky", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"batch.size", "4096", NULL});
    sent_t *s = calloc(N, sizeof *s);
    char val[100];
    memset(val, 'n', sizeof val);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, val, sizeof val, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.ok, (size_t)N);
    int count[PARTS] = {0};
    for (int i = 0; i < N; i++)
        count[s[i].partition]++;
    for (int i = 0; i < PARTS; i++)
        cr_assert_gt(count[i], N / PARTS / 4, "partition %d got %d of %d null-key records", i,
                     count[i], N);
    /* Sticky: consecutive null-key records share a partition far more often than 1 in 4. */
    int same = 0;
    for (int i = 1; i < N; i++)
        same += s[i].partition == s[i - 1].partition;
    cr_assert_gt(same, N * 9 / 10, "only %d of %d neighbours share a partition", same, N);
    free(s);
}

/* ==== statistics =================================================================================
 */

Test(producer, statistics_count_acknowledged_records_per_partition, .timeout = 60) {
    enum { N = 3000, PARTS = 3 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "stats", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kt_stats_t st = {0};
    kfk_conf_t *c = kfk_conf_new();
    pk_conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
    pk_conf_set(c, "statistics.interval.ms", "50");
    kfk_conf_set_stats_cb(c, kt_stats_cb, &st);
    kfk_producer_t *p;
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, c, &p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    sent_t *s = calloc(N, sizeof *s);
    char key[16], val[100];
    memset(val, 'v', sizeof val);
    for (int i = 0; i < N; i++) {
        snprintf(key, sizeof key, "k%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, strlen(key), val, sizeof val, NULL, 0,
                            0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    cr_assert_eq(t.ok, (size_t)N);
    /* A document rendered after every record was reported. */
    int d0 = st.docs;
    uint64_t t0 = uv_now(&loop);
    while (st.docs < d0 + 1) {
        pk_run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 5000, "no statistics within 5 s");
    }
    json_t *doc = kt_stats_parse(&st);
    cr_assert_str_eq(kt_json_str(doc, "type"), "producer");
    cr_assert_eq(kt_json_int(doc, "txmsgs"), N, "%s", st.last);
    cr_assert_eq(kt_json_int(doc, "txmsg_errs"), 0);
    cr_assert_eq(kt_json_int(doc, "msg_cnt"), 0);
    cr_assert_eq(kt_json_int(doc, "msg_size"), 0);
    cr_assert_geq(kt_json_int(doc, "txmsg_bytes"), (json_int_t)N * (json_int_t)sizeof val);
    cr_assert_geq(kt_json_int(doc, "batches"), PARTS);
    cr_assert_geq(kt_json_int(doc, "requests"), 1);
    json_t *eos = json_object_get(doc, "eos");
    cr_assert_str_eq(kt_json_str(eos, "idemp_state"), "Assigned");
    cr_assert_geq(kt_json_int(eos, "producer_id"), 0);
    int want[PARTS] = {0};
    for (int i = 0; i < N; i++)
        want[s[i].partition]++;
    for (int i = 0; i < PARTS; i++) {
        json_t *tp = kt_stats_partition(doc, topic, i);
        cr_assert_eq(kt_json_int(tp, "txmsgs"), want[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "msgq_cnt"), 0);
        cr_assert_eq(kt_json_int(tp, "msgs_inflight"), 0);
        cr_assert_geq(kt_json_int(tp, "leader"), 0);
    }
    json_decref(doc);
    pk_close_all(&loop, p, -1, &t);
    kt_stats_free(&st);
    free(s);
}

/* ==== partition.by over msgpack =================================================================
 */

typedef struct ev {
    int kind;
    const char *s;
    int64_t i;
    uint64_t u;
    int n;
} ev_t;

static void pack_str(msgpack_packer *pk, const char *s) {
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static int pack_ev(msgpack_packer *pk, const void *obj, void *opaque) {
    (void)opaque;
    const ev_t *e = obj;
    switch (e->kind) {
    case 0: /* {"type": "signup", "user": {"id": S, "name": "n"}, "n": N} */
        msgpack_pack_map(pk, 3);
        pack_str(pk, "type");
        pack_str(pk, "signup");
        pack_str(pk, "user");
        msgpack_pack_map(pk, 2);
        pack_str(pk, "id");
        pack_str(pk, e->s);
        pack_str(pk, "name");
        pack_str(pk, "n");
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 1: /* {"n": N, "user": {"id": I}} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_int64(pk, e->i);
        return 0;
    case 2: /* {"a": {"x": [1, 2], "b": {"c": I}}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "a");
        msgpack_pack_map(pk, 2);
        pack_str(pk, "x");
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        msgpack_pack_int(pk, 2);
        pack_str(pk, "b");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "c");
        msgpack_pack_int64(pk, e->i);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 3: /* {"a": {"b": {"c": S}}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "a");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "b");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "c");
        pack_str(pk, e->s);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 4: /* {"user": {"id": U}, "n": N} */
        msgpack_pack_map(pk, 2);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_uint64(pk, e->u);
        pack_str(pk, "n");
        msgpack_pack_int(pk, e->n);
        return 0;
    case 5: /* {"user": {"id": [1, 2]}} */
        msgpack_pack_map(pk, 1);
        pack_str(pk, "user");
        msgpack_pack_map(pk, 1);
        pack_str(pk, "id");
        msgpack_pack_array(pk, 2);
        msgpack_pack_int(pk, 1);
        msgpack_pack_int(pk, 2);
        return 0;
    case 6: /* {"user": "scalar"} */
        msgpack_pack_map(pk, 1);
        pack_str(pk, "user");
        pack_str(pk, "scalar");
        return 0;
    default:
        return -1; /* the pack callback refuses */
    }
}

/* What kfk must send as the key of @p e: str(value) as Python would print it. */
static void expected_key(const ev_t *e, char *out, size_t cap) {
    if (e->kind == 0 || e->kind == 3)
        snprintf(out, cap, "%s", e->s);
    else if (e->kind == 4)
        snprintf(out, cap, "%llu", (unsigned long long)e->u);
    else
        snprintf(out, cap, "%lld", (long long)e->i);
}

static const char *path_of(int kind) {
    return kind == 2 || kind == 3 ? "a.b.c" : "user.id";
}

Test(producer, partition_by_takes_the_key_from_a_nested_msgpack_path, .timeout = 60) {
    enum { N = 600, PARTS = 6 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "pby", PARTS, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    static const int64_t ints[] = {0,        7, -7, 42, 12345, -2147483649LL, 9007199254740993LL,
                                   INT64_MIN};
    ev_t *evs = calloc(N, sizeof *evs);
    char(*strs)[32] = calloc(N, sizeof *strs);
    sent_t *s = calloc(N, sizeof *s);
    kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, NULL, 0, NULL, 0, 0};
    for (int i = 0; i < N; i++) {
        ev_t *e = &evs[i];
        e->kind = i % 5;
        e->n = i;
        snprintf(strs[i], sizeof strs[i], "user-%d", i * 7919 % 1000);
        e->s = strs[i];
        e->i = i < 8 * 5 ? ints[i / 5] : (int64_t)i * 1000003 - 300000000;
        e->u = i == 4 ? UINT64_MAX : (uint64_t)i * 0x9e3779b97f4a7c15ull;
        s[i].t = &t;
        kfk_err_t err = kfk_producer_send_msgpack(p, &rec, e, pack_ev, NULL, path_of(e->kind),
                                                  pk_on_delivery, &s[i]);
        cr_assert_eq(err, 0, "event %d (kind %d): %s", i, e->kind, kfk_err_name(err));
    }
    /* Refused with KFK_ERR__KEY_PATH and no callback: a missing path, a map, an array, a path
     * through a scalar; a refusing pack callback gives KFK_ERR__INVALID_ARG. */
    ev_t bad[] = {{0, "x", 0, 0, 0},  {0, "x", 0, 0, 0},  {5, NULL, 0, 0, 0},
                  {6, NULL, 0, 0, 0}, {1, NULL, 5, 0, 0}, {2, NULL, 5, 0, 0}};
    const char *bad_paths[] = {"user.email", "user", "user.id", "user.id", "user.id.x", "a.b"};
    sent_t bs[6] = {{0}};
    for (int i = 0; i < 6; i++) {
        bs[i].t = &t;
        kfk_err_t err = kfk_producer_send_msgpack(p, &rec, &bad[i], pack_ev, NULL, bad_paths[i],
                                                  pk_on_delivery, &bs[i]);
        cr_assert_eq(err, KFK_ERR__KEY_PATH, "path %s of kind %d: got %s", bad_paths[i],
                     bad[i].kind, kfk_err_name(err));
    }
    ev_t refuse = {99, NULL, 0, 0, 0};
    sent_t rs = {0};
    rs.t = &t;
    cr_assert_eq(
        kfk_producer_send_msgpack(p, &rec, &refuse, pack_ev, NULL, NULL, pk_on_delivery, &rs),
        KFK_ERR__INVALID_ARG);
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.reports, (size_t)N, "only accepted records are reported (%zu)", t.reports);
    cr_assert_eq(t.ok, (size_t)N);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(bs[i].calls, 0);
    cr_assert_eq(rs.calls, 0);

    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    char *seen = calloc(N, 1);
    for (size_t j = 0; j < r.n; j++) {
        row_t *w = &r.v[j];
        /* The value is the msgpack kfk packed: unpack it and find "n". */
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        size_t off = 0;
        cr_assert_eq(msgpack_unpack_next(&u, w->val, (size_t)w->vlen, &off),
                     MSGPACK_UNPACK_SUCCESS);
        cr_assert_eq(off, (size_t)w->vlen, "trailing bytes after the msgpack value");
        int n = -1;
        msgpack_object_map m = u.data.via.map;
        for (uint32_t k = 0; k < m.size; k++)
            if (m.ptr[k].key.via.str.size == 1 && m.ptr[k].key.via.str.ptr[0] == 'n')
                n = (int)m.ptr[k].val.via.i64;
        msgpack_unpacked_destroy(&u);
        cr_assert(n >= 0 && n < N && !seen[n], "record n=%d", n);
        seen[n] = 1;
        /* Packed again by the test: the same bytes. */
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        pack_ev(&pk, &evs[n], NULL);
        cr_assert_eq(sb.size, (size_t)w->vlen);
        cr_assert_eq(memcmp(sb.data, w->val, sb.size), 0, "value bytes of record %d differ", n);
        msgpack_sbuffer_destroy(&sb);
        char key[64];
        expected_key(&evs[n], key, sizeof key);
        cr_assert_str_eq(w->key, key, "kind %d", evs[n].kind);
        cr_assert_eq(w->partition, kfk_murmur2_partition(key, strlen(key), PARTS),
                     "key %s on partition %d", key, w->partition);
    }
    pk_rows_free(&r);
    free(seen);
    free(s);
    free(strs);
    free(evs);
}
