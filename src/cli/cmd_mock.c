/*
 * cmd_mock.c: `kfk mock`, a mock Kafka cluster (libkfk_mock, kfk/mock.h) served from memory
 * until SIGINT or SIGTERM. Its first stdout line, once every listener is up, is
 * KFK_BOOTSTRAP=host:port,... so that a script can wait for it and point any client there.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <uv.h>

#include "cli/cli.h"
#include "kfk/mock.h"

#define CMD "mock"
#define MAX_ITEMS 256

typedef struct {
    uv_loop_t loop;
    kfk_mock_t *m;
    uv_signal_t sigint, sigterm;
    int stopping;
} mock_run_t;

static void usage(FILE *out) {
    fprintf(out,
            "usage: kfk mock [--brokers N] [--port P] [--topic NAME[:PARTITIONS]]... "
            "[--fault SPEC]... [--faults-json FILE] [--user NAME:PASSWORD[:MECH]]...\n\n"
            "Serves a mock Kafka cluster on 127.0.0.1 until SIGINT/SIGTERM. The first line on\n"
            "stdout is KFK_BOOTSTRAP=host:port,... once every broker listens.\n\n"
            "  --brokers N        brokers, node ids 1..N (default 1, at most 64)\n"
            "  --port P           first broker's port, the others follow (default: any free)\n"
            "  --topic NAME[:P]   create topic NAME with P partitions (default 1); repeatable\n"
            "  --partitions P     partitions of topics created on demand (default 1)\n"
            "  --no-auto-create   unknown topics are not created by Metadata or Produce\n"
            "  --fault SPEC       inject faults, e.g. api=Produce,count=3,"
            "error=NOT_LEADER_OR_FOLLOWER\n"
            "                     or api=Metadata,truncate=20 (see docs/MOCK.md); repeatable\n"
            "  --faults-json FILE faults as JSON: an array of objects, one per fault, e.g.\n"
            "                     [{\"api\": \"Fetch\", \"count\": \"all\", \"bomb\": "
            "\"gzip:1073741824\"}]\n"
            "                     (the text form's keys; true for a key with no value)\n"
            "  --user NAME:PASSWORD[:MECH]  a SASL user (MECH PLAIN, SCRAM-SHA-256 or\n"
            "                     SCRAM-SHA-512; default all three); with any, every broker\n"
            "                     requires SASL (SASL_PLAINTEXT); repeatable\n"
            "\nexamples:\n"
            "  kfk mock --brokers 3 --topic events:6\n"
            "  kfk mock --fault 'api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER'\n");
}

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_signal(uv_signal_t *s, int signum) {
    mock_run_t *r = s->data;
    (void)signum;
    if (r->stopping)
        return;
    r->stopping = 1;
    uv_close((uv_handle_t *)&r->sigint, NULL);
    uv_close((uv_handle_t *)&r->sigterm, NULL);
    kfk_mock_close(r->m, on_mock_closed, r);
}

/* Splits "NAME[:PARTITIONS]"; 0 or an exit code. */
static int parse_topic(const char *spec, char *name, size_t name_size, int32_t *parts) {
    const char *colon = strrchr(spec, ':');
    size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
    if (len == 0 || len >= name_size) {
        kfk_cli_error(CMD, "--topic %s: expected NAME[:PARTITIONS]", spec);
        return KFK_EXIT_USAGE;
    }
    memcpy(name, spec, len);
    name[len] = '\0';
    *parts = 1;
    if (colon) {
        long long v;
        if (kfk_cli_int(CMD, "--topic", colon + 1, 1, 100000, &v) != 0)
            return KFK_EXIT_USAGE;
        *parts = (int32_t)v;
    }
    return 0;
}

/* Splits "NAME:PASSWORD[:MECH]" (the password may hold ':' unless a MECH follows) into @p u,
 * pointing into @p buf (a copy of @p spec); 0 or an exit code. */
static int parse_user(const char *spec, char *buf, size_t buf_size, kfk_mock_user_t *u) {
    static const struct {
        const char *name;
        int bit;
    } mechs[] = {{"PLAIN", KFK_MOCK_SASL_PLAIN},
                 {"SCRAM-SHA-256", KFK_MOCK_SASL_SCRAM_SHA_256},
                 {"SCRAM-SHA-512", KFK_MOCK_SASL_SCRAM_SHA_512}};
    size_t len = strlen(spec);
    char *colon = NULL;
    if (len < buf_size) {
        memcpy(buf, spec, len + 1);
        colon = strchr(buf, ':');
    }
    if (!colon || colon == buf) {
        kfk_cli_error(CMD, "--user %s: expected NAME:PASSWORD[:MECH]", spec);
        return KFK_EXIT_USAGE;
    }
    *colon = '\0';
    u->name = buf;
    u->password = colon + 1;
    u->mechanisms = 0;
    char *last = strrchr(colon + 1, ':');
    for (size_t i = 0; last && i < sizeof mechs / sizeof mechs[0]; i++) {
        if (!strcasecmp(last + 1, mechs[i].name)) {
            *last = '\0';
            u->mechanisms = mechs[i].bit;
        }
    }
    return 0;
}

