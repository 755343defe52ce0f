/*
 * admin.c: kfk_admin_t, the public admin client: cluster metadata (from the client core's
 * cache after a refresh), CreateTopics and DeleteTopics. Each call is an "op" that completes
 * exactly once: with the broker's answer, with the last cause once its deadline passed
 * (request.timeout.ms or kfk_admin_opts_t.timeout_ms; connections are retried meanwhile, each
 * broker after its reconnect backoff), or with KFK_ERR__DESTROYED at close. One timer per admin
 * fires at the earliest deadline, so no call outlives its timeout, whatever its broker does.
 * The cause in words reaches the callback through kfk_admin_errstr.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "client/admin/admin_int.h"
#include "protocol/mem.h"

typedef enum { OP_METADATA, OP_CREATE, OP_DELETE } op_kind_t;

typedef struct op {
    struct op *next;
    kfk_admin_t *admin;
    op_kind_t kind;
    /* metadata */
    kfk__md_waiter_t mw;
    char **names;
    size_t name_cnt;
    kfk_metadata_cb md_cb;
    /* create / delete */
    kfk_new_topic_t *new_topics; /* deep copies in `names`-like storage below */
    char **configs;              /* per topic: copied pairs (owned strings) */
    int32_t op_timeout_ms;       /* the broker-side timeout of CreateTopics / DeleteTopics */
    kfk_topics_cb topics_cb;
    kfk__waiter_t bw;
    kfk__broker_t *broker;
    uint64_t deadline;
    kfk_err_t last_err;
    char cause[256]; /* the last failure in words ("" while none) */
    int done;        /* its callback ran (an op with a request out is freed when it returns) */
    int in_flight;   /* a request is out: its callback will finish, retry or free the op */
    int md_waiting;  /* mw is in the client's metadata waiters */
    int in_cb;       /* its callback is running: whoever else ends it must not free it */
    void *opaque;
} op_t;

static void arm(kfk_admin_t *a);

static void op_unlink(kfk_admin_t *a, op_t *op) {
    for (op_t **pp = &a->ops; *pp; pp = &(*pp)->next)
        if (*pp == op) {
            *pp = op->next;
            return;
        }
}

static void op_free(op_t *op) {
    for (size_t i = 0; i < op->name_cnt; i++)
        kfk__free(op->names[i]);
    kfk__free(op->names);
    if (op->new_topics) {
        for (size_t i = 0; i < op->name_cnt; i++) {
            for (size_t k = 0; k < op->new_topics[i].config_cnt * 2; k++)
                kfk__free((void *)op->new_topics[i].configs[k]);
            kfk__free((void *)op->new_topics[i].configs);
        }
        kfk__free(op->new_topics);
    }
    kfk__free(op);
}

/* Remembers @p err and @p msg as the op's last cause (a later one replaces it). */
static void op_cause(op_t *op, kfk_err_t err, const char *msg) {
    op->last_err = err;
    snprintf(op->cause, sizeof op->cause, "%s", msg && msg[0] ? msg : kfk_err_str(err));
}

static char *dup0(const char *s) {
    return kfk__strndup(s ? s : "", strlen(s ? s : ""));
}

/* Configs one new topic may carry (Kafka's topic configs number about 40): a count past it is
 * a caller's mistake, not a reason to allocate. */
#define KFK__ADMIN_MAX_CONFIGS 1024

/* @p n names, none of them NULL (an empty list may be NULL). */
static int names_ok(const char *const *names, size_t n) {
    if (n && !names)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!names[i])
            return 0;
    return 1;
}

/* ---- metadata --------------------------------------------------------------------------- */

static void fill_partition(const kfk__partition_md_t *p, kfk_metadata_partition_t *o) {
    o->id = p->id;
    o->err = (kfk_err_t)p->err;
    o->leader = p->leader;
    o->leader_epoch = p->leader_epoch;
    o->replicas = p->replicas;
    o->replica_cnt = p->replica_cnt;
    o->isrs = p->isr;
    o->isr_cnt = p->isr_cnt;
    o->offline = p->offline;
    o->offline_cnt = p->offline_cnt;
}

