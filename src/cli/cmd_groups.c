/*
 * cmd_groups.c: `kfk groups`: consumer-group administration on the admin client, without a
 * JVM: `list` (ListGroups of every broker), `describe GROUP` (per partition: committed offset,
 * log end offset, lag and the member owning it, the columns of Kafka's kafka-consumer-groups.sh
 * --describe; --members, --state, --json), `reset-offsets GROUP` (a plan like Kafka's tool,
 * committed unless --dry-run; a group with members is refused unless --force) and `delete`.
 * Each subcommand chains admin calls on one loop; -m SECONDS bounds all of them together.
 */
#define _XOPEN_SOURCE 700 /* strptime */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <uv.h>

#include "cli/cli.h"

typedef enum { SUB_LIST, SUB_DESCRIBE, SUB_RESET, SUB_DELETE } sub_kind_t;
typedef enum { TO_NONE, TO_EARLIEST, TO_LATEST, TO_DATETIME, TO_OFFSET, TO_SHIFT } reset_t;

/* One partition row of describe or reset-offsets. */
typedef struct {
    char *topic;
    int32_t partition;
    int64_t committed;                 /* -1: none */
    int64_t earliest, latest, at_time; /* -1: unknown */
    int64_t new_offset;
    int member; /* index in the members array of the group's JSON; -1: none */
} row_t;

typedef struct {
    const char *cmd;
    sub_kind_t sub;
    uv_loop_t loop;
    kfk_admin_t *admin;
    int exit_code;
    uint64_t start;
    int64_t deadline_ms;
    /* options */
    int json, members, state, dry_run, force, all_topics;
    const char *group;
    char **groups; /* delete */
    int group_cnt;
    const char *states[16];
    size_t state_cnt;
    const char *types[16];
    size_t type_cnt;
    const char *topics[64]; /* reset: --topic T or T:P,P */
    size_t topic_cnt;
    reset_t to;
    int64_t to_value;
    /* state */
    json_t *desc; /* the described group */
    row_t *rows;
    size_t row_cnt, row_cap;
} run_t;

static const char groups_usage[] =
    "usage: kfk groups list [--state STATE]... [--type TYPE]... [--json] [-b BROKERS] [-X k=v] [-m "
    "SECONDS]\n"
    "       kfk groups describe GROUP [--members | --state] [--json]\n"
    "       kfk groups reset-offsets GROUP (--topic TOPIC[:P,P...]... | --all-topics)\n"
    "           (--to-earliest | --to-latest | --to-datetime ISO8601 | --to-offset N |\n"
    "            --shift-by N) [--dry-run] [--force]\n"
    "       kfk groups delete GROUP...\n"
    "\n"
    "Consumer groups, as Kafka's kafka-consumer-groups.sh shows and changes them.\n"
    "  list           every group of the cluster: GROUP STATE TYPE PROTOCOL-TYPE\n"
    "                 (--state and --type filter, repeatable: --state Stable, --type classic)\n"
    "  describe       per partition: committed offset, log end offset, lag and the member\n"
    "                 owning it; --members: the members and their assignments; --state: the\n"
    "                 group's state, assignor and member count; --json: all of it as JSON\n"
    "  reset-offsets  prints the new offsets (GROUP TOPIC PARTITION NEW-OFFSET) and commits\n"
    "                 them unless --dry-run; --to-datetime takes 2024-05-01T12:00:00[.sss]\n"
    "                 with Z or +HH:MM (none: local time) or milliseconds since the epoch;\n"
    "                 --to-offset and --shift-by are kept within [earliest, latest].\n"
    "                 Kafka accepts a reset only while the group has no members: a group\n"
    "                 with members is refused here unless --force (then the broker decides)\n"
    "  delete         deletes groups that have no members, with their offsets\n"
    "\n"
    "  -b BROKERS     bootstrap servers host:port[,...]\n"
    "  -X key=value   any configuration property (kfk config lists them); -F file\n"
    "  -m SECONDS     give up after this long (default 10) with the last cause\n"
    "\n"
    "examples:\n"
    "  kfk groups list -b 127.0.0.1:29000 --state Stable\n"
    "  kfk groups describe analytics_context -b 127.0.0.1:29000\n"
    "  kfk groups reset-offsets analytics_context -b 127.0.0.1:29000 --topic events \\\n"
    "      --to-datetime 2026-12-06T09:00:00Z --dry-run\n"
    "  kfk groups delete old_group -b 127.0.0.1:29000\n"
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

/* A failed call: its cause on stderr, exit 1. */
static void call_failed(run_t *r, kfk_err_t err, const char *what) {
    const char *cause = kfk_admin_errstr(r->admin);
    if (err == KFK_ERR__DESTROYED)
        kfk_cli_error(r->cmd, "%s: interrupted", what);
    else
        kfk_cli_error(r->cmd, "%s: %s (%s)", what, cause[0] ? cause : kfk_err_str(err),
                      kfk_err_name(err));
    end(r, KFK_EXIT_ERR);
}

