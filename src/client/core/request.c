/*
 * request.c: the one response path of src/client. A request goes out with its API key; the
 * answer comes back here, is decoded with that API's decoder (kfk_response_decode) into an
 * arena, and its failure, if any, is classified once (retry, malformed, fatal) with a message
 * that names the API, the version, the broker and the cause. Handlers receive a kfk__resp_t:
 * a decoded body or a classified error, never raw bytes, and never free anything unless they
 * keep the frame and arena (kfk__resp_keep) for zero-copy records.
 */
#include <stdio.h>
#include <string.h>

#include "client/core/client.h"
#include "protocol/mem.h"

typedef struct {
    kfk__broker_t *b;
    int16_t api_key;
    int16_t version;
    kfk__response_cb cb;
    void *opaque;
} request_t;

static const char *api_name(int16_t api_key) {
    const kfk_api_t *api = kfk_api_get(api_key);
    return api ? api->name : "unknown API";
}

static kfk__resp_class_t classify(kfk_err_t err) {
    if (err == KFK_ERR_NONE)
        return KFK__RESP_OK;
    if (err == KFK_ERR__BAD_MSG)
        return KFK__RESP_MALFORMED;
    if (err == KFK_ERR__DESTROYED || err == KFK_ERR__NOMEM || kfk_err_is_fatal(err))
        return KFK__RESP_FATAL;
    return KFK__RESP_RETRY;
}

static void on_frame(kfk__conn_t *c, kfk_err_t err, uint8_t *frame, size_t len, void *opaque) {
    request_t rq = *(request_t *)opaque;
    kfk__free(opaque);

    kfk__resp_t r;
    memset(&r, 0, sizeof r);
    r.broker = rq.b;
    r.api_key = rq.api_key;
    r.version = rq.version;
    r.frame = frame;
    r.len = len;
    r.crc_blocks = frame && c ? kfk__conn_frame_blocks(c, frame, &r.crc_nblocks) : NULL;
    r.msg = "";
    kfk_arena_init(&r.arena);
    if (err) {
        snprintf(r.msg_buf, sizeof r.msg_buf, "%s v%d request to broker %d: %s",
                 api_name(rq.api_key), rq.version, rq.b->node_id, kfk_err_str(err));
    } else if (frame) {
        kfk_decode_error_t de;
        memset(&de, 0, sizeof de);
        err = kfk_response_decode_ex(frame, len, rq.api_key, rq.version, NULL, &r.arena, &r.body,
                                     &de);
        if (err) {
            /* Where and what: the offset counts from the first byte of the frame's 4-byte
             * size, as `kfk mock --fault patch=OFFSET:HEX` does. */
            r.body = NULL;
            int n =
                snprintf(r.msg_buf, sizeof r.msg_buf, "malformed %s v%d response from broker %d ",
                         api_name(rq.api_key), rq.version, rq.b->node_id);
            if (n > 0 && (size_t)n < sizeof r.msg_buf)
                kfk_decode_error_format(&de, 4, r.msg_buf + n, sizeof r.msg_buf - (size_t)n);
            /* Whatever did not decode is the broker's fault, not a retriable condition of
             * the cluster: one class for every decoder failure. */
            if (err != KFK_ERR__NOMEM)
                err = KFK_ERR__BAD_MSG;
        }
    }
    r.err = err;
    r.cls = classify(err);
    if (err)
        r.msg = r.msg_buf;
    /* The broker's health: an answer that decoded resets its reconnect backoff; one that did
     * not fails its connection (client.c), so a lying broker meets the backoff schedule. */
    if (frame)
        kfk__broker_answered(rq.b, err, r.msg);
    rq.cb(&r, rq.opaque);
    /* What the handler kept (kfk__resp_keep) is NULL here. */
    kfk_arena_free(&r.arena);
    kfk__free(r.frame);
}

/* The highest version kfk's client sends of an API whose newer versions the client does not
 * follow, whatever the codec speaks and the broker offers. EndTxn v5 and TxnOffsetCommit v5 are
 * "transaction version 2" (KIP-890 part 2), which also needs Produce v12: kfk's producer
 * stops at Produce v11, so it stays at transaction version 1, as Java's client does when the
 * cluster has not finalized transaction.version 2. AddPartitionsToTxn v4+ is for brokers only. */
static const struct {
    int16_t api_key, max;
} version_caps[] = {
    {KFK_API_END_TXN, 4},
    {KFK_API_TXN_OFFSET_COMMIT, 4},
    {KFK_API_ADD_PARTITIONS_TO_TXN, 3},
};

int16_t kfk__api_version_cap(int16_t api_key, int16_t version) {
    for (size_t i = 0; i < sizeof version_caps / sizeof version_caps[0]; i++)
        if (version_caps[i].api_key == api_key && version > version_caps[i].max)
            return version_caps[i].max;
    return version;
}

kfk_err_t kfk__broker_request(kfk__broker_t *b, int16_t api_key, const void *body, unsigned flags,
                              int64_t timeout_ms, kfk__response_cb cb, void *opaque) {
    if (!b->up || !b->conn)
        return KFK_ERR__TRANSPORT;
    int16_t v = kfk__api_version_cap(api_key, kfk__conn_version(b->conn, api_key));
    if (v < 0)
        return KFK_ERR__NO_COMMON_VERSION;
    request_t *rq = kfk__malloc(sizeof *rq);
    if (!rq)
        return KFK_ERR__NOMEM;
    *rq = (request_t){b, api_key, v, cb, opaque};
    kfk_err_t err = kfk__conn_send(b->conn, api_key, v, body, flags, timeout_ms, on_frame, rq);
    if (err)
        kfk__free(rq);
    return err;
}

const char *kfk__resp_cause(const kfk__resp_t *r, kfk_err_t err, char *buf, size_t size) {
    if (r->err)
        snprintf(buf, size, "%s", r->msg);
    else
        snprintf(buf, size, "%s answered %s (%s)", api_name(r->api_key), kfk_err_name(err),
                 kfk_err_str(err));
    return buf;
}

void kfk__resp_keep(kfk__resp_t *r, uint8_t **frame, kfk_arena_t *arena) {
    if (frame) {
        *frame = r->frame;
        r->frame = NULL;
    }
    if (arena) {
        *arena = r->arena;
        kfk_arena_init(&r->arena);
    }
}
