/*
 * cmd_listen.c: `kfk listen`: joins a consumer group and prints each event (in the envelope of
 * any released Dispytch: 0.10, 0.9, or none as 0.11; JSON or msgpack) as one JSON line: type,
 * id, timestamp, topic, partition, offset, key, body (with --envelope none type and id are null and
 * the body is the whole value). --type filters (repeatable); events of other types are skipped
 * and committed. Bad
 * envelopes are reported on stderr and skipped. -c COUNT exits after COUNT events, -e at the end
 * of the assigned partitions; Ctrl-C commits what was printed and leaves the group.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cli/cli.h"

typedef struct {
    uv_loop_t loop;
    kfk_consumer_t *c;
    kfk_listener_t *l;
    const char *topic;
    const char *types[32];
    size_t ntypes;
    kfk_envelope_t envelope;
    int64_t count;
    int eof_exit;
    uint64_t printed, bad;
    uv_signal_t sigint, sigterm;
    uv_timer_t check;
    int stopping;
    int out_failed; /* stdout took no more: the events not done are not failures to report */
    int exit_code;
    kfk_cli_progress_t progress;
} listen_t;

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ((listen_t *)opaque)->c = NULL;
}

static void on_listener_closed(kfk_listener_t *l, void *opaque) {
    (void)l;
    listen_t *ls = opaque;
    ls->l = NULL;
    kfk_consumer_set_close_timeout(ls->c, 10000);
    kfk_consumer_close(ls->c, on_closed, ls);
}

static void stop(listen_t *ls) {
    if (ls->stopping)
        return;
    ls->stopping = 1;
    uv_close((uv_handle_t *)&ls->sigint, NULL);
    uv_close((uv_handle_t *)&ls->sigterm, NULL);
    uv_close((uv_handle_t *)&ls->check, NULL);
    fflush(stdout);
    /* The listener first (every event is finished inside its handler), then its consumer. */
    if (ls->l) {
        kfk_listener_set_close_timeout(ls->l, 10000);
        kfk_listener_close(ls->l, on_listener_closed, ls);
        return;
    }
    kfk_consumer_set_close_timeout(ls->c, 10000);
    kfk_consumer_close(ls->c, on_closed, ls);
}

int kfk_cli_envelope(const char *cmd, const char *format, const char *serializer,
                     kfk_envelope_t *out) {
    if (kfk_envelope_parse(format, serializer, out) == KFK_ERR_NONE)
        return 0;
    if (serializer && strcmp(serializer, "json") && strcmp(serializer, "msgpack"))
        kfk_cli_error(cmd, "--serializer %s: expected json or msgpack", serializer);
    else if (format && (!strcmp(format, "json") || !strcmp(format, "msgpack")))
        kfk_cli_error(cmd,
                      "--envelope %s means the dispytch envelope with --serializer %s: it "
                      "conflicts with --serializer %s",
                      format, format, serializer);
    else
        kfk_cli_error(cmd,
                      "--envelope %s: expected dispytch (0.10), dispytch-0.9 or none (0.11); "
                      "json and msgpack are still accepted for dispytch with that serializer",
                      format);
    return -1;
}

/* Prints @p s as a JSON string, or null. */
static void print_string(const char *s) {
    if (!s) {
        fputs("null", stdout);
        return;
    }
    json_t *j = json_string(s);
    if (!j) { /* not UTF-8 */
        j = json_stringn_nocheck(s, strlen(s));
    }
    json_dumpf(j, stdout, JSON_ENCODE_ANY);
    json_decref(j);
}

