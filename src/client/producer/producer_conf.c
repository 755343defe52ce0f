/*
 * producer_conf.c: the checks kfk_producer_new makes of its configuration beyond each property's
 * own range: the settings idempotence and transactions need together (as Java's producer:
 * an explicit acks=0/1 turns the default idempotence off, an explicit enable.idempotence=true
 * with them is refused), the smallest batch.size and a codec this kfk was built without.
 */
#include <stdio.h>

#include "client/producer/producer_int.h"

kfk_err_t kfk__producer_check_conf(kfk_conf_t *c, int *idempotent, char *errstr,
                                   size_t errstr_size) {
    int16_t acks = kfk__conf_acks(c);
    *idempotent = c->enable_idempotence;
    if (c->transactional_id[0] && (!c->enable_idempotence || acks != -1 || c->max_in_flight > 5)) {
        snprintf(errstr, errstr_size,
                 "transactional.id needs idempotence: enable.idempotence=true, acks=all and "
                 "max.in.flight.requests.per.connection <= 5 (got %s, acks=%d, %lld)",
                 c->enable_idempotence ? "true" : "false", acks, (long long)c->max_in_flight);
        return KFK_ERR__INVALID_CONF;
    }
    if (*idempotent && acks != -1) {
        if (KFK_CONF_IS_SET(c, enable_idempotence)) {
            snprintf(errstr, errstr_size, "enable.idempotence=true needs acks=all (got acks=%d)",
                     acks);
            return KFK_ERR__INVALID_CONF;
        }
        *idempotent = 0; /* as Java: an explicit acks=0/1 turns the default idempotence off */
    }
    if (*idempotent && c->max_in_flight > 5) {
        if (KFK_CONF_IS_SET(c, enable_idempotence)) {
            snprintf(errstr, errstr_size,
                     "enable.idempotence=true needs max.in.flight.requests.per.connection <= 5");
            return KFK_ERR__INVALID_CONF;
        }
        *idempotent = 0;
    }
    if (*idempotent && c->retries == 0) {
        snprintf(errstr, errstr_size, "enable.idempotence=true needs retries > 0");
        return KFK_ERR__INVALID_CONF;
    }
    if (c->batch_size < KFK__PRODUCER_BATCH_SIZE_MIN) {
        snprintf(errstr, errstr_size,
                 "batch.size=%lld is below 68 bytes, the smallest batch that holds one record (a "
                 "61-byte batch header and a 7-byte record); batch.size is the producer's batch "
                 "in bytes (a consumer's records per batch is max.poll.records)",
                 (long long)c->batch_size);
        return KFK_ERR__INVALID_CONF;
    }
    if (c->compression_type != KFK_CODEC_NONE &&
        !kfk_codec_available((kfk_codec_t)c->compression_type)) {
        snprintf(errstr, errstr_size, "compression.type=%s is not built into this kfk",
                 kfk_codec_name((kfk_codec_t)c->compression_type));
        return KFK_ERR__INVALID_CONF;
    }
    return KFK_ERR_NONE;
}