/* Options of the next call: what is left of -m. */
static kfk_admin_opts_t opts(run_t *r) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    int64_t left = r->deadline_ms - (int64_t)(uv_now(&r->loop) - r->start);
    o.timeout_ms = (int32_t)(left < 1 ? 1 : left > INT32_MAX ? INT32_MAX : left);
    return o;
}

/* Makes a call, or ends the run when it cannot start. */
#define CALL(r, what, expr)                                                                        \
    do {                                                                                           \
        kfk_err_t e_ = (expr);                                                                     \
        if (e_) {                                                                                  \
            kfk_cli_error((r)->cmd, "%s: %s", (what), kfk_err_str(e_));                            \
            end((r), KFK_EXIT_ERR);                                                                \
        }                                                                                          \
    } while (0)

static int row_cmp(const void *x, const void *y) {
    const row_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* The row of @p topic / @p partition, added when @p add (NULL: absent, or no memory). */
static row_t *row_of(run_t *r, const char *topic, int32_t partition, int add) {
    for (size_t i = 0; i < r->row_cnt; i++)
        if (r->rows[i].partition == partition && !strcmp(r->rows[i].topic, topic))
            return &r->rows[i];
    if (!add)
        return NULL;
    if (r->row_cnt == r->row_cap) {
        size_t cap = r->row_cap ? r->row_cap * 2 : 64;
        row_t *nv = realloc(r->rows, cap * sizeof *nv);
        if (!nv)
            return NULL;
        r->rows = nv;
        r->row_cap = cap;
    }
    row_t *w = &r->rows[r->row_cnt];
    *w = (row_t){strdup(topic), partition, -1, -1, -1, -1, -1, -1};
    if (!w->topic)
        return NULL;
    r->row_cnt++;
    return w;
}

/* ---- list ----------------------------------------------------------------------------------- */

static void on_list(kfk_admin_t *a, kfk_err_t err, const kfk_group_listing_t *gs, size_t n,
                    void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "list groups");
        return;
    }
    if (r->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:i}", "group",
                                                 gs[i].group_id, "state", gs[i].state, "type",
                                                 gs[i].type, "protocol_type", gs[i].protocol_type,
                                                 "coordinator", (int)gs[i].coordinator));
        json_dumpf(arr, stdout, JSON_COMPACT);
        putchar('\n');
        json_decref(arr);
    } else {
        int w = 15;
        for (size_t i = 0; i < n; i++)
            if ((int)strlen(gs[i].group_id) > w)
                w = (int)strlen(gs[i].group_id);
        printf("%-*s %-20s %-10s %s\n", w, "GROUP", "STATE", "TYPE", "PROTOCOL-TYPE");
        for (size_t i = 0; i < n; i++)
            printf("%-*s %-20s %-10s %s\n", w, gs[i].group_id, gs[i].state[0] ? gs[i].state : "-",
                   gs[i].type[0] ? gs[i].type : "-",
                   gs[i].protocol_type[0] ? gs[i].protocol_type : "-");
    }
    end(r, 0);
}

/* ---- describe ------------------------------------------------------------------------------- */

static const char *member_str(const run_t *r, int member, const char *key) {
    json_t *m =
        member >= 0 ? json_array_get(json_object_get(r->desc, "members"), (size_t)member) : NULL;
    const char *s = m ? json_string_value(json_object_get(m, key)) : NULL;
    return s && s[0] ? s : "-";
}

