/*
 * client.c: the client core (client.h): configuration checks, the TLS context, and brokers:
 * one connection each, opened on demand, reopened after failures with exponential backoff and
 * jitter (reconnect.backoff.ms doubling up to reconnect.backoff.max.ms; TLS and authentication
 * failures back off at the maximum at once, so wrong credentials never become a reconnect
 * storm). It also writes the core's section of the statistics document (stats.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/core/backoff.h"
#include "client/core/client.h"
#include "ev/sasl.h"
#include "ev/tls.h"
#include "protocol/mem.h"

static void broker_connect(kfk__broker_t *b);

/* ---- helpers -------------------------------------------------------------------------------- */

/* The shortest reconnect wait, whatever the settings: with reconnect.backoff.ms=0 a refused
 * connection was retried in a loop (2.4 s of CPU in 3 s against a closed port). */
#define KFK__RECONNECT_MIN_MS 10

/* The reconnect wait after @p failures failed attempts; fatal errors (TLS, authentication) wait
 * the maximum at once, so wrong credentials never become a reconnect storm. */
static uint64_t backoff_ms(kfk__client_t *cl, uint32_t failures, kfk_err_t err) {
    int64_t base = cl->conf->reconnect_backoff_ms;
    int64_t max = cl->conf->reconnect_backoff_max_ms;
    if (base < KFK__RECONNECT_MIN_MS)
        base = KFK__RECONNECT_MIN_MS;
    if (max < base)
        max = base;
    return kfk__backoff_ms(base, max, kfk_err_is_fatal(err) ? UINT32_MAX : failures);
}

/* ---- brokers -------------------------------------------------------------------------------- */

static void notify_waiters(kfk__broker_t *b, kfk_err_t err, const char *msg) {
    kfk__waiter_t *list = b->waiters;
    b->waiters = NULL;
    while (list) {
        kfk__waiter_t *w = list;
        list = w->next;
        w->next = NULL;
        w->cb(b, err, msg, w->opaque);
    }
}

static void on_broker_timer(uv_timer_t *t) {
    kfk__broker_t *b = t->data;
    if (b->client->closing)
        return;
    if (b->up) {
        notify_waiters(b, KFK_ERR_NONE, "up");
        return;
    }
    if (!b->conn && b->waiters)
        broker_connect(b);
}

static void client_free(kfk__client_t *cl);

/* One handle (a connection being closed, a timer) fewer; the client is freed after the last. */
void kfk__client_handle_closed(kfk__client_t *cl) {
    cl->handles_open--;
    if (!cl->closing || cl->handles_open > 0)
        return;
    kfk__client_close_cb cb = cl->close_cb;
    void *opaque = cl->close_opaque;
    client_free(cl);
    if (cb)
        cb(cl, opaque); /* the pointer is an identity only now */
}

static void on_conn_closed(kfk__conn_t *c, void *opaque) {
    (void)c;
    kfk__client_handle_closed(opaque);
}

/* The connection @p c of @p b is done (it failed, or it answered something that did not
 * decode): drop it, count the failure and back off before the next attempt. Only an answer that
 * decoded resets the count (kfk__broker_answered), so a broker that accepts connections and then
 * lies or drops them meets the same exponential schedule as one that refuses them. */
