/*
 * topic_config.c: the topic configs the mock keeps from CreateTopics and checks on Produce, as
 * Kafka's LogValidator does: max.message.bytes (a batch larger than it is MESSAGE_TOO_LARGE)
 * and cleanup.policy=compact (a record without a key is INVALID_RECORD, the whole batch
 * refused). Other config names are accepted and ignored; no default limit applies when
 * max.message.bytes was not set.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock/mock_int.h"

/* The most a compressed batch may inflate to while its keys are checked. */
#define INFLATE_MAX ((size_t)64 << 20)

/* Whether @p s (@p len bytes) equals @p lit. */
static int eq(const char *s, size_t len, const char *lit) {
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

/* cleanup.policy: a comma-separated list of "compact" and "delete" (spaces around allowed). */
static int read_policy(kfk_str_t v, int *compact) {
    const char *p = v.ptr, *end = v.ptr + v.len;
    int n = 0;
    *compact = 0;
    while (p < end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *e = comma ? comma : end;
        const char *a = p;
        while (a < e && *a == ' ')
            a++;
        const char *b = e;
        while (b > a && b[-1] == ' ')
            b--;
        if (eq(a, (size_t)(b - a), "compact"))
            *compact = 1;
        else if (!eq(a, (size_t)(b - a), "delete"))
            return -1;
        n++;
        p = comma ? comma + 1 : end;
    }
    return n > 0 ? 0 : -1;
}

int16_t kfk__mock_topic_config_read(const kfk_array_t *configs, int32_t *max_message_bytes,
                                    int *compact, const char **why) {
    *max_message_bytes = -1;
    *compact = 0;
    for (int32_t i = 0; i < configs->count; i++) {
        const kfk_create_topics_request_creatable_topic_config_t *c =
            &KFK_ARRAY_AT(*configs, kfk_create_topics_request_creatable_topic_config_t, i);
        if (c->value.len < 0)
            continue; /* null: the default */
        if (kfk_str_eq(c->name, "max.message.bytes")) {
            char buf[16];
            char *endp = NULL;
            long long v = -1;
            if (c->value.len > 0 && (size_t)c->value.len < sizeof buf) {
                memcpy(buf, c->value.ptr, (size_t)c->value.len);
                buf[c->value.len] = '\0';
                errno = 0;
                v = strtoll(buf, &endp, 10);
                if (errno || *endp)
                    v = -1;
            }
            if (v < 0 || v > INT32_MAX) {
                *why = "Invalid value for configuration max.message.bytes: Not a number of type "
                       "INT from 0 to 2147483647";
                return KFK_ERR_INVALID_CONFIG;
            }
            *max_message_bytes = (int32_t)v;
        } else if (kfk_str_eq(c->name, "cleanup.policy")) {
            if (read_policy(c->value, compact) != 0) {
                *why = "Invalid value for configuration cleanup.policy: String must be one of: "
                       "compact, delete";
                return KFK_ERR_INVALID_CONFIG;
            }
        }
    }
    return 0;
}

/* Sets the batch-level refusal of record @p index (Produce v8+ carries record_errors). */
static void record_error(kfk__mreq_t *req, kfk_produce_response_partition_produce_response_t *op,
                         int32_t index, const char *message) {
    kfk_produce_response_batch_index_and_error_message_t *e =
        kfk_arena_alloc(&req->arena, sizeof *e);
    if (e) {
        memset(e, 0, sizeof *e);
        e->batch_index = index;
        e->batch_index_error_message = (kfk_str_t){NULL, -1};
        op->record_errors = (kfk_array_t){e, 1};
    }
    op->error_message = (kfk_str_t){message, (int32_t)strlen(message)};
}

int16_t kfk__mock_topic_check(kfk__mreq_t *req, const kfk__mtopic_t *t, const kfk_record_batch_t *b,
                              kfk_produce_response_partition_produce_response_t *op) {
    op->error_code = 0;
    if (t->max_message_bytes >= 0 && b->size > (size_t)t->max_message_bytes) {
        op->error_code = KFK_ERR_MESSAGE_TOO_LARGE;
        return op->error_code;
    }
    if (!t->compact)
        return 0;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_record_iter_t it;
    kfk_record_view_t rec;
    int32_t index = 0, keyless = -1;
    if (kfk_record_iter_init(&it, b, &out, INFLATE_MAX) == KFK_ERR_NONE) {
        while (keyless < 0 && kfk_record_iter_next(&it, &rec)) {
            if (rec.key.len < 0)
                keyless = index;
            index++;
        }
    }
    kfk_err_t err = it.err;
    kfk_wbuf_free(&out);
    if (err) {
        op->error_code = KFK_ERR_CORRUPT_MESSAGE;
    } else if (keyless >= 0) {
        op->error_code = KFK_ERR_INVALID_RECORD;
        record_error(req, op, keyless, "Compacted topic cannot accept message without key.");
    }
    return op->error_code;
}
