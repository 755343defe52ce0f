/*
 * cmd_consume.c: `kfk consume`: prints records, one per line (raw values, a kcat-style -f
 * format, or JSON envelopes with msgpack values rendered as JSON), from chosen partitions or
 * as a group member (-G, committing after each printed batch). -e stops at the end of the
 * partitions, -c after COUNT records; Ctrl-C commits what is printed and leaves. As in kcat,
 * -o s@MS starts each partition at its first record at or after time MS (ListOffsets by time,
 * kfk_consumer_seek_timestamp) and -o e@MS ends a partition at its first record at or after MS
 * (not printed); the command ends once every partition ended.
 *
 * Errors (the consumer's error events): with -e, a partition stopped by an error ends the
 * command at once, and partitions that stay unusable (no records and not at their end: bad
 * data, no leader, an unknown topic, an unreachable broker) end it after the -m deadline; both
 * print one line with the last cause and exit 1. Without -e (a long-running consumer) each
 * event is printed on stderr once per partition and cause, and consuming goes on.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "cli/cli.h"

enum { OUT_RAW, OUT_JSON };

typedef struct {
    uv_loop_t loop;
    kfk_consumer_t *c;
    kfk_worker_t *worker; /* kfk worker: the consumer belongs to it */
    const char *redis;
    long long lock_ttl;
    const char *topic;
    int32_t partition; /* -1: all partitions */
    const char *group;
    int64_t start;
    int64_t start_ts;   /* -o s@MS: start at this time (-1: not given) */
    int64_t end_ts;     /* -o e@MS: end each partition at this time (-1: not given) */
    int32_t ended[256]; /* partitions that reached end_ts */
    size_t nended;
    int32_t sought[256]; /* partitions moved to start_ts already (a group member's) */
    size_t nsought;
    int64_t count; /* 0: unlimited */
    int eof_exit;
    int format;
    const char *fmt; /* -f */
    uint64_t printed;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    uv_timer_t check;
    int stopping;
    int assigned;
    kfk_admin_t *admin;
    kfk_cli_progress_t progress;
    int exit_code;
    int64_t deadline_ms;     /* -m: how long -e waits without records or the end */
    uint64_t progress_ms;    /* the start, or the last batch */
    char cause[512];         /* the last error event: "topic/partition: cause" or the group's */
    uv_timer_t commit_timer; /* bounds the last commit of a group member (-m) */
    int committing;          /* 1: the last commit is in flight; 2: it ended */
    int error_cb_set;
    struct seen {
        char topic[128];
        int32_t partition;
        kfk_err_t err;
        int stopped;
    } seen[64]; /* events printed (without -e), once per partition and cause */
    size_t nseen, seen_next;
} cons_t;

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    cons_t *cs = opaque;
    cs->c = NULL;
}

static void on_worker_closed(kfk_worker_t *w, void *opaque) {
    (void)w;
    cons_t *cs = opaque;
    cs->worker = NULL;
    cs->c = NULL;
}

static void on_admin_closed(kfk_admin_t *a, void *opaque);

static void close_consumer(cons_t *cs) {
    kfk_consumer_set_close_timeout(cs->c, 10000);
    kfk_consumer_close(cs->c, on_closed, cs);
}

/* The last commit ended (@p err) or timed out: report a failure, then close. */
static void last_commit_done(cons_t *cs, kfk_err_t err, const char *timeout) {
    if (cs->committing != 1)
        return;
    cs->committing = 2;
    uv_close((uv_handle_t *)&cs->commit_timer, NULL);
    if (err || timeout) {
        const char *cmd = "consume";
        if (timeout)
            kfk_cli_error(cmd, "offsets of the printed records not committed: %s%s%s", timeout,
                          cs->cause[0] ? ": " : "", cs->cause);
        else if (cs->cause[0])
            kfk_cli_error(cmd, "offsets of the printed records not committed: %s", cs->cause);
        else
            kfk_cli_error(cmd,
                          "offsets of the printed records not committed: offset commit "
                          "failed: %s (%s)",
                          kfk_err_str(err), kfk_err_name(err));
        cs->exit_code = KFK_EXIT_ERR;
    }
    close_consumer(cs);
}

static void on_last_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    last_commit_done(opaque, err, NULL);
}

static void on_commit_timeout(uv_timer_t *t) {
    cons_t *cs = t->data;
    char why[96];
    snprintf(why, sizeof why, "no answer within the -m deadline of %.1f s",
             (double)cs->deadline_ms / 1000);
    last_commit_done(cs, KFK_ERR__TIMED_OUT, why);
}

