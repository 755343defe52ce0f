/*
 * test_admin.c: broker connections and the client core against the real broker (issue 5):
 * metadata through every listener (PLAINTEXT, SSL, mTLS, SASL PLAIN / SCRAM-SHA-256 /
 * SCRAM-SHA-512 over SASL_PLAINTEXT and SASL_SSL), wrong credentials, untrusted CA, host name
 * mismatch, plaintext on a TLS port, frames over receive.message.max.bytes, setup timeouts,
 * topic creation and deletion, and close with calls in flight. Every test ends with
 * uv_loop_close() == 0.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "env.h"
#include "kfk/kfk.h"
#include "client/format/json.h"
#include "protocol/mem.h"

typedef struct {
    int calls;
    kfk_err_t err;
    int brokers;
    int topics;
    int partitions;
    char first_host[128];
    int closed;
    uint64_t elapsed_ms;
    uint64_t started;
    uv_loop_t *loop;
} result_t;

static void on_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ((result_t *)opaque)->closed++;
}

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    result_t *r = opaque;
    r->calls++;
    r->err = err;
    r->elapsed_ms = uv_now(r->loop) - r->started;
    if (md) {
        r->brokers = md->broker_cnt;
        r->topics = md->topic_cnt;
        if (md->topic_cnt)
            r->partitions = md->topics[0].partition_cnt;
        if (md->broker_cnt)
            snprintf(r->first_host, sizeof r->first_host, "%s", md->brokers[0].host);
    }
    kfk_admin_close(a, on_closed, r);
}

static kfk_conf_t *conf_for(const char *bootstrap) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    cr_assert_eq(kfk_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err), 0, "%s", err);
    cr_assert_eq(kfk_conf_set(c, "log_level", "2", err, sizeof err), 0);
    return c;
}

static void set(kfk_conf_t *c, const char *k, const char *v) {
    char err[256];
    cr_assert_eq(kfk_conf_set(c, k, v, err, sizeof err), 0, "%s", err);
}

/* Runs one metadata call for @p topic (NULL: all) and closes; returns the result. */
static result_t metadata(kfk_conf_t *conf, const char *topic) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    result_t r = {0};
    r.loop = &loop;
    r.started = uv_now(&loop);
    kfk_admin_t *a;
    char errstr[512];
    kfk_err_t err = kfk_admin_new(&loop, conf, &a, errstr, sizeof errstr);
    kfk_conf_free(conf);
    cr_assert_eq(err, 0, "kfk_admin_new: %s", errstr);
    const char *topics[1] = {topic};
    cr_assert_eq(kfk_admin_metadata(a, topic ? topics : NULL, topic ? 1 : 0, on_md, &r), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert_eq(r.calls, 1, "metadata callback ran %d times", r.calls);
    cr_assert_eq(r.closed, 1, "close callback ran %d times", r.closed);
    return r;
}

Test(admin, metadata_over_plaintext_lists_the_broker) {
    result_t r = metadata(conf_for(kt_env_required("BOOTSTRAP")), NULL);
    cr_assert_eq(r.err, 0, "%s", kfk_err_name(r.err));
    cr_assert_eq(r.brokers, 1);
    cr_assert_str_eq(r.first_host, "127.0.0.1");
    fprintf(stderr, "metadata over PLAINTEXT in %llu ms\n", (unsigned long long)r.elapsed_ms);
}

Test(admin, metadata_over_ssl_with_the_test_ca) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_SSL"));
    set(c, "security.protocol", "ssl");
    set(c, "ssl.ca.location", kt_env_required("SSL_CA"));
    result_t r = metadata(c, NULL);
    cr_assert_eq(r.err, 0, "%s", kfk_err_name(r.err));
    cr_assert_eq(r.brokers, 1);
}

Test(admin, metadata_over_mtls_with_a_client_certificate) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_MTLS"));
    set(c, "security.protocol", "ssl");
    set(c, "ssl.ca.location", kt_env_required("SSL_CA"));
    set(c, "ssl.certificate.location", kt_env_required("SSL_CLIENT_CERT"));
    set(c, "ssl.key.location", kt_env_required("SSL_CLIENT_KEY"));
    result_t r = metadata(c, NULL);
    cr_assert_eq(r.err, 0, "%s", kfk_err_name(r.err));
}

