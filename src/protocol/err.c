/*
 * err.c: names, texts and flags of kfk_err_t, generated from the X-macro maps in
 * include/kfk/protocol.h (Kafka's codes as of 4.3.1, then kfk's local codes).
 */
#include "kfk/protocol.h"

typedef struct {
    const char *name;
    const char *text;
    unsigned flags;
} err_desc_t;

static int err_desc(kfk_err_t err, err_desc_t *out) {
    switch (err) {
    case KFK_ERR_NONE:
        *out = (err_desc_t){"NONE", "Success", 0};
        return 1;
#define DESC_(name, num, fl, txt)                                                                  \
    case KFK_ERR_##name:                                                                           \
        *out = (err_desc_t){#name, txt, (fl)};                                                     \
        return 1;
        KFK_ERR_KAFKA_MAP(DESC_)
        KFK_ERR_LOCAL_MAP(DESC_)
#undef DESC_
    }
    return 0;
}

const char *kfk_err_name(kfk_err_t err) {
    err_desc_t d;
    return err_desc(err, &d) ? d.name : "UNKNOWN_ERROR_CODE";
}

const char *kfk_err_str(kfk_err_t err) {
    err_desc_t d;
    return err_desc(err, &d) ? d.text : "Unknown error code";
}

unsigned kfk_err_flags(kfk_err_t err) {
    err_desc_t d;
    return err_desc(err, &d) ? d.flags : 0;
}

int kfk_err_is_retriable(kfk_err_t err) {
    return (kfk_err_flags(err) & KFK_ERRF_RETRIABLE) != 0;
}

int kfk_err_is_fatal(kfk_err_t err) {
    return (kfk_err_flags(err) & KFK_ERRF_FATAL) != 0;
}