static void stop(cons_t *cs) {
    if (cs->stopping)
        return;
    cs->stopping = 1;
    uv_close((uv_handle_t *)&cs->sigint, NULL);
    uv_close((uv_handle_t *)&cs->sigterm, NULL);
    uv_close((uv_handle_t *)&cs->check, NULL);
    kfk_cli_out_flush();
    if (cs->admin) {
        /* A metadata call still pending ends with KFK_ERR__DESTROYED (on_metadata ignores it). */
        kfk_admin_t *a = cs->admin;
        cs->admin = NULL;
        kfk_admin_close(a, on_admin_closed, NULL);
    }
    if (cs->worker) {
        kfk_worker_set_close_timeout(cs->worker, 10000);
        kfk_worker_close(cs->worker, on_worker_closed, cs);
    } else if (cs->group && cs->c && !cs->committing && cs->printed > 0 &&
               kfk_consumer_commit(cs->c, on_last_commit, cs) == KFK_ERR_NONE) {
        /* A group member promises to commit what it printed: the last commit is waited for
         * (at most -m), and a failure is the command's failure. */
        cs->committing = 1;
        uv_timer_init(&cs->loop, &cs->commit_timer);
        cs->commit_timer.data = cs;
        uv_timer_start(&cs->commit_timer, on_commit_timeout, (uint64_t)cs->deadline_ms, 0);
    } else {
        close_consumer(cs);
    }
}

/* The worker finished by itself (lock held elsewhere, lost, an error): report, then close it. */
static void on_worker_done(kfk_worker_t *w, kfk_err_t err, void *opaque) {
    cons_t *cs = opaque;
    cs->c = NULL;
    const char *why = kfk_worker_errstr(w);
    if (err == KFK_ERR__LOCK_HELD) {
        kfk_cli_error("worker", "the partition is locked by another worker: exiting");
        cs->exit_code = KFK_EXIT_LOCK_HELD;
    } else if (err) {
        /* MAX_POLL_EXCEEDED and the lock's failures come with their cause in words. */
        kfk_cli_error("worker", "%s (%s)", why && why[0] ? why : kfk_err_str(err),
                      kfk_err_name(err));
        cs->exit_code = KFK_EXIT_ERR;
    }
    kfk_worker_close(w, on_worker_closed, cs);
    if (!cs->stopping) {
        cs->stopping = 1;
        uv_close((uv_handle_t *)&cs->sigint, NULL);
        uv_close((uv_handle_t *)&cs->sigterm, NULL);
        uv_close((uv_handle_t *)&cs->check, NULL);
    }
}

/* One thread prints: where the C library has them, stdio calls that take no lock per record. */
#ifdef __GLIBC__
#define out_write(p, n) fwrite_unlocked((p), 1, (n), stdout)
#else
#define out_write(p, n) fwrite((p), 1, (n), stdout)
#endif

static void put_escaped(const void *p, int32_t len) {
    if (len < 0) {
        fputs("", stdout);
        return;
    }
    out_write(p, (size_t)len);
}

static void print_format(const cons_t *cs, const kfk_message_t *m) {
    for (const char *f = cs->fmt; *f; f++) {
        if (*f == '\\' && f[1]) {
            f++;
            putchar(*f == 'n' ? '\n' : *f == 't' ? '\t' : *f == '0' ? '\0' : *f);
            continue;
        }
        if (*f != '%' || !f[1]) {
            putchar(*f);
            continue;
        }
        switch (*++f) {
        case 't':
            fputs(m->topic, stdout);
            break;
        case 'p':
            printf("%" PRId32, m->partition);
            break;
        case 'o':
            printf("%" PRId64, m->offset);
            break;
        case 'k':
            put_escaped(m->key, m->key_len);
            break;
        case 's':
            put_escaped(m->value, m->value_len);
            break;
        case 'K':
            printf("%" PRId32, m->key_len);
            break;
        case 'S':
            printf("%" PRId32, m->value_len);
            break;
        case 'T':
            printf("%" PRId64, m->timestamp);
            break;
        case 'h': {
            kfk_record_header_iter_t it;
            kfk_record_header_t h;
            kfk_message_header_iter(m, &it);
            int first = 1;
            while (kfk_record_header_iter_next(&it, &h)) {
                printf("%s%.*s=", first ? "" : ",", h.key.len, h.key.ptr);
                put_escaped(h.value.ptr, h.value.len);
                first = 0;
            }
            break;
        }
        case '%':
            putchar('%');
            break;
        default:
            putchar('%');
            putchar(*f);
        }
    }
}

/* The value as JSON text: a msgpack value rendered by kfk's codec (64-bit integers and
 * floats exact), else the bytes as a JSON string, or null. */
static void put_value_json(const kfk_message_t *m, kfk_wbuf_t *w) {
    if (!m->value) {
        kfk_wbuf_put_raw(w, "null", 4);
        return;
    }
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    if (kfk_message_msgpack(m, &u) == KFK_ERR_NONE) {
        kfk_msgpack_to_json(&u.data, w);
    } else {
        json_t *v = json_stringn_nocheck(m->value, (size_t)m->value_len);
        char *t = json_dumps(v, JSON_ENCODE_ANY);
        if (t)
            kfk_wbuf_put_raw(w, t, strlen(t));
        free(t);
        json_decref(v);
    }
    msgpack_unpacked_destroy(&u);
}

