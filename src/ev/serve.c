/*
 * serve.c: TCP listeners and server-side framed streams (see serve.h).
 *
 * A stream reads into the unfilled tail of the frame being collected when a large one is under
 * way (kfk__framer_tail, no second copy), else into its own buffer fed to the framer. Complete
 * frames go to an inbox first; delivery takes them from there one at a time while the stream
 * is not paused. Reading runs only while nothing waits in the inbox, the stream is not paused
 * and the write queue is under its high-water mark.
 */
#include <stdio.h>
#include <string.h>

#include "ev/framer.h"
#include "ev/serve.h"
#include "protocol/mem.h"

#define READ_BUF 65536

typedef struct inframe {
    uint8_t *frame;
    size_t len;
    struct inframe *next;
} inframe_t;

struct kfk__stream {
    uv_tcp_t tcp;
    kfk__framer_t framer;
    kfk__stream_cbs_t cbs;
    void *opaque;
    size_t write_high;
    int paused;
    int delivering;
    int reading;
    int closing;           /* uv_close called, or waiting to (close_after_write) */
    int close_after_write; /* close once the queue is written */
    inframe_t *in_head, *in_tail;
    size_t queued; /* bytes handed to uv_write and not confirmed yet */
    int writes;
    uint8_t rbuf[READ_BUF];
};

typedef struct wreq {
    uv_write_t w;
    kfk__stream_t *s;
    size_t len;
    uint8_t data[];
} wreq_t;

kfk_err_t kfk__listen_tcp(uv_loop_t *loop, uv_tcp_t *tcp, const char *ip, int *port,
                          uv_connection_cb cb, char *errstr, size_t errstr_size) {
    uv_tcp_init(loop, tcp);
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(ip, *port, &addr);
    if (rc == 0)
        rc = uv_tcp_bind(tcp, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)tcp, 128, cb);
    struct sockaddr_in bound;
    int blen = sizeof bound;
    if (rc == 0)
        rc = uv_tcp_getsockname(tcp, (struct sockaddr *)&bound, &blen);
    if (rc != 0) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "cannot listen on %s:%d: %s", ip, *port, uv_strerror(rc));
        return KFK_ERR__TRANSPORT;
    }
    *port = ntohs(bound.sin_port);
    return KFK_ERR_NONE;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void free_inbox(kfk__stream_t *s) {
    while (s->in_head) {
        inframe_t *f = s->in_head;
        s->in_head = f->next;
        kfk__free(f->frame);
        kfk__free(f);
    }
    s->in_tail = NULL;
}

static void on_tcp_closed(uv_handle_t *h) {
    kfk__stream_t *s = h->data;
    free_inbox(s);
    kfk__framer_free(&s->framer);
    if (s->cbs.on_closed)
        s->cbs.on_closed(s, s->opaque);
    kfk__free(s);
}

static void really_close(kfk__stream_t *s) {
    s->closing = 1;
    s->close_after_write = 0;
    free_inbox(s);
    uv_close((uv_handle_t *)&s->tcp, on_tcp_closed);
}

/* The stream failed or ended: close it and say so. */
static void end(kfk__stream_t *s) {
    if (s->closing)
        return;
    really_close(s);
    if (s->cbs.on_end)
        s->cbs.on_end(s, s->opaque);
}

static void update_reading(kfk__stream_t *s) {
    if (s->closing)
        return;
    int want = !s->paused && !s->in_head && s->queued < s->write_high;
    if (want && !s->reading) {
        if (uv_read_start((uv_stream_t *)&s->tcp, on_alloc, on_read) != 0) {
            end(s);
            return;
        }
        s->reading = 1;
    } else if (!want && s->reading) {
        uv_read_stop((uv_stream_t *)&s->tcp);
        s->reading = 0;
    }
}

static void deliver(kfk__stream_t *s) {
    if (s->delivering)
        return;
    s->delivering = 1;
    while (!s->closing && !s->paused && s->in_head) {
        inframe_t *f = s->in_head;
        s->in_head = f->next;
        if (!s->in_head)
            s->in_tail = NULL;
        uint8_t *frame = f->frame;
        size_t len = f->len;
        kfk__free(f);
        s->cbs.on_frame(s, frame, len, s->opaque);
    }
    s->delivering = 0;
    update_reading(s);
}

