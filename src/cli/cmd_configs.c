/*
 * cmd_configs.c: `kfk configs describe|alter` (a topic's or a broker's configs, as Kafka's
 * kafka-configs.sh shows and changes them: DescribeConfigs, IncrementalAlterConfigs), `kfk
 * cluster` (DescribeCluster: the cluster id, the controller and the brokers, as Kafka's
 * kafka-cluster.sh cluster-id and kafka-broker-api-versions.sh name them), and the `kfk topics`
 * subcommands `add-partitions` (CreatePartitions) and `delete-records` (DeleteRecords, the
 * output of kafka-delete-records.sh). Each runs one admin call on its own loop, bounded by -m.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <uv.h>

#include "cli/cli.h"

typedef enum { C_DESCRIBE, C_ALTER, C_CLUSTER, C_ADD_PARTITIONS, C_DELETE_RECORDS } what_t;

typedef struct {
    const char *cmd;
    what_t what;
    uv_loop_t loop;
    kfk_admin_t *admin;
    int exit_code;
    int64_t deadline_ms;
    /* options */
    int json, all;
    int8_t type;      /* KFK_RESOURCE_TOPIC / KFK_RESOURCE_BROKER */
    const char *name; /* the topic, or the broker id ("" with --broker-defaults) */
    kfk_config_op_t ops[128];
    size_t op_cnt;
    char *op_text[32]; /* copies of the --set / --delete values, split in place */
    size_t text_cnt;
    long long partitions, partition, before;
} run_t;

static const char configs_usage[] =
    "usage: kfk configs describe (--topic TOPIC | --broker ID | --broker-defaults) [--all] "
    "[--json]\n"
    "       kfk configs alter (--topic TOPIC | --broker ID | --broker-defaults)\n"
    "           [--set name=value[,name=value...]] [--delete name[,name...]]\n"
    "\n"
    "A topic's or a broker's configs, as Kafka's kafka-configs.sh shows and changes them.\n"
    "  describe   the configs set dynamically (--all: every config) as\n"
    "             \"  name=value sensitive=false source=SOURCE\"; --json: every config with\n"
    "             value, source, read_only, sensitive and default\n"
    "  alter      sets and deletes configs (IncrementalAlterConfigs); a deleted config\n"
    "             returns to its default. A value holding commas goes in brackets:\n"
    "             --set 'cleanup.policy=[compact,delete]'\n"
    "\n"
    "  -b BROKERS     bootstrap servers host:port[,...]\n"
    "  -X key=value   any configuration property (kfk config lists them); -F file\n"
    "  -m SECONDS     give up after this long (default 10) with the last cause\n"
    "\n"
    "examples:\n"
    "  kfk configs describe -b 127.0.0.1:29000 --topic events\n"
    "  kfk configs alter -b 127.0.0.1:29000 --topic events --set retention.ms=3600000\n"
    "  kfk configs alter -b 127.0.0.1:29000 --topic events --delete retention.ms\n"
    "  kfk configs describe -b 127.0.0.1:29000 --broker 1 --all\n"
    "\n"
    "exit: 0 ok, 1 error (the cause on stderr), 2 usage error\n";

static const char cluster_usage[] =
    "usage: kfk cluster [--json] [-b BROKERS] [-X key=value] [-m SECONDS]\n"
    "\n"
    "The cluster as DescribeCluster describes it (Kafka 2.8+): its id, the controller and\n"
    "every broker (ID HOST PORT RACK).\n"
    "\n"
    "examples:\n"
    "  kfk cluster -b 127.0.0.1:29000\n"
    "\n"
    "exit: 0 ok, 1 error (the cause on stderr), 2 usage error\n";

static const char topics_more_usage[] =
    "usage: kfk topics add-partitions -b BROKERS -t TOPIC --partitions N\n"
    "       kfk topics delete-records -b BROKERS -t TOPIC -p PARTITION --before OFFSET\n"
    "\n"
    "  add-partitions  raises TOPIC's partition count to N in all (CreatePartitions)\n"
    "  delete-records  deletes PARTITION's records before OFFSET (-1: every record), as\n"
    "                  kafka-delete-records.sh does; prints the new low watermark\n"
    "\n"
    "exit: 0 ok, 1 error (the cause on stderr), 2 usage error\n";

/* ---- common --------------------------------------------------------------------------------- */

static void on_admin_closed(kfk_admin_t *admin, void *opaque) {
    (void)admin;
    (void)opaque;
}

static void end(run_t *r, int code) {
    if (code)
        r->exit_code = code;
    kfk_admin_close(r->admin, on_admin_closed, r);
}