static void broker_down(kfk__broker_t *b, kfk__conn_t *c, kfk_err_t err, const char *msg) {
    kfk__client_t *cl = b->client;
    int was_up = b->up;
    b->up = 0;
    b->conn = NULL;
    if (was_up)
        b->disconnects++;
    b->failures++;
    if (err != KFK_ERR__DESTROYED) {
        /* Report a failure once; the same failure again only at debug level. */
        int repeat = b->last_err == err && !strcmp(b->last_msg, msg);
        char name[300];
        if (b->node_id >= 0)
            snprintf(name, sizeof name, "broker %d (%s:%d)", b->node_id, b->host, b->port);
        else
            snprintf(name, sizeof name, "bootstrap server %s:%d", b->host, b->port);
        kfk__log(&cl->log,
                 repeat                       ? KFK_LOG_DEBUG
                 : was_up && b->failures == 1 ? KFK_LOG_INFO
                                              : KFK_LOG_WARNING,
                 KFK_DBG_BROKER, "%s: %s (%s)%s", name, msg, kfk_err_name(err),
                 repeat ? " (again)" : "");
    }
    b->last_err = err;
    if (msg != b->last_msg)
        snprintf(b->last_msg, sizeof b->last_msg, "%s", msg);
    /* A connection that served answers and then broke is retried after the first step of the
     * schedule (failures is 1 then); one that never answered waits longer each time. */
    uint64_t wait = backoff_ms(cl, b->failures, err);
    b->next_attempt_ms = uv_now(cl->loop) + wait;
    cl->handles_open++;
    kfk__conn_close(c, on_conn_closed, cl);
    notify_waiters(b, err, b->last_msg);
    /* Waiters that asked again get a new attempt after the backoff. */
    if (b->waiters && b->timer_open && !cl->closing)
        uv_timer_start(&b->backoff_timer, on_broker_timer, wait, 0);
}

void kfk__broker_answered(kfk__broker_t *b, kfk_err_t err, const char *msg) {
    if (err == KFK_ERR_NONE) {
        /* Healthy again: the next failure is news, logged as a warning once more. */
        b->failures = 0;
        b->last_err = KFK_ERR_NONE;
        b->last_msg[0] = '\0';
        return;
    }
    if (err == KFK_ERR__BAD_MSG && b->conn && !b->client->closing)
        broker_down(b, b->conn, err, msg);
}

static void on_conn_state(kfk__conn_t *c, int state, kfk_err_t err, const char *msg, void *opaque) {
    kfk__broker_t *b = opaque;
    if (state == KFK__CONN_UP) {
        /* A broker that shares no Metadata version with kfk cannot be used for anything: a
         * failed connection (backed off like any other), never an up broker whose every
         * request fails at once. */
        if (kfk__conn_version(c, KFK_API_METADATA) < 0) {
            const kfk_api_t *api = kfk_api_get(KFK_API_METADATA);
            char m[160];
            snprintf(m, sizeof m,
                     "its ApiVersions answer offers no Metadata version kfk speaks (v%d..v%d)",
                     api && api->min_version > 1 ? api->min_version : 1,
                     api ? api->max_version : 0);
            broker_down(b, c, KFK_ERR__NO_COMMON_VERSION, m);
            return;
        }
        b->up = 1;
        b->connects++;
        notify_waiters(b, KFK_ERR_NONE, "up");
        return;
    }
    broker_down(b, c, err, msg);
}

static void broker_connect(kfk__broker_t *b) {
    kfk__client_t *cl = b->client;
    kfk_conf_t *conf = cl->conf;
    kfk__conn_opts_t o;
    memset(&o, 0, sizeof o);
    o.host = b->host;
    o.port = b->port;
    o.node_id = b->node_id;
    o.client_id = conf->client_id;
    o.setup_timeout_ms = conf->socket_connection_setup_timeout_ms;
    o.request_timeout_ms = conf->request_timeout_ms;
    o.max_in_flight = (int)conf->max_in_flight;
    o.max_frame = conf->receive_message_max_bytes;
    o.frame_crc = conf->check_crcs; /* Fetch answers: the consumer joins batch CRCs from them */
    o.security = conf->security_protocol; /* same order as KFK__SEC_* */
    o.ssl_ctx = cl->ssl_ctx;
    o.ssl_verify_host = conf->ssl_endpoint_identification == KFK_SSL_ENDPOINT_HTTPS &&
                        conf->enable_ssl_certificate_verification;
    o.sasl_mech = conf->sasl_mechanism; /* same order as KFK_SASL_MECH_* */
    o.sasl_user = conf->sasl_username;
    o.sasl_pass = conf->sasl_password;
    o.log = &cl->log;
    kfk__conn_t *c;
    kfk_err_t err = kfk__conn_new(cl->loop, &o, on_conn_state, b, &c);
    if (err) {
        b->failures++;
        b->last_err = err;
        snprintf(b->last_msg, sizeof b->last_msg, "cannot start a connection: %s",
                 kfk_err_str(err));
        b->next_attempt_ms = uv_now(cl->loop) + backoff_ms(cl, b->failures, err);
        notify_waiters(b, err, b->last_msg);
        return;
    }
    b->conn = c;
}