static void num(char *buf, size_t size, int64_t v) {
    if (v < 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%lld", (long long)v);
}

/* The partition table, as kafka-consumer-groups.sh --describe prints it. */
static void print_offsets_text(run_t *r) {
    const char *group = r->group;
    int gw = (int)strlen(group) > 15 ? (int)strlen(group) : 15, tw = 15, cw = 15, hw = 15;
    for (size_t i = 0; i < r->row_cnt; i++) {
        int l = (int)strlen(r->rows[i].topic);
        tw = l > tw ? l : tw;
        l = (int)strlen(member_str(r, r->rows[i].member, "member_id"));
        cw = l > cw ? l : cw;
        l = (int)strlen(member_str(r, r->rows[i].member, "host"));
        hw = l > hw ? l : hw;
    }
    printf("\n%-*s %-*s %-10s %-15s %-15s %-15s %-*s %-*s %s\n", gw, "GROUP", tw, "TOPIC",
           "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", cw, "CONSUMER-ID", hw, "HOST",
           "CLIENT-ID");
    for (size_t i = 0; i < r->row_cnt; i++) {
        const row_t *w = &r->rows[i];
        char cur[24], leo[24], lag[24];
        num(cur, sizeof cur, w->committed);
        num(leo, sizeof leo, w->latest);
        num(lag, sizeof lag, w->committed >= 0 && w->latest >= 0 ? w->latest - w->committed : -1);
        printf("%-*s %-*s %-10d %-15s %-15s %-15s %-*s %-*s %s\n", gw, group, tw, w->topic,
               w->partition, cur, leo, lag, cw, member_str(r, w->member, "member_id"), hw,
               member_str(r, w->member, "host"), member_str(r, w->member, "client_id"));
    }
    putchar('\n');
}

static void print_members_text(run_t *r) {
    json_t *ms = json_object_get(r->desc, "members");
    int gw = (int)strlen(r->group) > 15 ? (int)strlen(r->group) : 15, cw = 15, hw = 15, kw = 15;
    for (size_t i = 0; i < json_array_size(ms); i++) {
        int l = (int)strlen(member_str(r, (int)i, "member_id"));
        cw = l > cw ? l : cw;
        l = (int)strlen(member_str(r, (int)i, "host"));
        hw = l > hw ? l : hw;
        l = (int)strlen(member_str(r, (int)i, "client_id"));
        kw = l > kw ? l : kw;
    }
    printf("\n%-*s %-*s %-*s %-*s %-12s %s\n", gw, "GROUP", cw, "CONSUMER-ID", hw, "HOST", kw,
           "CLIENT-ID", "#PARTITIONS", "ASSIGNMENT");
    for (size_t i = 0; i < json_array_size(ms); i++) {
        json_t *as = json_object_get(json_array_get(ms, i), "assignment");
        size_t np = 0;
        for (size_t k = 0; k < json_array_size(as); k++)
            np += json_array_size(json_object_get(json_array_get(as, k), "partitions"));
        printf("%-*s %-*s %-*s %-*s %-12zu ", gw, r->group, cw, member_str(r, (int)i, "member_id"),
               hw, member_str(r, (int)i, "host"), kw, member_str(r, (int)i, "client_id"), np);
        for (size_t k = 0; k < json_array_size(as); k++) {
            json_t *t = json_array_get(as, k), *ps = json_object_get(t, "partitions");
            printf("%s%s(", k ? "," : "", json_string_value(json_object_get(t, "topic")));
            for (size_t j = 0; j < json_array_size(ps); j++)
                printf("%s%lld", j ? "," : "",
                       (long long)json_integer_value(json_array_get(ps, j)));
            putchar(')');
        }
        printf("%s\n", json_array_size(as) ? "" : "-");
    }
    putchar('\n');
}

static void print_describe(run_t *r) {
    json_t *ms = json_object_get(r->desc, "members");
    if (!r->json && !r->state && !json_array_size(ms))
        fprintf(stderr, "\nConsumer group '%s' has no active members.\n", r->group);
    if (r->json) {
        json_t *parts = json_array();
        for (size_t i = 0; i < r->row_cnt; i++) {
            const row_t *w = &r->rows[i];
            json_t *o = json_pack("{s:s, s:i}", "topic", w->topic, "partition", (int)w->partition);
            json_object_set_new(o, "committed_offset",
                                w->committed >= 0 ? json_integer(w->committed) : json_null());
            json_object_set_new(o, "log_end_offset",
                                w->latest >= 0 ? json_integer(w->latest) : json_null());
            json_object_set_new(o, "lag",
                                w->committed >= 0 && w->latest >= 0
                                    ? json_integer(w->latest - w->committed)
                                    : json_null());
            json_t *m = w->member >= 0 ? json_array_get(ms, (size_t)w->member) : NULL;
            json_object_set(o, "member_id", m ? json_object_get(m, "member_id") : json_null());
            json_object_set(o, "client_id", m ? json_object_get(m, "client_id") : json_null());
            json_object_set(o, "host", m ? json_object_get(m, "host") : json_null());
            json_array_append_new(parts, o);
        }
        json_object_set_new(r->desc, "partitions", parts);
        json_dumpf(r->desc, stdout, JSON_COMPACT);
        putchar('\n');
    } else if (r->state) {
        json_t *d = r->desc;
        char coord[32];
        snprintf(coord, sizeof coord, "(%lld)",
                 (long long)json_integer_value(json_object_get(d, "coordinator")));
        int gw = (int)strlen(r->group) > 15 ? (int)strlen(r->group) : 15;
        printf("\n%-*s %-25s %-20s %-20s %-10s %s\n", gw, "GROUP", "COORDINATOR (ID)",
               "ASSIGNMENT-STRATEGY", "STATE", "TYPE", "#MEMBERS");
        const char *proto = json_string_value(json_object_get(d, "protocol"));
        const char *type = json_string_value(json_object_get(d, "type"));
        printf("%-*s %-25s %-20s %-20s %-10s %zu\n\n", gw, r->group, coord,
               proto && proto[0] ? proto : "-", json_string_value(json_object_get(d, "state")),
               type && type[0] ? type : "-", json_array_size(ms));
    } else if (r->members) {
        print_members_text(r);
    } else {
        print_offsets_text(r);
    }
    end(r, 0);
}

static void on_end_offsets(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                           size_t n, void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "log end offsets");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        row_t *w = row_of(r, offs[i].topic, offs[i].partition, 0);
        if (w && !offs[i].err)
            w->latest = offs[i].offset;
    }
    print_describe(r);
}

