/*
 * conn_handshake.c: a broker connection's handshake (see conn.h): ApiVersions first (from v3,
 * falling back to the version the broker's v0 answer names), the versions chosen per API, then
 * SaslHandshake v1 and SaslAuthenticate rounds (ev/sasl.c makes the tokens) when the security
 * protocol asks, and KIP-368 re-authentication at 85-95% of the session the broker grants.
 * Handshake requests travel through conn.c's queue marked internal.
 */
#include <stdio.h>
#include <string.h>

#include "ev/conn_int.h"
#include "protocol/mem.h"

static void became_ready(kfk__conn_t *c) {
    char name[128];
    c->state = ST_READY;
    c->up_ms = uv_now(c->loop);
    c->stats.connect_ms = c->up_ms - c->started_ms;
    kfk__dbg(c->log, KFK_DBG_BROKER, "%s: up in %llu ms", kfk__conn_who(c, name, sizeof name),
             (unsigned long long)c->stats.connect_ms);
    if (c->state_cb)
        c->state_cb(c, KFK__CONN_UP, KFK_ERR_NONE, "up", c->opaque);
    kfk__conn_pump(c);
}

static void sasl_send_token(kfk__conn_t *c, kfk_wbuf_t *token);

static void on_sasl_authenticate(kfk__conn_t *c, kfk_err_t err, uint8_t *frame, size_t len,
                                 void *opaque) {
    int16_t version = (int16_t)(intptr_t)opaque;
    if (err) {
        kfk__conn_fail(c, err, "SaslAuthenticate failed");
        return;
    }
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body;
    err = kfk_response_decode(frame, len, KFK_API_SASL_AUTHENTICATE, version, NULL, &a, &body);
    if (err) {
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__BAD_MSG, "malformed SaslAuthenticate response");
        return;
    }
    kfk_sasl_authenticate_response_t *resp = body;
    if (resp->error_code) {
        char msg[256];
        snprintf(msg, sizeof msg, "%.*s", resp->error_message.len > 0 ? resp->error_message.len : 0,
                 resp->error_message.ptr ? resp->error_message.ptr : "");
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__AUTHENTICATION, "SASL %s authentication failed: %s",
                       kfk__sasl_mech_name(c->o.sasl_mech), msg[0] ? msg : "(no message)");
        return;
    }
    int64_t lifetime_ms = version >= 1 ? resp->session_lifetime_ms : 0;
    kfk_wbuf_t next;
    kfk_wbuf_init(&next);
    int done = 0;
    char errstr[256] = "";
    err = kfk__sasl_step(&c->sasl, resp->auth_bytes.ptr,
                         resp->auth_bytes.len > 0 ? (size_t)resp->auth_bytes.len : 0, &next, &done,
                         errstr, sizeof errstr);
    kfk_arena_free(&a);
    kfk__free(frame);
    if (err) {
        kfk_wbuf_free(&next);
        kfk__conn_fail(c, err, "%s", errstr);
        return;
    }
    if (done) {
        kfk_wbuf_free(&next);
        char name[128];
        kfk__dbg(c->log, KFK_DBG_SECURITY, "%s: authenticated as %s with %s%s",
                 kfk__conn_who(c, name, sizeof name), c->sasl_user,
                 kfk__sasl_mech_name(c->o.sasl_mech), c->reauth ? " (again)" : "");
        /* Authenticate again at 85-95% of the session the broker grants (KIP-368; Java picks
         * the same window), so that no request meets an expired session. */
        c->reauth_at = 0;
        if (lifetime_ms > 0) {
            uint64_t jitter = (uint64_t)(c->next_corr % 11);
            c->reauth_at = uv_now(c->loop) + (uint64_t)lifetime_ms * (85 + jitter) / 100;
        }
        if (c->reauth) {
            c->reauth = 0;
            c->state = ST_READY;
            kfk__conn_pump(c);
        } else {
            became_ready(c);
        }
        return;
    }
    sasl_send_token(c, &next);
}

static void sasl_send_token(kfk__conn_t *c, kfk_wbuf_t *token) {
    int16_t v = c->chosen[KFK_API_SASL_AUTHENTICATE];
    if (v < 0) {
        kfk_wbuf_free(token);
        kfk__conn_fail(c, KFK_ERR__AUTHENTICATION, "broker does not support SaslAuthenticate");
        return;
    }
    kfk_sasl_authenticate_request_t req;
    memset(&req, 0, sizeof req);
    req.auth_bytes = (kfk_bytes_t){token->data, (int32_t)token->len};
    kfk_err_t err =
        kfk__conn_enqueue(c, KFK_API_SASL_AUTHENTICATE, v, &req, 0, 1, c->o.setup_timeout_ms,
                          on_sasl_authenticate, (void *)(intptr_t)v);
    kfk_wbuf_free(token);
    if (err)
        kfk__conn_fail(c, err, "cannot encode SaslAuthenticate");
}