static void deliver_metadata(op_t *op, kfk_err_t err) {
    kfk_admin_t *a = op->admin;
    kfk__client_t *cl = a->cl;
    if (err || !op->md_cb) {
        if (op->md_cb) {
            a->errstr = op->cause;
            op->md_cb(a, err, NULL, op->opaque);
            a->errstr = NULL;
        }
        return;
    }
    int32_t nb = 0;
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (b->node_id >= 0 && !b->gone)
            nb++;
    int32_t nt = op->name_cnt ? (int32_t)op->name_cnt : cl->topic_cnt;
    int32_t np = 0;
    for (int32_t i = 0; i < cl->topic_cnt; i++)
        np += cl->topics[i].partition_cnt;
    kfk_metadata_broker_t *brokers = kfk__calloc((size_t)nb + 1, sizeof *brokers);
    kfk_metadata_topic_t *topics = kfk__calloc((size_t)nt + 1, sizeof *topics);
    kfk_metadata_partition_t *parts = kfk__calloc((size_t)np + 1, sizeof *parts);
    if (!brokers || !topics || !parts) {
        kfk__free(brokers);
        kfk__free(topics);
        kfk__free(parts);
        op->md_cb(a, KFK_ERR__NOMEM, NULL, op->opaque);
        return;
    }
    int32_t bi = 0;
    for (kfk__broker_t *b = cl->brokers; b; b = b->next)
        if (b->node_id >= 0 && !b->gone)
            brokers[bi++] = (kfk_metadata_broker_t){b->node_id, b->host, b->port, b->rack};
    /* Brokers in id order, as kcat lists them. */
    for (int32_t i = 1; i < bi; i++) {
        kfk_metadata_broker_t x = brokers[i];
        int32_t j = i - 1;
        while (j >= 0 && brokers[j].node_id > x.node_id) {
            brokers[j + 1] = brokers[j];
            j--;
        }
        brokers[j + 1] = x;
    }
    int32_t pi = 0;
    for (int32_t i = 0; i < nt; i++) {
        const kfk__topic_md_t *t =
            op->name_cnt ? kfk__client_topic(cl, op->names[i]) : &cl->topics[i];
        if (!t) {
            topics[i] = (kfk_metadata_topic_t){op->names[i], KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION, 0,
                                               NULL, 0};
            continue;
        }
        topics[i].name = t->name;
        topics[i].err = (kfk_err_t)t->err;
        topics[i].is_internal = t->is_internal;
        topics[i].partitions = parts + pi;
        topics[i].partition_cnt = t->partition_cnt;
        for (int32_t k = 0; k < t->partition_cnt && pi < np; k++)
            fill_partition(&t->partitions[k], &parts[pi++]);
    }
    kfk_metadata_t md = {brokers, bi, topics, nt, cl->controller_id, cl->cluster_id};
    op->md_cb(a, KFK_ERR_NONE, &md, op->opaque);
    kfk__free(brokers);
    kfk__free(topics);
    kfk__free(parts);
}

/* Ends a metadata op with @p err (its cause already in op->cause when err is set). */
static void metadata_finish(op_t *op, kfk_err_t err) {
    kfk_admin_t *a = op->admin;
    if (op->md_waiting) {
        kfk__client_metadata_cancel(a->cl, &op->mw);
        op->md_waiting = 0;
    }
    op->done = 1;
    op_unlink(a, op);
    deliver_metadata(op, err);
    op_free(op);
    arm(a);
}

static void on_metadata(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    op_t *op = opaque;
    kfk_admin_t *a = op->admin;
    op->md_waiting = 0;
    if (err) {
        if (err == KFK_ERR__DESTROYED) {
            op_cause(op, err, "the admin client was closed");
        } else {
            char msg[256];
            kfk__client_metadata_cause(cl, msg, sizeof msg);
            op_cause(op, err, msg);
        }
        /* A refresh that gave up before this call's deadline (its own deadline is
         * request.timeout.ms) is tried again: the brokers' backoff paces the attempts. */
        if (err != KFK_ERR__DESTROYED && !kfk_err_is_fatal(err) && !a->closing &&
            uv_now(a->loop) < op->deadline) {
            op->md_waiting = 1;
            kfk__client_metadata_refresh(cl, (const char *const *)op->names, op->name_cnt,
                                         op->name_cnt == 0, &op->mw, on_metadata, op);
            return;
        }
    }
    metadata_finish(op, err);
}

