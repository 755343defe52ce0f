/*
 * fuzz_mock.c: libFuzzer target for the mock cluster's request handling (src/mock). The input
 * is what a client would send on one connection: request frames, each a 4-byte big-endian size
 * and then the frame (header and body), read until the input ends or a size does not fit. Each
 * input gets a fresh 1-broker mock (kfk_mock_new on a loop of its own; no client socket): every
 * frame kfk_request_decode accepts goes to the handler of its API, as server.c dispatches it,
 * and the answer it builds must encode at the request's version (kfk_response_encode), the bytes
 * server.c would send. Answers held for later (a Fetch long poll, a JoinGroup or SyncGroup
 * waiting for the rebalance) are answered by the loop's next turns or dropped by the close.
 * An input with a SaslHandshake gets a mock with a user (PLAIN, SCRAM-SHA-256), so that the
 * SASL exchanges of sasl.c are fuzzed too, on one SASL state as on one connection.
 * Nothing may crash, leak, or allocate without a bound the mock sets (libFuzzer's malloc limit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "kfk/mock.h"
#include "mock/mock_int.h"
#include "protocol/mem.h"

#define MAX_FRAMES 64

/* Encodes an answer as server.c does; one that does not encode is a bug in a handler. */
static void on_reply(kfk__mreq_t *req, const void *resp, void *opaque) {
    (void)opaque;
    if (!resp)
        return; /* no answer (acks=0) or dropped by the close */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    if (kfk_response_encode(&w, req->hdr.api_key, req->hdr.api_version, req->hdr.correlation_id,
                            resp) != KFK_ERR_NONE)
        abort();
    kfk_wbuf_free(&w);
}

static void on_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    *(int *)opaque = 1;
}

/* Serves one frame (copied: the request owns its bytes, as server.c's do); @p sasl is the
 * input's SASL state slot (one connection). */
static void serve(kfk_mock_t *m, const uint8_t *p, size_t len, void **sasl) {
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    uint8_t *frame = kfk__malloc(len ? len : 1);
    if (!req || !frame) {
        kfk__free(req);
        kfk__free(frame);
        return;
    }
    memcpy(frame, p, len);
    req->m = m;
    req->broker = kfk__mock_broker(m, 1);
    req->frame = frame;
    req->len = len;
    req->reply_hook = on_reply;
    req->sasl_slot = sasl;
    kfk_arena_init(&req->arena);
    kfk__mock_handler_t h = NULL;
    if (kfk_request_decode(frame, len, &req->hdr, &req->arena, &req->body) == KFK_ERR_NONE)
        h = kfk__mock_handler_of(req->hdr.api_key);
    if (!h) {
        kfk__mock_reply(req, NULL); /* server.c closes the connection here */
        return;
    }
    void *resp = NULL;
    int r = h(req, &resp);
    if (r != KFK__MOCK_LATER)
        kfk__mock_reply(req, r == KFK__MOCK_REPLY ? resp : NULL);
}

/* Whether the input holds a SaslHandshake frame (then the mock gets users: deriving their
 * SCRAM keys costs a millisecond, too much for every input). */
static int wants_sasl(const uint8_t *data, size_t size) {
    for (size_t at = 0; size - at >= 6;) {
        uint32_t len = (uint32_t)data[at] << 24 | (uint32_t)data[at + 1] << 16 |
                       (uint32_t)data[at + 2] << 8 | data[at + 3];
        if ((data[at + 4] << 8 | data[at + 5]) == KFK_API_SASL_HANDSHAKE)
            return 1;
        if (len > size - at - 4)
            return 0;
        at += 4 + (size_t)len;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0)
        abort();
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.log_cap_bytes = 1 << 20;
    static const kfk_mock_user_t users[] = {
        {"alice", "alice-secret", KFK_MOCK_SASL_PLAIN | KFK_MOCK_SASL_SCRAM_SHA_256}};
    if (wants_sasl(data, size)) {
        o.users = users;
        o.nusers = 1;
    }
    void *sasl = NULL;
    kfk_mock_t *m = NULL;
    char err[256];
    if (kfk_mock_new(&loop, &o, &m, err, sizeof err) != KFK_ERR_NONE)
        abort();
    size_t at = 0;
    for (int n = 0; n < MAX_FRAMES && size - at >= 4; n++) {
        uint32_t len = (uint32_t)data[at] << 24 | (uint32_t)data[at + 1] << 16 |
                       (uint32_t)data[at + 2] << 8 | data[at + 3];
        at += 4;
        if (len > size - at)
            break;
        serve(m, data + at, len, &sasl);
        at += len;
        uv_run(&loop, UV_RUN_NOWAIT); /* what is due now: held answers released by this one */
    }
    kfk__mock_sasl_conn_free(sasl);
    int closed = 0;
    kfk_mock_close(m, on_closed, &closed);
    for (int i = 0; i < 1000 && !closed; i++)
        uv_run(&loop, UV_RUN_ONCE);
    if (!closed || uv_loop_close(&loop) != 0)
        abort();
    return 0;
}