static void on_event(kfk_listener_t *l, const kfk_event_t *ev, void *opaque) {
    (void)l;
    listen_t *ls = opaque;
    if (ls->stopping || (ls->count && ls->printed >= (uint64_t)ls->count)) {
        /* Past -c: not printed, so not done: it comes again to the next listener. */
        kfk_event_done(ev, KFK_ERR__DESTROYED);
        return;
    }
    printf("{\"type\":");
    print_string(ev->type);
    printf(",\"id\":");
    print_string(ev->id);
    printf(",\"timestamp\":");
    if (ev->timestamp >= 0)
        printf("%" PRId64, ev->timestamp);
    else
        printf("null");
    printf(",\"topic\":");
    print_string(ev->topic);
    printf(",\"partition\":%" PRId32 ",\"offset\":%" PRId64 ",\"key\":", ev->partition, ev->offset);
    const kfk_message_t *m = ev->message;
    if (m->key && m->key_len >= 0) {
        json_t *k = json_stringn(m->key, (size_t)m->key_len);
        if (!k) /* not UTF-8: its bytes as they are */
            k = json_stringn_nocheck(m->key, (size_t)m->key_len);
        json_dumpf(k, stdout, JSON_ENCODE_ANY);
        json_decref(k);
    } else {
        fputs("null", stdout);
    }
    printf(",\"body\":%s}\n", ev->body_json);
    /* The line reaches stdout before the event is done (its offset may be committed then). A
     * stdout that takes no more stops the command, the event not done: a reader that left (EPIPE)
     * quietly, any other failure (a full disk) as an error. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        int werr = errno ? errno : EIO;
        ls->out_failed = 1;
        kfk_event_done(ev, KFK_ERR__DESTROYED);
        if (werr != EPIPE && !ls->stopping) {
            kfk_cli_stdout_failed(1);
            kfk_cli_error(
                "listen",
                "cannot write stdout: %s: stopping (the events not written are not committed)",
                strerror(werr));
            ls->exit_code = KFK_EXIT_ERR;
        }
        stop(ls);
        return;
    }
    ls->printed++;
    kfk_event_done(ev, KFK_ERR_NONE);
    kfk_cli_progress(&ls->progress, ls->printed, 0);
    if (ls->count && ls->printed >= (uint64_t)ls->count)
        stop(ls);
}

static void on_error(kfk_listener_t *l, kfk_err_t err, const char *what, const kfk_message_t *m,
                     void *opaque) {
    (void)l;
    listen_t *ls = opaque;
    if (ls->out_failed || err == KFK_ERR__DESTROYED)
        return; /* not printed, so not done: not a bad event */
    ls->bad++;
    kfk_cli_error("listen", "%s [%d] offset %lld: %s: skipped", m->topic, m->partition,
                  (long long)m->offset, what);
}

/* True when every assigned partition's position reached its high watermark. */
static int at_end(listen_t *ls) {
    kfk_topic_partition_t parts[1024];
    size_t n = kfk_consumer_assignment(ls->c, parts, 1024);
    if (n == 0 || n > 1024 || kfk_consumer_outstanding(ls->c) > 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int64_t pos, hwm;
        if (kfk_consumer_position(ls->c, parts[i].topic, parts[i].partition, &pos, &hwm) != 0 ||
            pos < 0 || hwm < 0 || pos < hwm)
            return 0;
    }
    return 1;
}

static void on_check(uv_timer_t *t) {
    listen_t *ls = t->data;
    if (ls->eof_exit && at_end(ls))
        stop(ls);
    else if (kfk_cli_stdout_gone())
        stop(ls); /* the reader left (| head) while no event came: quietly, exit 0 */
}

static void on_sigint(uv_signal_t *s, int sig) {
    (void)sig;
    listen_t *ls = s->data;
    kfk_cli_error("listen", "interrupted: committing what was printed");
    stop(ls);
}

static const char listen_usage[] =
    "usage: kfk listen -b BROKERS -t TOPIC -G GROUP [--type TYPE]...\n"
    "                  [--envelope dispytch|dispytch-0.9|none] [--serializer json|msgpack]\n"
    "                  [-c COUNT] [-e] [-X key=value]... [-F file]\n"
    "\n"
    "Joins consumer group GROUP and prints each event as one JSON line: type, id, timestamp,\n"
    "topic, partition, offset, key (the record's key as text, or null), body. Offsets are\n"
    "committed after each printed batch.\n"
    "\n"
    "  --envelope dispytch      Dispytch 0.10's {id, type, body, timestamp} (default)\n"
    "  --envelope dispytch-0.9  Dispytch 0.9's {id, type, body} (timestamp null)\n"
    "  --envelope none          Dispytch 0.11: the value is the event; printed with type and\n"
    "                           id null and the whole value as body\n"
    "  --serializer json        JSON text, Dispytch's default serializer (default)\n"
    "  --serializer msgpack     msgpack, Dispytch's msgpack serializer\n"
    "  --envelope json|msgpack  the older spelling: dispytch with that serializer\n"
    "  --type TYPE              only events of this type (repeatable); others are skipped\n"
    "  -c COUNT             exit after COUNT events\n"
    "  -e                   exit at the end of the assigned partitions\n"
    "\n"
    "examples:\n"
    "  kfk listen -b 127.0.0.1:29000 -t user_events -G audit --type UserRegistered -e\n"
    "\n"
    "exit: 0 ok, 1 error, 2 usage error\n";