/* The op's deadline: now + @p timeout_ms, or + @p dflt when it is 0. */
static uint64_t deadline_in(kfk_admin_t *a, int32_t timeout_ms, int64_t dflt) {
    return uv_now(a->loop) + (uint64_t)(timeout_ms > 0 ? timeout_ms : (dflt > 0 ? dflt : 0));
}

/* The options as the caller gave them, with defaults for the fields its struct lacks. */
static kfk_admin_opts_t read_opts(const kfk_admin_opts_t *opts) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    if (opts && opts->struct_size >= offsetof(kfk_admin_opts_t, timeout_ms) + sizeof(int32_t))
        o.timeout_ms = opts->timeout_ms;
    if (opts &&
        opts->struct_size >= offsetof(kfk_admin_opts_t, operation_timeout_ms) + sizeof(int32_t))
        o.operation_timeout_ms = opts->operation_timeout_ms;
    return o;
}

kfk_err_t kfk_admin_metadata(kfk_admin_t *a, const char *const *topics, size_t n,
                             kfk_metadata_cb cb, void *opaque) {
    return kfk_admin_metadata_opts(a, topics, n, NULL, cb, opaque);
}

kfk_err_t kfk_admin_metadata_opts(kfk_admin_t *a, const char *const *topics, size_t n,
                                  const kfk_admin_opts_t *opts, kfk_metadata_cb cb, void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    kfk_admin_opts_t o = read_opts(opts);
    if (o.timeout_ms < 0 || !names_ok(topics, n))
        return KFK_ERR__INVALID_ARG;
    op_t *op = kfk__calloc(1, sizeof *op);
    if (!op)
        return KFK_ERR__NOMEM;
    op->admin = a;
    op->kind = OP_METADATA;
    op->deadline = deadline_in(a, o.timeout_ms, a->cl->conf->request_timeout_ms);
    op->md_cb = cb;
    op->opaque = opaque;
    if (n) {
        op->names = kfk__calloc(n, sizeof *op->names);
        if (!op->names) {
            kfk__free(op);
            return KFK_ERR__NOMEM;
        }
        op->name_cnt = n;
        for (size_t i = 0; i < n; i++)
            if (!(op->names[i] = dup0(topics[i]))) {
                op_free(op);
                return KFK_ERR__NOMEM;
            }
    }
    op->next = a->ops;
    a->ops = op;
    op->md_waiting = 1;
    kfk__client_metadata_refresh(a->cl, (const char *const *)op->names, op->name_cnt, n == 0,
                                 &op->mw, on_metadata, op);
    arm(a);
    return KFK_ERR_NONE;
}

/* ---- create / delete topics ------------------------------------------------------------------ */

/* Ends a topics op: its callback runs now; the op itself is freed now, or when the request
 * still out returns (on_topics_response). */
static void topics_finish(op_t *op, kfk_err_t err, const kfk_topic_result_t *res, size_t n) {
    kfk_admin_t *a = op->admin;
    if (op->done)
        return;
    op->done = 1;
    op_unlink(a, op);
    if (op->broker) {
        kfk__broker_cancel_wait(op->broker, &op->bw);
        op->broker = NULL;
    }
    if (err && !op->cause[0])
        op_cause(op, err, NULL);
    if (op->topics_cb) {
        a->errstr = err ? op->cause : "";
        op->in_cb = 1;
        /* A close from inside the callback fails the request still out: on_topics_response
         * sees in_cb and leaves the freeing to the check below. */
        op->topics_cb(a, err, res, n, op->opaque);
        op->in_cb = 0;
        a->errstr = NULL;
    }
    if (!op->in_flight)
        op_free(op);
    arm(a);
}

static void topics_try(op_t *op);

