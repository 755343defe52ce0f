/*
 * dump.c: `hostile --dump API [VERSION]`: a real answer of the mock, in hex, with the offsets
 * a `patch=OFFSET:HEX` fault counts (from the frame's first byte, its size field), so that a
 * case bends the byte it means to and not a guess.
 *
 * A one-broker mock with topic "t" (one partition, three records r1 r2 r3 produced first, as
 * the suite's cases have) is asked, over loopback by a raw client, ApiVersions v3 and then the
 * API named (ApiVersions, Metadata, Produce, Fetch, ListOffsets, FindCoordinator) at VERSION
 * (default:
 * the highest kfk speaks, which is what kfk asks the mock for). Each answer frame is printed as
 * rows of 16 bytes prefixed by their offset.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "hostile.h"
#include "kfk/mock.h"

typedef struct dump {
    uv_loop_t loop;
    kfk_mock_t *mock;
    uv_tcp_t tcp;
    uv_connect_t conn;
    uint8_t *in;
    size_t in_len, in_cap;
    int step; /* 0 ApiVersions, 1 Produce, 2 the API asked; 3 done */
    int16_t api, version;
    int print_all;
    int closed;
} dump_t;

static void print_frame(const char *what, const uint8_t *p, size_t n) {
    printf("%s: %zu bytes (offsets from the size field)\n", what, n);
    for (size_t i = 0; i < n; i += 16) {
        printf("  %5zu ", i);
        for (size_t j = i; j < i + 16 && j < n; j++)
            printf(" %02x", p[j]);
        printf("\n");
    }
}

static void on_write(uv_write_t *w, int status) {
    (void)status;
    free(w->data);
    free(w);
}

static void send_req(dump_t *d, int16_t api, int16_t version, const void *body) {
    kfk_request_header_t h = {api, version, 100 + d->step, KFK_STR("hostile-dump"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    if (kfk_request_encode(&w, &h, body) != KFK_ERR_NONE) {
        fprintf(stderr, "hostile --dump: cannot encode API %d v%d\n", api, version);
        exit(2);
    }
    size_t len = 0;
    uint8_t *p = kfk_wbuf_take(&w, &len);
    kfk_wbuf_free(&w);
    uv_write_t *wr = malloc(sizeof *wr);
    wr->data = p;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)len);
    uv_write(wr, (uv_stream_t *)&d->tcp, &b, 1, on_write);
}

/* The 3-record batch r1 r2 r3 the suite's cases start with. */
static kfk_bytes_t three_records(kfk_wbuf_t *buf) {
    kfk_record_batch_builder_t b;
    kfk_wbuf_init(buf);
    kfk_record_batch_builder_begin(&b, buf);
    for (int i = 1; i <= 3; i++) {
        char v[8];
        int n = snprintf(v, sizeof v, "r%d", i);
        kfk_record_batch_builder_append(&b, (kfk_bytes_t){NULL, -1},
                                        (kfk_bytes_t){(const uint8_t *)v, n}, NULL, 0,
                                        1700000000000LL + i);
    }
    kfk_record_batch_attrs_t attrs = KFK_RECORD_BATCH_ATTRS_INIT;
    kfk_record_batch_builder_finish(&b, &attrs);
    return (kfk_bytes_t){buf->data, (int32_t)buf->len};
}

static void send_next(dump_t *d) {
    kfk_wbuf_t batch;
    if (d->step == 0) {
        kfk_api_versions_request_t q;
        memset(&q, 0, sizeof q);
        q.client_software_name = KFK_STR("hostile");
        q.client_software_version = KFK_STR("1");
        send_req(d, KFK_API_API_VERSIONS, 3, &q);
    } else if (d->step == 1) {
        kfk_bytes_t recs = three_records(&batch);
        kfk_produce_request_partition_produce_data_t pd = {.index = 0, .records = recs};
        kfk_produce_request_topic_produce_data_t td = {.name = KFK_STR("t"),
                                                       .partition_data = {&pd, 1}};
        kfk_produce_request_t q = {
            .transactional_id = {NULL, -1}, .acks = 1, .timeout_ms = 1000, .topic_data = {&td, 1}};
        send_req(d, KFK_API_PRODUCE, 9, &q);
        kfk_wbuf_free(&batch);
    } else if (d->api == KFK_API_PRODUCE) {
        kfk_bytes_t recs = three_records(&batch);
        kfk_produce_request_partition_produce_data_t pd = {.index = 0, .records = recs};
        kfk_produce_request_topic_produce_data_t td = {.name = KFK_STR("t"),
                                                       .partition_data = {&pd, 1}};
        kfk_produce_request_t q = {
            .transactional_id = {NULL, -1}, .acks = 1, .timeout_ms = 1000, .topic_data = {&td, 1}};
        send_req(d, d->api, d->version, &q);
        kfk_wbuf_free(&batch);
    } else if (d->api == KFK_API_METADATA) {
        kfk_metadata_request_topic_t t;
        memset(&t, 0, sizeof t);
        t.name = KFK_STR("t");
        kfk_metadata_request_t q;
        memset(&q, 0, sizeof q);
        q.topics = (kfk_array_t){&t, 1};
        q.allow_auto_topic_creation = 1;
        send_req(d, d->api, d->version, &q);
    } else if (d->api == KFK_API_FETCH) {
        kfk_fetch_request_fetch_partition_t fp = {.partition = 0,
                                                  .current_leader_epoch = -1,
                                                  .fetch_offset = 0,
                                                  .last_fetched_epoch = -1,
                                                  .log_start_offset = -1,
                                                  .partition_max_bytes = 1 << 20};
        kfk_fetch_request_fetch_topic_t ft = {.topic = KFK_STR("t"), .partitions = {&fp, 1}};
        kfk_fetch_request_t q = {.cluster_id = {NULL, -1},
                                 .replica_id = -1,
                                 .max_wait_ms = 0,
                                 .min_bytes = 1,
                                 .max_bytes = 1 << 20,
                                 .session_epoch = -1,
                                 .topics = {&ft, 1},
                                 .rack_id = {"", 0}};
        send_req(d, d->api, d->version, &q);
    } else if (d->api == KFK_API_LIST_OFFSETS) {
        kfk_list_offsets_request_list_offsets_partition_t lp = {
            .partition_index = 0, .current_leader_epoch = -1, .timestamp = -1};
        kfk_list_offsets_request_list_offsets_topic_t lt = {.name = KFK_STR("t"),
                                                            .partitions = {&lp, 1}};
        kfk_list_offsets_request_t q = {.replica_id = -1, .topics = {&lt, 1}};
        send_req(d, d->api, d->version, &q);
    } else if (d->api == KFK_API_FIND_COORDINATOR) {
        kfk_find_coordinator_request_t q;
        memset(&q, 0, sizeof q);
        q.key = KFK_STR("g");
        send_req(d, d->api, d->version, &q);
    } else {
        kfk_api_versions_request_t q;
        memset(&q, 0, sizeof q);
        q.client_software_name = KFK_STR("hostile");
        q.client_software_version = KFK_STR("1");
        send_req(d, d->api, d->version, &q);
    }
}