static void call_failed(run_t *r, kfk_err_t err, const char *what) {
    const char *cause = kfk_admin_errstr(r->admin);
    kfk_cli_error(r->cmd, "%s: %s (%s)", what, cause[0] ? cause : kfk_err_str(err),
                  kfk_err_name(err));
    end(r, KFK_EXIT_ERR);
}

static const char *source_name(int s) {
    static const char *names[] = {"UNKNOWN",
                                  "DYNAMIC_TOPIC_CONFIG",
                                  "DYNAMIC_BROKER_CONFIG",
                                  "DYNAMIC_DEFAULT_BROKER_CONFIG",
                                  "STATIC_BROKER_CONFIG",
                                  "DEFAULT_CONFIG",
                                  "DYNAMIC_BROKER_LOGGER_CONFIG",
                                  "CLIENT_METRICS_CONFIG",
                                  "GROUP_CONFIG"};
    return s >= 0 && s < (int)(sizeof names / sizeof names[0]) ? names[s] : "UNKNOWN";
}

/* The resource as kafka-configs.sh names it: "topic T", "broker 1", "the default broker". */
static void resource_words(const run_t *r, char *buf, size_t n) {
    if (r->type == KFK_RESOURCE_TOPIC)
        snprintf(buf, n, "topic %s", r->name);
    else if (r->name[0])
        snprintf(buf, n, "broker %s", r->name);
    else
        snprintf(buf, n, "the default broker");
}

/* ---- configs describe / alter --------------------------------------------------------------- */

static int cmp_entry(const void *x, const void *y) {
    return strcmp((*(const kfk_config_entry_t *const *)x)->name,
                  (*(const kfk_config_entry_t *const *)y)->name);
}

static void on_described(kfk_admin_t *a, kfk_err_t err, const kfk_config_resource_t *res, size_t n,
                         void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err || n != 1) {
        call_failed(r, err ? err : KFK_ERR__BAD_MSG, "describe configs");
        return;
    }
    char words[300];
    resource_words(r, words, sizeof words);
    if (res->err) {
        kfk_cli_error(r->cmd, "%s: %s (%s)%s%s", words,
                      res->err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION ? "no such topic"
                                                                     : kfk_err_str(res->err),
                      kfk_err_name(res->err), res->message ? ": " : "",
                      res->message ? res->message : "");
        end(r, KFK_EXIT_ERR);
        return;
    }
    if (r->json) {
        json_t *cs = json_array();
        for (size_t i = 0; i < res->entry_cnt; i++) {
            const kfk_config_entry_t *c = &res->entries[i];
            json_array_append_new(
                cs, json_pack("{s:s, s:o, s:s, s:b, s:b, s:b}", "name", c->name, "value",
                              c->value ? json_string(c->value) : json_null(), "source",
                              source_name(c->source), "read_only", c->read_only, "sensitive",
                              c->is_sensitive, "default", c->is_default));
        }
        json_t *o =
            json_pack("{s:s, s:s, s:o}", "type", r->type == KFK_RESOURCE_TOPIC ? "topic" : "broker",
                      "name", r->name, "configs", cs);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
        end(r, 0);
        return;
    }
    /* kafka-configs.sh --describe: without --all only the configs set on this very resource
     * (ConfigCommand filters on the one source of the resource's type). */
    int own = r->type == KFK_RESOURCE_TOPIC ? KFK_CONFIG_SOURCE_DYNAMIC_TOPIC
              : r->name[0]                  ? KFK_CONFIG_SOURCE_DYNAMIC_BROKER
                                            : KFK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER;
    if (r->type == KFK_RESOURCE_BROKER && !r->name[0])
        printf("%s configs for brokers in the cluster are:\n", r->all ? "All default" : "Default");
    else
        printf("%s configs for %s are:\n", r->all ? "All" : "Dynamic", words);
    /* By name, as ConfigCommand prints them. */
    const kfk_config_entry_t **v = calloc(res->entry_cnt + 1, sizeof *v);
    if (!v) {
        kfk_cli_error(r->cmd, "out of memory");
        end(r, KFK_EXIT_ERR);
        return;
    }
    for (size_t i = 0; i < res->entry_cnt; i++)
        v[i] = &res->entries[i];
    qsort(v, res->entry_cnt, sizeof *v, cmp_entry);
    for (size_t i = 0; i < res->entry_cnt; i++) {
        const kfk_config_entry_t *c = v[i];
        if (!r->all && c->source != own)
            continue;
        printf("  %s=%s sensitive=%s source=%s\n", c->name, c->value ? c->value : "null",
               c->is_sensitive ? "true" : "false", source_name(c->source));
    }
    free(v);
    end(r, 0);
}

