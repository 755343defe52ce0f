/*
 * serve.h: the server side of Kafka-framed TCP streams on libuv, with no Kafka semantics (the
 * mock cluster's brokers are built on it).
 *
 * kfk__listen_tcp binds and listens on an address (port 0: any free one). kfk__stream_accept
 * takes a connection off a listener as a stream that reads size-prefixed frames with the
 * framer (framer.h) and hands them over one at a time: a consumer that serves a frame later
 * pauses the stream, the frames that arrive meanwhile wait inside it and reading stops, and
 * kfk__stream_resume delivers the next. Writes are copied into an ordered queue; reading also
 * stops while more than a high-water mark of bytes waits to be written. So a peer that
 * pipelines requests or does not read its answers costs at most one read buffer and the
 * high-water mark. Every stream ends with one on_closed callback, after which it is freed.
 */
#ifndef KFK_EV_SERVE_H
#define KFK_EV_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "kfk/protocol.h"

/*
 * Initializes @p tcp on @p loop, binds it to @p ip : *@p port (0: any free port) and listens
 * with @p cb for connections; *@p port gets the bound port. KFK_ERR__TRANSPORT with the cause
 * in @p errstr when it cannot: @p tcp is initialized all the same, and the caller closes it
 * (uv_close) in both cases.
 */
kfk_err_t kfk__listen_tcp(uv_loop_t *loop, uv_tcp_t *tcp, const char *ip, int *port,
                          uv_connection_cb cb, char *errstr, size_t errstr_size);

typedef struct kfk__stream kfk__stream_t;

typedef struct kfk__stream_cbs {
    /* A complete frame (@p frame, @p len bytes without the size, becomes the callee's: free it
     * with kfk__free). Called only while the stream is not paused and not closing. */
    void (*on_frame)(kfk__stream_t *s, uint8_t *frame, size_t len, void *opaque);
    /* The peer ended the stream, or reading, writing or a frame's size failed: the stream is
     * closing already, and frames not delivered yet are dropped. Not called after
     * kfk__stream_close. */
    void (*on_end)(kfk__stream_t *s, void *opaque);
    /* The stream's handle closed; @p s is freed when this returns. Called once for every
     * stream kfk__stream_accept returned. */
    void (*on_closed)(kfk__stream_t *s, void *opaque);
} kfk__stream_cbs_t;

/*
 * Accepts a pending connection of @p server as a stream with frames of 4 .. @p max_frame
 * bytes, that stops reading while more than @p write_high bytes wait to be written; reading
 * starts at once. NULL when out of memory (nothing to close then); otherwise the stream, which
 * may already be closing when the accept failed (on_closed follows, on_end does not).
 */
kfk__stream_t *kfk__stream_accept(uv_stream_t *server, int64_t max_frame, size_t write_high,
                                  const kfk__stream_cbs_t *cbs, void *opaque);

/* Stops delivering frames (and reading) until kfk__stream_resume. */
void kfk__stream_pause(kfk__stream_t *s);

/* Delivers the frames that wait, in order, until the stream is paused again, then reads on.
 * Legal inside on_frame (the delivery then goes on when on_frame returns). */
void kfk__stream_resume(kfk__stream_t *s);

/* Queues a copy of @p len bytes, written after everything queued before. KFK_ERR__NOMEM or
 * KFK_ERR__TRANSPORT: the stream is closing and on_end has run when this returns.
 * KFK_ERR__DESTROYED once the stream is closing (nothing queued). */
kfk_err_t kfk__stream_write(kfk__stream_t *s, const void *p, size_t len);

/* Closes @p s: frames waiting are dropped and no more are delivered; with @p after_write the
 * bytes queued are written first. on_closed follows (never from inside this call). */
void kfk__stream_close(kfk__stream_t *s, int after_write);

#endif