/* Closes the mock and lets the loop finish (after an error at startup). */
/* A growing string for the JSON form's text. */
typedef struct {
    char *p;
    size_t len, cap;
} text_t;

static int text_add(text_t *t, const char *s, size_t n) {
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (!p)
            return -1;
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
    return 0;
}

/*
 * Reads --faults-json FILE: an array of objects, each one fault whose members are the text
 * form's keys (docs/MOCK.md) with a string or integer value, or true for a key with no value
 * ("silence": true). Returns the faults in their text form (free it), or NULL after printing
 * why. The mock's own parser checks the faults, so both forms accept the same.
 */
static char *faults_json_text(const char *path) {
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    text_t t = {NULL, 0, 0};
    size_t i;
    json_t *f;
    if (!root) {
        kfk_cli_error(CMD, "--faults-json %s: line %d: %s", path, jerr.line, jerr.text);
        return NULL;
    }
    if (!json_is_array(root) || json_array_size(root) == 0) {
        kfk_cli_error(CMD, "--faults-json %s: expected a non-empty array of fault objects", path);
        goto fail;
    }
    json_array_foreach(root, i, f) {
        const char *key;
        json_t *v;
        int first = 1;
        if (!json_is_object(f) || json_object_size(f) == 0) {
            kfk_cli_error(CMD, "--faults-json %s: fault %zu is not a non-empty object", path,
                          i + 1);
            goto fail;
        }
        if (i > 0 && text_add(&t, ";", 1) != 0)
            goto nomem;
        json_object_foreach(f, key, v) {
            char num[32];
            const char *val = NULL;
            if (json_is_string(v)) {
                val = json_string_value(v);
            } else if (json_is_integer(v)) {
                snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
                val = num;
            } else if (!json_is_true(v)) {
                kfk_cli_error(CMD,
                              "--faults-json %s: fault %zu: \"%s\" must be a string, an integer "
                              "or true",
                              path, i + 1, key);
                goto fail;
            }
            if (strpbrk(key, ",;=") || (val && strpbrk(val, ",;"))) {
                kfk_cli_error(CMD, "--faults-json %s: fault %zu: \"%s\" holds ',' ';' or '='", path,
                              i + 1, key);
                goto fail;
            }
            if ((!first && text_add(&t, ",", 1) != 0) || text_add(&t, key, strlen(key)) != 0 ||
                (val && (text_add(&t, "=", 1) != 0 || text_add(&t, val, strlen(val)) != 0)))
                goto nomem;
            first = 0;
        }
    }
    json_decref(root);
    return t.p;
nomem:
    kfk_cli_error(CMD, "--faults-json %s: out of memory", path);
fail:
    json_decref(root);
    free(t.p);
    return NULL;
}

static int stop_now(mock_run_t *r, int code) {
    kfk_mock_close(r->m, NULL, NULL);
    uv_run(&r->loop, UV_RUN_DEFAULT);
    uv_loop_close(&r->loop);
    return code;
}