static void on_altered(kfk_admin_t *a, kfk_err_t err, const kfk_config_resource_t *res, size_t n,
                       void *opaque) {
    (void)a;
    (void)res;
    (void)n;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "alter configs");
        return;
    }
    if (r->type == KFK_RESOURCE_BROKER && !r->name[0])
        printf("Completed updating default config for brokers in the cluster.\n");
    else
        printf("Completed updating config for %s %s.\n",
               r->type == KFK_RESOURCE_TOPIC ? "topic" : "broker", r->name);
    end(r, 0);
}

/* Splits @p s at commas outside brackets ("a=[x,y],b=z"); each piece through @p add. */
static int split_list(run_t *r, char *s, int op) {
    char *p = s;
    while (*p) {
        char *start = p;
        int depth = 0;
        while (*p && (*p != ',' || depth)) {
            depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
            p++;
        }
        if (*p)
            *p++ = '\0';
        if (!*start)
            continue;
        if (r->op_cnt == sizeof r->ops / sizeof r->ops[0]) {
            kfk_cli_error(r->cmd, "too many configs in one alter (at most 128)");
            return -1;
        }
        kfk_config_op_t *o = &r->ops[r->op_cnt];
        o->op = op;
        o->name = start;
        o->value = NULL;
        if (op == KFK_CONFIG_OP_SET) {
            char *eq = strchr(start, '=');
            if (!eq || eq == start) {
                kfk_cli_error(r->cmd, "--set %s: expected name=value", start);
                return -1;
            }
            *eq = '\0';
            char *v = eq + 1;
            size_t len = strlen(v);
            if (len >= 2 && v[0] == '[' && v[len - 1] == ']') { /* Kafka's list brackets */
                v[len - 1] = '\0';
                v++;
            }
            o->value = v;
        } else if (strchr(start, '=')) {
            kfk_cli_error(r->cmd, "--delete %s: expected a config name only", start);
            return -1;
        }
        r->op_cnt++;
    }
    return 0;
}

/* ---- cluster -------------------------------------------------------------------------------- */

static void on_cluster(kfk_admin_t *a, kfk_err_t err, const kfk_cluster_t *c, void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err || !c) {
        call_failed(r, err ? err : KFK_ERR__BAD_MSG, "describe cluster");
        return;
    }
    if (r->json) {
        json_t *bs = json_array();
        for (int32_t i = 0; i < c->broker_cnt; i++)
            json_array_append_new(
                bs, json_pack("{s:i, s:s, s:i, s:o}", "id", c->brokers[i].node_id, "host",
                              c->brokers[i].host, "port", c->brokers[i].port, "rack",
                              c->brokers[i].rack ? json_string(c->brokers[i].rack) : json_null()));
        json_t *o = json_pack("{s:s, s:i, s:o}", "cluster_id", c->cluster_id, "controller",
                              c->controller_id, "brokers", bs);
        json_dumpf(o, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(o);
        end(r, 0);
        return;
    }
    printf("Cluster ID: %s\n", c->cluster_id);
    if (c->controller_id >= 0)
        printf("Controller: %d\n", c->controller_id);
    else
        printf("Controller: unknown\n");
    printf("%-6s %-30s %-6s %s\n", "ID", "HOST", "PORT", "RACK");
    for (int32_t i = 0; i < c->broker_cnt; i++)
        printf("%-6d %-30s %-6d %s\n", c->brokers[i].node_id, c->brokers[i].host,
               c->brokers[i].port, c->brokers[i].rack ? c->brokers[i].rack : "-");
    end(r, 0);
}

/* ---- topics add-partitions / delete-records ------------------------------------------------- */

static void on_partitions(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *res, size_t n,
                          void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "add partitions");
        return;
    }
    if (n != 1 || res[0].err) {
        kfk_err_t e = n ? res[0].err : KFK_ERR__BAD_MSG;
        kfk_cli_error(r->cmd, "topic %s: %s (%s)%s%s", r->name, kfk_err_str(e), kfk_err_name(e),
                      n && res[0].message ? ": " : "", n && res[0].message ? res[0].message : "");
        end(r, KFK_EXIT_ERR);
        return;
    }
    printf("Topic %s now has %lld partitions.\n", r->name, r->partitions);
    end(r, 0);
}

static void on_deleted_records(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                               size_t n, void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err || n != 1) {
        call_failed(r, err ? err : KFK_ERR__BAD_MSG, "delete records");
        return;
    }
    /* kafka-delete-records.sh's lines. */
    printf("Records delete operation completed:\n");
    printf("partition: %s-%d\tlow_watermark: %lld\n", offs[0].topic, offs[0].partition,
           (long long)offs[0].offset);
    end(r, 0);
}