/* ListOffsets latest for every row. */
static void ask_end_offsets(run_t *r) {
    if (!r->row_cnt) {
        print_describe(r);
        return;
    }
    kfk_partition_offset_t *q = calloc(r->row_cnt, sizeof *q);
    if (!q) {
        kfk_cli_error(r->cmd, "out of memory");
        end(r, KFK_EXIT_ERR);
        return;
    }
    qsort(r->rows, r->row_cnt, sizeof *r->rows, row_cmp);
    for (size_t i = 0; i < r->row_cnt; i++)
        q[i] = (kfk_partition_offset_t){
            r->rows[i].topic, r->rows[i].partition, KFK_OFFSET_END, -1, -1, NULL, KFK_ERR_NONE};
    kfk_admin_opts_t o = opts(r);
    CALL(r, "log end offsets",
         kfk_admin_list_offsets(r->admin, q, r->row_cnt, &o, on_end_offsets, r));
    free(q);
}

static void ask_reset_offsets(run_t *r);

static void on_committed(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                         size_t n, void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "committed offsets");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (offs[i].err)
            continue;
        /* reset-offsets: only the partitions asked for (all of the group's: --all-topics). */
        int add = r->sub == SUB_DESCRIBE || r->all_topics;
        row_t *w = row_of(r, offs[i].topic, offs[i].partition, add);
        if (w)
            w->committed = offs[i].offset;
        else if (add) {
            kfk_cli_error(r->cmd, "out of memory");
            end(r, KFK_EXIT_ERR);
            return;
        }
    }
    if (r->sub == SUB_DESCRIBE)
        ask_end_offsets(r);
    else
        ask_reset_offsets(r);
}

/* The group's description as JSON (kept after the callback), and rows for its assignments. */
static json_t *describe_json(run_t *r, const kfk_group_description_t *g) {
    json_t *d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "group", g->group_id, "state", g->state,
                          "type", g->type ? g->type : "", "protocol_type", g->protocol_type,
                          "protocol", g->protocol, "coordinator", (int)g->coordinator);
    json_t *ms = json_array();
    for (size_t i = 0; i < g->member_cnt; i++) {
        const kfk_group_member_t *m = &g->members[i];
        json_t *o = json_pack("{s:s, s:s, s:s}", "member_id", m->member_id, "client_id",
                              m->client_id, "host", m->host);
        json_object_set_new(o, "instance_id",
                            m->instance_id ? json_string(m->instance_id) : json_null());
        json_t *as = json_array();
        for (size_t k = 0; k < m->assignment_cnt; k++) {
            json_t *ps = json_array();
            for (int32_t j = 0; j < m->assignment[k].partition_cnt; j++) {
                json_array_append_new(ps, json_integer(m->assignment[k].partitions[j]));
                row_t *w = r->sub == SUB_DESCRIBE ? row_of(r, m->assignment[k].topic,
                                                           m->assignment[k].partitions[j], 1)
                                                  : NULL;
                if (w)
                    w->member = (int)i;
            }
            json_array_append_new(
                as, json_pack("{s:s, s:o}", "topic", m->assignment[k].topic, "partitions", ps));
        }
        json_object_set_new(o, "assignment", as);
        json_array_append_new(ms, o);
    }
    json_object_set_new(d, "members", ms);
    return d;
}

static void reset_check(run_t *r);

