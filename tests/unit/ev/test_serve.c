/*
 * test_serve.c: src/ev/serve.c's listener and server-side framed streams over loopback, with a
 * raw uv_tcp client: pipelined frames delivered one at a time while the consumer pauses, in
 * order, answers written in order, a close after writing that still sends everything, a frame
 * over the size limit and a peer's end both ending the stream, and exactly one on_closed for
 * each stream. Every test ends with uv_loop_close(loop) == 0.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "ev/serve.h"
#include "protocol/mem.h"

#define DEADLINE_MS 5000

typedef struct server {
    uv_loop_t loop;
    uv_tcp_t listener;
    int port;
    kfk__stream_t *s;
    int64_t max_frame;
    int pause_each; /* on_frame pauses the stream */
    int echo;       /* on_frame writes the frame back, framed */
    int frames;
    uint8_t last[64];
    size_t order[16];
    int ends, closed;
    /* the client */
    uv_tcp_t c;
    uv_connect_t creq;
    int connected, eof, cclosed;
    uint8_t in[4096];
    size_t in_len;
} server_t;

static int timed_out;

static void on_deadline(uv_timer_t *t) {
    (void)t;
    timed_out = 1;
}

static int run_until(uv_loop_t *loop, const int *flag, int want) {
    uv_timer_t t;
    timed_out = 0;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_deadline, DEADLINE_MS, 0);
    while (*flag < want && !timed_out)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return *flag >= want;
}

static void on_frame(kfk__stream_t *s, uint8_t *frame, size_t len, void *opaque) {
    server_t *sv = opaque;
    if (sv->pause_each)
        kfk__stream_pause(s);
    if (sv->frames < 16)
        sv->order[sv->frames] = len;
    memcpy(sv->last, frame, len < sizeof sv->last ? len : sizeof sv->last);
    sv->frames++;
    if (sv->echo) {
        uint8_t hdr[4] = {0, 0, 0, (uint8_t)len};
        cr_assert_eq(kfk__stream_write(s, hdr, 4), KFK_ERR_NONE);
        cr_assert_eq(kfk__stream_write(s, frame, len), KFK_ERR_NONE);
    }
    kfk__free(frame);
}

static void on_end(kfk__stream_t *s, void *opaque) {
    (void)s;
    ((server_t *)opaque)->ends++;
}

static void on_closed(kfk__stream_t *s, void *opaque) {
    server_t *sv = opaque;
    cr_assert_eq(s, sv->s);
    sv->closed++;
}

static const kfk__stream_cbs_t cbs = {on_frame, on_end, on_closed};

static void on_connection(uv_stream_t *l, int status) {
    server_t *sv = l->data;
    cr_assert_eq(status, 0);
    cr_assert_null(sv->s);
    sv->s = kfk__stream_accept(l, sv->max_frame, 1 << 20, &cbs, sv);
    cr_assert_not_null(sv->s);
}

static void on_client_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    server_t *sv = h->data;
    (void)suggested;
    *buf = uv_buf_init((char *)sv->in + sv->in_len, (unsigned)(sizeof sv->in - sv->in_len));
}

static void on_client_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
    server_t *sv = st->data;
    (void)buf;
    if (n < 0) {
        sv->eof = 1;
        uv_read_stop(st);
        return;
    }
    sv->in_len += (size_t)n;
}

static void on_connect(uv_connect_t *r, int status) {
    server_t *sv = r->data;
    cr_assert_eq(status, 0);
    sv->connected = 1;
    uv_read_start((uv_stream_t *)&sv->c, on_client_alloc, on_client_read);
}

static void start(server_t *sv, int64_t max_frame) {
    memset(sv, 0, sizeof *sv);
    sv->max_frame = max_frame;
    cr_assert_eq(uv_loop_init(&sv->loop), 0);
    char err[128];
    cr_assert_eq(kfk__listen_tcp(&sv->loop, &sv->listener, "127.0.0.1", &sv->port, on_connection,
                                 err, sizeof err),
                 KFK_ERR_NONE, "%s", err);
    cr_assert_gt(sv->port, 0);
    sv->listener.data = sv;
    uv_tcp_init(&sv->loop, &sv->c);
    sv->c.data = sv;
    sv->creq.data = sv;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", sv->port, &a);
    uv_tcp_connect(&sv->creq, &sv->c, (const struct sockaddr *)&a, on_connect);
    cr_assert(run_until(&sv->loop, &sv->connected, 1));
}

static void on_written(uv_write_t *w, int status) {
    (void)status;
    free(w);
}