static int on_frame(void *opaque, uint8_t *frame, size_t len) {
    kfk__stream_t *s = opaque;
    inframe_t *f = kfk__malloc(sizeof *f);
    if (!f) {
        kfk__free(frame);
        end(s);
        return 1;
    }
    f->frame = frame;
    f->len = len;
    f->next = NULL;
    if (s->in_tail)
        s->in_tail->next = f;
    else
        s->in_head = f;
    s->in_tail = f;
    return 0;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    kfk__stream_t *s = h->data;
    (void)suggested;
    uint8_t *p;
    size_t len;
    if (kfk__framer_tail(&s->framer, READ_BUF, &p, &len)) {
        *buf = uv_buf_init((char *)p, (unsigned)len);
        return;
    }
    *buf = uv_buf_init((char *)s->rbuf, sizeof s->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf) {
    kfk__stream_t *s = st->data;
    if (n < 0) {
        end(s);
        return;
    }
    if (n == 0 || s->closing)
        return;
    if ((uint8_t *)buf->base == s->rbuf) {
        if (kfk__framer_feed(&s->framer, s->rbuf, (size_t)n, on_frame, s, NULL, 0) !=
            KFK_ERR_NONE) {
            end(s);
            return;
        }
    } else {
        kfk__framer_filled(&s->framer, (size_t)n, on_frame, s);
    }
    if (!s->closing)
        deliver(s);
}

kfk__stream_t *kfk__stream_accept(uv_stream_t *server, int64_t max_frame, size_t write_high,
                                  const kfk__stream_cbs_t *cbs, void *opaque) {
    kfk__stream_t *s = kfk__calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cbs = *cbs;
    s->opaque = opaque;
    s->write_high = write_high;
    kfk__framer_init(&s->framer, max_frame);
    uv_tcp_init(server->loop, &s->tcp);
    s->tcp.data = s;
    if (uv_accept(server, (uv_stream_t *)&s->tcp) != 0) {
        really_close(s);
        return s;
    }
    uv_tcp_nodelay(&s->tcp, 1);
    update_reading(s);
    return s;
}

void kfk__stream_pause(kfk__stream_t *s) {
    s->paused = 1;
    update_reading(s);
}

void kfk__stream_resume(kfk__stream_t *s) {
    s->paused = 0;
    deliver(s);
}

static void on_write(uv_write_t *w, int status) {
    wreq_t *wr = (wreq_t *)w;
    kfk__stream_t *s = wr->s;
    s->queued -= wr->len;
    s->writes--;
    kfk__free(wr);
    if (s->close_after_write) {
        if (status < 0 || s->writes == 0)
            really_close(s);
        return;
    }
    if (s->closing)
        return;
    if (status < 0) {
        end(s);
        return;
    }
    update_reading(s);
}

kfk_err_t kfk__stream_write(kfk__stream_t *s, const void *p, size_t len) {
    if (s->closing)
        return KFK_ERR__DESTROYED;
    if (len == 0)
        return KFK_ERR_NONE;
    wreq_t *wr = kfk__malloc(sizeof *wr + len);
    if (!wr) {
        end(s);
        return KFK_ERR__NOMEM;
    }
    wr->s = s;
    wr->len = len;
    memcpy(wr->data, p, len);
    uv_buf_t buf = uv_buf_init((char *)wr->data, (unsigned)len);
    if (uv_write(&wr->w, (uv_stream_t *)&s->tcp, &buf, 1, on_write) != 0) {
        kfk__free(wr);
        end(s);
        return KFK_ERR__TRANSPORT;
    }
    s->queued += len;
    s->writes++;
    update_reading(s);
    return KFK_ERR_NONE;
}

void kfk__stream_close(kfk__stream_t *s, int after_write) {
    if (s->closing)
        return;
    if (after_write && s->writes > 0) {
        s->closing = 1;
        s->close_after_write = 1;
        free_inbox(s);
        if (s->reading) {
            uv_read_stop((uv_stream_t *)&s->tcp);
            s->reading = 0;
        }
        return;
    }
    really_close(s);
}
