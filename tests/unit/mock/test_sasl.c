/*
 * test_sasl.c: the mock's SASL users (src/mock/sasl.c) seen through kfk's own client: an admin
 * (sasl.mechanism, sasl.username, sasl.password over SASL_PLAINTEXT) asks a 2-broker mock with
 * users for its metadata. PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 authenticate (kfk's SCRAM
 * client checks the mock's server signature), a wrong password or a mechanism the user lacks
 * ends the call at once with the mock's SASL_AUTHENTICATION_FAILED (the client's
 * KFK_ERR__AUTHENTICATION) and Kafka's message, a client without SASL is
 * cut off before Metadata is served, and a mock without users refuses SASL as before. Every
 * call has a deadline; every test ends with uv_loop_close(loop) == 0.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

typedef struct sasl_t {
    uv_loop_t loop;
    kfk_mock_t *mock;
    kfk_admin_t *admin;
    int calls;
    kfk_err_t err;
    int brokers;
    char errstr[512];
} sasl_t;

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    sasl_t *t = opaque;
    kfk_mock_close(t->mock, on_mock_closed, t);
}

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    sasl_t *t = opaque;
    t->calls++;
    t->err = err;
    t->brokers = md ? (int)md->broker_cnt : -1;
    snprintf(t->errstr, sizeof t->errstr, "%s", kfk_admin_errstr(a));
    kfk_admin_close(a, on_admin_closed, t);
}

static const kfk_mock_user_t users[] = {
    {"alice", "alice-secret", 0}, /* every mechanism */
    {"bob", "b:o=b,", KFK_MOCK_SASL_SCRAM_SHA_512},
    {"carol", "pw", KFK_MOCK_SASL_PLAIN},
};

/* A mock (with the users when @p with_users) and an admin authenticating with @p mech as
 * @p user / @p pass (no SASL when @p mech is NULL); its metadata call has 1.5 s. */
static void run(sasl_t *t, int with_users, const char *mech, const char *user, const char *pass) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    mo.brokers = 2;
    if (with_users) {
        mo.users = users;
        mo.nusers = sizeof users / sizeof users[0];
    }
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_t *conf = kfk_conf_new();
    const char *kv[] = {"bootstrap.servers",
                        kfk_mock_bootstrap(t->mock),
                        "reconnect.backoff.ms",
                        "50",
                        "reconnect.backoff.max.ms",
                        "200",
                        "log_level",
                        "0",
                        "security.protocol",
                        mech ? "SASL_PLAINTEXT" : "PLAINTEXT",
                        "sasl.mechanism",
                        mech ? mech : "PLAIN",
                        "sasl.username",
                        user ? user : "",
                        "sasl.password",
                        pass ? pass : ""};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i += 2)
        cr_assert_eq(kfk_conf_set(conf, kv[i], kv[i + 1], errstr, sizeof errstr), 0, "%s: %s",
                     kv[i], errstr);
    cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE,
                 "%s", errstr);
    kfk_conf_free(conf);
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = 1500;
    cr_assert_eq(kfk_admin_metadata_opts(t->admin, NULL, 0, &o, on_md, t), KFK_ERR_NONE);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
    cr_assert_eq(t->calls, 1);
}

TestSuite(mock_sasl, .timeout = 30);

Test(mock_sasl, plain_and_both_scram_mechanisms_authenticate_kfks_client) {
    const char *mechs[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
    for (size_t i = 0; i < 3; i++) {
        sasl_t t;
        run(&t, 1, mechs[i], "alice", "alice-secret");
        cr_assert_eq(t.err, KFK_ERR_NONE, "%s: %s: %s", mechs[i], kfk_err_name(t.err), t.errstr);
        cr_assert_eq(t.brokers, 2);
    }
    sasl_t t;
    run(&t, 1, "SCRAM-SHA-512", "bob", "b:o=b,");
    cr_assert_eq(t.err, KFK_ERR_NONE, "%s", t.errstr);
    run(&t, 1, "PLAIN", "carol", "pw");
    cr_assert_eq(t.err, KFK_ERR_NONE, "%s", t.errstr);
}

Test(mock_sasl, a_wrong_password_fails_authentication_with_kafkas_message) {
    const char *mechs[] = {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"};
    const char *says[] = {"Invalid username or password", "invalid credentials",
                          "invalid credentials"};
    for (size_t i = 0; i < 3; i++) {
        sasl_t t;
        run(&t, 1, mechs[i], "alice", "wrong");
        cr_assert_eq(t.err, KFK_ERR__AUTHENTICATION, "%s: %s: %s", mechs[i], kfk_err_name(t.err),
                     t.errstr);
        cr_assert(strstr(t.errstr, says[i]), "%s: %s", mechs[i], t.errstr);
    }
}

Test(mock_sasl, an_unknown_user_or_a_mechanism_the_user_lacks_fails) {
    sasl_t t;
    run(&t, 1, "SCRAM-SHA-256", "mallory", "x");
    cr_assert_eq(t.err, KFK_ERR__AUTHENTICATION, "%s", t.errstr);
    cr_assert(strstr(t.errstr, "Invalid user credentials"), "%s", t.errstr);
    run(&t, 1, "SCRAM-SHA-256", "bob", "b:o=b,"); /* bob has SCRAM-SHA-512 only */
    cr_assert_eq(t.err, KFK_ERR__AUTHENTICATION, "%s", t.errstr);
    run(&t, 1, "PLAIN", "bob", "b:o=b,");
    cr_assert_eq(t.err, KFK_ERR__AUTHENTICATION, "%s", t.errstr);
}

Test(mock_sasl, a_client_without_sasl_gets_no_metadata) {
    sasl_t t;
    run(&t, 1, NULL, NULL, NULL);
    cr_assert_neq(t.err, KFK_ERR_NONE, "metadata served before authentication");
}

Test(mock_sasl, a_mock_without_users_refuses_sasl_and_serves_plaintext) {
    sasl_t t;
    run(&t, 0, "PLAIN", "alice", "alice-secret");
    cr_assert_neq(t.err, KFK_ERR_NONE);
    run(&t, 0, NULL, NULL, NULL);
    cr_assert_eq(t.err, KFK_ERR_NONE, "%s", t.errstr);
}
