/*
 * support.h: what the unit_faults tests share: an in-process mock cluster made or failed at
 * once, a configuration from name/value pairs, and the no-op callback for the mock's close.
 * Each returns only on success (a Criterion assertion ends the test otherwise).
 */
#ifndef KFK_TESTS_FAULTS_SUPPORT_H
#define KFK_TESTS_FAULTS_SUPPORT_H

#include <criterion/criterion.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

/* kfk_mock_close callback for a test that has nothing left to do when the mock is gone. */
static inline void kt_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

/* A mock cluster of @p brokers brokers (0: the default, one) on @p loop. */
static inline kfk_mock_t *kt_mock(uv_loop_t *loop, int32_t brokers) {
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    if (brokers > 0)
        mo.brokers = brokers;
    kfk_mock_t *m = NULL;
    cr_assert_eq(kfk_mock_new(loop, &mo, &m, errstr, sizeof errstr), KFK_ERR_NONE, "%s", errstr);
    return m;
}

/* A configuration with bootstrap.servers @p bootstrap (NULL: none) and the NULL-terminated
 * name/value pairs @p kv (NULL: none); the caller frees it. */
static inline kfk_conf_t *kt_conf(const char *bootstrap, const char *const *kv) {
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_not_null(conf);
    if (bootstrap)
        cr_assert_eq(kfk_conf_set(conf, "bootstrap.servers", bootstrap, errstr, sizeof errstr),
                     KFK_ERR_NONE, "bootstrap.servers: %s", errstr);
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(kfk_conf_set(conf, kv[i], kv[i + 1], errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s: %s", kv[i], errstr);
    return conf;
}

#endif