Test(admin, mtls_without_a_client_certificate_is_refused) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_MTLS"));
    set(c, "security.protocol", "ssl");
    set(c, "ssl.ca.location", kt_env_required("SSL_CA"));
    set(c, "request.timeout.ms", "3000");
    result_t r = metadata(c, NULL);
    cr_assert_neq(r.err, 0);
}

Test(admin, an_untrusted_ca_is_refused_with_an_ssl_error) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_SSL"));
    set(c, "security.protocol", "ssl");
    set(c, "ssl.ca.location", kt_env_required("SSL_OTHER_CA"));
    set(c, "request.timeout.ms", "5000");
    result_t r = metadata(c, NULL);
    cr_assert_eq(r.err, KFK_ERR__SSL, "got %s", kfk_err_name(r.err));
    /* Fatal: one attempt, then the maximum backoff; no storm, and an answer well before the
     * request timeout. */
    cr_assert_lt(r.elapsed_ms, 5000);
}

Test(admin, plaintext_on_the_tls_port_fails_cleanly) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_SSL"));
    set(c, "request.timeout.ms", "3000");
    kfk__mem_max_alloc_reset();
    result_t r = metadata(c, NULL);
    cr_assert_eq(r.err, KFK_ERR__FRAME_TOO_LARGE, "got %s", kfk_err_name(r.err));
    /* A TLS alert read as a frame size would be ~350 MB: nothing near that was allocated. */
    cr_assert_lt(kfk__mem_max_alloc_reset(), 8u << 20);
}

static void sasl_case(const char *listener, const char *mech, const char *password, int tls,
                      kfk_err_t expect) {
    kfk_conf_t *c = conf_for(kt_env_required(listener));
    set(c, "security.protocol", tls ? "sasl_ssl" : "sasl_plaintext");
    if (tls)
        set(c, "ssl.ca.location", kt_env_required("SSL_CA"));
    set(c, "sasl.mechanism", mech);
    set(c, "sasl.username", kt_env_required("SASL_USER"));
    set(c, "sasl.password", password ? password : kt_env_required("SASL_PASSWORD"));
    set(c, "request.timeout.ms", "8000");
    result_t r = metadata(c, NULL);
    cr_assert_eq(r.err, expect, "%s %s: got %s, expected %s", listener, mech, kfk_err_name(r.err),
                 kfk_err_name(expect));
    if (expect == KFK_ERR__AUTHENTICATION)
        cr_assert_lt(r.elapsed_ms, 8000, "a wrong password must fail fast, not time out");
}

Test(admin, sasl_plain_accepts_the_right_password) {
    sasl_case("BOOTSTRAP_SASL", "PLAIN", NULL, 0, KFK_ERR_NONE);
}
Test(admin, sasl_plain_refuses_a_wrong_password) {
    sasl_case("BOOTSTRAP_SASL", "PLAIN", "wrong", 0, KFK_ERR__AUTHENTICATION);
}
Test(admin, scram_sha_256_accepts_the_right_password) {
    sasl_case("BOOTSTRAP_SASL", "SCRAM-SHA-256", NULL, 0, KFK_ERR_NONE);
}
Test(admin, scram_sha_256_refuses_a_wrong_password) {
    sasl_case("BOOTSTRAP_SASL", "SCRAM-SHA-256", "wrong", 0, KFK_ERR__AUTHENTICATION);
}
Test(admin, scram_sha_512_accepts_the_right_password) {
    sasl_case("BOOTSTRAP_SASL", "SCRAM-SHA-512", NULL, 0, KFK_ERR_NONE);
}
Test(admin, scram_sha_512_refuses_a_wrong_password) {
    sasl_case("BOOTSTRAP_SASL", "SCRAM-SHA-512", "wrong", 0, KFK_ERR__AUTHENTICATION);
}
Test(admin, sasl_ssl_scram_sha_512_accepts_the_right_password) {
    sasl_case("BOOTSTRAP_SASL_SSL", "SCRAM-SHA-512", NULL, 1, KFK_ERR_NONE);
}
Test(admin, sasl_ssl_plain_accepts_the_right_password) {
    sasl_case("BOOTSTRAP_SASL_SSL", "PLAIN", NULL, 1, KFK_ERR_NONE);
}