static void on_closed(uv_handle_t *h) {
    ((dump_t *)h->data)->closed = 1;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    dump_t *d = h->data;
    if (d->in_cap - d->in_len < suggested) {
        d->in_cap = d->in_len + suggested;
        d->in = realloc(d->in, d->in_cap);
    }
    b->base = (char *)d->in + d->in_len;
    b->len = d->in_cap - d->in_len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    dump_t *d = s->data;
    (void)b;
    if (n < 0) {
        fprintf(stderr, "hostile --dump: the mock closed the connection\n");
        uv_close((uv_handle_t *)s, on_closed);
        return;
    }
    d->in_len += (size_t)n;
    while (d->in_len >= 4) {
        size_t size =
            (size_t)d->in[0] << 24 | (size_t)d->in[1] << 16 | (size_t)d->in[2] << 8 | d->in[3];
        if (d->in_len < 4 + size)
            return;
        if (d->step == 2 || (d->step == 0 && d->print_all))
            print_frame(d->step == 0 ? "ApiVersions v3 answer" : "answer", d->in, 4 + size);
        memmove(d->in, d->in + 4 + size, d->in_len - 4 - size);
        d->in_len -= 4 + size;
        if (++d->step == 3) {
            uv_close((uv_handle_t *)s, on_closed);
            return;
        }
        send_next(d);
    }
}

static void on_connect(uv_connect_t *c, int status) {
    dump_t *d = c->data;
    if (status < 0) {
        fprintf(stderr, "hostile --dump: connect: %s\n", uv_strerror(status));
        uv_close((uv_handle_t *)&d->tcp, on_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&d->tcp, on_alloc, on_read);
    send_next(d);
}

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

int hostile_dump(int argc, char **argv) {
    dump_t d;
    char errstr[256];
    size_t n = 0;
    const kfk_api_t *apis = kfk_api_list(&n);
    memset(&d, 0, sizeof d);
    signal(SIGPIPE, SIG_IGN);
    d.api = -1;
    for (size_t i = 0; argc > 0 && i < n; i++) {
        if (!strcasecmp(argv[0], apis[i].name)) {
            d.api = apis[i].key;
            d.version = apis[i].max_version;
        }
    }
    if (d.api < 0) {
        fprintf(stderr, "usage: hostile --dump API [VERSION] (API: ApiVersions, Metadata, Produce, "
                        "Fetch, ListOffsets, FindCoordinator)\n");
        return 2;
    }
    if (argc > 1)
        d.version = (int16_t)strtol(argv[1], NULL, 10);
    printf("%s v%d from a one-broker mock (topic t, 1 partition, records r1 r2 r3)\n", argv[0],
           d.version);
    uv_loop_init(&d.loop);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    if (kfk_mock_new(&d.loop, &o, &d.mock, errstr, sizeof errstr) != KFK_ERR_NONE) {
        fprintf(stderr, "hostile --dump: %s\n", errstr);
        return 2;
    }
    kfk_mock_topic_create(d.mock, "t", 1, 1);
    const char *boot = kfk_mock_bootstrap(d.mock);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", atoi(strchr(boot, ':') + 1), &a);
    uv_tcp_init(&d.loop, &d.tcp);
    d.tcp.data = &d;
    d.conn.data = &d;
    uv_tcp_connect(&d.conn, &d.tcp, (const struct sockaddr *)&a, on_connect);
    while (!d.closed)
        uv_run(&d.loop, UV_RUN_ONCE);
    kfk_mock_close(d.mock, on_mock_closed, NULL);
    uv_run(&d.loop, UV_RUN_DEFAULT);
    free(d.in);
    return uv_loop_close(&d.loop) == 0 && d.step == 3 ? 0 : 1;
}