/* ---- running -------------------------------------------------------------------------------- */

static void start(run_t *r) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    o.timeout_ms = (int32_t)(r->deadline_ms < INT32_MAX ? r->deadline_ms : INT32_MAX);
    kfk_err_t e;
    switch (r->what) {
    case C_DESCRIBE: {
        kfk_config_resource_t res = {r->type, r->name, KFK_ERR_NONE, NULL, NULL, 0};
        e = kfk_admin_describe_configs(r->admin, &res, 1, &o, on_described, r);
        break;
    }
    case C_ALTER:
        e = kfk_admin_incremental_alter_configs(r->admin, r->type, r->name, r->ops, r->op_cnt, &o,
                                                on_altered, r);
        break;
    case C_CLUSTER:
        e = kfk_admin_describe_cluster(r->admin, &o, on_cluster, r);
        break;
    case C_ADD_PARTITIONS: {
        kfk_new_partitions_t np = {r->name, (int32_t)r->partitions};
        e = kfk_admin_create_partitions(r->admin, &np, 1, &o, on_partitions, r);
        break;
    }
    default: {
        kfk_partition_offset_t p = {r->name, (int32_t)r->partition, r->before, -1, -1, NULL, 0};
        e = kfk_admin_delete_records(r->admin, &p, 1, &o, on_deleted_records, r);
    }
    }
    if (e) {
        kfk_cli_error(r->cmd, "%s", kfk_err_str(e));
        end(r, KFK_EXIT_ERR);
    }
}

/* Runs @p r's call with the configuration of @p c; the exit code. */
static int run(run_t *r, kfk_cli_common_t *c) {
    int rc = kfk_cli_common_finish(c, r->cmd);
    if (rc)
        return rc;
    if (!c->deadline_set)
        c->deadline_ms = KFK_CLI_DEADLINE_MS;
    r->deadline_ms = c->deadline_ms;
    uv_loop_init(&r->loop);
    char errstr[512];
    kfk_err_t err = kfk_admin_new(&r->loop, c->conf, &r->admin, errstr, sizeof errstr);
    if (err) {
        kfk_cli_error(r->cmd, "%s", errstr);
        uv_loop_close(&r->loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    start(r);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&r->loop) != 0) {
        kfk_cli_error(r->cmd, "internal error: handles left open at exit");
        r->exit_code = KFK_EXIT_ERR;
    }
    return r->exit_code;
}

/* The options of every command here; 1 consumed, 0 not one, or -KFK_EXIT_USAGE. */
static int own_arg(run_t *r, int argc, char **argv, int *i) {
    const char *a = argv[*i], *v;
    int takes = !strcmp(a, "--topic") || !strcmp(a, "-t") || !strcmp(a, "--broker") ||
                !strcmp(a, "--set") || !strcmp(a, "--add-config") || !strcmp(a, "--delete") ||
                !strcmp(a, "--delete-config") || !strcmp(a, "--partitions") || !strcmp(a, "-p") ||
                !strcmp(a, "--partition") || !strcmp(a, "--before");
    if (!strcmp(a, "--json")) {
        r->json = 1;
        return 1;
    }
    if (!strcmp(a, "--all")) {
        r->all = 1;
        return 1;
    }
    if (!strcmp(a, "--broker-defaults")) {
        r->type = KFK_RESOURCE_BROKER;
        r->name = "";
        return 1;
    }
    if (!takes)
        return 0;
    if (!(v = kfk_cli_value(r->cmd, argc, argv, i)))
        return -KFK_EXIT_USAGE;
    if (!strcmp(a, "--topic") || !strcmp(a, "-t")) {
        r->type = KFK_RESOURCE_TOPIC;
        r->name = v;
    } else if (!strcmp(a, "--broker")) {
        long long id;
        if (kfk_cli_int(r->cmd, "--broker", v, 0, INT32_MAX, &id))
            return -KFK_EXIT_USAGE;
        r->type = KFK_RESOURCE_BROKER;
        r->name = v;
    } else if (!strcmp(a, "--set") || !strcmp(a, "--add-config") || !strcmp(a, "--delete") ||
               !strcmp(a, "--delete-config")) {
        int set = !strcmp(a, "--set") || !strcmp(a, "--add-config");
        char *copy = r->text_cnt < 32 ? strdup(v) : NULL;
        if (!copy) {
            kfk_cli_error(r->cmd, "too many --set / --delete options (at most 32)");
            return -KFK_EXIT_USAGE;
        }
        r->op_text[r->text_cnt++] = copy; /* the ops point into it */
        if (split_list(r, copy, set ? KFK_CONFIG_OP_SET : KFK_CONFIG_OP_DELETE) != 0)
            return -KFK_EXIT_USAGE;
    } else if (!strcmp(a, "--partitions")) {
        if (kfk_cli_int(r->cmd, "--partitions", v, 1, 1000000, &r->partitions))
            return -KFK_EXIT_USAGE;
    } else if (!strcmp(a, "--before")) {
        if (kfk_cli_int(r->cmd, "--before", v, -1, INT64_MAX, &r->before))
            return -KFK_EXIT_USAGE;
    } else if (kfk_cli_int(r->cmd, "-p", v, 0, INT32_MAX, &r->partition)) {
        return -KFK_EXIT_USAGE;
    }
    return 1;
}