static void print_json(const kfk_message_t *m) {
    json_t *o = json_object();
    json_object_set_new(o, "topic", json_string(m->topic));
    json_object_set_new(o, "partition", json_integer(m->partition));
    json_object_set_new(o, "offset", json_integer(m->offset));
    json_object_set_new(o, "timestamp", json_integer(m->timestamp));
    json_object_set_new(o, "key",
                        m->key ? json_stringn_nocheck(m->key, (size_t)m->key_len) : json_null());
    if (m->header_count > 0) {
        json_t *h = json_object();
        kfk_record_header_iter_t it;
        kfk_record_header_t hd;
        kfk_message_header_iter(m, &it);
        while (kfk_record_header_iter_next(&it, &hd)) {
            char key[256];
            snprintf(key, sizeof key, "%.*s", hd.key.len, hd.key.ptr);
            json_object_set_new(h, key,
                                hd.value.len >= 0 ? json_stringn_nocheck((const char *)hd.value.ptr,
                                                                         (size_t)hd.value.len)
                                                  : json_null());
        }
        json_object_set_new(o, "headers", h);
    }
    /* Everything but the value through jansson; the value appended as kfk renders it. */
    char *head = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    static kfk_wbuf_t w;
    w.len = 0;
    w.err = KFK_ERR_NONE;
    put_value_json(m, &w);
    if (head && !w.err)
        printf("%.*s,\"value\":%.*s}\n", (int)strlen(head) - 1, head, (int)w.len,
               (const char *)w.data);
    free(head);
}

static int is_ended(const cons_t *cs, int32_t partition) {
    for (size_t i = 0; i < cs->nended; i++)
        if (cs->ended[i] == partition)
            return 1;
    return 0;
}

/* -o e@MS: true when every assigned partition reached a record at or after the end time. */
static int all_ended(cons_t *cs) {
    kfk_topic_partition_t parts[256];
    if (cs->end_ts < 0 || !cs->c)
        return 0;
    size_t n = kfk_consumer_assignment(cs->c, parts, 256);
    if (n == 0 || n > 256)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_ended(cs, parts[i].partition))
            return 0;
    return 1;
}

/* True when every assigned partition's position reached its high watermark (or, with
 * -o e@MS, its end time). */
static int at_end(cons_t *cs) {
    kfk_topic_partition_t parts[1024];
    if (cs->worker && !(cs->c = kfk_worker_consumer(cs->worker)))
        return 0;
    size_t n = kfk_consumer_assignment(cs->c, parts, 1024);
    if (n == 0 || n > 1024 || kfk_consumer_outstanding(cs->c) > 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int64_t pos, hwm;
        if (is_ended(cs, parts[i].partition))
            continue;
        if (kfk_consumer_position(cs->c, parts[i].topic, parts[i].partition, &pos, &hwm) != 0 ||
            pos < 0 || hwm < 0 || pos < hwm)
            return 0;
    }
    return 1;
}

/* Stdout took no more (errno @p werr): nothing of the batch counts as done, so no offset past
 * what reached stdout is committed, and the command stops. A reader that left (EPIPE: kfk
 * consume | head) ends it quietly with exit 0; any other failure (a full disk) is an error. */
