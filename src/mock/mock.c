/*
 * mock.c: the mock cluster's public API and its model (see mock_int.h): startup of N brokers
 * (every listener bound before kfk_mock_new returns), the bootstrap string, the cluster id,
 * topics (leaders round-robin over the brokers that are up, replicas following the leader,
 * random topic ids, one log per partition), broker up/down with leader elections, leader
 * moves, request counters, and the close: every module drops its waiting requests and closes
 * its handles; the close callback runs from the loop once the handle count reaches 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"

#define MAX_BROKERS 64
#define MAX_TOPIC_NAME 249
/* Partitions in the whole cluster: what any sequence of requests can make the mock allocate for
 * its partitions (about 20 MB), whatever the counts they ask for. */
#define MAX_PARTITIONS 100000

/* A random version-4 UUID (never all zeros, Kafka's "no id"). */
static void new_uuid(kfk_uuid_t *id) {
    static uint64_t fallback = 0x9e3779b97f4a7c15ull;
    if (uv_random(NULL, NULL, id->bytes, sizeof id->bytes, 0, NULL) != 0) {
        for (int i = 0; i < 16; i++) {
            fallback ^= fallback << 13;
            fallback ^= fallback >> 7;
            fallback ^= fallback << 17;
            id->bytes[i] = (uint8_t)fallback;
        }
    }
    id->bytes[6] = (uint8_t)((id->bytes[6] & 0x0f) | 0x40);
    id->bytes[8] = (uint8_t)((id->bytes[8] & 0x3f) | 0x80);
}

/* Kafka's cluster ids are a UUID in URL-safe base64 without padding (22 characters). */
static void new_cluster_id(char *out) {
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    kfk_uuid_t id;
    new_uuid(&id);
    uint32_t acc = 0;
    int bits = 0, n = 0;
    for (int i = 0; i < 16; i++) {
        acc = (acc << 8) | id.bytes[i];
        bits += 8;
        while (bits >= 6) {
            out[n++] = b64[(acc >> (bits - 6)) & 63];
            bits -= 6;
        }
    }
    if (bits)
        out[n++] = b64[(acc << (6 - bits)) & 63];
    out[n] = '\0';
}

/* ---- handles and the close ----------------------------------------------------------------- */

static void free_topic(kfk__mtopic_t *t) {
    for (int32_t i = 0; i < t->nparts; i++) {
        kfk__mpartition_t *p = &t->parts[i];
        kfk__mlog_free(&p->log);
        kfk__mpid_t *pid = p->pids;
        while (pid) {
            kfk__mpid_t *next = pid->next;
            kfk__free(pid);
            pid = next;
        }
        kfk__free(p->replicas);
    }
    kfk__free(t->parts);
    kfk__free(t->name);
    kfk__free(t);
}

static void mock_free(kfk_mock_t *m) {
    for (size_t i = 0; i < m->ntopics; i++)
        free_topic(m->topics[i]);
    kfk__free(m->topics);
    kfk__free(m->brokers);
    kfk__free(m->bootstrap);
    kfk__mock_sasl_free(m);
    kfk__free(m);
}

void kfk__mock_hold(kfk_mock_t *m) {
    m->handles++;
}

void kfk__mock_release(kfk_mock_t *m) {
    if (--m->handles > 0 || !m->closing)
        return;
    if (m->close_cb)
        m->close_cb(m, m->close_opaque);
    mock_free(m);
}

static void on_close_timer_closed(uv_handle_t *h) {
    kfk__mock_release((kfk_mock_t *)h->data);
}

static void on_close_timer(uv_timer_t *t) {
    uv_close((uv_handle_t *)t, on_close_timer_closed);
}

/* Starts the close: the modules drop what waits, every listener and connection closes. The
 * close timer holds the count above 0 until the loop runs, so nothing is called from here. */
static void mock_shutdown(kfk_mock_t *m) {
    m->closing = 1;
    uv_timer_init(m->loop, &m->close_timer);
    m->close_timer.data = m;
    kfk__mock_hold(m);
    uv_timer_start(&m->close_timer, on_close_timer, 0, 0);
    kfk__mock_data_close(m);
    kfk__mock_coord_close(m);
    kfk__mock_fault_close(m);
    for (int32_t i = 0; i < m->o.brokers; i++)
        kfk__mock_broker_close(&m->brokers[i]);
}

void kfk_mock_close(kfk_mock_t *m, kfk_mock_close_cb cb, void *opaque) {
    if (!m || m->closing)
        return;
    m->close_cb = cb;
    m->close_opaque = opaque;
    mock_shutdown(m);
}

void *kfk_mock_get_data(const kfk_mock_t *m) {
    return m ? m->user_data : NULL;
}