static void client_send(server_t *sv, const void *p, size_t len) {
    uv_write_t *w = malloc(sizeof *w + len);
    memcpy(w + 1, p, len);
    uv_buf_t b = uv_buf_init((char *)(w + 1), (unsigned)len);
    cr_assert_eq(uv_write(w, (uv_stream_t *)&sv->c, &b, 1, on_written), 0);
}

static void on_cclosed(uv_handle_t *h) {
    ((server_t *)h->data)->cclosed = 1;
}

static void finish(server_t *sv) {
    if (!sv->cclosed)
        uv_close((uv_handle_t *)&sv->c, on_cclosed);
    uv_close((uv_handle_t *)&sv->listener, NULL);
    if (sv->s && !sv->closed)
        kfk__stream_close(sv->s, 0);
    uv_run(&sv->loop, UV_RUN_DEFAULT);
    cr_assert_eq(sv->closed, sv->s ? 1 : 0, "one on_closed per stream");
    cr_assert_eq(uv_loop_close(&sv->loop), 0);
}

/* Three frames of 4, 5 and 6 bytes in one write. */
static const uint8_t three[] = {
    0, 0, 0, 4, 'a', 0,   0,   0,       /* 8 */
    0, 0, 0, 5, 'b', 'b', 0,   0, 0,    /* 9 */
    0, 0, 0, 6, 'c', 'c', 'c', 0, 0, 0, /* 10 */
};

Test(ev_serve, delivers_pipelined_frames_one_at_a_time_while_paused) {
    server_t sv;
    start(&sv, 1024);
    sv.pause_each = 1;
    client_send(&sv, three, sizeof three);
    cr_assert(run_until(&sv.loop, &sv.frames, 1));
    for (int i = 0; i < 5; i++)
        uv_run(&sv.loop, UV_RUN_NOWAIT);
    cr_assert_eq(sv.frames, 1, "nothing more while paused");
    cr_assert_eq(sv.last[0], 'a');
    kfk__stream_resume(sv.s);
    cr_assert_eq(sv.frames, 2, "resume delivers the next waiting frame at once");
    cr_assert_eq(sv.last[0], 'b');
    sv.pause_each = 0;
    kfk__stream_resume(sv.s);
    cr_assert_eq(sv.frames, 3);
    cr_assert_eq(sv.order[0], 4);
    cr_assert_eq(sv.order[1], 5);
    cr_assert_eq(sv.order[2], 6);
    finish(&sv);
}

Test(ev_serve, writes_answers_in_order_and_closes_after_writing) {
    server_t sv;
    start(&sv, 1024);
    sv.echo = 1;
    client_send(&sv, three, sizeof three);
    cr_assert(run_until(&sv.loop, &sv.frames, 3));
    kfk__stream_close(sv.s, 1);
    cr_assert_eq(kfk__stream_write(sv.s, "x", 1), KFK_ERR__DESTROYED);
    cr_assert(run_until(&sv.loop, &sv.eof, 1));
    cr_assert_eq(sv.in_len, sizeof three, "everything queued was written before the close");
    cr_assert_arr_eq(sv.in, three, sizeof three);
    cr_assert_eq(sv.ends, 0, "a close asked for is not an end");
    finish(&sv);
}

Test(ev_serve, ends_the_stream_on_a_frame_over_the_limit) {
    server_t sv;
    start(&sv, 5);
    client_send(&sv, three, sizeof three);
    cr_assert(run_until(&sv.loop, &sv.ends, 1));
    cr_assert_eq(sv.frames, 0,
                 "the stream ends at once: frames read with the bad size are "
                 "dropped, their answers could not be sent");
    cr_assert(run_until(&sv.loop, &sv.eof, 1));
    cr_assert(run_until(&sv.loop, &sv.closed, 1));
    finish(&sv);
}

Test(ev_serve, ends_the_stream_when_the_peer_does) {
    server_t sv;
    start(&sv, 1024);
    client_send(&sv, three, 9); /* one frame, and a size cut in half */
    uv_close((uv_handle_t *)&sv.c, on_cclosed);
    cr_assert(run_until(&sv.loop, &sv.ends, 1));
    cr_assert_eq(sv.frames, 1);
    cr_assert(run_until(&sv.loop, &sv.closed, 1));
    finish(&sv);
}

Test(ev_serve, refuses_a_port_in_use_with_the_cause) {
    server_t sv;
    start(&sv, 1024);
    uv_tcp_t other;
    int port = sv.port;
    char err[128];
    cr_assert_eq(
        kfk__listen_tcp(&sv.loop, &other, "127.0.0.1", &port, on_connection, err, sizeof err),
        KFK_ERR__TRANSPORT);
    cr_assert(strstr(err, "cannot listen on 127.0.0.1:"), "%s", err);
    uv_close((uv_handle_t *)&other, NULL);
    finish(&sv);
}