/* One kfk_topic_result_t from a topic's name, error code and message; @p strings holds 1024
 * bytes for its copies of the name and message. */
static kfk_topic_result_t topic_result(kfk_str_t name, int16_t code, kfk_str_t message,
                                       char *strings) {
    char *nm = strings, *msg = strings + 512;
    snprintf(nm, 512, "%.*s", name.len > 0 ? name.len : 0, name.ptr ? name.ptr : "");
    snprintf(msg, 512, "%.*s", message.len > 0 ? message.len : 0, message.ptr ? message.ptr : "");
    return (kfk_topic_result_t){nm, (kfk_err_t)code, msg[0] ? msg : NULL};
}

static void on_topics_response(kfk__resp_t *r, void *opaque) {
    op_t *op = opaque;
    op->in_flight = 0;
    if (op->done) {
        /* Its deadline passed while the request was out: the callback ran already (or runs
         * now, and frees the op when it returns). */
        if (!op->in_cb)
            op_free(op);
        return;
    }
    if (r->cls == KFK__RESP_MALFORMED) {
        op_cause(op, r->err, r->msg);
        topics_finish(op, r->err, NULL, 0);
        return;
    }
    if (r->err) {
        /* topics_try ends the operation when its deadline passed or the admin closes. */
        op_cause(op, r->err, r->msg);
        topics_try(op);
        return;
    }
    const kfk_array_t *topics;
    if (op->kind == OP_CREATE)
        topics = &((kfk_create_topics_response_t *)r->body)->topics;
    else
        topics = &((kfk_delete_topics_response_t *)r->body)->responses;
    size_t n = topics->count > 0 ? (size_t)topics->count : 0;
    kfk_topic_result_t *res = kfk__calloc(n + 1, sizeof *res);
    char *strings = kfk__calloc(n + 1, 2 * 512);
    for (size_t i = 0; res && strings && i < n; i++) {
        if (op->kind == OP_CREATE) {
            kfk_create_topics_response_creatable_topic_result_t *t =
                &KFK_ARRAY_AT(*topics, kfk_create_topics_response_creatable_topic_result_t, i);
            res[i] = topic_result(t->name, t->error_code, t->error_message, strings + i * 1024);
        } else {
            kfk_delete_topics_response_deletable_topic_result_t *t =
                &KFK_ARRAY_AT(*topics, kfk_delete_topics_response_deletable_topic_result_t, i);
            res[i] = topic_result(t->name, t->error_code, t->error_message, strings + i * 1024);
        }
    }
    if (!res || !strings)
        topics_finish(op, KFK_ERR__NOMEM, NULL, 0);
    else
        topics_finish(op, KFK_ERR_NONE, res, n);
    kfk__free(res);
    kfk__free(strings);
}

/* The request's own timeout: what is left of the op's deadline (at least 1 ms). */
static int64_t request_timeout(const op_t *op) {
    uint64_t now = uv_now(op->admin->loop);
    return op->deadline > now + 1 ? (int64_t)(op->deadline - now) : 1;
}