void kfk_mock_set_data(kfk_mock_t *m, void *data) {
    if (m)
        m->user_data = data;
}

/* ---- startup ------------------------------------------------------------------------------- */

/* Reads the caller's options over the defaults: only the struct_size bytes the caller has. */
static kfk_err_t read_opts(kfk_mock_opts_t *o, const kfk_mock_opts_t *src, char *errstr,
                           size_t errstr_size) {
    kfk_mock_opts_t d = KFK_MOCK_OPTS_INIT;
    size_t n;
    memcpy(&n, src, sizeof n);
    if (n < sizeof n) {
        kfk__errstr_set(errstr, errstr_size,
                        "options with struct_size 0: initialize them with %s, then set fields",
                        "KFK_MOCK_OPTS_INIT");
        return KFK_ERR__INVALID_ARG;
    }
    memcpy(&d, src, n < sizeof d ? n : sizeof d);
    d.struct_size = sizeof d;
    if (d.brokers < 1 || d.brokers > MAX_BROKERS) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "brokers=%d: 1 to %d", (int)d.brokers, MAX_BROKERS);
        return KFK_ERR__INVALID_ARG;
    }
    if (d.port < 0 || (d.port > 0 && d.port + d.brokers - 1 > 65535)) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "port=%d: 0 (any) or 1 to %d for %d brokers", d.port,
                     65536 - (int)d.brokers, (int)d.brokers);
        return KFK_ERR__INVALID_ARG;
    }
    if (d.default_partitions < 1 || d.log_cap_bytes < 1 || d.group_rebalance_delay_ms < 0) {
        kfk__errstr_set(errstr, errstr_size, "%s",
                        "default_partitions and log_cap_bytes must be positive, "
                        "group_rebalance_delay_ms not negative");
        return KFK_ERR__INVALID_ARG;
    }
    *o = d;
    return KFK_ERR_NONE;
}

static kfk_err_t build_bootstrap(kfk_mock_t *m) {
    size_t cap = (size_t)m->o.brokers * 17 + 1; /* "127.0.0.1:65535," */
    m->bootstrap = kfk__malloc(cap);
    if (!m->bootstrap)
        return KFK_ERR__NOMEM;
    size_t at = 0;
    for (int32_t i = 0; i < m->o.brokers; i++)
        at += (size_t)snprintf(m->bootstrap + at, cap - at, "%s127.0.0.1:%d", i ? "," : "",
                               m->brokers[i].port);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_mock_new(uv_loop_t *loop, const kfk_mock_opts_t *opts, kfk_mock_t **out, char *errstr,
                       size_t errstr_size) {
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!loop || !opts || !out) {
        kfk__errstr_set(errstr, errstr_size, "%s", "loop, opts and out are required");
        return KFK_ERR__INVALID_ARG;
    }
    *out = NULL;
    kfk_mock_opts_t o;
    kfk_err_t err = read_opts(&o, opts, errstr, errstr_size);
    if (err)
        return err;
    kfk_mock_t *m = kfk__calloc(1, sizeof *m);
    if (!m || !(m->brokers = kfk__calloc((size_t)o.brokers, sizeof *m->brokers))) {
        kfk__free(m);
        kfk__errstr_set(errstr, errstr_size, "%s", "out of memory");
        return KFK_ERR__NOMEM;
    }
    m->loop = loop;
    m->o = o;
    m->controller = 1;
    m->next_producer_id = 1000;
    new_cluster_id(m->cluster_id);
    for (int32_t i = 0; i < o.brokers; i++) {
        kfk__mbroker_t *b = &m->brokers[i];
        b->m = m;
        b->id = i + 1;
        b->port = o.port ? o.port + i : 0;
        b->up = 1;
    }
    err = kfk__mock_sasl_init(m, errstr, errstr_size);
    for (int32_t i = 0; i < o.brokers && !err; i++)
        err = kfk__mock_listen(&m->brokers[i], errstr, errstr_size);
    if (!err && build_bootstrap(m) != KFK_ERR_NONE) {
        kfk__errstr_set(errstr, errstr_size, "%s", "out of memory");
        err = KFK_ERR__NOMEM;
    }
    if (err) {
        /* The listeners already open close from the loop; the memory goes with the last one,
         * and no callback is called. */
        mock_shutdown(m);
        return err;
    }
    *out = m;
    return KFK_ERR_NONE;
}

const char *kfk_mock_bootstrap(const kfk_mock_t *m) {
    return m ? m->bootstrap : NULL;
}

uint64_t kfk_mock_requests(const kfk_mock_t *m, int16_t api_key) {
    if (!m || api_key < -1)
        return 0;
    if (api_key == -1)
        return m->requests_all;
    return m->requests[api_key < 63 ? api_key : 63];
}

/* ---- brokers ------------------------------------------------------------------------------- */