int kfk_cmd_mock(int argc, char **argv) {
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    const char *topics[MAX_ITEMS], *faults[MAX_ITEMS], *faults_json = NULL;
    int ntopics = 0, nfaults = 0;
    static kfk_mock_user_t users[MAX_ITEMS];
    static char user_bufs[MAX_ITEMS][512];
    size_t nusers = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long v;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return KFK_EXIT_OK;
        } else if (!strcmp(a, "--brokers")) {
            const char *s = kfk_cli_value(CMD, argc, argv, &i);
            if (!s || kfk_cli_int(CMD, a, s, 1, 64, &v) != 0)
                return KFK_EXIT_USAGE;
            o.brokers = (int32_t)v;
        } else if (!strcmp(a, "--port")) {
            const char *s = kfk_cli_value(CMD, argc, argv, &i);
            if (!s || kfk_cli_int(CMD, a, s, 0, 65535, &v) != 0)
                return KFK_EXIT_USAGE;
            o.port = (int)v;
        } else if (!strcmp(a, "--partitions")) {
            const char *s = kfk_cli_value(CMD, argc, argv, &i);
            if (!s || kfk_cli_int(CMD, a, s, 1, 100000, &v) != 0)
                return KFK_EXIT_USAGE;
            o.default_partitions = (int32_t)v;
        } else if (!strcmp(a, "--user")) {
            const char *s = kfk_cli_value(CMD, argc, argv, &i);
            if (!s)
                return KFK_EXIT_USAGE;
            if (nusers >= MAX_ITEMS) {
                kfk_cli_error(CMD, "at most %d --user options", MAX_ITEMS);
                return KFK_EXIT_USAGE;
            }
            if (parse_user(s, user_bufs[nusers], sizeof user_bufs[nusers], &users[nusers]) != 0)
                return KFK_EXIT_USAGE;
            nusers++;
        } else if (!strcmp(a, "--faults-json")) {
            if (!(faults_json = kfk_cli_value(CMD, argc, argv, &i)))
                return KFK_EXIT_USAGE;
        } else if (!strcmp(a, "--no-auto-create")) {
            o.auto_create_topics = 0;
        } else if (!strcmp(a, "--topic") || !strcmp(a, "--fault")) {
            const char *s = kfk_cli_value(CMD, argc, argv, &i);
            if (!s)
                return KFK_EXIT_USAGE;
            int is_topic = a[2] == 't';
            if ((is_topic ? ntopics : nfaults) >= MAX_ITEMS) {
                kfk_cli_error(CMD, "at most %d %s options", MAX_ITEMS, a);
                return KFK_EXIT_USAGE;
            }
            if (is_topic)
                topics[ntopics++] = s;
            else
                faults[nfaults++] = s;
        } else {
            kfk_cli_error(CMD, "unknown option %s (see kfk mock --help)", a);
            return KFK_EXIT_USAGE;
        }
    }
    if (o.port > 0 && o.port + o.brokers - 1 > 65535) {
        kfk_cli_error(CMD, "--port %d leaves no room for %d brokers", o.port, (int)o.brokers);
        return KFK_EXIT_USAGE;
    }

    o.users = users;
    o.nusers = nusers;
    mock_run_t r;
    memset(&r, 0, sizeof r);
    if (uv_loop_init(&r.loop) != 0) {
        kfk_cli_error(CMD, "cannot start an event loop");
        return KFK_EXIT_ERR;
    }
    char errstr[512];
    kfk_err_t err = kfk_mock_new(&r.loop, &o, &r.m, errstr, sizeof errstr);
    if (err) {
        kfk_cli_error(CMD, "%s", errstr[0] ? errstr : kfk_err_str(err));
        uv_run(&r.loop, UV_RUN_DEFAULT);
        uv_loop_close(&r.loop);
        return KFK_EXIT_ERR;
    }
    for (int i = 0; i < ntopics; i++) {
        char name[256];
        int32_t parts;
        int code = parse_topic(topics[i], name, sizeof name, &parts);
        if (code)
            return stop_now(&r, code);
        err = kfk_mock_topic_create(r.m, name, parts, 1);
        if (err) {
            kfk_cli_error(CMD, "--topic %s: %s", topics[i], kfk_err_str(err));
            return stop_now(&r, KFK_EXIT_USAGE);
        }
    }
    for (int i = 0; i < nfaults; i++) {
        if (kfk_mock_fault_parse(r.m, faults[i], errstr, sizeof errstr) != KFK_ERR_NONE) {
            kfk_cli_error(CMD, "--fault %s: %s", faults[i], errstr);
            return stop_now(&r, KFK_EXIT_USAGE);
        }
    }
    if (faults_json) {
        char *text = faults_json_text(faults_json);
        if (!text)
            return stop_now(&r, KFK_EXIT_USAGE);
        err = kfk_mock_fault_parse(r.m, text, errstr, sizeof errstr);
        free(text);
        if (err != KFK_ERR_NONE) {
            kfk_cli_error(CMD, "--faults-json %s: %s", faults_json, errstr);
            return stop_now(&r, KFK_EXIT_USAGE);
        }
    }
    uv_signal_init(&r.loop, &r.sigint);
    uv_signal_init(&r.loop, &r.sigterm);
    r.sigint.data = r.sigterm.data = &r;
    uv_signal_start(&r.sigint, on_signal, SIGINT);
    uv_signal_start(&r.sigterm, on_signal, SIGTERM);
    printf("KFK_BOOTSTRAP=%s\n", kfk_mock_bootstrap(r.m));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* Whoever waits for the line would wait in vain: say so and stop. */
        kfk_cli_error(CMD, "cannot write the KFK_BOOTSTRAP line to stdout: %s", strerror(errno));
        on_signal(&r.sigint, SIGTERM);
        uv_run(&r.loop, UV_RUN_DEFAULT);
        uv_loop_close(&r.loop);
        return KFK_EXIT_ERR;
    }
    fprintf(stderr, "kfk mock: %d broker%s listening; SIGINT or SIGTERM stops\n", (int)o.brokers,
            o.brokers == 1 ? "" : "s");
    uv_run(&r.loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&r.loop) != 0) {
        kfk_cli_error(CMD, "handles left open at exit");
        return KFK_EXIT_ERR;
    }
    return KFK_EXIT_OK;
}