static void on_describe(kfk_admin_t *a, kfk_err_t err, const kfk_group_description_t *gs, size_t n,
                        void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err || n != 1) {
        call_failed(r, err ? err : KFK_ERR__BAD_MSG, "describe group");
        return;
    }
    /* Kafka 4's DescribeGroups v6 answers GROUP_ID_NOT_FOUND where older ones say "Dead". */
    int missing = gs[0].err == KFK_ERR_GROUP_ID_NOT_FOUND || !strcmp(gs[0].state, "Dead");
    if (gs[0].err && !missing) {
        kfk_cli_error(r->cmd, "group %s: %s (%s)%s%s", r->group, kfk_err_str(gs[0].err),
                      kfk_err_name(gs[0].err), gs[0].error_message ? ": " : "",
                      gs[0].error_message ? gs[0].error_message : "");
        end(r, KFK_EXIT_ERR);
        return;
    }
    if (r->sub == SUB_DESCRIBE && missing) {
        /* Kafka 4 names a group of the new consumer protocol (KIP-848) here too. */
        const char *msg = gs[0].error_message;
        kfk_cli_error(r->cmd, "consumer group '%s' does not exist%s%s%s", r->group,
                      msg ? " (the broker says: " : "", msg ? msg : "", msg ? ")" : "");
        end(r, KFK_EXIT_ERR);
        return;
    }
    r->desc = describe_json(r, &gs[0]);
    if (r->sub == SUB_RESET) {
        reset_check(r);
        return;
    }
    if (r->members || (r->state && !r->json)) {
        print_describe(r);
        return;
    }
    kfk_admin_opts_t o = opts(r);
    CALL(r, "committed offsets",
         kfk_admin_list_group_offsets(r->admin, r->group, &o, on_committed, r));
}

/* ---- reset-offsets -------------------------------------------------------------------------- */

static void on_reset_metadata(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md,
                              void *opaque);

/* After describe: refuses a group with members (unless --force), then the rows of whole
 * topics (metadata), the committed offsets, the offsets the reset needs. */
static void reset_check(run_t *r) {
    size_t members = json_array_size(json_object_get(r->desc, "members"));
    const char *state = json_string_value(json_object_get(r->desc, "state"));
    if (members && !r->force) {
        kfk_cli_error(r->cmd,
                      "group %s has %zu active member%s (state %s): offsets can be reset only "
                      "while it has none (stop its consumers, or give --force to ask anyway)",
                      r->group, members, members == 1 ? "" : "s", state);
        end(r, KFK_EXIT_ERR);
        return;
    }
    const char *whole[64];
    size_t nwhole = 0;
    for (size_t i = 0; i < r->topic_cnt; i++)
        if (!strchr(r->topics[i], ':'))
            whole[nwhole++] = r->topics[i];
    kfk_admin_opts_t o = opts(r);
    if (nwhole)
        CALL(r, "metadata",
             kfk_admin_metadata_opts(r->admin, whole, nwhole, &o, on_reset_metadata, r));
    else
        CALL(r, "committed offsets",
             kfk_admin_list_group_offsets(r->admin, r->group, &o, on_committed, r));
}

static void on_altered(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs, size_t n,
                       void *opaque) {
    (void)a;
    (void)offs;
    (void)n;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "commit the new offsets");
        return;
    }
    end(r, 0);
}

/* New offsets from the queries' answers; prints the plan and commits it. */
static void on_reset_offsets(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs,
                             size_t n, void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "list offsets");
        return;
    }
    size_t per = r->to == TO_DATETIME ? 3 : 2;
    for (size_t i = 0; i < n && i / per < r->row_cnt; i++) {
        row_t *w = &r->rows[i / per];
        if (offs[i].err) {
            kfk_cli_error(r->cmd, "%s [%d]: %s (%s)", w->topic, w->partition,
                          kfk_err_str(offs[i].err), kfk_err_name(offs[i].err));
            end(r, KFK_EXIT_ERR);
            return;
        }
        int64_t *dst = i % per == 0 ? &w->earliest : i % per == 1 ? &w->latest : &w->at_time;
        *dst = offs[i].offset;
    }
    for (size_t i = 0; i < r->row_cnt; i++) {
        row_t *w = &r->rows[i];
        int64_t v;
        switch (r->to) {
        case TO_EARLIEST:
            v = w->earliest;
            break;
        case TO_LATEST:
            v = w->latest;
            break;
        case TO_DATETIME:
            v = w->at_time >= 0 ? w->at_time : w->latest; /* none at or after it: the end */
            break;
        case TO_OFFSET:
            v = r->to_value;
            break;
        default:
            if (w->committed < 0) {
                kfk_cli_error(r->cmd, "%s [%d]: no committed offset to shift", w->topic,
                              w->partition);
                end(r, KFK_EXIT_ERR);
                return;
            }
            v = w->committed + r->to_value;
        }
        w->new_offset = v < w->earliest ? w->earliest : v > w->latest ? w->latest : v;
    }
    printf("\n%-30s %-30s %-10s %-15s\n", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (size_t i = 0; i < r->row_cnt; i++)
        printf("%-30s %-30s %-10d %-15lld\n", r->group, r->rows[i].topic, r->rows[i].partition,
               (long long)r->rows[i].new_offset);
    putchar('\n');
    if (r->dry_run) {
        end(r, 0);
        return;
    }
    kfk_partition_offset_t *c = calloc(r->row_cnt, sizeof *c);
    if (!c) {
        kfk_cli_error(r->cmd, "out of memory");
        end(r, KFK_EXIT_ERR);
        return;
    }
    for (size_t i = 0; i < r->row_cnt; i++)
        c[i] = (kfk_partition_offset_t){
            r->rows[i].topic, r->rows[i].partition, r->rows[i].new_offset, -1, -1, NULL,
            KFK_ERR_NONE};
    kfk_admin_opts_t o = opts(r);
    CALL(r, "commit the new offsets",
         kfk_admin_alter_group_offsets(r->admin, r->group, c, r->row_cnt, &o, on_altered, r));
    free(c);
}