int kfk_cmd_listen(int argc, char **argv) {
    const char *cmd = "listen";
    static listen_t ls;
    memset(&ls, 0, sizeof ls);
    const char *group = NULL;
    const char *envelope_name = NULL, *serializer_name = NULL;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    for (int i = 1; i < argc; i++) {
        int k = kfk_cli_common_arg(&c, cmd, argc, argv, &i);
        if (k < 0) {
            kfk_cli_common_free(&c);
            return -k;
        }
        if (k)
            continue;
        const char *a = argv[i], *v = NULL;
        long long num;
        if (!strcmp(a, "-t") || !strcmp(a, "--topic")) {
            if (!(ls.topic = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "-G") || !strcmp(a, "--group")) {
            if (!(group = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "--type")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (ls.ntypes == sizeof ls.types / sizeof ls.types[0]) {
                kfk_cli_error(cmd, "at most 32 --type options");
                goto usage;
            }
            ls.types[ls.ntypes++] = v;
        } else if (!strcmp(a, "--envelope")) {
            if (!(envelope_name = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "--serializer")) {
            if (!(serializer_name = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-c", v, 1, INT64_MAX, &num))
                goto usage;
            ls.count = num;
        } else if (!strcmp(a, "-e")) {
            ls.eof_exit = 1;
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk listen --help)", a);
            goto usage;
        }
    }
    if (c.help) {
        fputs(listen_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (!ls.topic || !group) {
        kfk_cli_error(cmd, "give the topic with -t TOPIC and the group with -G GROUP");
        goto usage;
    }
    if (kfk_cli_envelope(cmd, envelope_name, serializer_name, &ls.envelope))
        goto usage;
    if (ls.ntypes &&
        (ls.envelope == KFK_ENVELOPE_NONE_JSON || ls.envelope == KFK_ENVELOPE_NONE_MSGPACK)) {
        kfk_cli_error(cmd, "--type: events have no type with --envelope none");
        goto usage;
    }
    char errstr[512];
    if (kfk_conf_set(c.conf, "group.id", group, errstr, sizeof errstr)) {
        kfk_cli_error(cmd, "-G: %s", errstr);
        goto usage;
    }
    kfk_conf_set(c.conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
    if ((rc = kfk_cli_common_finish(&c, cmd)) != 0) {
        kfk_cli_common_free(&c);
        return rc;
    }
    uv_loop_init(&ls.loop);
    kfk_err_t err = kfk_consumer_new(&ls.loop, c.conf, &ls.c, errstr, sizeof errstr);
    kfk_cli_common_free(&c);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        uv_loop_close(&ls.loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    kfk_listener_opts_t lo = KFK_LISTENER_OPTS_INIT;
    lo.max_in_flight = 500;
    lo.on_error = on_error;
    lo.on_error_opaque = &ls;
    const char *topics[1] = {ls.topic};
    err = kfk_listener_new(ls.c, ls.envelope, &lo, &ls.l);
    for (size_t i = 0; !err && i < ls.ntypes; i++)
        err = kfk_listener_on(ls.l, NULL, ls.types[i], on_event, NULL, &ls);
    if (!err && ls.ntypes == 0)
        err = kfk_listener_on(ls.l, NULL, NULL, on_event, NULL, &ls);
    if (!err)
        err = kfk_consumer_subscribe(ls.c, topics, 1);
    if (!err)
        err = kfk_listener_start(ls.l);
    uv_signal_init(&ls.loop, &ls.sigint);
    ls.sigint.data = &ls;
    uv_signal_start(&ls.sigint, on_sigint, SIGINT);
    uv_signal_init(&ls.loop, &ls.sigterm);
    ls.sigterm.data = &ls;
    uv_signal_start(&ls.sigterm, on_sigint, SIGTERM);
    uv_timer_init(&ls.loop, &ls.check);
    ls.check.data = &ls;
    uv_timer_start(&ls.check, on_check, 100, 100);
    kfk_cli_progress_init(&ls.progress, "events", (uint64_t)ls.count);
    if (err) {
        kfk_cli_error(cmd, "%s (%s)", kfk_err_str(err), kfk_err_name(err));
        ls.exit_code = KFK_EXIT_ERR;
        stop(&ls);
    }
    uv_run(&ls.loop, UV_RUN_DEFAULT);
    kfk_cli_progress(&ls.progress, ls.printed, 1);
    if (uv_loop_close(&ls.loop) != 0)
        return KFK_EXIT_ERR;
    return ls.exit_code;
usage:
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