/* Parses argv from @p first into @p r and @p c; 0, or an exit code (help printed: -1). */
static int parse(run_t *r, kfk_cli_common_t *c, const char *usage, int argc, char **argv,
                 int first) {
    for (int i = first; i < argc; i++) {
        int k = kfk_cli_common_arg(c, r->cmd, argc, argv, &i);
        if (k == 0)
            k = own_arg(r, argc, argv, &i);
        if (k < 0)
            return -k;
        if (!k) {
            kfk_cli_error(r->cmd, "unknown option %s (see --help)", argv[i]);
            return KFK_EXIT_USAGE;
        }
    }
    if (c->help) {
        fputs(usage, stdout);
        return -1;
    }
    return 0;
}

/* Runs @p what with the usage text @p usage from argv[first]. */
static int main_of(const char *cmd, what_t what, const char *usage, int argc, char **argv,
                   int first) {
    run_t r;
    memset(&r, 0, sizeof r);
    r.cmd = cmd;
    r.what = what;
    r.partition = -1;
    r.before = -2;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    rc = parse(&r, &c, usage, argc, argv, first);
    if (rc == -1) {
        rc = KFK_EXIT_OK;
        goto out;
    }
    if (rc)
        goto out;
    rc = KFK_EXIT_USAGE;
    if ((what == C_DESCRIBE || what == C_ALTER) && !r.name) {
        kfk_cli_error(cmd, "give --topic TOPIC, --broker ID or --broker-defaults");
        goto out;
    }
    if (what == C_ALTER && !r.op_cnt) {
        kfk_cli_error(cmd, "give --set name=value or --delete name");
        goto out;
    }
    if (what != C_ALTER && r.op_cnt) {
        kfk_cli_error(cmd, "--set and --delete belong to kfk configs alter");
        goto out;
    }
    if ((what == C_ADD_PARTITIONS || what == C_DELETE_RECORDS) &&
        (!r.name || r.type != KFK_RESOURCE_TOPIC)) {
        kfk_cli_error(cmd, "give -t TOPIC");
        goto out;
    }
    if (what == C_ADD_PARTITIONS && r.partitions < 1) {
        kfk_cli_error(cmd, "give --partitions N (the count in all)");
        goto out;
    }
    if (what == C_DELETE_RECORDS && (r.partition < 0 || r.before < -1)) {
        kfk_cli_error(cmd, "give -p PARTITION and --before OFFSET (-1: every record)");
        goto out;
    }
    rc = run(&r, &c);
out:
    kfk_cli_common_free(&c);
    for (size_t i = 0; i < r.text_cnt; i++)
        free(r.op_text[i]);
    return rc;
}

int kfk_cmd_configs(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        fputs(configs_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KFK_EXIT_USAGE : KFK_EXIT_OK;
    }
    if (!strcmp(argv[1], "describe"))
        return main_of("configs describe", C_DESCRIBE, configs_usage, argc, argv, 2);
    if (!strcmp(argv[1], "alter"))
        return main_of("configs alter", C_ALTER, configs_usage, argc, argv, 2);
    kfk_cli_error("configs", "unknown subcommand '%s' (describe, alter)", argv[1]);
    return KFK_EXIT_USAGE;
}

int kfk_cmd_cluster(int argc, char **argv) {
    return main_of("cluster", C_CLUSTER, cluster_usage, argc, argv, 1);
}

int kfk_cmd_topics_more(int argc, char **argv) {
    if (!strcmp(argv[1], "add-partitions"))
        return main_of("topics add-partitions", C_ADD_PARTITIONS, topics_more_usage, argc, argv, 2);
    return main_of("topics delete-records", C_DELETE_RECORDS, topics_more_usage, argc, argv, 2);
}