/* ---- statistics callback -------------------------------------------------------------------- */

typedef struct {
    int docs, after_close;
    int closed;
    char last[4096];
    uv_timer_t timer;
    kfk_admin_t *a;
} stats_t;

static void on_stats(const char *json, size_t len, void *opaque) {
    stats_t *s = opaque;
    s->docs++;
    s->after_close += s->closed;
    cr_assert_eq(strlen(json), len, "the document is a C string of len bytes");
    snprintf(s->last, sizeof s->last, "%s", json);
}

static void on_stats_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ((stats_t *)opaque)->closed = 1;
}

static void on_stats_timer(uv_timer_t *t) {
    stats_t *s = t->data;
    kfk_admin_close(s->a, on_stats_admin_closed, s);
    uv_close((uv_handle_t *)t, NULL);
}

static void on_stats_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)md;
    cr_assert_eq(err, 0, "%s", kfk_err_name(err));
    stats_t *s = opaque;
    uv_timer_start(&s->timer, on_stats_timer, 300, 0); /* a few more documents, then close */
}

/* The number after "KEY": in @p doc, or -1. */
static long long stat_field(const char *doc, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(doc, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

Test(admin, statistics_callback_reports_each_broker_as_json_every_interval) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP"));
    set(c, "client.id", "stats-test");
    set(c, "statistics.interval.ms", "50");
    stats_t s = {0};
    kfk_conf_set_stats_cb(c, on_stats, &s);
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_timer_init(&loop, &s.timer);
    s.timer.data = &s;
    char errstr[512];
    cr_assert_eq(kfk_admin_new(&loop, c, &s.a, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    cr_assert_eq(kfk_admin_metadata(s.a, NULL, 0, on_stats_md, &s), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert(s.closed);
    cr_assert_geq(s.docs, 3, "only %d documents in 300+ ms at 50 ms", s.docs);
    cr_assert_eq(s.after_close, 0, "a document after the close callback");
    /* Well-formed JSON with the fields a dashboard reads. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    char jerr[128] = "";
    cr_assert_eq(kfk__json_to_msgpack(s.last, strlen(s.last), &w, jerr, sizeof jerr), 0,
                 "not JSON (%s): %s", jerr, s.last);
    kfk_wbuf_free(&w);
    cr_assert(strstr(s.last, "\"client_id\":\"stats-test\""), "%s", s.last);
    cr_assert_geq(stat_field(s.last, "metadata_cache_cnt"), 0, "%s", s.last);
    const char *up = strstr(s.last, "\"state\":\"UP\"");
    cr_assert_not_null(up, "no broker UP: %s", s.last);
    /* That broker answered ApiVersions and Metadata at least: requests, bytes and rtt count. */
    cr_assert_geq(stat_field(up, "tx"), 2, "%s", s.last);
    cr_assert_geq(stat_field(up, "rx"), 2, "%s", s.last);
    cr_assert_gt(stat_field(up, "txbytes"), 0, "%s", s.last);
    cr_assert_gt(stat_field(up, "rxbytes"), 0, "%s", s.last);
    cr_assert_geq(stat_field(up, "cnt"), 2, "%s", s.last);
    cr_assert_eq(stat_field(up, "waitresp_cnt"), 0, "%s", s.last);
    fprintf(stderr, "statistics: %d documents, last: %.300s\n", s.docs, s.last);
}

/* ---- KIP-368 re-authentication ----------------------------------------------------------------
 * scripts/kafka limits SCRAM-SHA-256 sessions on the SASL_PLAINTEXT listener to 3 s; a client
 * that does not authenticate again is disconnected by the broker when its session ends. */

typedef struct {
    int calls, failed, again, closed;
    kfk_err_t first_err;
    uint64_t until;
    uv_loop_t *loop;
    kfk_admin_t *a;
    uv_timer_t timer;
    char stats[4096];
} reauth_t;

static void on_reauth_log(int level, const char *ctx, const char *msg, void *opaque) {
    (void)level;
    (void)ctx;
    if (strstr(msg, "authenticated as") && strstr(msg, "(again)"))
        ((reauth_t *)opaque)->again++;
}

static void on_reauth_stats(const char *json, size_t len, void *opaque) {
    (void)len;
    reauth_t *r = opaque;
    snprintf(r->stats, sizeof r->stats, "%s", json);
}

static void on_reauth_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ((reauth_t *)opaque)->closed = 1;
}

static void on_reauth_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)md;
    reauth_t *r = opaque;
    r->calls++;
    if (err && !r->failed++)
        r->first_err = err;
}

static void on_reauth_tick(uv_timer_t *t) {
    reauth_t *r = t->data;
    if (uv_now(r->loop) >= r->until) {
        uv_close((uv_handle_t *)t, NULL);
        kfk_admin_close(r->a, on_reauth_closed, r);
        return;
    }
    cr_assert_eq(kfk_admin_metadata(r->a, NULL, 0, on_reauth_md, r), 0);
}

Test(admin, a_sasl_session_is_renewed_on_the_same_connection_before_it_expires, .timeout = 60) {
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP_SASL"));
    set(c, "security.protocol", "sasl_plaintext");
    set(c, "sasl.mechanism", "SCRAM-SHA-256");
    set(c, "sasl.username", kt_env_required("SASL_USER"));
    set(c, "sasl.password", kt_env_required("SASL_PASSWORD"));
    set(c, "log_level", "7");
    set(c, "debug", "security");
    set(c, "statistics.interval.ms", "100");
    uv_loop_t loop;
    uv_loop_init(&loop);
    reauth_t r = {0};
    r.loop = &loop;
    kfk_conf_set_log_cb(c, on_reauth_log, &r);
    kfk_conf_set_stats_cb(c, on_reauth_stats, &r);
    char errstr[512];
    cr_assert_eq(kfk_admin_new(&loop, c, &r.a, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    r.until = uv_now(&loop) + 8000; /* more than two 3 s sessions */
    uv_timer_init(&loop, &r.timer);
    r.timer.data = &r;
    uv_timer_start(&r.timer, on_reauth_tick, 0, 200);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert(r.closed);
    cr_assert_geq(r.calls, 30, "only %d metadata calls answered", r.calls);
    cr_assert_eq(r.failed, 0, "%d metadata calls failed, the first with %s", r.failed,
                 kfk_err_name(r.first_err));
    cr_assert_geq(r.again, 2, "authenticated again %d times in 8 s of 3 s sessions", r.again);
    /* The same connections all along: the broker never cut an expired session. */
    int brokers = 0;
    for (const char *p = strstr(r.stats, "\"disconnects\":"); p;
         p = strstr(p + 1, "\"disconnects\":")) {
        brokers++;
        cr_assert_eq(strtol(p + strlen("\"disconnects\":"), NULL, 10), 0, "%s", r.stats);
    }
    cr_assert_gt(brokers, 0, "no broker in the statistics: %s", r.stats);
    fprintf(stderr, "KIP-368: %d metadata calls over 8 s, %d re-authentications, 0 reconnects\n",
            r.calls, r.again);
}

Test(admin, a_dead_address_fails_within_the_request_timeout) {
    kfk_conf_t *c = conf_for("127.0.0.1:1");
    set(c, "request.timeout.ms", "1500");
    set(c, "reconnect.backoff.ms", "100");
    set(c, "reconnect.backoff.max.ms", "400");
    result_t r = metadata(c, NULL);
    cr_assert_neq(r.err, 0);
    cr_assert_geq(r.elapsed_ms, 1400);
    cr_assert_lt(r.elapsed_ms, 4000);
}

Test(admin, unknown_and_invalid_config_keys_are_refused_with_their_name) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    cr_assert_eq(kfk_conf_set(c, "no.such.key", "1", err, sizeof err), KFK_ERR__UNKNOWN_CONF);
    cr_assert(strstr(err, "no.such.key"), "%s", err);
    cr_assert_eq(kfk_conf_set(c, "request.timeout.ms", "-5", err, sizeof err),
                 KFK_ERR__INVALID_CONF);
    cr_assert(strstr(err, "request.timeout.ms"), "%s", err);
    cr_assert_eq(kfk_conf_set(c, "security.protocol", "tls", err, sizeof err),
                 KFK_ERR__INVALID_CONF);
    kfk_conf_free(c);
    /* A configuration without bootstrap.servers cannot make a client. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    c = kfk_conf_new();
    kfk_admin_t *a;
    cr_assert_eq(kfk_admin_new(&loop, c, &a, err, sizeof err), KFK_ERR__INVALID_CONF);
    cr_assert(strstr(err, "bootstrap.servers"), "%s", err);
    kfk_conf_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- a silent server: accepts, never answers ----------------------------------------------- */

typedef struct {
    uv_tcp_t server;
    uv_tcp_t client;
    int accepted;
    int port;
} silent_t;

static void on_silent_conn(uv_stream_t *s, int status) {
    silent_t *si = s->data;
    if (status < 0 || si->accepted)
        return;
    uv_tcp_init(s->loop, &si->client);
    if (uv_accept(s, (uv_stream_t *)&si->client) == 0)
        si->accepted = 1;
}

static void silent_start(uv_loop_t *loop, silent_t *si) {
    memset(si, 0, sizeof *si);
    uv_tcp_init(loop, &si->server);
    si->server.data = si;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", 0, &addr);
    cr_assert_eq(uv_tcp_bind(&si->server, (const struct sockaddr *)&addr, 0), 0);
    cr_assert_eq(uv_listen((uv_stream_t *)&si->server, 4, on_silent_conn), 0);
    struct sockaddr_storage name;
    int len = sizeof name;
    uv_tcp_getsockname(&si->server, (struct sockaddr *)&name, &len);
    si->port = ntohs(((struct sockaddr_in *)&name)->sin_port);
}

static void silent_stop(silent_t *si) {
    uv_close((uv_handle_t *)&si->server, NULL);
    if (si->accepted)
        uv_close((uv_handle_t *)&si->client, NULL);
}

static void on_md_stop_silent(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md,
                              void *opaque) {
    result_t *r = opaque;
    on_md(a, err, md, opaque);
    silent_stop((silent_t *)r->loop->data);
}

Test(admin, a_broker_that_never_answers_hits_the_setup_timeout) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    silent_t si;
    silent_start(&loop, &si);
    loop.data = &si;
    char bs[64];
    snprintf(bs, sizeof bs, "127.0.0.1:%d", si.port);
    kfk_conf_t *c = conf_for(bs);
    set(c, "socket.connection.setup.timeout.ms", "500");
    set(c, "request.timeout.ms", "1200");
    result_t r = {0};
    r.loop = &loop;
    r.started = uv_now(&loop);
    kfk_admin_t *a;
    char errstr[256];
    cr_assert_eq(kfk_admin_new(&loop, c, &a, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, on_md_stop_silent, &r), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(r.calls, 1);
    cr_assert_eq(si.accepted, 1, "kfk never connected");
    cr_assert_eq(r.err, KFK_ERR__TIMED_OUT, "got %s", kfk_err_name(r.err));
    cr_assert_geq(r.elapsed_ms, 1100);
    cr_assert_lt(r.elapsed_ms, 3000);
}

/* ---- topics, many partitions, close with calls in flight ------------------------------------- */

typedef struct {
    int calls;
    kfk_err_t err;
    kfk_err_t topic_err;
    int closed;
} tres_t;

static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                      void *opaque) {
    (void)a;
    tres_t *t = opaque;
    t->calls++;
    t->err = err;
    t->topic_err = n ? res[0].err : KFK_ERR_NONE;
}

static void on_tclosed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ((tres_t *)opaque)->closed++;
}

static tres_t topics_call(int create, const char *name, int32_t partitions) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a;
    char errstr[256];
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP"));
    cr_assert_eq(kfk_admin_new(&loop, c, &a, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    tres_t t = {0};
    if (create) {
        const char *cfg[] = {"retention.ms", "3600000"};
        kfk_new_topic_t nt = {name, partitions, 1, cfg, 1};
        cr_assert_eq(kfk_admin_create_topics(a, &nt, 1, 10000, on_topics, &t), 0);
    } else {
        const char *names[] = {name};
        cr_assert_eq(kfk_admin_delete_topics(a, names, 1, 10000, on_topics, &t), 0);
    }
    while (t.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    kfk_admin_close(a, on_tclosed, &t);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(t.calls, 1);
    cr_assert_eq(t.closed, 1);
    return t;
}

Test(admin, creates_a_topic_with_200_partitions_then_deletes_it) {
    char name[64];
    snprintf(name, sizeof name, "kfk-admin-%d-%ld", getpid(), (long)uv_hrtime() % 100000);
    tres_t t = topics_call(1, name, 200);
    cr_assert_eq(t.err, 0, "%s", kfk_err_name(t.err));
    cr_assert_eq(t.topic_err, 0, "%s", kfk_err_name(t.topic_err));
    /* Creating it again is refused by the broker, per topic. */
    t = topics_call(1, name, 200);
    cr_assert_eq(t.topic_err, KFK_ERR_TOPIC_ALREADY_EXISTS, "%s", kfk_err_name(t.topic_err));
    /* The broker publishes the new partitions a moment after CreateTopics answered (longer on a
     * loaded machine): wait for all 200, 30 s at most. */
    result_t r;
    for (uint64_t t0 = uv_hrtime();;) {
        r = metadata(conf_for(kt_env_required("BOOTSTRAP")), name);
        if ((r.err == 0 && r.partitions == 200) || uv_hrtime() - t0 > 30000000000ull)
            break;
        usleep(100000);
    }
    cr_assert_eq(r.partitions, 200, "after 30 s the metadata lists %d of the 200 partitions (%s)",
                 r.partitions, kfk_err_name(r.err));
    /* That metadata answer is about 5 KB: with receive.message.max.bytes=1000 it is refused
     * from its size prefix. (That nothing of the refused size is allocated is shown by the
     * plaintext-on-TLS test, where the "size" is 350 MB.) */
    kfk_conf_t *small = conf_for(kt_env_required("BOOTSTRAP"));
    set(small, "receive.message.max.bytes", "1000");
    set(small, "request.timeout.ms", "1500");
    r = metadata(small, name);
    cr_assert_eq(r.err, KFK_ERR__FRAME_TOO_LARGE, "got %s", kfk_err_name(r.err));
    t = topics_call(0, name, 0);
    cr_assert_eq(t.err, 0);
    cr_assert_eq(t.topic_err, 0, "%s", kfk_err_name(t.topic_err));
}

Test(admin, metadata_of_an_unknown_topic_reports_it) {
    result_t r = metadata(conf_for(kt_env_required("BOOTSTRAP")), "kfk-no-such-topic-xyz");
    cr_assert_eq(r.err, 0);
    cr_assert_eq(r.topics, 1);
}

static int inflight_calls;
static void on_md_count(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    (void)md;
    (void)opaque;
    (void)err;
    inflight_calls++;
}

Test(admin, close_with_calls_in_flight_runs_every_callback_once) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a;
    char errstr[256];
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP"));
    cr_assert_eq(kfk_admin_new(&loop, c, &a, errstr, sizeof errstr), 0);
    kfk_conf_free(c);
    inflight_calls = 0;
    tres_t t = {0};
    for (int i = 0; i < 10; i++)
        cr_assert_eq(kfk_admin_metadata(a, NULL, 0, on_md_count, NULL), 0);
    const char *names[] = {"kfk-never-created"};
    cr_assert_eq(kfk_admin_delete_topics(a, names, 1, 1000, on_topics, &t), 0);
    /* Let the connection come up and requests go out, then close in the middle. */
    for (int i = 0; i < 3; i++)
        uv_run(&loop, UV_RUN_NOWAIT);
    kfk_admin_close(a, on_tclosed, &t);
    cr_assert_eq(kfk_admin_metadata(a, NULL, 0, on_md_count, NULL), KFK_ERR__DESTROYED,
                 "calls after close are refused");
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(inflight_calls, 10, "metadata callbacks: %d", inflight_calls);
    cr_assert_eq(t.calls, 1);
    cr_assert_eq(t.closed, 1);
}

/* ---- a refresh asked from a refresh's callback ---------------------------------------------
 * The callback runs inside the round that answered; the round it starts must be the only one
 * in flight and ask for what the caller asked (every topic here), not the topics cached. */

typedef struct nested {
    const char *known, *other;
    int calls, left, missing, closed;
    kfk_err_t err;
    kfk_admin_t *a;
} nested_t;

static int md_has(const kfk_metadata_t *md, const char *name) {
    for (int32_t i = 0; i < md->topic_cnt; i++)
        if (!strcmp(md->topics[i].name, name) && md->topics[i].err == 0)
            return 1;
    return 0;
}

static void on_nested_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    ((nested_t *)opaque)->closed = 1;
}

static void on_nested_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    nested_t *n = opaque;
    if (err && !n->err)
        n->err = err;
    /* Every answer after the first (one topic) was asked for every topic. */
    if (n->calls++ > 0 && (!md || !md_has(md, n->other)))
        n->missing++;
    if (n->left-- > 0)
        cr_assert_eq(kfk_admin_metadata(a, NULL, 0, on_nested_md, n), 0);
    else
        kfk_admin_close(a, on_nested_closed, n);
}

