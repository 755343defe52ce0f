/*
 * admin.c: kfk_admin_t, the public admin client: cluster metadata (from the client core's
 * cache after a refresh), CreateTopics and DeleteTopics. Each call is an "op" that completes
 * exactly once: with the broker's answer, with the last error once request.timeout.ms has
 * passed (connections are retried meanwhile), or with KFK_ERR__DESTROYED at close.
 */
#include <stdio.h>
#include <string.h>

#include "client/core/client.h"
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
    int32_t timeout_ms;
    kfk_topics_cb topics_cb;
    kfk__waiter_t bw;
    kfk__broker_t *broker;
    uint64_t deadline;
    kfk_err_t last_err;
    int done;
    int in_flight; /* a request is out: its callback will finish or retry the op */
    void *opaque;
} op_t;

struct kfk_admin {
    uv_loop_t *loop;
    kfk__client_t *cl;
    op_t *ops;
    int closing;
    kfk_admin_close_cb close_cb;
    void *close_opaque;
    void *data; /* kfk_admin_set_data */
};

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

static char *dup0(const char *s) {
    return kfk__strndup(s ? s : "", strlen(s ? s : ""));
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
        if (op->md_cb)
            op->md_cb(a, err, NULL, op->opaque);
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

static void on_metadata(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    (void)cl;
    op_t *op = opaque;
    kfk_admin_t *a = op->admin;
    op_unlink(a, op);
    deliver_metadata(op, err);
    op_free(op);
}

kfk_err_t kfk_admin_metadata(kfk_admin_t *a, const char *const *topics, size_t n,
                             kfk_metadata_cb cb, void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    op_t *op = kfk__calloc(1, sizeof *op);
    if (!op)
        return KFK_ERR__NOMEM;
    op->admin = a;
    op->kind = OP_METADATA;
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
    kfk__client_metadata_refresh(a->cl, (const char *const *)op->names, op->name_cnt, n == 0,
                                 &op->mw, on_metadata, op);
    return KFK_ERR_NONE;
}

/* ---- create / delete topics ------------------------------------------------------------------ */

static void topics_finish(op_t *op, kfk_err_t err, const kfk_topic_result_t *res, size_t n) {
    kfk_admin_t *a = op->admin;
    if (op->done)
        return;
    op->done = 1;
    op_unlink(a, op);
    if (op->broker)
        kfk__broker_cancel_wait(op->broker, &op->bw);
    if (op->topics_cb)
        op->topics_cb(a, err, res, n, op->opaque);
    op_free(op);
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
    if (r->cls == KFK__RESP_MALFORMED) {
        topics_finish(op, r->err, NULL, 0);
        return;
    }
    if (r->err) {
        /* topics_try ends the operation when its deadline passed or the admin closes. */
        op->last_err = r->err;
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
        req.timeout_ms = op->timeout_ms;
        err = kfk__broker_request(b, KFK_API_CREATE_TOPICS, &req, 0,
                                  b->client->conf->request_timeout_ms + op->timeout_ms,
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
        req.timeout_ms = op->timeout_ms;
        err = kfk__broker_request(b, KFK_API_DELETE_TOPICS, &req, 0,
                                  b->client->conf->request_timeout_ms + op->timeout_ms,
                                  on_topics_response, op);
        kfk__free(names);
        kfk__free(states);
    }
    if (!err)
        op->in_flight = 1;
    if (err) {
        op->last_err = err;
        if (err == KFK_ERR__NO_COMMON_VERSION)
            topics_finish(op, err, NULL, 0);
        else
            topics_try(op);
    }
}

static void on_topics_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)msg;
    op_t *op = opaque;
    op->broker = NULL;
    if (err) {
        op->last_err = err;
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
        topics_finish(op, KFK_ERR__TRANSPORT, NULL, 0);
        return;
    }
    op->broker = b;
    kfk__broker_wait(b, &op->bw, on_topics_broker, op);
}

static op_t *topics_op(kfk_admin_t *a, op_kind_t kind, size_t n, int32_t timeout_ms,
                       kfk_topics_cb cb, void *opaque) {
    op_t *op = kfk__calloc(1, sizeof *op);
    if (!op)
        return NULL;
    op->admin = a;
    op->kind = kind;
    op->topics_cb = cb;
    op->opaque = opaque;
    op->timeout_ms = timeout_ms;
    op->names = kfk__calloc(n ? n : 1, sizeof *op->names);
    op->name_cnt = n;
    if (!op->names) {
        kfk__free(op);
        return NULL;
    }
    op->deadline = uv_now(a->loop) + (uint64_t)a->cl->conf->request_timeout_ms +
                   (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    op->last_err = KFK_ERR__TIMED_OUT;
    return op;
}

kfk_err_t kfk_admin_create_topics(kfk_admin_t *a, const kfk_new_topic_t *topics, size_t n,
                                  int32_t timeout_ms, kfk_topics_cb cb, void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    if (!n || !topics)
        return KFK_ERR__INVALID_ARG;
    op_t *op = topics_op(a, OP_CREATE, n, timeout_ms, cb, opaque);
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
    topics_try(op);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_admin_delete_topics(kfk_admin_t *a, const char *const *names, size_t n,
                                  int32_t timeout_ms, kfk_topics_cb cb, void *opaque) {
    if (!a || a->closing)
        return KFK_ERR__DESTROYED;
    if (!n || !names)
        return KFK_ERR__INVALID_ARG;
    op_t *op = topics_op(a, OP_DELETE, n, timeout_ms, cb, opaque);
    if (!op)
        return KFK_ERR__NOMEM;
    for (size_t i = 0; i < n; i++)
        if (!(op->names[i] = dup0(names[i]))) {
            op_free(op);
            return KFK_ERR__NOMEM;
        }
    op->next = a->ops;
    a->ops = op;
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
    *out = a;
    return KFK_ERR_NONE;
}

static void on_client_closed(kfk__client_t *cl, void *opaque) {
    (void)cl;
    kfk_admin_t *a = opaque;
    /* kfk.h: memory stays valid until the callback returns. */
    if (a->close_cb)
        a->close_cb(a, a->close_opaque);
    kfk__free(a);
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
        if (op->kind != OP_METADATA && !op->in_flight)
            topics_finish(op, KFK_ERR__DESTROYED, NULL, 0);
        op = next;
    }
    kfk__client_close(a->cl, on_client_closed, a);
}