void kfk__broker_wait(kfk__broker_t *b, kfk__waiter_t *w, kfk__broker_ready_cb cb, void *opaque) {
    kfk__client_t *cl = b->client;
    w->cb = cb;
    w->opaque = opaque;
    /* A waiter already in the list stays there once: linked twice it would point at itself and
     * notify_waiters would never end. */
    kfk__waiter_t *x = b->waiters;
    while (x && x != w)
        x = x->next;
    if (!x) {
        w->next = b->waiters;
        b->waiters = w;
    }
    if (b->conn && !b->up)
        return; /* connecting: the state callback will notify */
    /* Up: notify from the timer (never inside this call). Down: connect after the backoff. */
    uint64_t now = uv_now(cl->loop);
    uint64_t delay = b->up || b->next_attempt_ms <= now ? 0 : b->next_attempt_ms - now;
    if (b->timer_open && !uv_is_active((uv_handle_t *)&b->backoff_timer))
        uv_timer_start(&b->backoff_timer, on_broker_timer, delay, 0);
}

void kfk__broker_cancel_wait(kfk__broker_t *b, kfk__waiter_t *w) {
    for (kfk__waiter_t **pp = &b->waiters; *pp; pp = &(*pp)->next)
        if (*pp == w) {
            *pp = w->next;
            w->next = NULL;
            return;
        }
}

int16_t kfk__broker_version(const kfk__broker_t *b, int16_t api_key) {
    return b->up && b->conn ? kfk__api_version_cap(api_key, kfk__conn_version(b->conn, api_key))
                            : -1;
}

static void on_timer_closed(uv_handle_t *h) {
    kfk__broker_t *b = h->data;
    b->timer_open = 0;
    kfk__client_handle_closed(b->client);
}

kfk__broker_t *kfk__client_broker(kfk__client_t *cl, int32_t node_id) {
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (b->node_id == node_id && !b->gone)
            return b;
    return NULL;
}

kfk__broker_t *kfk__client_add_broker(kfk__client_t *cl, int32_t node_id, const char *host,
                                      int port, const char *rack) {
    kfk__broker_t *b = node_id >= 0 ? kfk__client_broker(cl, node_id) : NULL;
    if (b) {
        if (strcmp(b->host, host) != 0 || b->port != port) {
            /* The broker moved: the next connection goes to the new address. */
            char *h = kfk__strndup(host, strlen(host));
            if (!h)
                return b;
            kfk__free(b->host);
            b->host = h;
            b->port = port;
            if (b->conn) {
                kfk__conn_t *c = b->conn;
                b->conn = NULL;
                b->up = 0;
                cl->handles_open++;
                kfk__conn_close(c, on_conn_closed, cl);
            }
        }
        return b;
    }
    b = kfk__calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->client = cl;
    b->node_id = node_id;
    b->host = kfk__strndup(host, strlen(host));
    b->rack = rack ? kfk__strndup(rack, strlen(rack)) : NULL;
    b->port = port;
    if (!b->host) {
        kfk__free(b->rack);
        kfk__free(b);
        return NULL;
    }
    uv_timer_init(cl->loop, &b->backoff_timer);
    b->backoff_timer.data = b;
    b->timer_open = 1;
    cl->handles_open++;
    b->next = cl->brokers;
    cl->brokers = b;
    return b;
}