static void send_topics(op_t *op, kfk__broker_t *b) {
    kfk_err_t err;
    if (op->kind == OP_CREATE) {
        kfk_create_topics_request_creatable_topic_t *ts = kfk__calloc(op->name_cnt, sizeof *ts);
        kfk_create_topics_request_creatable_topic_config_t *cfgs = NULL;
        size_t total_cfg = 0;
        for (size_t i = 0; i < op->name_cnt; i++)
            total_cfg += op->new_topics[i].config_cnt;
        cfgs = kfk__calloc(total_cfg + 1, sizeof *cfgs);
        if (!ts || !cfgs) {
            kfk__free(ts);
            kfk__free(cfgs);
            topics_finish(op, KFK_ERR__NOMEM, NULL, 0);
            return;
        }
        size_t ci = 0;
        for (size_t i = 0; i < op->name_cnt; i++) {
            const kfk_new_topic_t *nt = &op->new_topics[i];
            ts[i].name = kfk_str_c(nt->name);
            ts[i].num_partitions = nt->num_partitions;
            ts[i].replication_factor = nt->replication_factor;
            ts[i].configs = (kfk_array_t){cfgs + ci, (int32_t)nt->config_cnt};
            for (size_t k = 0; k < nt->config_cnt; k++, ci++) {
                cfgs[ci].name = kfk_str_c(nt->configs[2 * k]);
                cfgs[ci].value = kfk_str_c(nt->configs[2 * k + 1]);
            }
        }
        kfk_create_topics_request_t req;
        memset(&req, 0, sizeof req);
        req.topics = (kfk_array_t){ts, (int32_t)op->name_cnt};
        req.timeout_ms = op->op_timeout_ms;
        err = kfk__broker_request(b, KFK_API_CREATE_TOPICS, &req, 0, request_timeout(op),
                                  on_topics_response, op);
        kfk__free(ts);
        kfk__free(cfgs);
    } else {
        kfk_str_t *names = kfk__calloc(op->name_cnt, sizeof *names);
        kfk_delete_topics_request_delete_topic_state_t *states =
            kfk__calloc(op->name_cnt, sizeof *states);
        if (!names || !states) {
            kfk__free(names);
            kfk__free(states);
            topics_finish(op, KFK_ERR__NOMEM, NULL, 0);
            return;
        }
        for (size_t i = 0; i < op->name_cnt; i++) {
            names[i] = kfk_str_c(op->names[i]);
            states[i].name = names[i];
        }
        kfk_delete_topics_request_t req;
        memset(&req, 0, sizeof req);
        req.topics = (kfk_array_t){states, (int32_t)op->name_cnt};
        req.topic_names = (kfk_array_t){names, (int32_t)op->name_cnt};
        req.timeout_ms = op->op_timeout_ms;
        err = kfk__broker_request(b, KFK_API_DELETE_TOPICS, &req, 0, request_timeout(op),
                                  on_topics_response, op);
        kfk__free(names);
        kfk__free(states);
    }
    if (!err)
        op->in_flight = 1;
    if (err) {
        char msg[128];
        snprintf(msg, sizeof msg, "cannot send %s: %s",
                 op->kind == OP_CREATE ? "CreateTopics" : "DeleteTopics", kfk_err_str(err));
        op_cause(op, err, msg);
        if (err == KFK_ERR__NO_COMMON_VERSION)
            topics_finish(op, err, NULL, 0);
        else
            topics_try(op);
    }
}

static void on_topics_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    op_t *op = opaque;
    op->broker = NULL;
    if (err) {
        op_cause(op, err, msg);
        if (err == KFK_ERR__DESTROYED)
            topics_finish(op, err, NULL, 0);
        else
            topics_try(op);
        return;
    }
    send_topics(op, b);
}

static void topics_try(op_t *op) {
    kfk_admin_t *a = op->admin;
    if (a->closing) {
        topics_finish(op, KFK_ERR__DESTROYED, NULL, 0);
        return;
    }
    if (uv_now(a->loop) >= op->deadline || kfk_err_is_fatal(op->last_err)) {
        topics_finish(op, op->last_err ? op->last_err : KFK_ERR__TIMED_OUT, NULL, 0);
        return;
    }
    kfk__broker_t *b = kfk__client_any_broker(a->cl);
    if (!b) {
        op_cause(op, KFK_ERR__TRANSPORT, "no broker to ask");
        topics_finish(op, KFK_ERR__TRANSPORT, NULL, 0);
        return;
    }
    if (!b->up && b->last_err && !op->cause[0])
        op_cause(op, b->last_err, b->last_msg); /* why it is down, until this attempt says */
    op->broker = b;
    kfk__broker_wait(b, &op->bw, on_topics_broker, op);
}