static void out_failed(cons_t *cs, int werr) {
    if (werr != EPIPE && !cs->stopping) {
        kfk_cli_stdout_failed(1);
        kfk_cli_error(cs->worker ? "worker" : "consume",
                      "cannot write stdout: %s: stopping (the records not written are not "
                      "committed)",
                      strerror(werr));
        cs->exit_code = KFK_EXIT_ERR;
    }
    stop(cs);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    cons_t *cs = opaque;
    size_t n = kfk_batch_count(b);
    cs->progress_ms = uv_now(&cs->loop);
    kfk_cli_trim(cs->progress_ms);
    int32_t cut[256]; /* partitions that ended inside this batch */
    size_t ncut = 0;
    /* -e: a batch that ends with its partition's last record may end the command here rather
     * than at the next check (on_check, every 100 ms, which stays for partitions that have no
     * records). Its last record is looked at before the batch is done, while it is valid. */
    int tail_at_end = 0;
    if (cs->eof_exit && n) {
        const kfk_message_t *m = kfk_batch_message(b, n - 1);
        int64_t pos, hwm;
        tail_at_end = kfk_consumer_position(c, m->topic, m->partition, &pos, &hwm) == 0 &&
                      hwm >= 0 && m->offset + 1 >= hwm;
    }
    for (size_t i = 0; i < n && !cs->stopping; i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        if (cs->end_ts >= 0 && is_ended(cs, m->partition))
            continue;
        if (cs->end_ts >= 0 && m->timestamp >= cs->end_ts) {
            /* -o e@MS: this partition ends here; what follows of it is not printed. */
            if (cs->nended < sizeof cs->ended / sizeof cs->ended[0])
                cs->ended[cs->nended++] = m->partition;
            if (ncut < sizeof cut / sizeof cut[0])
                cut[ncut++] = m->partition;
            kfk_consumer_pause(c, m->topic, m->partition);
            continue;
        }
        if (cs->format == OUT_JSON)
            print_json(m);
        else if (cs->fmt)
            print_format(cs, m);
        else {
            if (m->value_len > 0)
                kfk_cli_out(m->value, (size_t)m->value_len);
            kfk_cli_out("\n", 1);
        }
        cs->printed++;
        if (cs->count && cs->printed >= (uint64_t)cs->count) {
            /* Only what was printed counts as done: the rest of the batch comes again. */
            if (i + 1 < n) {
                int werr = kfk_cli_out_flush(); /* the values printed lie in the batch's memory */
                kfk_batch_done(b, KFK_ERR__STATE);
                if (werr) {
                    out_failed(cs, werr);
                    return;
                }
                b = NULL;
            }
            break;
        }
    }
    /* Printed lines reach stdout before their offsets may be committed. */
    int werr = kfk_cli_out_flush();
    if (werr) {
        if (b)
            kfk_batch_done(b, KFK_ERR__STATE);
        out_failed(cs, werr);
        return;
    }
    /* A partition cut by -o e@MS is not done (as with -c: nothing unprinted is committed). */
    if (b && ncut) {
        int others = 0; /* a partition of the batch that was not cut keeps the batch alive */
        for (size_t i = 0; i < n && !others; i++) {
            int was_cut = 0;
            for (size_t j = 0; j < ncut; j++)
                was_cut |= cut[j] == kfk_batch_message(b, i)->partition;
            others = !was_cut;
        }
        if (!others) {
            kfk_batch_done(b, KFK_ERR__STATE);
            b = NULL;
        }
        for (size_t j = 0; b && j < ncut; j++)
            kfk_batch_done_partition(b, cs->topic, cut[j], KFK_ERR__STATE);
    }
    if (b)
        kfk_batch_done(b, KFK_ERR_NONE);
    kfk_cli_progress(&cs->progress, cs->printed, 0);
    if ((cs->count && cs->printed >= (uint64_t)cs->count) || all_ended(cs) ||
        (tail_at_end && cs->assigned && at_end(cs)))
        stop(cs);
}

/* True (and remembered) the first time this partition reports this cause. */
static int first_time(cons_t *cs, const kfk_consumer_error_t *e) {
    for (size_t i = 0; i < cs->nseen; i++) {
        struct seen *s = &cs->seen[i];
        if (s->partition == e->partition && s->err == e->err && s->stopped == !!e->stopped &&
            !strncmp(s->topic, e->topic ? e->topic : "", sizeof s->topic - 1))
            return 0;
    }
    size_t n = sizeof cs->seen / sizeof cs->seen[0];
    struct seen *s = &cs->seen[cs->nseen < n ? cs->nseen++ : cs->seen_next++ % n];
    snprintf(s->topic, sizeof s->topic, "%s", e->topic ? e->topic : "");
    s->partition = e->partition;
    s->err = e->err;
    s->stopped = !!e->stopped;
    return 1;
}

static void on_error(kfk_consumer_t *c, const kfk_consumer_error_t *e, void *opaque) {
    (void)c;
    cons_t *cs = opaque;
    const char *cmd = cs->worker ? "worker" : "consume";
    if (!e->topic) {
        /* The group's error (its message names the group): a member that cannot go on ends
         * the command; a transient cause is remembered (and printed once without -e). */
        snprintf(cs->cause, sizeof cs->cause, "%s", e->msg);
        if (cs->stopping)
            return;
        if (e->stopped) {
            kfk_cli_error(cmd, "%s", cs->cause);
            cs->exit_code = KFK_EXIT_ERR;
            stop(cs);
        } else if (!cs->eof_exit && first_time(cs, e)) {
            kfk_cli_error(cmd, "%s", cs->cause);
        }
        return;
    }
    snprintf(cs->cause, sizeof cs->cause, "%s/%d: %s", e->topic, (int)e->partition, e->msg);
    if (cs->stopping)
        return;
    if (cs->eof_exit && e->stopped) {
        /* -e reads to the end, and this partition has none: its error is the answer. */
        kfk_cli_error(cmd, "%s", cs->cause);
        cs->exit_code = KFK_EXIT_ERR;
        stop(cs);
        return;
    }
    if (!cs->eof_exit && first_time(cs, e))
        kfk_cli_error(cmd, "%s%s", cs->cause,
                      e->stopped ? " (partition stopped; the others go on)" : "");
}