/* Marks a broker gone (it left the cluster): its connection closes, waiters get an error. */
void kfk__client_drop_broker(kfk__client_t *cl, kfk__broker_t *b) {
    if (b->gone)
        return;
    b->gone = 1;
    if (b->conn) {
        kfk__conn_t *c = b->conn;
        b->conn = NULL;
        b->up = 0;
        cl->handles_open++;
        kfk__conn_close(c, on_conn_closed, cl);
    }
    notify_waiters(b, KFK_ERR__TRANSPORT, "broker left the cluster");
}

kfk__broker_t *kfk__client_any_broker(kfk__client_t *cl) {
    kfk__broker_t *best = NULL;
    /* An up broker, preferring real ones; else the one whose backoff ends first. */
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (!b->gone && b->up && (!best || (best->node_id < 0 && b->node_id >= 0)))
            best = b;
    if (best)
        return best;
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (!b->gone && b->conn)
            return b; /* already connecting */
    int have_real = 0;
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (!b->gone && b->node_id >= 0 && b->failures < 3)
            have_real = 1;
    for (kfk__broker_t *b = cl->brokers; b; b = b->next) {
        /* Once real brokers are known, bootstrap entries are a last resort. */
        if (b->gone || (have_real && b->node_id < 0))
            continue;
        if (!best || b->next_attempt_ms < best->next_attempt_ms ||
            (b->next_attempt_ms == best->next_attempt_ms && b->failures < best->failures))
            best = b;
    }
    return best;
}

/* ---- statistics: the core's section (stats.c describes the document) ----------------------- */

static void put_broker(kfk_wbuf_t *w, const kfk__broker_t *b) {
    char name[320];
    snprintf(name, sizeof name, "%s:%d/%d", b->host ? b->host : "", b->port, (int)b->node_id);
    kfk__conn_stats_t st;
    memset(&st, 0, sizeof st);
    if (b->conn)
        kfk__conn_stats(b->conn, &st);
    const char *state = b->up ? "UP" : b->conn ? "CONNECTING" : "DOWN";
    kfk__stats_put_str(w, name);
    kfk__stats_put(w, ":{\"name\":");
    kfk__stats_put_str(w, name);
    kfk__stats_putf(
        w, ",\"nodeid\":%d,\"state\":\"%s\",\"connects\":%" PRIu64 ",\"disconnects\":%" PRIu64,
        (int)b->node_id, state, b->connects, b->disconnects);
    kfk__stats_putf(w, ",\"outbuf_cnt\":%zu,\"waitresp_cnt\":%zu", st.waiting, st.in_flight);
    kfk__stats_putf(
        w, ",\"tx\":%" PRIu64 ",\"txbytes\":%" PRIu64 ",\"rx\":%" PRIu64 ",\"rxbytes\":%" PRIu64,
        st.tx_requests, st.tx_bytes, st.rx_responses, st.rx_bytes);
    kfk__stats_putf(w, ",\"req_timeouts\":%" PRIu64, st.timeouts);
    kfk__stats_putf(w, ",\"rtt\":{\"avg\":%" PRIu64 ",\"max\":%" PRIu64 ",\"cnt\":%" PRIu64 "}}",
                    st.rtt_count ? st.rtt_sum_us / st.rtt_count : 0, st.rtt_max_us, st.rtt_count);
}