/* Rows known: earliest, latest (and the time's offset) of each. */
static void ask_reset_offsets(run_t *r) {
    if (!r->row_cnt) {
        kfk_cli_error(r->cmd, "no partitions to reset (group %s has no committed offsets%s)",
                      r->group, r->all_topics ? "" : " of those topics");
        end(r, KFK_EXIT_ERR);
        return;
    }
    qsort(r->rows, r->row_cnt, sizeof *r->rows, row_cmp);
    size_t per = r->to == TO_DATETIME ? 3 : 2;
    kfk_partition_offset_t *q = calloc(r->row_cnt * per, sizeof *q);
    if (!q) {
        kfk_cli_error(r->cmd, "out of memory");
        end(r, KFK_EXIT_ERR);
        return;
    }
    for (size_t i = 0; i < r->row_cnt; i++)
        for (size_t k = 0; k < per; k++)
            q[i * per + k] = (kfk_partition_offset_t){r->rows[i].topic,
                                                      r->rows[i].partition,
                                                      k == 0   ? KFK_OFFSET_BEGINNING
                                                      : k == 1 ? KFK_OFFSET_END
                                                               : r->to_value,
                                                      -1,
                                                      -1,
                                                      NULL,
                                                      KFK_ERR_NONE};
    kfk_admin_opts_t o = opts(r);
    CALL(r, "list offsets",
         kfk_admin_list_offsets(r->admin, q, r->row_cnt * per, &o, on_reset_offsets, r));
    free(q);
}

static void on_reset_metadata(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md,
                              void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "metadata");
        return;
    }
    for (int32_t i = 0; i < md->topic_cnt; i++) {
        const kfk_metadata_topic_t *t = &md->topics[i];
        if (t->err) {
            kfk_cli_error(r->cmd, "topic %s: %s (%s)", t->name, kfk_err_str(t->err),
                          kfk_err_name(t->err));
            end(r, KFK_EXIT_ERR);
            return;
        }
        for (int32_t k = 0; k < t->partition_cnt; k++) {
            row_t *w = row_of(r, t->name, t->partitions[k].id, 1);
            if (!w) {
                kfk_cli_error(r->cmd, "out of memory");
                end(r, KFK_EXIT_ERR);
                return;
            }
        }
    }
    kfk_admin_opts_t o = opts(r);
    CALL(r, "committed offsets",
         kfk_admin_list_group_offsets(r->admin, r->group, &o, on_committed, r));
}

/* The rows of --topic T:P,P (before the committed offsets are read); 0 or a usage error. */
static int explicit_rows(run_t *r) {
    for (size_t i = 0; i < r->topic_cnt; i++) {
        const char *colon = strchr(r->topics[i], ':');
        if (!colon)
            continue;
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", (int)(colon - r->topics[i]), r->topics[i]);
        for (const char *p = colon + 1; *p;) {
            char *e;
            long v = strtol(p, &e, 10);
            if (e == p || v < 0 || v > INT32_MAX || (*e && *e != ',')) {
                kfk_cli_error(r->cmd, "--topic %s: expected TOPIC or TOPIC:P,P,...", r->topics[i]);
                return KFK_EXIT_USAGE;
            }
            if (!row_of(r, topic, (int32_t)v, 1))
                return KFK_EXIT_ERR;
            p = *e ? e + 1 : e;
        }
    }
    /* Rows of whole topics come from the metadata; committed offsets only fill rows. */
    return 0;
}

/* ISO 8601 (2024-05-01T12:00:00[.sss][Z|+HH:MM|+HHMM], no zone: local time) or epoch ms. */
static int parse_datetime(const char *s, int64_t *out) {
    char *e;
    long long ms = strtoll(s, &e, 10);
    if (e != s && !*e && ms >= 0) {
        *out = ms;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M", &tm);
    if (!p)
        return -1;
    int frac = 0;
    if (*p == ':') {
        const char *q = strptime(p + 1, "%S", &tm);
        if (!q)
            return -1;
        p = q;
        if (*p == '.') {
            int digits = 0;
            for (p++; *p >= '0' && *p <= '9'; p++, digits++)
                if (digits < 3)
                    frac = frac * 10 + (*p - '0');
            if (!digits)
                return -1;
            for (; digits < 3; digits++)
                frac *= 10;
        }
    }
    time_t t;
    if (!*p) {
        tm.tm_isdst = -1;
        t = mktime(&tm);
    } else {
        long off = 0;
        if (*p == 'Z' && !p[1]) {
            off = 0;
        } else if ((*p == '+' || *p == '-') && strlen(p) >= 5) {
            int hh, mm;
            if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2 && sscanf(p + 1, "%2d%2d", &hh, &mm) != 2)
                return -1;
            off = (hh * 60L + mm) * 60L * (*p == '-' ? -1 : 1);
        } else {
            return -1;
        }
        t = timegm(&tm) - off;
    }
    if (t < 0)
        return -1;
    *out = (int64_t)t * 1000 + frac;
    return 0;
}

