/*
 * cmd_metadata.c: `kfk metadata` (brokers, topics, partitions, leaders, replicas, ISRs, like
 * kcat -L) and `kfk topics create|delete|list`.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "cli/cli.h"

typedef struct {
    const char *cmd;
    int json;
    int some_topics; /* -t given: not every topic */
    int exit_code;
    kfk_admin_t *admin;
    int64_t deadline_ms; /* -m: how long the call may take */
} run_t;

/* "10 s", "2.5 s": a deadline as a person reads it. */
static const char *secs(int64_t ms, char *buf, size_t size) {
    if (ms % 1000)
        snprintf(buf, size, "%.1f s", (double)ms / 1000.0);
    else
        snprintf(buf, size, "%lld s", (long long)(ms / 1000));
    return buf;
}

/* The one line that says why a call failed: its cause as kfk_admin_errstr gives it. */
static void call_failed(run_t *r, kfk_admin_t *admin, kfk_err_t err, const char *what) {
    const char *cause = kfk_admin_errstr(admin);
    char t[32];
    if (err == KFK_ERR__DESTROYED)
        kfk_cli_error(r->cmd, "%s: interrupted", what);
    else
        kfk_cli_error(r->cmd, "%s: no usable answer in %s: %s (%s)", what,
                      secs(r->deadline_ms, t, sizeof t), cause[0] ? cause : kfk_err_str(err),
                      kfk_err_name(err));
    r->exit_code = KFK_EXIT_ERR;
}

static void on_admin_closed(kfk_admin_t *admin, void *opaque) {
    (void)admin;
    (void)opaque;
}

static void print_ints(const int32_t *v, int32_t n) {
    for (int32_t i = 0; i < n; i++)
        printf("%s%d", i ? "," : "", v[i]);
}

static json_t *json_ints(const int32_t *v, int32_t n) {
    json_t *a = json_array();
    for (int32_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer(v[i]));
    return a;
}

static void print_json(const kfk_metadata_t *md) {
    json_t *root = json_object();
    json_t *brokers = json_array();
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kfk_metadata_broker_t *b = &md->brokers[i];
        json_t *o = json_object();
        json_object_set_new(o, "id", json_integer(b->node_id));
        json_object_set_new(o, "host", json_string(b->host));
        json_object_set_new(o, "port", json_integer(b->port));
        if (b->rack)
            json_object_set_new(o, "rack", json_string(b->rack));
        json_array_append_new(brokers, o);
    }
    json_object_set_new(root, "controller_id", json_integer(md->controller_id));
    if (md->cluster_id)
        json_object_set_new(root, "cluster_id", json_string(md->cluster_id));
    json_object_set_new(root, "brokers", brokers);
    json_t *topics = json_array();
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        const kfk_metadata_topic_t *t = &md->topics[i];
        json_t *o = json_object();
        json_object_set_new(o, "topic", json_string(t->name));
        if (t->err)
            json_object_set_new(o, "error", json_string(kfk_err_name(t->err)));
        if (t->is_internal)
            json_object_set_new(o, "internal", json_true());
        json_t *parts = json_array();
        for (int32_t k = 0; k < t->partition_cnt; k++) {
            const kfk_metadata_partition_t *p = &t->partitions[k];
            json_t *po = json_object();
            json_object_set_new(po, "partition", json_integer(p->id));
            json_object_set_new(po, "leader", json_integer(p->leader));
            json_object_set_new(po, "leader_epoch", json_integer(p->leader_epoch));
            json_object_set_new(po, "replicas", json_ints(p->replicas, p->replica_cnt));
            json_object_set_new(po, "isrs", json_ints(p->isrs, p->isr_cnt));
            if (p->offline_cnt)
                json_object_set_new(po, "offline", json_ints(p->offline, p->offline_cnt));
            if (p->err)
                json_object_set_new(po, "error", json_string(kfk_err_name(p->err)));
            json_array_append_new(parts, po);
        }
        json_object_set_new(o, "partitions", parts);
        json_array_append_new(topics, o);
    }
    json_object_set_new(root, "topics", topics);
    json_dumpf(root, stdout, JSON_INDENT(0) | JSON_COMPACT);
    putchar('\n');
    json_decref(root);
}