/* The document's first section: the client, its metadata cache and its brokers. */
static void render_stats(void *owner, kfk_wbuf_t *w) {
    kfk__client_t *cl = owner;
    uint64_t now = uv_now(cl->loop);
    kfk__stats_put(w, "\"name\":");
    kfk__stats_put_str(w, cl->conf->client_id);
    kfk__stats_put(w, ",\"client_id\":");
    kfk__stats_put_str(w, cl->conf->client_id);
    kfk__stats_putf(w, ",\"ts\":%" PRIu64 ",\"time\":%lld", now, (long long)time(NULL));
    kfk__stats_putf(w, ",\"metadata_cache_cnt\":%d,\"metadata_age_ms\":%lld", (int)cl->topic_cnt,
                    cl->md_updated_ms ? (long long)(now - cl->md_updated_ms) : -1LL);
    kfk__stats_put(w, ",\"brokers\":{");
    int first = 1;
    for (const kfk__broker_t *b = cl->brokers; b; b = b->next) {
        if (b->gone)
            continue;
        if (!first)
            kfk__stats_put(w, ",");
        first = 0;
        put_broker(w, b);
    }
    kfk__stats_put(w, "}");
}

static void on_stats_closed(void *opaque) {
    kfk__client_handle_closed(opaque);
}

/* ---- client --------------------------------------------------------------------------------- */

static kfk_err_t add_bootstrap(kfk__client_t *cl, char *errstr, size_t errstr_size) {
    const char *s = cl->conf->bootstrap_servers;
    int count = 0;
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        while (n && (*s == ' ')) {
            s++;
            n--;
        }
        while (n && s[n - 1] == ' ')
            n--;
        if (n) {
            /* host:port, [v6]:port; a scheme prefix (PLAINTEXT://) is tolerated. */
            const char *p = s, *end = s + n;
            const char *scheme = strstr(p, "://");
            if (scheme && scheme < end)
                p = scheme + 3;
            const char *colon = NULL;
            for (const char *q = p; q < end; q++)
                if (*q == ':')
                    colon = q;
            const char *hs = p, *he = colon;
            if (*hs == '[') {
                hs++;
                if (he && he[-1] == ']')
                    he--;
            }
            char host[256];
            long port = 0;
            char *pend = NULL;
            if (colon)
                port = strtol(colon + 1, &pend, 10);
            if (!colon || he <= hs || (size_t)(he - hs) >= sizeof host || pend != end || port < 1 ||
                port > 65535) {
                snprintf(errstr, errstr_size,
                         "bootstrap.servers: \"%.*s\" is not host:port (port 1-65535)", (int)n, s);
                return KFK_ERR__INVALID_CONF;
            }
            memcpy(host, hs, (size_t)(he - hs));
            host[he - hs] = '\0';
            if (!kfk__client_add_broker(cl, cl->next_bootstrap_id--, host, (int)port, NULL))
                return KFK_ERR__NOMEM;
            count++;
        }
        s = comma ? comma + 1 : NULL;
    }
    if (!count) {
        snprintf(errstr, errstr_size, "bootstrap.servers is empty: set it to host:port[,...]");
        return KFK_ERR__INVALID_CONF;
    }
    return KFK_ERR_NONE;
}

static void client_free(kfk__client_t *cl) {
    kfk__broker_t *b = cl->brokers;
    while (b) {
        kfk__broker_t *next = b->next;
        kfk__free(b->host);
        kfk__free(b->rack);
        kfk__free(b);
        b = next;
    }
    kfk__client_md_free(cl);
    if (cl->ssl_ctx)
        SSL_CTX_free(cl->ssl_ctx);
    kfk_conf_free(cl->conf);
    kfk__free(cl);
}