static op_t *topics_op(kfk_admin_t *a, op_kind_t kind, size_t n, const kfk_admin_opts_t *o,
                       kfk_topics_cb cb, void *opaque) {
    op_t *op = kfk__calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->admin = a;
    op->kind = kind;
    op->topics_cb = cb;
    op->opaque = opaque;
    op->op_timeout_ms = o->operation_timeout_ms > 0 ? o->operation_timeout_ms : 30000;
    op->names = kfk__calloc(n ? n : 1, sizeof *op->names);
    op->name_cnt = n;
    if (!op->names) {
        kfk__free(op);
        return NULL;
    }
    op->deadline =
        deadline_in(a, o->timeout_ms, a->cl->conf->request_timeout_ms + (int64_t)op->op_timeout_ms);
    op->last_err = KFK_ERR__TIMED_OUT;
    return op;
}

kfk_err_t kfk_admin_create_topics(kfk_admin_t *a, const kfk_new_topic_t *topics, size_t n,
                                  int32_t timeout_ms, kfk_topics_cb cb, void *opaque) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.operation_timeout_ms = timeout_ms;
    return kfk_admin_create_topics_opts(a, topics, n, &o, cb, opaque);
}

kfk_err_t kfk_admin_create_topics_opts(kfk_admin_t *a, const kfk_new_topic_t *topics, size_t n,
                                       const kfk_admin_opts_t *opts, kfk_topics_cb cb,
                                       void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    kfk_admin_opts_t o = read_opts(opts);
    if (!n || !topics || o.timeout_ms < 0)
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < n; i++) {
        /* A name, and configs as name/value pairs with every name given (a value may be NULL). */
        const kfk_new_topic_t *t = &topics[i];
        if (!t->name || t->config_cnt > KFK__ADMIN_MAX_CONFIGS || (t->config_cnt && !t->configs))
            return KFK_ERR__INVALID_ARG;
        for (size_t k = 0; k < t->config_cnt; k++)
            if (!t->configs[2 * k])
                return KFK_ERR__INVALID_ARG;
    }
    op_t *op = topics_op(a, OP_CREATE, n, &o, cb, opaque);
    if (!op)
        return KFK_ERR__NOMEM;
    op->new_topics = kfk__calloc(n, sizeof *op->new_topics);
    if (!op->new_topics) {
        op_free(op);
        return KFK_ERR__NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        kfk_new_topic_t *d = &op->new_topics[i];
        *d = topics[i];
        op->names[i] = dup0(topics[i].name);
        d->name = op->names[i];
        d->configs = kfk__calloc(topics[i].config_cnt * 2 + 1, sizeof(char *));
        if (!op->names[i] || !d->configs) {
            d->config_cnt = 0;
            op_free(op);
            return KFK_ERR__NOMEM;
        }
        for (size_t k = 0; k < topics[i].config_cnt * 2; k++)
            ((char **)d->configs)[k] = dup0(topics[i].configs[k]);
    }
    op->next = a->ops;
    a->ops = op;
    arm(a);
    topics_try(op);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_admin_delete_topics(kfk_admin_t *a, const char *const *names, size_t n,
                                  int32_t timeout_ms, kfk_topics_cb cb, void *opaque) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.operation_timeout_ms = timeout_ms;
    return kfk_admin_delete_topics_opts(a, names, n, &o, cb, opaque);
}

kfk_err_t kfk_admin_delete_topics_opts(kfk_admin_t *a, const char *const *names, size_t n,
                                       const kfk_admin_opts_t *opts, kfk_topics_cb cb,
                                       void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    kfk_admin_opts_t o = read_opts(opts);
    if (!n || !names_ok(names, n) || o.timeout_ms < 0)
        return KFK_ERR__INVALID_ARG;
    op_t *op = topics_op(a, OP_DELETE, n, &o, cb, opaque);
    if (!op)
        return KFK_ERR__NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!(op->names[i] = dup0(names[i]))) {
            op_free(op);
            return KFK_ERR__NOMEM;
        }
    op->next = a->ops;
    a->ops = op;
    arm(a);
    topics_try(op);
    return KFK_ERR_NONE;
}

/* ---- lifecycle ---------------------------------------------------------------------------------
 */

kfk_err_t kfk_admin_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_admin_t **out, char *errstr,
                        size_t errstr_size) {
    kfk_admin_t *a = kfk__calloc(1, sizeof *a);
    if (!a)
        return KFK_ERR__NOMEM;
    a->loop = loop;
    kfk_err_t err = kfk__client_new(loop, conf, &a->cl, errstr, errstr_size);
    if (err) {
        kfk__free(a);
        return err;
    }
    a->client_open = 1;
    uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    a->timer_open = 1;
    *out = a;
    return KFK_ERR_NONE;
}

