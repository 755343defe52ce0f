/*
 * conf.h: the internal layout of kfk_conf_t (typed fields generated from conf_props.h) and
 * the enums its ENUM properties store.
 */
#ifndef KFK_CLIENT_CONF_H
#define KFK_CLIENT_CONF_H

#include <stdint.h>

#include "kfk/kfk.h"
#include "client/core/conf_props.h"

#define CONF_SECRET 0x1

enum { KFK_SEC_PLAINTEXT, KFK_SEC_SSL, KFK_SEC_SASL_PLAINTEXT, KFK_SEC_SASL_SSL };
enum { KFK_SSL_ENDPOINT_HTTPS, KFK_SSL_ENDPOINT_NONE };
enum { KFK_SASL_PLAIN, KFK_SASL_SCRAM_SHA_256, KFK_SASL_SCRAM_SHA_512 };
enum { KFK_ACKS_ALL, KFK_ACKS_MINUS_ONE, KFK_ACKS_0, KFK_ACKS_1 };
enum { KFK_PARTITIONER_MURMUR2_RANDOM, KFK_PARTITIONER_MURMUR2, KFK_PARTITIONER_RANDOM };
enum {
    KFK_RESET_LATEST,
    KFK_RESET_EARLIEST,
    KFK_RESET_ERROR,
    KFK_RESET_LARGEST,
    KFK_RESET_SMALLEST,
    KFK_RESET_END,
    KFK_RESET_BEGINNING
};
enum { KFK_ISOLATION_READ_UNCOMMITTED, KFK_ISOLATION_READ_COMMITTED };

/* The acks value to send: -1, 0 or 1. */
static inline int16_t kfk__conf_acks(const struct kfk_conf *c);

#define KFK_CONF_CT_INT int64_t
#define KFK_CONF_CT_BOOL int
#define KFK_CONF_CT_STR char *
#define KFK_CONF_CT_ENUM int
#define KFK_CONF_FIELD_(name, field, type, ...) KFK_CONF_CT_##type field;

enum {
#define KFK_CONF_IDX_(name, field, ...) KFK_CONF_IDX_##field,
    KFK_CONF_PROPS(KFK_CONF_IDX_)
#undef KFK_CONF_IDX_
        KFK_CONF_COUNT
};

struct kfk_conf {
    KFK_CONF_PROPS(KFK_CONF_FIELD_)
    uint8_t is_set[KFK_CONF_COUNT]; /* set explicitly by the user */
    kfk_log_cb log_cb;
    void *log_opaque;
    kfk_stats_cb stats_cb;
    void *stats_opaque;
};

/* True when the user set property FIELD explicitly (not its default). */
#define KFK_CONF_IS_SET(conf, field) ((conf)->is_set[KFK_CONF_IDX_##field])

static inline int16_t kfk__conf_acks(const struct kfk_conf *c) {
    return c->acks == KFK_ACKS_0 ? 0 : c->acks == KFK_ACKS_1 ? 1 : -1;
}

#endif