kfk_err_t kfk__client_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk__client_t **out,
                          char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr || !errstr_size) {
        errstr = dummy;
        errstr_size = sizeof dummy;
    }
    errstr[0] = '\0';
    if (!loop || !conf || !out) {
        snprintf(errstr, errstr_size, "NULL argument");
        return KFK_ERR__INVALID_ARG;
    }
    kfk__client_t *cl = kfk__calloc(1, sizeof *cl);
    if (!cl)
        return KFK_ERR__NOMEM;
    cl->loop = loop;
    cl->next_bootstrap_id = -1;
    cl->controller_id = -1;
    cl->conf = kfk_conf_dup(conf);
    if (!cl->conf) {
        kfk__free(cl);
        return KFK_ERR__NOMEM;
    }
    /* The user's kfk_log_cb (kfk.h) is attached as ev's own kfk__log_cb (ev/log.h). */
    _Static_assert(__builtin_types_compatible_p(kfk_log_cb, kfk__log_cb),
                   "kfk_log_cb and kfk__log_cb must keep one signature");
    cl->log.cb = cl->conf->log_cb;
    cl->log.opaque = cl->conf->log_opaque;
    cl->log.level = (int)cl->conf->log_level;
    cl->log.debug = kfk__log_parse_debug(cl->conf->debug);
    cl->log.name = cl->conf->client_id;
    if (cl->log.debug && cl->log.level < KFK_LOG_DEBUG)
        cl->log.level = KFK_LOG_DEBUG;

    kfk_conf_t *c = cl->conf;
    int sasl =
        c->security_protocol == KFK_SEC_SASL_PLAINTEXT || c->security_protocol == KFK_SEC_SASL_SSL;
    int tls = c->security_protocol == KFK_SEC_SSL || c->security_protocol == KFK_SEC_SASL_SSL;
    kfk_err_t err = KFK_ERR_NONE;
    if (sasl && (!c->sasl_username[0] || !c->sasl_password[0])) {
        snprintf(errstr, errstr_size, "security.protocol=%s needs sasl.username and sasl.password",
                 c->security_protocol == KFK_SEC_SASL_SSL ? "sasl_ssl" : "sasl_plaintext");
        err = KFK_ERR__INVALID_CONF;
    }
    if (!err && tls) {
        kfk__tls_ctx_opts_t to = {c->ssl_ca_location, c->ssl_certificate_location,
                                  c->ssl_key_location, c->ssl_key_password,
                                  c->enable_ssl_certificate_verification};
        cl->ssl_ctx = kfk__tls_ctx_new(&to, errstr, errstr_size);
        if (!cl->ssl_ctx)
            err = KFK_ERR__SSL;
        else if (!c->enable_ssl_certificate_verification)
            kfk__log(&cl->log, KFK_LOG_WARNING, KFK_DBG_SECURITY,
                     "enable.ssl.certificate.verification=false: the broker is not "
                     "authenticated (unsafe)");
    }
    if (!err)
        err = add_bootstrap(cl, errstr, errstr_size);
    if (err) {
        /* Broker timers may exist already: they close on the loop, then the client is freed. */
        kfk__client_close(cl, NULL, NULL);
        return err;
    }
    kfk__client_md_init(cl);
    if (kfk__stats_init(&cl->stats, cl->loop, cl->conf->statistics_interval_ms, cl->conf->stats_cb,
                        cl->conf->stats_opaque))
        cl->handles_open++;
    kfk__stats_section_add(&cl->stats, render_stats, cl);
    *out = cl;
    return KFK_ERR_NONE;
}

void kfk__client_close(kfk__client_t *cl, kfk__client_close_cb cb, void *opaque) {
    if (cl->closing && cl->close_cb)
        return;
    cl->closing = 1;
    cl->close_cb = cb;
    cl->close_opaque = opaque;
    cl->handles_open++; /* held while closing below, so nothing frees the client midway */
    kfk__client_md_close(cl);
    kfk__stats_close(&cl->stats, on_stats_closed, cl);
    for (kfk__broker_t *b = cl->brokers; b; b = b->next) {
        notify_waiters(b, KFK_ERR__DESTROYED, "client closing");
        if (b->conn) {
            kfk__conn_t *c = b->conn;
            b->conn = NULL;
            b->up = 0;
            cl->handles_open++;
            kfk__conn_close(c, on_conn_closed, cl);
        }
        if (b->timer_open && !uv_is_closing((uv_handle_t *)&b->backoff_timer))
            uv_close((uv_handle_t *)&b->backoff_timer, on_timer_closed);
    }
    kfk__client_handle_closed(cl);
}