/* Waits (300 tries 100 ms apart, 30 s or more) until an every-topic Metadata answer lists both
 * @p a and @p b: a topic is in the controller's log when CreateTopics answers, and in the
 * broker's metadata a moment later (KRaft applies it asynchronously; 10 s were once not enough
 * under ASan on a loaded machine). */
typedef struct listed {
    const char *a, *b;
    int both, tries;
    uv_timer_t timer;
} listed_t;

static void listed_ask(uv_timer_t *t);

static void on_listed_md(kfk_admin_t *adm, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    listed_t *l = opaque;
    if (!err && md && md_has(md, l->a) && md_has(md, l->b))
        l->both = 1;
    if (l->both || ++l->tries >= 300) {
        kfk_admin_close(adm, NULL, NULL);
        uv_close((uv_handle_t *)&l->timer, NULL);
        return;
    }
    l->timer.data = adm;
    uv_timer_start(&l->timer, listed_ask, 100, 0);
}

static void listed_ask(uv_timer_t *t) {
    listed_t *l = (listed_t *)((char *)t - offsetof(listed_t, timer));
    cr_assert_eq(kfk_admin_metadata((kfk_admin_t *)t->data, NULL, 0, on_listed_md, l), 0);
}

static void wait_listed(const char *a, const char *b) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    listed_t l = {a, b, 0, 0, {0}};
    uv_timer_init(&loop, &l.timer);
    kfk_admin_t *adm;
    char errstr[256];
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP"));
    cr_assert_eq(kfk_admin_new(&loop, c, &adm, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    cr_assert_eq(kfk_admin_metadata(adm, NULL, 0, on_listed_md, &l), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert(l.both, "%s and %s not both in the metadata after %d tries", a, b, l.tries);
}

Test(admin, a_refresh_of_every_topic_asked_from_a_callback_lists_every_topic, .timeout = 60) {
    char known[64], other[64];
    snprintf(known, sizeof known, "kfk-nest-a-%d-%ld", getpid(), (long)uv_hrtime() % 100000);
    snprintf(other, sizeof other, "kfk-nest-b-%d-%ld", getpid(), (long)uv_hrtime() % 100000);
    cr_assert_eq(topics_call(1, known, 1).topic_err, 0);
    cr_assert_eq(topics_call(1, other, 1).topic_err, 0);
    wait_listed(known, other);
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[256];
    nested_t n = {known, other, 0, 20, 0, 0, 0, NULL};
    kfk_conf_t *c = conf_for(kt_env_required("BOOTSTRAP"));
    cr_assert_eq(kfk_admin_new(&loop, c, &n.a, errstr, sizeof errstr), 0, "%s", errstr);
    kfk_conf_free(c);
    /* First only `known` (the cache then follows that topic alone), then every topic. */
    const char *first[] = {known};
    cr_assert_eq(kfk_admin_metadata(n.a, first, 1, on_nested_md, &n), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    cr_assert(n.closed);
    cr_assert_eq(n.err, 0, "%s", kfk_err_name(n.err));
    cr_assert_eq(n.calls, 21);
    cr_assert_eq(n.missing, 0, "%d of 20 every-topic answers lack %s", n.missing, other);
    topics_call(0, known, 0);
    topics_call(0, other, 0);
}