static void on_sasl_handshake(kfk__conn_t *c, kfk_err_t err, uint8_t *frame, size_t len,
                              void *opaque) {
    int16_t version = (int16_t)(intptr_t)opaque;
    if (err) {
        kfk__conn_fail(c, err, "SaslHandshake failed");
        return;
    }
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body;
    err = kfk_response_decode(frame, len, KFK_API_SASL_HANDSHAKE, version, NULL, &a, &body);
    if (err) {
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__BAD_MSG, "malformed SaslHandshake response");
        return;
    }
    kfk_sasl_handshake_response_t *resp = body;
    if (resp->error_code) {
        char offered[256] = "";
        size_t off = 0;
        for (int32_t i = 0; i < resp->mechanisms.count && off < sizeof offered - 2; i++) {
            kfk_str_t m = KFK_ARRAY_AT(resp->mechanisms, kfk_str_t, i);
            int n =
                snprintf(offered + off, sizeof offered - off, "%s%.*s", i ? "," : "", m.len, m.ptr);
            off += n > 0 ? (size_t)n : 0;
        }
        int16_t ec = resp->error_code;
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__AUTHENTICATION,
                       "SASL mechanism %s refused (%s); the broker offers: %s",
                       kfk__sasl_mech_name(c->o.sasl_mech), kfk_err_name((kfk_err_t)ec),
                       offered[0] ? offered : "none");
        return;
    }
    kfk_arena_free(&a);
    kfk__free(frame);
    kfk__sasl_free(&c->sasl);
    kfk__sasl_init(&c->sasl, c->o.sasl_mech, c->sasl_user, c->sasl_pass);
    kfk_wbuf_t first;
    kfk_wbuf_init(&first);
    int done = 0;
    char errstr[256] = "";
    err = kfk__sasl_step(&c->sasl, NULL, 0, &first, &done, errstr, sizeof errstr);
    if (err) {
        kfk_wbuf_free(&first);
        kfk__conn_fail(c, err, "%s", errstr);
        return;
    }
    sasl_send_token(c, &first);
}

/* Starts SASL at setup or for a re-authentication (see conn_int.h). */
void kfk__conn_start_sasl(kfk__conn_t *c) {
    if (!c->reauth)
        c->state = ST_SASL; /* re-authentication keeps READY: callers may still queue requests */
    int16_t v = c->chosen[KFK_API_SASL_HANDSHAKE];
    if (v < 1) {
        kfk__conn_fail(c, KFK_ERR__AUTHENTICATION, "broker does not support SaslHandshake v1");
        return;
    }
    kfk_sasl_handshake_request_t req;
    memset(&req, 0, sizeof req);
    req.mechanism = kfk_str_c(kfk__sasl_mech_name(c->o.sasl_mech));
    kfk_err_t err =
        kfk__conn_enqueue(c, KFK_API_SASL_HANDSHAKE, v, &req, 0, 1, c->o.setup_timeout_ms,
                          on_sasl_handshake, (void *)(intptr_t)v);
    if (err)
        kfk__conn_fail(c, err, "cannot encode SaslHandshake");
}

static void on_api_versions(kfk__conn_t *c, kfk_err_t err, uint8_t *frame, size_t len,
                            void *opaque) {
    int16_t version = (int16_t)(intptr_t)opaque;
    if (err) {
        kfk__conn_fail(c, err, "ApiVersions failed");
        return;
    }
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body;
    err = kfk_response_decode(frame, len, KFK_API_API_VERSIONS, version, NULL, &a, &body);
    if (err) {
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__BAD_MSG, "malformed ApiVersions v%d response", version);
        return;
    }
    kfk_api_versions_response_t *resp = body;
    if (resp->error_code == KFK_ERR_UNSUPPORTED_VERSION && version > 0) {
        /* The broker answered with a v0 body listing its own ApiVersions range. */
        int16_t retry = 0;
        for (int32_t i = 0; i < resp->api_keys.count; i++) {
            kfk_api_versions_response_api_version_t *k =
                &KFK_ARRAY_AT(resp->api_keys, kfk_api_versions_response_api_version_t, i);
            if (k->api_key == KFK_API_API_VERSIONS)
                retry = k->max_version < version ? k->max_version : (int16_t)(version - 1);
        }
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_send_api_versions(c, retry < 0 ? 0 : retry);
        return;
    }
    if (resp->error_code) {
        int16_t ec = resp->error_code;
        kfk_arena_free(&a);
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "ApiVersions error %s", kfk_err_name((kfk_err_t)ec));
        return;
    }
    for (int i = 0; i < MAX_KEYS; i++)
        c->broker_min[i] = c->broker_max[i] = c->chosen[i] = -1;
    for (int32_t i = 0; i < resp->api_keys.count; i++) {
        kfk_api_versions_response_api_version_t *k =
            &KFK_ARRAY_AT(resp->api_keys, kfk_api_versions_response_api_version_t, i);
        if (k->api_key < 0 || k->api_key >= MAX_KEYS)
            continue;
        c->broker_min[k->api_key] = k->min_version;
        c->broker_max[k->api_key] = k->max_version;
        int16_t v;
        if (kfk_api_pick_version(k->api_key, k->min_version, k->max_version, &v, NULL, 0) == 0)
            c->chosen[k->api_key] = v;
    }
    kfk_arena_free(&a);
    kfk__free(frame);
    if (c->o.security == KFK__SEC_SASL_PLAINTEXT || c->o.security == KFK__SEC_SASL_SSL)
        kfk__conn_start_sasl(c);
    else
        became_ready(c);
}

/* Sends ApiVersions at @p version (see conn_int.h). */
void kfk__conn_send_api_versions(kfk__conn_t *c, int16_t version) {
    c->state = ST_APIVERSIONS;
    c->api_versions_version = version;
    kfk_api_versions_request_t req;
    memset(&req, 0, sizeof req);
    req.client_software_name = KFK_STR("kfk");
    req.client_software_version = kfk_str_c(kfk_version_str());
    kfk_err_t err =
        kfk__conn_enqueue(c, KFK_API_API_VERSIONS, version, &req, 0, 1, c->o.setup_timeout_ms,
                          on_api_versions, (void *)(intptr_t)version);
    if (err)
        kfk__conn_fail(c, err, "cannot encode ApiVersions");
}