/* ---- delete --------------------------------------------------------------------------------- */

static void on_deleted(kfk_admin_t *a, kfk_err_t err, const kfk_group_result_t *res, size_t n,
                       void *opaque) {
    (void)a;
    run_t *r = opaque;
    if (err) {
        call_failed(r, err, "delete groups");
        return;
    }
    int failed = 0;
    for (size_t i = 0; i < n; i++) {
        if (!res[i].err)
            printf("Deleted group '%s'.\n", res[i].group_id);
        else {
            failed = 1;
            kfk_cli_error(r->cmd, "group '%s' could not be deleted: %s (%s)%s", res[i].group_id,
                          kfk_err_str(res[i].err), kfk_err_name(res[i].err),
                          res[i].err == KFK_ERR_NON_EMPTY_GROUP ? ": it has active members" : "");
        }
    }
    end(r, failed ? KFK_EXIT_ERR : 0);
}

/* ---- the command ---------------------------------------------------------------------------- */

static int parse_int64(const char *cmd, const char *opt, const char *v, int64_t *out) {
    long long x;
    if (kfk_cli_int(cmd, opt, v, INT64_MIN + 1, INT64_MAX, &x) != 0)
        return -1;
    *out = x;
    return 0;
}

/* Parses the subcommand's own options at argv[*i]; 1 consumed, 0 not one, -exit on error. */
static int groups_arg(run_t *r, int argc, char **argv, int *i) {
    const char *a = argv[*i], *v;
    if (!strcmp(a, "--json") || !strcmp(a, "-J"))
        r->json = 1;
    else if (!strcmp(a, "--members"))
        r->members = 1;
    else if (!strcmp(a, "--dry-run"))
        r->dry_run = 1;
    else if (!strcmp(a, "--execute"))
        r->dry_run = 0;
    else if (!strcmp(a, "--force"))
        r->force = 1;
    else if (!strcmp(a, "--all-topics"))
        r->all_topics = 1;
    else if (!strcmp(a, "--to-earliest"))
        r->to = TO_EARLIEST;
    else if (!strcmp(a, "--to-latest"))
        r->to = TO_LATEST;
    else if (!strcmp(a, "--state") && r->sub == SUB_DESCRIBE)
        r->state = 1;
    else if (!strcmp(a, "--type") && r->sub == SUB_LIST) {
        if (!(v = kfk_cli_value(r->cmd, argc, argv, i)))
            return -KFK_EXIT_USAGE;
        if (r->type_cnt == sizeof r->types / sizeof r->types[0])
            return -KFK_EXIT_USAGE;
        r->types[r->type_cnt++] = v;
    } else if (!strcmp(a, "--state") || !strcmp(a, "--topic") || !strcmp(a, "-t") ||
               !strcmp(a, "--to-datetime") || !strcmp(a, "--to-offset") ||
               !strcmp(a, "--shift-by")) {
        if (!(v = kfk_cli_value(r->cmd, argc, argv, i)))
            return -KFK_EXIT_USAGE;
        if (!strcmp(a, "--state")) {
            if (r->state_cnt == sizeof r->states / sizeof r->states[0])
                return -KFK_EXIT_USAGE;
            r->states[r->state_cnt++] = v;
        } else if (!strcmp(a, "--topic") || !strcmp(a, "-t")) {
            if (r->topic_cnt == sizeof r->topics / sizeof r->topics[0])
                return -KFK_EXIT_USAGE;
            r->topics[r->topic_cnt++] = v;
        } else if (!strcmp(a, "--to-datetime")) {
            r->to = TO_DATETIME;
            if (parse_datetime(v, &r->to_value) != 0) {
                kfk_cli_error(r->cmd,
                              "--to-datetime %s: expected e.g. 2024-05-01T12:00:00.000Z "
                              "(or +HH:MM, none: local time) or epoch milliseconds",
                              v);
                return -KFK_EXIT_USAGE;
            }
        } else {
            r->to = !strcmp(a, "--to-offset") ? TO_OFFSET : TO_SHIFT;
            if (parse_int64(r->cmd, a, v, &r->to_value) != 0 ||
                (r->to == TO_OFFSET && r->to_value < 0)) {
                if (r->to == TO_OFFSET && r->to_value < 0)
                    kfk_cli_error(r->cmd, "--to-offset: a negative offset");
                return -KFK_EXIT_USAGE;
            }
        }
    } else
        return 0;
    return 1;
}