static void on_check(uv_timer_t *t) {
    cons_t *cs = t->data;
    if (cs->stopping)
        return;
    if (cs->worker && !cs->error_cb_set && kfk_worker_consumer(cs->worker)) {
        kfk_consumer_set_error_cb(kfk_worker_consumer(cs->worker), on_error, cs);
        cs->error_cb_set = 1;
    }
    if ((cs->eof_exit && cs->assigned && at_end(cs)) || all_ended(cs)) {
        stop(cs);
        return;
    }
    if (kfk_cli_stdout_gone()) {
        out_failed(cs, EPIPE); /* the reader left while no record came */
        return;
    }
    if (cs->admin)
        return; /* listing the partitions: that call has the same deadline and says why */
    if (cs->eof_exit && uv_now(&cs->loop) - cs->progress_ms >= (uint64_t)cs->deadline_ms) {
        /* No records and not at the end for -m seconds: the partitions stay unusable. */
        if (cs->cause[0])
            kfk_cli_error(cs->worker ? "worker" : "consume", "%s", cs->cause);
        else
            kfk_cli_error(cs->worker ? "worker" : "consume",
                          "%s: timed out: no usable answer (no records, not at the end of the "
                          "partitions) within the -m deadline of %.1f s",
                          cs->topic, (double)cs->deadline_ms / 1000);
        cs->exit_code = KFK_EXIT_ERR;
        stop(cs);
    }
}

static void on_sigint(uv_signal_t *s, int sig) {
    (void)sig;
    cons_t *cs = s->data;
    kfk_cli_error(cs->worker ? "worker" : "consume",
                  cs->worker ? "interrupted: committing what was printed, releasing the lock"
                             : "interrupted: committing what was printed");
    stop(cs);
}

/* -o s@MS: the seek by time of one partition ended; a failure (the cause is the broker's, or
 * kfk's) ends the command. Seeks ended by a close, a revoke or a later seek say nothing. */
static void on_seek(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    kfk_err_t err, void *opaque) {
    (void)c;
    cons_t *cs = opaque;
    if (!err || cs->stopping || err == KFK_ERR__DESTROYED || err == KFK_ERR__STATE ||
        err == KFK_ERR__UNKNOWN_PARTITION) {
        (void)offset;
        return;
    }
    kfk_cli_error("consume", "%s [%d]: -o s@%lld: offsets for the time: %s (%s)", topic,
                  (int)partition, (long long)cs->start_ts, kfk_err_str(err), kfk_err_name(err));
    cs->exit_code = KFK_EXIT_ERR;
    stop(cs);
}

/* -o s@MS: moves @p parts to their first record at or after the time, each partition once
 * (a group member given it again by a later rebalance goes on from the group's commit). */