static void print_text(const kfk_metadata_t *md, int some) {
    printf("Metadata for %s (cluster %s):\n", some ? "the given topics" : "all topics",
           md->cluster_id ? md->cluster_id : "unknown");
    printf(" %d brokers:\n", md->broker_cnt);
    for (int32_t i = 0; i < md->broker_cnt; i++) {
        const kfk_metadata_broker_t *b = &md->brokers[i];
        printf("  broker %d at %s:%d%s%s%s\n", b->node_id, b->host, b->port,
               b->node_id == md->controller_id ? " (controller)" : "", b->rack ? " rack " : "",
               b->rack ? b->rack : "");
    }
    printf(" %d topics:\n", md->topic_cnt);
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        const kfk_metadata_topic_t *t = &md->topics[i];
        printf("  topic \"%s\" with %d partitions:%s%s\n", t->name, t->partition_cnt,
               t->err ? " Error: " : "", t->err ? kfk_err_str(t->err) : "");
        for (int32_t k = 0; k < t->partition_cnt; k++) {
            const kfk_metadata_partition_t *p = &t->partitions[k];
            printf("    partition %d, leader %d, replicas: ", p->id, p->leader);
            print_ints(p->replicas, p->replica_cnt);
            printf(", isrs: ");
            print_ints(p->isrs, p->isr_cnt);
            if (p->err)
                printf(", Error: %s", kfk_err_str(p->err));
            putchar('\n');
        }
    }
}

static void on_metadata(kfk_admin_t *admin, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    run_t *r = opaque;
    if (err) {
        call_failed(r, admin, err, "cannot get metadata");
    } else {
        if (r->json)
            print_json(md);
        else
            print_text(md, r->some_topics);
        for (int32_t i = 0; i < md->topic_cnt; i++)
            if (md->topics[i].err) {
                /* Exit 1 says something is wrong; this line says what. */
                kfk_cli_error(r->cmd, "topic \"%s\": %s (%s)", md->topics[i].name,
                              kfk_err_str(md->topics[i].err), kfk_err_name(md->topics[i].err));
                r->exit_code = KFK_EXIT_ERR;
            }
    }
    kfk_admin_close(admin, on_admin_closed, r);
}

static const char metadata_usage[] =
    "usage: kfk metadata -b BROKERS [-t TOPIC]... [--json] [-X key=value]... [-F file]\n"
    "\n"
    "Lists brokers, topics, partitions, leaders, replicas and in-sync replicas (like kcat -L).\n"
    "\n"
    "  -b BROKERS     bootstrap servers, host:port[,host:port...]\n"
    "  -t TOPIC       only this topic (repeatable); default: every topic\n"
    "  --json         one JSON document instead of text\n"
    "  -X key=value   any configuration property (security.protocol, sasl.*, ssl.*, ...)\n"
    "  -F file        a properties file of such settings\n"
    "  -m SECONDS     give up after this long (default 5, as kcat -L) with the last cause: a "
    "refused\n"
    "                 connection, a broker that does not answer, an answer that does not decode\n"
    "\n"
    "examples:\n"
    "  kfk metadata -b 127.0.0.1:29000\n"
    "  kfk metadata -b 127.0.0.1:29002 -X security.protocol=ssl -X ssl.ca.location=ca.pem\n"
    "  kfk metadata -b 127.0.0.1:29000 -t events --json\n"
    "\n"
    "exit: 0 ok, 1 error (unreachable broker, unknown topic), 2 usage error\n";

/* Runs the loop until the admin call finished and everything closed. */
static int run_loop(uv_loop_t *loop, run_t *r) {
    uv_run(loop, UV_RUN_DEFAULT);
    if (uv_loop_close(loop) != 0) {
        kfk_cli_error(r->cmd, "internal error: handles left open at exit");
        return KFK_EXIT_ERR;
    }
    return r->exit_code;
}