kfk__mbroker_t *kfk__mock_broker(kfk_mock_t *m, int32_t id) {
    if (id < 1 || id > m->o.brokers)
        return NULL;
    return &m->brokers[id - 1];
}

static int broker_up(kfk_mock_t *m, int32_t id) {
    kfk__mbroker_t *b = kfk__mock_broker(m, id);
    return b && b->up;
}

/* Gives @p p a leader among its replicas that are up, preferring the current one; the epoch
 * moves on every change. */
static void elect(kfk_mock_t *m, kfk__mpartition_t *p) {
    if (p->leader >= 0 && broker_up(m, p->leader))
        return;
    int32_t leader = -1;
    for (int32_t i = 0; i < p->nreplicas && leader < 0; i++)
        if (broker_up(m, p->replicas[i]))
            leader = p->replicas[i];
    if (leader != p->leader) {
        p->leader = leader;
        p->leader_epoch++;
    }
}

kfk_err_t kfk_mock_broker_set_up(kfk_mock_t *m, int32_t id, int up) {
    kfk__mbroker_t *b = m ? kfk__mock_broker(m, id) : NULL;
    if (!b || m->closing)
        return KFK_ERR__INVALID_ARG;
    up = up ? 1 : 0;
    if (b->up == up)
        return KFK_ERR_NONE;
    b->up = up;
    if (!up) {
        kfk__mock_broker_close(b);
    } else {
        char errstr[128];
        kfk_err_t err = kfk__mock_listen(b, errstr, sizeof errstr);
        if (err) {
            b->up = 0;
            return err;
        }
    }
    if (!broker_up(m, m->controller))
        for (int32_t i = 1; i <= m->o.brokers; i++)
            if (broker_up(m, i)) {
                m->controller = i;
                break;
            }
    for (size_t t = 0; t < m->ntopics; t++)
        for (int32_t i = 0; i < m->topics[t]->nparts; i++)
            elect(m, &m->topics[t]->parts[i]);
    kfk__mock_data_wake(m);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_mock_partition_set_leader(kfk_mock_t *m, const char *topic, int32_t partition,
                                        int32_t id) {
    if (!m || !topic || m->closing)
        return KFK_ERR__INVALID_ARG;
    kfk__mtopic_t *t = kfk__mock_topic(m, topic, strlen(topic));
    if (!t || partition < 0 || partition >= t->nparts)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (!kfk__mock_broker(m, id))
        return KFK_ERR__INVALID_ARG;
    kfk__mpartition_t *p = &t->parts[partition];
    int replica = 0;
    for (int32_t i = 0; i < p->nreplicas; i++)
        replica |= p->replicas[i] == id;
    if (!replica) {
        /* The new leader joins the replicas (a reassignment, then the election). */
        int32_t *r = kfk__realloc(p->replicas, (size_t)(p->nreplicas + 1) * sizeof *r);
        if (!r)
            return KFK_ERR__NOMEM;
        r[p->nreplicas++] = id;
        p->replicas = r;
    }
    if (p->leader != id) {
        p->leader = id;
        p->leader_epoch++;
        kfk__mock_data_wake(m);
    }
    return KFK_ERR_NONE;
}

/* ---- topics -------------------------------------------------------------------------------- */

kfk__mtopic_t *kfk__mock_topic(kfk_mock_t *m, const char *name, size_t len) {
    for (size_t i = 0; i < m->ntopics; i++) {
        kfk__mtopic_t *t = m->topics[i];
        if (strlen(t->name) == len && memcmp(t->name, name, len) == 0)
            return t;
    }
    return NULL;
}

/* Kafka's rule: 1-249 characters of [a-zA-Z0-9._-], not "." or "..". */
static int valid_name(const char *name, size_t len) {
    if (len == 0 || len > MAX_TOPIC_NAME)
        return 0;
    if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

kfk_err_t kfk__mock_topic_add(kfk_mock_t *m, const char *name, size_t len, int32_t partitions,
                              int16_t replication, kfk__mtopic_t **out) {
    if (out)
        *out = NULL;
    if (!valid_name(name, len))
        return KFK_ERR_INVALID_TOPIC_EXCEPTION;
    if (kfk__mock_topic(m, name, len))
        return KFK_ERR_TOPIC_ALREADY_EXISTS;
    int64_t held = 0;
    for (size_t i = 0; i < m->ntopics; i++)
        held += m->topics[i]->nparts;
    if (partitions < 1 || partitions > MAX_PARTITIONS - held)
        return KFK_ERR_INVALID_PARTITIONS;
    /* Replicas go to the brokers that are up (all of them when none is). */
    int32_t live[MAX_BROKERS], nlive = 0;
    for (int32_t i = 1; i <= m->o.brokers; i++)
        if (broker_up(m, i))
            live[nlive++] = i;
    if (nlive == 0)
        for (int32_t i = 1; i <= m->o.brokers; i++)
            live[nlive++] = i;
    if (replication < 1 || replication > nlive)
        return KFK_ERR_INVALID_REPLICATION_FACTOR;
    if (m->ntopics == m->topics_cap) {
        size_t cap = m->topics_cap ? m->topics_cap * 2 : 8;
        kfk__mtopic_t **ts = kfk__realloc(m->topics, cap * sizeof *ts);
        if (!ts)
            return KFK_ERR__NOMEM;
        m->topics = ts;
        m->topics_cap = cap;
    }
    kfk__mtopic_t *t = kfk__calloc(1, sizeof *t);
    if (!t)
        return KFK_ERR__NOMEM;
    t->name = kfk__malloc(len + 1);
    t->parts = kfk__calloc((size_t)partitions, sizeof *t->parts);
    if (!t->name || !t->parts) {
        free_topic(t);
        return KFK_ERR__NOMEM;
    }
    memcpy(t->name, name, len);
    t->name[len] = '\0';
    t->max_message_bytes = -1;
    new_uuid(&t->id);
    /* Leaders round-robin, each topic starting one broker further, replicas following. */
    size_t start = m->ntopics;
    for (int32_t i = 0; i < partitions; i++) {
        kfk__mpartition_t *p = &t->parts[i];
        p->id = i;
        p->replicas = kfk__calloc((size_t)replication, sizeof *p->replicas);
        if (!p->replicas) {
            t->nparts = i + 1;
            free_topic(t);
            return KFK_ERR__NOMEM;
        }
        p->nreplicas = replication;
        for (int32_t r = 0; r < replication; r++)
            p->replicas[r] = live[(start + (size_t)i + (size_t)r) % (size_t)nlive];
        p->leader = -1;
        p->leader_epoch = -1;
        elect(m, p);
        kfk__mlog_init(&p->log, m->o.log_cap_bytes);
    }
    t->nparts = partitions;
    m->topics[m->ntopics++] = t;
    if (out)
        *out = t;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__mock_topic_delete(kfk_mock_t *m, const char *name, size_t len) {
    for (size_t i = 0; i < m->ntopics; i++) {
        kfk__mtopic_t *t = m->topics[i];
        if (strlen(t->name) == len && memcmp(t->name, name, len) == 0) {
            memmove(&m->topics[i], &m->topics[i + 1], (m->ntopics - i - 1) * sizeof *m->topics);
            m->ntopics--;
            free_topic(t);
            return KFK_ERR_NONE;
        }
    }
    return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
}

kfk_err_t kfk_mock_topic_add_partitions(kfk_mock_t *m, const char *name, int32_t total) {
    if (!m || !name || m->closing)
        return KFK_ERR__INVALID_ARG;
    kfk__mtopic_t *t = kfk__mock_topic(m, name, strlen(name));
    if (!t)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    int64_t held = 0;
    for (size_t i = 0; i < m->ntopics; i++)
        held += m->topics[i]->nparts;
    if (total <= t->nparts || total - t->nparts > MAX_PARTITIONS - held)
        return KFK_ERR_INVALID_PARTITIONS;
    /* Nothing keeps a pointer into parts across requests: the array may move. */
    kfk__mpartition_t *parts = kfk__realloc(t->parts, (size_t)total * sizeof *parts);
    if (!parts)
        return KFK_ERR__NOMEM;
    t->parts = parts;
    int32_t rf = t->nparts > 0 ? t->parts[0].nreplicas : 1;
    for (int32_t i = t->nparts; i < total; i++) {
        kfk__mpartition_t *p = &t->parts[i];
        memset(p, 0, sizeof *p);
        p->id = i;
        p->replicas = kfk__calloc((size_t)rf, sizeof *p->replicas);
        if (!p->replicas) {
            t->nparts = i;
            return KFK_ERR__NOMEM;
        }
        p->nreplicas = rf;
        for (int32_t r = 0; r < rf; r++) /* the replicas of partition 0, moved on by i */
            p->replicas[r] = t->parts[0].replicas[(r + i) % rf];
        p->leader = -1;
        p->leader_epoch = -1;
        elect(m, p);
        kfk__mlog_init(&p->log, m->o.log_cap_bytes);
        t->nparts = i + 1;
    }
    return KFK_ERR_NONE;
}

kfk_err_t kfk_mock_topic_create(kfk_mock_t *m, const char *name, int32_t partitions,
                                int16_t replication) {
    if (!m || !name || m->closing)
        return KFK_ERR__INVALID_ARG;
    return kfk__mock_topic_add(m, name, strlen(name), partitions, replication, NULL);
}