static kfk_err_t seek_time(cons_t *cs, const kfk_topic_partition_t *parts, size_t n) {
    for (size_t i = 0; cs->start_ts >= 0 && i < n; i++) {
        size_t k = 0;
        while (k < cs->nsought && cs->sought[k] != parts[i].partition)
            k++;
        if (k < cs->nsought)
            continue;
        if (cs->nsought < sizeof cs->sought / sizeof cs->sought[0])
            cs->sought[cs->nsought++] = parts[i].partition;
        kfk_err_t err = kfk_consumer_seek_timestamp(cs->c, parts[i].topic, parts[i].partition,
                                                    cs->start_ts, on_seek, cs);
        if (err)
            return err;
    }
    return KFK_ERR_NONE;
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    cons_t *cs = opaque;
    if (ev == KFK_REBALANCE_ASSIGNED && n) {
        cs->assigned = 1;
        /* A group member given -o s@MS starts its new partitions at the time, not at the
         * group's commit. */
        kfk_err_t err = seek_time(cs, parts, n);
        if (err) {
            kfk_cli_error("consume", "-o s@%lld: %s (%s)", (long long)cs->start_ts,
                          kfk_err_str(err), kfk_err_name(err));
            cs->exit_code = KFK_EXIT_ERR;
            stop(cs);
        }
    }
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

/* Without -p: every partition of the topic, from the metadata. */
static void on_metadata(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    cons_t *cs = opaque;
    if (!cs->admin)
        return; /* closed by stop(): nothing more to do */
    cs->admin = NULL;
    kfk_err_t terr = err ? err : md->topic_cnt ? md->topics[0].err : KFK_ERR__UNKNOWN_TOPIC;
    if (terr) {
        const char *why = err ? kfk_admin_errstr(a) : NULL;
        if (why && *why)
            kfk_cli_error("consume", "topic %s: %s", cs->topic, why);
        else
            kfk_cli_error("consume", "topic %s: %s (%s)", cs->topic, kfk_err_str(terr),
                          kfk_err_name(terr));
        cs->exit_code = KFK_EXIT_ERR;
        kfk_admin_close(a, on_admin_closed, NULL);
        stop(cs);
        return;
    }
    const kfk_metadata_topic_t *t = &md->topics[0];
    kfk_topic_partition_t *parts = calloc((size_t)t->partition_cnt + 1, sizeof *parts);
    for (int32_t i = 0; parts && i < t->partition_cnt; i++)
        parts[i] = (kfk_topic_partition_t){cs->topic, t->partitions[i].id, cs->start};
    if (parts && kfk_consumer_assign(cs->c, parts, (size_t)t->partition_cnt) == 0) {
        cs->assigned = 1;
        kfk_err_t serr = seek_time(cs, parts, (size_t)t->partition_cnt);
        if (serr) {
            kfk_cli_error("consume", "-o s@%lld: %s (%s)", (long long)cs->start_ts,
                          kfk_err_str(serr), kfk_err_name(serr));
            cs->exit_code = KFK_EXIT_ERR;
            stop(cs);
        }
    }
    free(parts);
    kfk_admin_close(a, on_admin_closed, NULL);
}

static const char consume_usage[] =
    "usage: kfk consume -b BROKERS -t TOPIC [-p PARTITION] [-G GROUP] [-o OFFSET] [-c COUNT] [-e]\n"
    "                   [--format raw|json] [-f FORMAT] [-X key=value]... [-F file]\n"
    "\n"
    "Prints one record per line.\n"
    "\n"
    "  -t TOPIC       the topic; with -G, ^REGEX (POSIX extended) subscribes to every topic it\n"
    "                 matches, followed as topics are created and deleted\n"
    "  -p PARTITION   only this partition (default: all)\n"
    "  -G GROUP       join consumer group GROUP and commit after each printed batch\n"
    "  -o OFFSET      beginning, end, stored (the group's commit) or an offset\n"
    "                 (default: stored with -G, else end); s@MS: the first record at or after\n"
    "                 time MS (ms since the epoch); e@MS (may be given as well): a partition\n"
    "                 ends at its first record at or after time MS, which is not printed,\n"
    "                 and the command once every partition ended\n"
    "  -c COUNT       exit after COUNT records\n"
    "  -e             exit at the end of the partitions; exit 1 with the cause when a partition\n"
    "                 stops with an error, or stays unusable (no records, not at its end) for\n"
    "                 the -m deadline. Without -e, errors are printed once each and reading goes "
    "on\n"
    "  --format json  a JSON line per record: topic, partition, offset, key, timestamp,\n"
    "                 headers, value (msgpack values as JSON)\n"
    "  -f FORMAT      kcat-style: %t topic %p partition %o offset %k key %s value %T timestamp\n"
    "                 %h headers %K key length %S value length, \\n \\t\n"
    "\n"
    "examples:\n"
    "  kfk consume -b 127.0.0.1:29000 -t events -o beginning -e\n"
    "  kfk consume -b 127.0.0.1:29000 -t events -G analytics_context --format json\n"
    "  kfk consume -b 127.0.0.1:29000 -t events -p 0 -o 100 -c 10 -f '%p:%o %k=%s\\n'\n"
    "  kfk consume -b 127.0.0.1:29000 -t events -o s@1700000000000 -o e@1700003600000\n"
    "\n"
    "exit: 0 ok, 1 error, 2 usage error\n";

static const char worker_usage[] =
    "usage: kfk worker -b BROKERS -t TOPIC -p PARTITION -G GROUP --redis HOST:PORT\n"
    "                  [--lock-ttl MS] [--batch-size N] [-c COUNT] [-e] [--format raw|json]\n"
    "                  [-f FORMAT] [-X key=value]... [-F file]\n"
    "\n"
    "Consumes one partition while holding its Redis lock (key kfk:lock:GROUP:TOPIC:PARTITION),\n"
    "from the group's committed offset, committing after each printed batch. If another\n"
    "worker holds the lock, exits at once with code 3.\n"
    "\n"
    "  --redis HOST:PORT   Redis (or unix:/path/to/socket)\n"
    "  --lock-ttl MS       lock TTL (default 30000; renewed every TTL/3)\n"
    "  --batch-size N      records per batch (max.poll.records, default 100)\n"
    "\n"
    "examples:\n"
    "  kfk worker -b 127.0.0.1:29000 -t events -p 3 -G analytics_context --redis 127.0.0.1:6379\n"
    "\n"
    "exit: 0 done, 1 error (lock lost included), 2 usage error, 3 lock held elsewhere\n";

static int run_consume(int argc, char **argv, int worker);

int kfk_cmd_consume(int argc, char **argv) {
    return run_consume(argc, argv, 0);
}

int kfk_cmd_worker(int argc, char **argv) {
    return run_consume(argc, argv, 1);
}

static int run_consume(int argc, char **argv, int worker) {
    const char *cmd = worker ? "worker" : "consume";
    static cons_t cs;
    memset(&cs, 0, sizeof cs);
    cs.partition = -1;
    cs.start = KFK_OFFSET_END - 1000; /* not given */
    cs.start_ts = -1;
    cs.end_ts = -1;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    /* Records are printed as they come, as kcat does: a batch does not wait to fill (the
     * library's batch.timeout.ms of 500 ms would hold the last records of a topic that long
     * before -e could see the end). -X batch.timeout.ms=N or -F still sets it. */
    if (!worker)
        kfk_conf_set(c.conf, "batch.timeout.ms", "0", NULL, 0);
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
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            cs.topic = v;
        } else if (!strcmp(a, "-p") || !strcmp(a, "--partition")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-p", v, 0, INT32_MAX, &num))
                goto usage;
            cs.partition = (int32_t)num;
        } else if (!strcmp(a, "-G") || !strcmp(a, "--group")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            cs.group = v;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--offset")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (!worker && (!strncmp(v, "s@", 2) || !strncmp(v, "e@", 2))) {
                if (kfk_cli_int(cmd, "-o", v + 2, 0, INT64_MAX, &num))
                    goto usage;
                if (v[0] == 'e') {
                    cs.end_ts = num;
                } else {
                    cs.start_ts = num;
                    cs.start = KFK_OFFSET_END; /* until the seek by time (after assigning) */
                }
                continue;
            }
            cs.start_ts = -1;
            if (!strcmp(v, "beginning"))
                cs.start = KFK_OFFSET_BEGINNING;
            else if (!strcmp(v, "end"))
                cs.start = KFK_OFFSET_END;
            else if (!strcmp(v, "stored"))
                cs.start = KFK_OFFSET_STORED;
            else if (kfk_cli_int(cmd, "-o", v, 0, INT64_MAX, &num))
                goto usage;
            else
                cs.start = num;
        } else if (!strcmp(a, "-c") || !strcmp(a, "--count")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-c", v, 1, INT64_MAX, &num))
                goto usage;
            cs.count = num;
        } else if (worker && !strcmp(a, "--redis")) {
            if (!(cs.redis = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (worker && !strcmp(a, "--lock-ttl")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--lock-ttl", v, 1000, 86400000, &cs.lock_ttl))
                goto usage;
        } else if (worker && !strcmp(a, "--batch-size")) {
            char errstr[256];
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (kfk_conf_set(c.conf, "max.poll.records", v, errstr, sizeof errstr)) {
                kfk_cli_error(cmd, "--batch-size: %s", errstr);
                goto usage;
            }
        } else if (!strcmp(a, "-e")) {
            cs.eof_exit = 1;
        } else if (!strcmp(a, "-f")) {
            if (!(cs.fmt = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!strcmp(a, "--format")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (!strcmp(v, "json"))
                cs.format = OUT_JSON;
            else if (!strcmp(v, "raw"))
                cs.format = OUT_RAW;
            else {
                kfk_cli_error(cmd, "--format %s: expected raw or json", v);
                goto usage;
            }
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk %s --help)", a, cmd);
            goto usage;
        }
    }
    if (c.help) {
        fputs(worker ? worker_usage : consume_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (!cs.topic) {
        kfk_cli_error(cmd, "give the topic with -t TOPIC");
        goto usage;
    }
    if (cs.topic[0] == '^' &&
        (worker || !cs.group || cs.partition >= 0 || cs.start_ts >= 0 || cs.end_ts >= 0)) {
        kfk_cli_error(cmd,
                      "-t %s: a pattern subscribes a group member: give -G, and neither -p "
                      "nor -o s@MS / e@MS",
                      cs.topic);
        goto usage;
    }
    if (worker && (cs.partition < 0 || !cs.group || !cs.redis)) {
        kfk_cli_error(cmd, "give -p PARTITION, -G GROUP and --redis HOST:PORT");
        goto usage;
    }
    char errstr[512];
    if (cs.group && kfk_conf_set(c.conf, "group.id", cs.group, errstr, sizeof errstr)) {
        kfk_cli_error(cmd, "-G: %s", errstr);
        goto usage;
    }
    if (cs.start == KFK_OFFSET_END - 1000)
        cs.start = cs.group ? KFK_OFFSET_STORED : KFK_OFFSET_END;
    if (cs.group && cs.start == KFK_OFFSET_BEGINNING)
        kfk_conf_set(c.conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
    if ((rc = kfk_cli_common_finish(&c, cmd)) != 0) {
        kfk_cli_common_free(&c);
        return rc;
    }
    cs.deadline_ms = c.deadline_ms;
    kfk_cli_stdout_buffer(); /* on_batch flushes after each batch */
    uv_loop_init(&cs.loop);
    cs.progress_ms = uv_now(&cs.loop);
    if (worker) {
        kfk_lock_opts_t lo = KFK_LOCK_OPTS_INIT;
        lo.redis = cs.redis;
        lo.ttl_ms = cs.lock_ttl;
        kfk_worker_opts_t wo = KFK_WORKER_OPTS_INIT;
        wo.topic = cs.topic;
        wo.partition = cs.partition;
        wo.lock = &lo;
        kfk_err_t werr = kfk_worker_new(&cs.loop, c.conf, &wo, on_batch, on_worker_done, &cs,
                                        &cs.worker, errstr, sizeof errstr);
        kfk_cli_common_free(&c);
        if (werr) {
            kfk_cli_error(cmd, "%s", errstr);
            uv_run(&cs.loop, UV_RUN_DEFAULT);
            uv_loop_close(&cs.loop);
            return werr == KFK_ERR__INVALID_CONF || werr == KFK_ERR__INVALID_ARG ? KFK_EXIT_USAGE
                                                                                 : KFK_EXIT_ERR;
        }
        uv_signal_init(&cs.loop, &cs.sigint);
        cs.sigint.data = &cs;
        uv_signal_start(&cs.sigint, on_sigint, SIGINT);
        uv_signal_init(&cs.loop, &cs.sigterm);
        cs.sigterm.data = &cs;
        uv_signal_start(&cs.sigterm, on_sigint, SIGTERM);
        uv_timer_init(&cs.loop, &cs.check);
        cs.check.data = &cs;
        uv_timer_start(&cs.check, on_check, 100, 100);
        cs.assigned = 1;
        kfk_cli_progress_init(&cs.progress, "consumed", (uint64_t)cs.count);
        uv_run(&cs.loop, UV_RUN_DEFAULT);
        kfk_cli_progress(&cs.progress, cs.printed, 1);
        if (uv_loop_close(&cs.loop) != 0)
            return KFK_EXIT_ERR;
        return cs.exit_code;
    }
    kfk_err_t err = kfk_consumer_new(&cs.loop, c.conf, &cs.c, errstr, sizeof errstr);
    if (!err && !cs.group && cs.partition < 0)
        err = kfk_admin_new(&cs.loop, c.conf, &cs.admin, errstr, sizeof errstr);
    kfk_cli_common_free(&c);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        if (cs.c) {
            kfk_consumer_set_close_timeout(cs.c, 0);
            kfk_consumer_close(cs.c, NULL, NULL);
        }
        uv_run(&cs.loop, UV_RUN_DEFAULT);
        uv_loop_close(&cs.loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    kfk_consumer_set_rebalance_cb(cs.c, on_rebalance, &cs);
    kfk_consumer_set_error_cb(cs.c, on_error, &cs);
    cs.error_cb_set = 1;
    if (cs.group && cs.partition < 0 &&
        (cs.start == KFK_OFFSET_STORED || cs.start == KFK_OFFSET_BEGINNING || cs.start_ts >= 0)) {
        const char *topics[1] = {cs.topic};
        err = kfk_consumer_subscribe(cs.c, topics, 1);
    } else if (cs.partition >= 0) {
        kfk_topic_partition_t tp = {cs.topic, cs.partition, cs.start};
        err = kfk_consumer_assign(cs.c, &tp, 1);
        if (!err)
            err = seek_time(&cs, &tp, 1);
        cs.assigned = 1;
    } else if (cs.admin) {
        /* The partition list may take the -m deadline at most, then its cause is printed. */
        kfk_admin_opts_t ao = KFK_ADMIN_OPTS_INIT;
        ao.timeout_ms = cs.deadline_ms > INT32_MAX ? INT32_MAX : (int32_t)cs.deadline_ms;
        err = kfk_admin_metadata_opts(cs.admin, &cs.topic, 1, &ao, on_metadata, &cs);
    }
    if (!err)
        err = kfk_consumer_start(cs.c, on_batch, &cs);
    uv_signal_init(&cs.loop, &cs.sigint);
    cs.sigint.data = &cs;
    uv_signal_start(&cs.sigint, on_sigint, SIGINT);
    uv_signal_init(&cs.loop, &cs.sigterm);
    cs.sigterm.data = &cs;
    uv_signal_start(&cs.sigterm, on_sigint, SIGTERM);
    uv_timer_init(&cs.loop, &cs.check);
    cs.check.data = &cs;
    uv_timer_start(&cs.check, on_check, 100, 100);
    kfk_cli_progress_init(&cs.progress, "consumed", (uint64_t)cs.count);
    if (err) {
        kfk_cli_error(cmd, "%s (%s)", kfk_err_str(err), kfk_err_name(err));
        cs.exit_code = KFK_EXIT_ERR;
        stop(&cs);
    }
    uv_run(&cs.loop, UV_RUN_DEFAULT);
    kfk_cli_progress(&cs.progress, cs.printed, 1);
    if (uv_loop_close(&cs.loop) != 0)
        return KFK_EXIT_ERR;
    return cs.exit_code;
usage:
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