int kfk_cmd_metadata(int argc, char **argv) {
    const char *cmd = "metadata";
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    const char *topics[256];
    size_t ntopics = 0;
    run_t r = {cmd, 0, 0, KFK_EXIT_OK, NULL, 0};
    for (int i = 1; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k < 0) {
            kfk_cli_common_free(&c);
            return -k;
        }
        if (k)
            continue;
        if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--topic")) {
            const char *v = kfk_cli_value(cmd, argc, argv, &i);
            if (!v || ntopics == sizeof topics / sizeof topics[0]) {
                kfk_cli_common_free(&c);
                return KFK_EXIT_USAGE;
            }
            topics[ntopics++] = v;
        } else if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-J")) {
            r.json = 1;
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk metadata --help)", argv[i]);
            kfk_cli_common_free(&c);
            return KFK_EXIT_USAGE;
        }
    }
    if (c.help) {
        fputs(metadata_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    rc = kfk_cli_common_finish(&c, cmd);
    if (rc) {
        kfk_cli_common_free(&c);
        return rc;
    }
    r.some_topics = ntopics > 0;
    r.deadline_ms = c.deadline_set ? c.deadline_ms : KFK_CLI_METADATA_DEADLINE_MS;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char errstr[512];
    kfk_err_t err = kfk_admin_new(&loop, c.conf, &r.admin, errstr, sizeof errstr);
    kfk_cli_common_free(&c);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        uv_loop_close(&loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    kfk_admin_opts_t ao = KFK_ADMIN_OPTS_INIT;
    ao.timeout_ms = (int32_t)(r.deadline_ms < INT32_MAX ? r.deadline_ms : INT32_MAX);
    err = kfk_admin_metadata_opts(r.admin, topics, ntopics, &ao, on_metadata, &r);
    if (err) {
        kfk_cli_error(cmd, "%s", kfk_err_str(err));
        r.exit_code = KFK_EXIT_ERR;
        kfk_admin_close(r.admin, on_admin_closed, &r);
    }
    return run_loop(&loop, &r);
}

/* ---- topics ------------------------------------------------------------------------------------
 */

static void on_topics(kfk_admin_t *admin, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                      void *opaque) {
    run_t *r = opaque;
    if (err)
        call_failed(r, admin, err,
                    strcmp(r->cmd, "topics create") ? "cannot delete topics"
                                                    : "cannot create topics");
    for (size_t i = 0; i < n; i++) {
        if (res[i].err) {
            kfk_cli_error(r->cmd, "topic \"%s\": %s%s%s", res[i].name, kfk_err_name(res[i].err),
                          res[i].message ? ": " : "", res[i].message ? res[i].message : "");
            r->exit_code = KFK_EXIT_ERR;
        } else {
            printf("%s topic \"%s\"\n", strcmp(r->cmd, "topics create") ? "deleted" : "created",
                   res[i].name);
        }
    }
    kfk_admin_close(admin, on_admin_closed, r);
}

static const char topics_usage[] =
    "usage: kfk topics create -b BROKERS -t TOPIC [--partitions N] [--replication-factor N]\n"
    "                         [--config name=value]... [-X key=value]...\n"
    "       kfk topics delete -b BROKERS -t TOPIC... [-X key=value]...\n"
    "       kfk topics list -b BROKERS [-X key=value]...\n"
    "       kfk topics add-partitions -b BROKERS -t TOPIC --partitions N\n"
    "       kfk topics delete-records -b BROKERS -t TOPIC -p PARTITION --before OFFSET\n"
    "\n"
    "  -m SECONDS     give up after this long (default 10) with the last cause\n"
    "\n"
    "examples:\n"
    "  kfk topics create -b 127.0.0.1:29000 -t events --partitions 6\n"
    "  kfk topics delete -b 127.0.0.1:29000 -t events\n"
    "\n"
    "exit: 0 ok, 1 error (e.g. the topic exists), 2 usage error\n";

int kfk_cmd_topics(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(topics_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KFK_EXIT_USAGE : KFK_EXIT_OK;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "add-partitions") || !strcmp(sub, "delete-records"))
        return kfk_cmd_topics_more(argc, argv); /* cmd_configs.c */
    const char *cmd = !strcmp(sub, "create")   ? "topics create"
                      : !strcmp(sub, "delete") ? "topics delete"
                      : !strcmp(sub, "list")   ? "topics list"
                                               : NULL;
    if (!cmd) {
        kfk_cli_error("topics",
                      "unknown subcommand '%s' (create, delete, list, add-partitions, "
                      "delete-records)",
                      sub);
        return KFK_EXIT_USAGE;
    }
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    const char *names[256];
    const char *configs[512];
    size_t nnames = 0, nconf = 0;
    long long partitions = -1, rf = -1;
    for (int i = 2; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k < 0) {
            kfk_cli_common_free(&c);
            return -k;
        }
        if (k)
            continue;
        const char *v = NULL;
        if (!strcmp(argv[i], "-t") || !strcmp(argv[i], "--topic")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) || nnames == 256)
                goto usage;
            names[nnames++] = v;
        } else if (!strcmp(argv[i], "--partitions") || !strcmp(argv[i], "-p")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--partitions", v, 1, 1000000, &partitions))
                goto usage;
        } else if (!strcmp(argv[i], "--replication-factor") || !strcmp(argv[i], "-r")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--replication-factor", v, 1, 32767, &rf))
                goto usage;
        } else if (!strcmp(argv[i], "--config")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) || nconf >= 510)
                goto usage;
            const char *eq = strchr(v, '=');
            if (!eq || eq == v) {
                kfk_cli_error(cmd, "--config %s: expected name=value", v);
                goto usage;
            }
            configs[nconf++] = v; /* split below */
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk topics --help)", argv[i]);
            goto usage;
        }
    }
    if (c.help) {
        fputs(topics_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (strcmp(sub, "list") && nnames == 0) {
        kfk_cli_error(cmd, "give at least one -t TOPIC");
        goto usage;
    }
    rc = kfk_cli_common_finish(&c, cmd);
    if (rc) {
        kfk_cli_common_free(&c);
        return rc;
    }
    uv_loop_t loop;
    uv_loop_init(&loop);
    run_t r = {cmd, 0, 0, KFK_EXIT_OK, NULL, c.deadline_ms};
    char errstr[512];
    kfk_err_t err = kfk_admin_new(&loop, c.conf, &r.admin, errstr, sizeof errstr);
    kfk_cli_common_free(&c);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        uv_loop_close(&loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    /* Split --config name=value into the pairs CreateTopics takes. */
    char cfgbuf[512][256];
    const char *pairs[1024];
    for (size_t i = 0; i < nconf; i++) {
        const char *eq = strchr(configs[i], '=');
        size_t kl = (size_t)(eq - configs[i]);
        snprintf(cfgbuf[i], sizeof cfgbuf[i], "%.*s", (int)kl, configs[i]);
        pairs[2 * i] = cfgbuf[i];
        pairs[2 * i + 1] = eq + 1;
    }
    /* The whole call ends by -m; the broker's own wait for the controller fits inside it. */
    kfk_admin_opts_t ao = KFK_ADMIN_OPTS_INIT;
    ao.timeout_ms = (int32_t)(r.deadline_ms < INT32_MAX ? r.deadline_ms : INT32_MAX);
    ao.operation_timeout_ms = ao.timeout_ms < 30000 ? ao.timeout_ms : 30000;
    if (!strcmp(sub, "create")) {
        kfk_new_topic_t nt[256];
        for (size_t i = 0; i < nnames; i++)
            nt[i] = (kfk_new_topic_t){names[i], (int32_t)partitions, (int16_t)rf, pairs, nconf};
        err = kfk_admin_create_topics_opts(r.admin, nt, nnames, &ao, on_topics, &r);
    } else if (!strcmp(sub, "delete")) {
        err = kfk_admin_delete_topics_opts(r.admin, names, nnames, &ao, on_topics, &r);
    } else {
        err = kfk_admin_metadata_opts(r.admin, NULL, 0, &ao, on_metadata, &r);
    }
    if (err) {
        kfk_cli_error(cmd, "%s", kfk_err_str(err));
        r.exit_code = KFK_EXIT_ERR;
        kfk_admin_close(r.admin, on_admin_closed, &r);
    }
    return run_loop(&loop, &r);
usage:
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