/* Checks the options against the subcommand; 0 or an exit code. */
static int groups_check(run_t *r, int npos) {
    if (r->sub == SUB_LIST && npos) {
        kfk_cli_error(r->cmd, "list takes no GROUP");
        return KFK_EXIT_USAGE;
    }
    if ((r->sub == SUB_DESCRIBE || r->sub == SUB_RESET) && npos != 1) {
        kfk_cli_error(r->cmd, "give one GROUP (see kfk groups --help)");
        return KFK_EXIT_USAGE;
    }
    if (r->sub == SUB_DELETE && !npos) {
        kfk_cli_error(r->cmd, "give the GROUPs to delete");
        return KFK_EXIT_USAGE;
    }
    if (r->sub == SUB_RESET) {
        if (r->to == TO_NONE) {
            kfk_cli_error(r->cmd, "reset-offsets needs one of --to-earliest, --to-latest, "
                                  "--to-datetime, --to-offset, --shift-by");
            return KFK_EXIT_USAGE;
        }
        if (!r->topic_cnt == !r->all_topics) {
            kfk_cli_error(r->cmd, "reset-offsets needs --topic TOPIC[:P,P...] or --all-topics");
            return KFK_EXIT_USAGE;
        }
        return explicit_rows(r);
    }
    return 0;
}

static void start(run_t *r) {
    kfk_admin_opts_t o = opts(r);
    switch (r->sub) {
    case SUB_LIST:
        CALL(r, "list groups",
             kfk_admin_list_groups(r->admin, r->states, r->state_cnt, r->types, r->type_cnt, &o,
                                   on_list, r));
        break;
    case SUB_DESCRIBE:
    case SUB_RESET:
        CALL(r, "describe group",
             kfk_admin_describe_groups(r->admin, &r->group, 1, &o, on_describe, r));
        break;
    default:
        CALL(r, "delete groups",
             kfk_admin_delete_groups(r->admin, (const char *const *)r->groups, (size_t)r->group_cnt,
                                     &o, on_deleted, r));
    }
}

int kfk_cmd_groups(int argc, char **argv) {
    const char *cmd = "groups";
    static const char *names[] = {"list", "describe", "reset-offsets", "delete"};
    run_t r;
    memset(&r, 0, sizeof r);
    r.cmd = cmd;
    int first = 1;
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(groups_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? KFK_EXIT_USAGE : KFK_EXIT_OK;
    }
    int sub = -1;
    for (int k = 0; k < 4; k++)
        if (!strcmp(argv[first], names[k]))
            sub = k;
    if (sub < 0) {
        kfk_cli_error(cmd, "unknown subcommand '%s' (list, describe, reset-offsets, delete)",
                      argv[first]);
        return KFK_EXIT_USAGE;
    }
    r.sub = (sub_kind_t)sub;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    char *pos[64];
    int npos = 0;
    for (int i = first + 1; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k == 0)
            k = groups_arg(&r, argc, argv, &i);
        if (k < 0) {
            rc = -k;
            goto out;
        }
        if (k)
            continue;
        if (argv[i][0] == '-' || npos == 64) {
            kfk_cli_error(cmd, "unknown option %s (see kfk groups --help)", argv[i]);
            rc = KFK_EXIT_USAGE;
            goto out;
        }
        pos[npos++] = argv[i];
    }
    if (c.help) {
        fputs(groups_usage, stdout);
        rc = KFK_EXIT_OK;
        goto out;
    }
    r.group = npos ? pos[0] : NULL;
    r.groups = pos;
    r.group_cnt = npos;
    if ((rc = groups_check(&r, npos)) != 0 || (rc = kfk_cli_common_finish(&c, cmd)) != 0)
        goto out;
    r.deadline_ms = c.deadline_ms;
    uv_loop_init(&r.loop);
    char errstr[512];
    kfk_err_t err = kfk_admin_new(&r.loop, c.conf, &r.admin, errstr, sizeof errstr);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        uv_loop_close(&r.loop);
        rc = err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
        goto out;
    }
    r.start = uv_now(&r.loop);
    start(&r);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&r.loop) != 0) {
        kfk_cli_error(cmd, "internal error: handles left open at exit");
        r.exit_code = KFK_EXIT_ERR;
    }
    rc = r.exit_code;
out:
    kfk_cli_common_free(&c);
    for (size_t i = 0; i < r.row_cnt; i++)
        free(r.rows[i].topic);
    free(r.rows);
    json_decref(r.desc);
    return rc;
}
