/*
 * consumer_protocol.c: the consumer protocol blobs (ConsumerProtocolSubscription.json and
 * ConsumerProtocolAssignment.json, versions 0-3). A blob is an int16 version followed by a
 * never-flexible struct, walked by the generic codec (schema.c) from the tables below.
 *
 * Kafka only ever appends fields to these structs, so a reader parses a newer blob with its own
 * newest layout and ignores what follows (Java's ConsumerProtocol does the same). kfk is stricter
 * for the versions it knows: a v0-3 blob must end where its struct ends.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_consumer_protocol_subscription_topic_partition_t
KFK_SCHEMA_DEFINE(kfk_consumer_protocol_subscription_topic_partition,
                  KFK_CONSUMER_PROTOCOL_SUBSCRIPTION_TOPIC_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_protocol_subscription_t
KFK_SCHEMA_DEFINE(kfk_consumer_protocol_subscription, KFK_CONSUMER_PROTOCOL_SUBSCRIPTION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_protocol_assignment_topic_partition_t
KFK_SCHEMA_DEFINE(kfk_consumer_protocol_assignment_topic_partition,
                  KFK_CONSUMER_PROTOCOL_ASSIGNMENT_TOPIC_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_protocol_assignment_t
KFK_SCHEMA_DEFINE(kfk_consumer_protocol_assignment, KFK_CONSUMER_PROTOCOL_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

/* Writes the version prefix and the struct of @p msg at @p version (0 to the newest). */
static kfk_err_t blob_encode(const kfk_schema_t *schema, const void *msg, int16_t version,
                             kfk_wbuf_t *w) {
    if (!msg || !w || version < 0 || version > KFK_CONSUMER_PROTOCOL_MAX_VERSION)
        return KFK_ERR__INVALID_ARG;
    if (w->err)
        return w->err;
    kfk_wbuf_put_int16(w, version);
    return kfk_schema_encode(schema, version, false, msg, w);
}

/* Reads the version prefix, then the struct with the layout of min(version, newest known). */
static kfk_err_t blob_decode(const kfk_schema_t *schema, const uint8_t *data, size_t len,
                             kfk_arena_t *arena, void *out, int16_t *version) {
    if ((!data && len) || !arena || !out)
        return KFK_ERR__INVALID_ARG;
    if (!data)
        return KFK_ERR__BAD_MSG; /* no bytes: not even a version */
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, data, len);
    int16_t v = kfk_rbuf_get_int16(&r);
    if (r.err || v < 0)
        return KFK_ERR__BAD_MSG;
    int16_t layout = v > KFK_CONSUMER_PROTOCOL_MAX_VERSION ? KFK_CONSUMER_PROTOCOL_MAX_VERSION : v;
    kfk_err_t err = kfk_schema_decode(schema, layout, false, &r, arena, out);
    if (err)
        return err;
    if (v <= KFK_CONSUMER_PROTOCOL_MAX_VERSION && kfk_rbuf_left(&r))
        return KFK_ERR__BAD_MSG;
    if (version)
        *version = v;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_consumer_subscription_encode(const kfk_consumer_protocol_subscription_t *s,
                                           int16_t version, kfk_wbuf_t *w) {
    return blob_encode(&kfk_consumer_protocol_subscription_schema, s, version, w);
}

kfk_err_t kfk_consumer_subscription_decode(const uint8_t *data, size_t len, kfk_arena_t *arena,
                                           kfk_consumer_protocol_subscription_t *out,
                                           int16_t *version) {
    return blob_decode(&kfk_consumer_protocol_subscription_schema, data, len, arena, out, version);
}

kfk_err_t kfk_consumer_assignment_encode(const kfk_consumer_protocol_assignment_t *a,
                                         int16_t version, kfk_wbuf_t *w) {
    return blob_encode(&kfk_consumer_protocol_assignment_schema, a, version, w);
}

kfk_err_t kfk_consumer_assignment_decode(const uint8_t *data, size_t len, kfk_arena_t *arena,
                                         kfk_consumer_protocol_assignment_t *out,
                                         int16_t *version) {
    return blob_decode(&kfk_consumer_protocol_assignment_schema, data, len, arena, out, version);
}