/* ---- deadlines --------------------------------------------------------------------------------
 */

/* Ends the ops whose deadline passed, each with its last cause. */
static void on_deadline(uv_timer_t *t) {
    kfk_admin_t *a = t->data;
    kfk__admin_groups_expire(a);
    for (;;) {
        if (a->closing)
            return;
        uint64_t now = uv_now(a->loop);
        op_t *op = a->ops;
        while (op && op->deadline > now)
            op = op->next;
        if (!op)
            break;
        if (op->kind == OP_METADATA) {
            /* The refresh in flight knows best why nothing came back yet. */
            char msg[256];
            kfk_err_t err = kfk__client_metadata_cause(a->cl, msg, sizeof msg);
            if (err != KFK_ERR__TIMED_OUT || !op->cause[0])
                op_cause(op, err, msg);
            metadata_finish(op, op->last_err ? op->last_err : KFK_ERR__TIMED_OUT);
        } else {
            if (!op->cause[0])
                op_cause(op, KFK_ERR__TIMED_OUT, "no broker answered in time");
            topics_finish(op, op->last_err ? op->last_err : KFK_ERR__TIMED_OUT, NULL, 0);
        }
    }
    arm(a);
}

void kfk__admin_arm(kfk_admin_t *a) {
    arm(a);
}

/* Points the timer at the earliest deadline of the ops still waiting (none: stopped). */
static void arm(kfk_admin_t *a) {
    if (!a->timer_open || a->closing)
        return;
    uint64_t first = kfk__admin_groups_next(a);
    for (op_t *op = a->ops; op; op = op->next)
        if (op->deadline < first)
            first = op->deadline;
    if (first == UINT64_MAX) {
        uv_timer_stop(&a->timer);
        return;
    }
    uint64_t now = uv_now(a->loop);
    uv_timer_start(&a->timer, on_deadline, first > now ? first - now : 0, 0);
}

/* The admin is freed once both the client core and its timer have closed. */
static void close_step(kfk_admin_t *a) {
    if (a->client_open || a->timer_open)
        return;
    /* kfk.h: memory stays valid until the callback returns. */
    if (a->close_cb)
        a->close_cb(a, a->close_opaque);
    kfk__free(a);
}

static void on_timer_closed(uv_handle_t *h) {
    kfk_admin_t *a = h->data;
    a->timer_open = 0;
    close_step(a);
}

static void on_client_closed(kfk__client_t *cl, void *opaque) {
    (void)cl;
    kfk_admin_t *a = opaque;
    a->client_open = 0;
    close_step(a);
}

const char *kfk_admin_errstr(const kfk_admin_t *a) {
    return a && a->errstr ? a->errstr : "";
}

void *kfk_admin_get_data(const kfk_admin_t *a) {
    return a ? a->data : NULL;
}

void kfk_admin_set_data(kfk_admin_t *a, void *data) {
    if (a)
        a->data = data;
}

void kfk_admin_close(kfk_admin_t *a, kfk_admin_close_cb cb, void *opaque) {
    if (!a || a->closing)
        return;
    a->closing = 1;
    a->close_cb = cb;
    a->close_opaque = opaque;
    /* Ops waiting on brokers finish now; metadata ops finish through the client's close
     * (their waiters get KFK_ERR__DESTROYED). */
    op_t *op = a->ops;
    while (op) {
        op_t *next = op->next;
        if (op->kind != OP_METADATA && !op->in_flight) {
            op_cause(op, KFK_ERR__DESTROYED, "the admin client was closed");
            topics_finish(op, KFK_ERR__DESTROYED, NULL, 0);
        }
        op = next;
    }
    kfk__admin_groups_close(a);
    uv_close((uv_handle_t *)&a->timer, on_timer_closed);
    kfk__client_close(a->cl, on_client_closed, a);
}
