/*
 * cmd_produce.c: `kfk produce`: one record per stdin line (raw, key-delimited, or JSON turned
 * into msgpack; or a stream of msgpack values), with a summary on stderr and a progress line on
 * terminals. `kfk emit`: one event per stdin line (a JSON body), a declared event (kfk_event_def_t)
 * in the envelope of any released Dispytch (0.10, 0.9, or none as 0.11), topic and key from
 * templates or a path. Stdin is
 * read on the loop (a pipe or terminal asynchronously; a regular file in chunks from an idle
 * handle), and reading pauses while the producer's queue is full. With transactional.id and
 * --txn-records N, `kfk produce` sends stdin in transactions of N records (the last may hold
 * fewer), committing each, or aborting every K-th with --abort-every K; reading pauses while a
 * transaction ends.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <uv.h>

#include "cli/cli.h"

enum { FMT_RAW, FMT_JSON, FMT_MSGPACK, FMT_EVENT };

typedef struct {
    uv_loop_t loop;
    kfk_producer_t *p;
    const char *topic;
    int32_t partition;
    const char *key;
    char keydelim;
    int format;
    const char *partition_by;
    const char *cmd;           /* "produce" or "emit" */
    kfk_emitter_t *emitter;    /* emit */
    const char *event_type;    /* emit: --type */
    const char *partition_key; /* emit: --partition-key template */
    kfk_envelope_t envelope;   /* emit: --envelope, --serializer */
    kfk_event_def_t *def;      /* emit: the event declared from -t, --type, the key options */
    kfk_header_t headers[64];
    size_t nheaders;
    /* input */
    uv_pipe_t pipe;
    uv_tty_t tty;
    uv_stream_t *in;
    uv_idle_t idle;
    int in_file;
    int eof;
    int reading;
    char *buf;
    size_t len, cap;
    uint64_t lineno;
    msgpack_sbuffer sbuf;
    int room_wait;   /* the queue was full: input resumes at the next delivery report */
    int drain;       /* lines stopped by a full queue are still in buf: send them before reading */
    size_t max_line; /* a longer line cannot be a record: message.max.bytes (x4 for JSON) */
    int skipping;    /* inside such a line: bytes are dropped up to its newline */
    uv_signal_t sigint;
    uv_signal_t sigterm;
    int stopping;
    /* -m: how long the first delivery may take once a record was sent */
    uv_timer_t deadline;
    int64_t deadline_ms;
    uint64_t first_sent_ms; /* loop time of the first record sent; 0: none yet */
    int gave_up;
    /* results */
    uint64_t sent, delivered, failed, bad, bytes;
    kfk_err_t first_err;
    char first_why[320]; /* the first failure's cause (kfk_delivery_t.errstr), if any */
    kfk_cli_progress_t progress;
    int exit_code;
    /* transactions: --txn-records, --abort-every */
    int64_t txn_records, abort_every;
    int txn_open;      /* a transaction was begun */
    int txn_busy;      /* init, commit or abort in progress: input waits */
    int txn_final;     /* the end of input: finish once the last transaction ended */
    int txn_aborting;  /* the call in progress is an abort */
    int txn_retries;   /* RETRIABLE outcomes of the call in a row */
    int64_t txn_count; /* records in the open transaction */
    uint64_t txn_no;   /* transactions begun */
    uint64_t committed, committed_recs, aborted, aborted_recs;
} prod_t;

static void on_idle(uv_idle_t *h);
static void finish(prod_t *pr);
static void txn_end(prod_t *pr);

static void on_dr(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    prod_t *pr = opaque;
    if (d->err == KFK_ERR__TXN_ABORTED) {
        pr->delivered++; /* never sent: its transaction was aborted (counted there) */
    } else if (d->err) {
        if (!pr->failed && !pr->gave_up)
            kfk_cli_error(pr->cmd, "delivery to %s [%d] failed: %s (%s)%s%s", d->topic,
                          d->partition, kfk_err_str(d->err), kfk_err_name(d->err),
                          d->errstr && d->errstr[0] ? ": " : "", d->errstr ? d->errstr : "");
        pr->failed++;
        if (!pr->first_err) {
            pr->first_err = d->err;
            snprintf(pr->first_why, sizeof pr->first_why, "%s", d->errstr ? d->errstr : "");
        }
    } else {
        pr->delivered++;
    }
    kfk_cli_progress(&pr->progress, pr->delivered + pr->failed, 0);
    if (pr->delivered + pr->failed == pr->sent)
        kfk_cli_trim(uv_now(&pr->loop)); /* nothing queued: a backlog's memory goes back */
    if (pr->room_wait && !pr->stopping) {
        /* Room in the queue: input goes on once this answer's reports are all in. */
        pr->room_wait = 0;
        if (!uv_is_active((uv_handle_t *)&pr->idle))
            uv_idle_start(&pr->idle, on_idle);
    }
}

static void on_emitted(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                       int64_t offset, void *opaque) {
    (void)e;
    (void)id;
    (void)offset;
    kfk_delivery_t d = {err, ((prod_t *)opaque)->topic, partition, offset, 0, ""};
    on_dr(NULL, &d, opaque);
}

/* Input goes on (after a transaction call ended): the idle handle restarts reading. */
static void txn_resume(prod_t *pr) {
    pr->txn_busy = 0;
    if (pr->stopping)
        return;
    if (pr->txn_final && !pr->txn_open) {
        finish(pr);
        return;
    }
    if (!uv_is_active((uv_handle_t *)&pr->idle))
        uv_idle_start(&pr->idle, on_idle);
}

static void on_txn(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque) {
    (void)p;
    prod_t *pr = opaque;
    if (r->cls == KFK_TXN_RETRIABLE && ++pr->txn_retries <= 5) {
        kfk_cli_error(pr->cmd, "%s (%s): trying again", r->errstr, kfk_err_name(r->err));
        if (!pr->txn_open)
            kfk_producer_init_txns(pr->p, on_txn, pr);
        else if (pr->txn_aborting)
            kfk_producer_abort_txn(pr->p, on_txn, pr);
        else
            kfk_producer_commit_txn(pr->p, on_txn, pr);
        return;
    }
    pr->txn_retries = 0;
    if (r->cls == KFK_TXN_ABORTABLE && pr->txn_open && !pr->txn_aborting) {
        kfk_cli_error(pr->cmd, "transaction %llu cannot commit: %s (%s): aborting it",
                      (unsigned long long)pr->txn_no, r->errstr, kfk_err_name(r->err));
        pr->exit_code = KFK_EXIT_ERR;
        pr->txn_aborting = 1;
        kfk_err_t err = kfk_producer_abort_txn(pr->p, on_txn, pr);
        if (!err)
            return;
        kfk_cli_error(pr->cmd, "cannot abort: %s (%s)", kfk_err_str(err), kfk_err_name(err));
    } else if (r->err) {
        kfk_cli_error(pr->cmd, "%s (%s)", r->errstr, kfk_err_name(r->err));
    }
    if (r->err) {
        pr->exit_code = KFK_EXIT_ERR;
        pr->eof = 1;
        pr->txn_busy = 0;
        finish(pr);
        return;
    }
    if (pr->txn_open) {
        if (pr->txn_aborting) {
            pr->aborted++;
            pr->aborted_recs += (uint64_t)pr->txn_count;
        } else {
            pr->committed++;
            pr->committed_recs += (uint64_t)pr->txn_count;
        }
        pr->txn_open = 0;
        pr->txn_count = 0;
    }
    txn_resume(pr);
}

static void txn_failed(prod_t *pr, kfk_err_t err) {
    kfk_cli_error(pr->cmd, "cannot end transaction %llu: %s (%s)", (unsigned long long)pr->txn_no,
                  kfk_err_str(err), kfk_err_name(err));
    pr->exit_code = KFK_EXIT_ERR;
    pr->txn_busy = 0;
    pr->eof = 1;
    finish(pr);
}

/* The records of a transaction to abort are written first (a demo of what read_committed
 * consumers never see), then it is aborted. */
static void on_abort_flushed(kfk_producer_t *p, void *opaque) {
    prod_t *pr = opaque;
    kfk_err_t err = kfk_producer_abort_txn(p, on_txn, pr);
    if (err)
        txn_failed(pr, err);
}

/* Ends the open transaction: every abort_every-th is aborted, the others committed. */
static void txn_end(prod_t *pr) {
    pr->txn_busy = 1;
    pr->txn_aborting = pr->abort_every > 0 && pr->txn_no % (uint64_t)pr->abort_every == 0;
    kfk_err_t err = pr->txn_aborting ? kfk_producer_flush(pr->p, on_abort_flushed, pr)
                                     : kfk_producer_commit_txn(pr->p, on_txn, pr);
    if (err)
        txn_failed(pr, err);
}

/* Before a record: 0 when it may be sent (a transaction is open), 2 to wait for one. */
static int txn_before_send(prod_t *pr) {
    if (pr->txn_busy || pr->stopping)
        return 2;
    if (pr->txn_open)
        return 0;
    kfk_err_t err = kfk_producer_begin_txn(pr->p);
    if (err) {
        kfk_cli_error(pr->cmd, "cannot begin a transaction: %s (%s)", kfk_err_str(err),
                      kfk_err_name(err));
        pr->exit_code = KFK_EXIT_ERR;
        pr->eof = 1;
        finish(pr);
        return 2;
    }
    pr->txn_open = 1;
    pr->txn_no++;
    return 0;
}

static void on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    prod_t *pr = opaque;
    pr->p = NULL;
    /* The deadline covers the flush at close too (stdin ends before the cluster answers). */
    uv_close((uv_handle_t *)&pr->deadline, NULL);
}

static void finish(prod_t *pr) {
    if (pr->stopping)
        return;
    if (pr->txn_records && pr->txn_open && !pr->txn_busy && pr->eof && !pr->exit_code) {
        pr->txn_final = 1; /* the last transaction ends first */
        txn_end(pr);
        return;
    }
    if (pr->txn_busy && pr->eof && !pr->exit_code) {
        pr->txn_final = 1;
        return;
    }
    pr->stopping = 1;
    if (pr->in && pr->reading) {
        uv_read_stop(pr->in);
        pr->reading = 0;
    }
    if (pr->in && !uv_is_closing((uv_handle_t *)pr->in))
        uv_close((uv_handle_t *)pr->in, NULL);
    if (uv_is_active((uv_handle_t *)&pr->idle))
        uv_idle_stop(&pr->idle);
    uv_close((uv_handle_t *)&pr->idle, NULL);
    uv_close((uv_handle_t *)&pr->sigint, NULL);
    uv_close((uv_handle_t *)&pr->sigterm, NULL);
    /* Flushes what is queued (bounded by delivery.timeout.ms), then closes. The emitter goes
     * first: its events' callbacks still run through the producer. */
    if (pr->emitter) {
        kfk_emitter_close(pr->emitter, NULL, NULL);
        pr->emitter = NULL;
    }
    kfk_producer_close(pr->p, on_closed, pr);
}

/* Sends one record; returns 0, 1 when the queue is full (try again later), 2 when it waits for
 * a transaction to end, -1 on bad input. */
static int send_value(prod_t *pr, const void *key, size_t keylen, const void *val, size_t vlen,
                      int have_key) {
    int w = pr->txn_records ? txn_before_send(pr) : 0;
    if (w)
        return w;
    kfk_record_t r;
    memset(&r, 0, sizeof r);
    r.topic = pr->topic;
    r.partition = pr->partition;
    if (have_key) {
        r.key = key ? key : "";
        r.key_len = keylen;
    }
    r.value = val ? val : "";
    r.value_len = vlen;
    r.headers = pr->headers;
    r.header_cnt = pr->nheaders;
    kfk_err_t err = kfk_producer_send(pr->p, &r, on_dr, pr);
    if (err == KFK_ERR__QUEUE_FULL)
        return 1;
    if (err) {
        kfk_cli_error(pr->cmd, "record at line %llu refused: %s (%s)",
                      (unsigned long long)pr->lineno, kfk_err_str(err), kfk_err_name(err));
        pr->bad++;
        return -1;
    }
    pr->sent++;
    if (!pr->first_sent_ms)
        pr->first_sent_ms = uv_now(&pr->loop);
    pr->bytes += vlen + keylen;
    if (pr->txn_records && ++pr->txn_count == pr->txn_records)
        txn_end(pr);
    return 0;
}

/* A msgpack value (and its partition.by key): packs into the scratch buffer and sends. */
static int send_msgpack(prod_t *pr, const char *data, size_t len) {
    char key[256];
    size_t keylen = 0;
    int have_key = 0;
    if (pr->partition_by) {
        kfk_err_t err = kfk_msgpack_key_at(data, len, pr->partition_by, key, sizeof key, &keylen);
        if (err) {
            kfk_cli_error("produce", "line %llu: --partition-by %s: %s",
                          (unsigned long long)pr->lineno, pr->partition_by,
                          err == KFK_ERR__KEY_PATH ? "missing or not a scalar"
                                                   : "not a msgpack map");
            pr->bad++;
            return -1;
        }
        have_key = 1;
    } else if (pr->key) {
        return send_value(pr, pr->key, strlen(pr->key), data, len, 1);
    }
    return send_value(pr, key, keylen, data, len, have_key);
}

/* Parses a JSON line with jansson into pr->sbuf as msgpack; 0, or -1 after an error line. */
static int pack_json_line(prod_t *pr, const char *line, size_t n) {
    json_error_t jerr;
    json_t *j = json_loadb(line, n, JSON_DECODE_ANY, &jerr);
    if (!j) {
        kfk_cli_error(pr->cmd, "bad JSON at line %llu: %s", (unsigned long long)pr->lineno,
                      jerr.text);
        pr->bad++;
        return -1;
    }
    pr->sbuf.size = 0;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &pr->sbuf, msgpack_sbuffer_write);
    int rc = kfk_cli_json_to_msgpack(j, &pk);
    json_decref(j);
    if (rc) {
        kfk_cli_error(pr->cmd, "line %llu: a value msgpack cannot hold",
                      (unsigned long long)pr->lineno);
        pr->bad++;
    }
    return rc;
}

/* One event: @p line is its JSON body. Returns as send_value. */
static int emit_line(prod_t *pr, const char *line, size_t n) {
    kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
    char why[512];
    o.errstr = why;
    o.errstr_size = sizeof why;
    if (pr->key) {
        o.key = pr->key;
        o.key_len = strlen(pr->key);
    }
    o.partition = pr->partition;
    o.has_partition = pr->partition != KFK_PARTITION_ANY;
    o.headers = pr->headers;
    o.header_cnt = pr->nheaders;
    kfk_err_t err = kfk_emitter_emit_event_json(pr->emitter, pr->def, line, n, &o, on_emitted, pr);
    if (err == KFK_ERR__QUEUE_FULL)
        return 1;
    if (err) {
        kfk_cli_error(pr->cmd, "line %llu: %s", (unsigned long long)pr->lineno,
                      why[0]                         ? why
                      : err == KFK_ERR__VALUE_DECODE ? "not a JSON object"
                      : err == KFK_ERR__KEY_PATH     ? "--partition-by path missing or not a scalar"
                                                     : kfk_err_str(err));
        pr->bad++;
        return -1;
    }
    pr->sent++;
    if (!pr->first_sent_ms)
        pr->first_sent_ms = uv_now(&pr->loop);
    pr->bytes += n;
    return 0;
}

static int handle_line(prod_t *pr, char *line, size_t n) {
    pr->lineno++;
    if (n && line[n - 1] == '\r')
        n--;
    if (pr->format == FMT_EVENT)
        return n == 0 ? 0 : emit_line(pr, line, n);
    if (pr->format == FMT_JSON) {
        if (n == 0)
            return 0;
        return pack_json_line(pr, line, n) ? -1 : send_msgpack(pr, pr->sbuf.data, pr->sbuf.size);
    }
    if (pr->keydelim) {
        char *d = memchr(line, pr->keydelim, n);
        if (!d) {
            kfk_cli_error("produce", "line %llu has no key delimiter '%c'",
                          (unsigned long long)pr->lineno, pr->keydelim);
            pr->bad++;
            return -1;
        }
        return send_value(pr, line, (size_t)(d - line), d + 1, n - (size_t)(d - line) - 1, 1);
    }
    if (pr->key)
        return send_value(pr, pr->key, strlen(pr->key), line, n, 1);
    return send_value(pr, NULL, 0, line, n, 0);
}

/* Processes complete lines (or msgpack values) in the buffer; stops when the queue is full. */
static void process(prod_t *pr) {
    if (pr->stopping)
        return;
    size_t off = 0;
    int full = 0;
    if (pr->format == FMT_MSGPACK) {
        /* Each value is measured in the bytes read so far (no allocation from the counts it
         * declares) and sent as it came. */
        while (off < pr->len) {
            size_t size = 0;
            int r = kfk_msgpack_value_size(pr->buf + off, pr->len - off, &size);
            if (r == 0 && !pr->eof && pr->len - off <= pr->max_line)
                break; /* read more */
            if (r <= 0) {
                if (r < 0)
                    kfk_cli_error(
                        pr->cmd,
                        "stdin is not a msgpack stream: value %llu is "
                        "malformed (the byte 0xc1, or more than 65 levels of nested containers)",
                        (unsigned long long)pr->lineno + 1);
                else if (pr->eof)
                    kfk_cli_error(pr->cmd,
                                  "stdin ends inside msgpack value %llu (%zu bytes of "
                                  "it read)",
                                  (unsigned long long)pr->lineno + 1, pr->len - off);
                else
                    kfk_cli_error(pr->cmd,
                                  "msgpack value %llu is longer than %zu bytes, more "
                                  "than a record of message.max.bytes can hold: stopping",
                                  (unsigned long long)pr->lineno + 1, pr->max_line);
                pr->bad++;
                pr->eof = 1; /* what follows cannot be framed: nothing more is read */
                off = pr->len;
                break;
            }
            uint64_t before = pr->lineno++;
            int rc = send_msgpack(pr, pr->buf + off, size);
            if (rc >= 1) {
                pr->lineno = before; /* not consumed: sent again once there is room */
                full = rc;
                break;
            }
            off += size;
        }
    } else {
        if (pr->skipping) {
            char *nl = memchr(pr->buf, '\n', pr->len);
            off = nl ? (size_t)(nl - pr->buf) + 1 : pr->len;
            pr->skipping = !nl;
        }
        while (off < pr->len) {
            char *nl = memchr(pr->buf + off, '\n', pr->len - off);
            if (!nl && !pr->eof && pr->len - off > pr->max_line) {
                /* Bounded: a line no record can hold is not read whole. */
                kfk_cli_error(pr->cmd,
                              "line %llu is longer than %zu bytes, more than a record of "
                              "message.max.bytes can hold: skipped",
                              (unsigned long long)++pr->lineno, pr->max_line);
                pr->bad++;
                pr->skipping = 1;
                off = pr->len;
                break;
            }
            if (!nl && !pr->eof)
                break;
            size_t n = nl ? (size_t)(nl - (pr->buf + off)) : pr->len - off;
            if (!nl && n == 0)
                break;
            uint64_t before = pr->lineno;
            int rc = handle_line(pr, pr->buf + off, n);
            if (rc >= 1) {
                pr->lineno = before; /* not consumed */
                full = rc;
                break;
            }
            off += n + (nl ? 1 : 0);
        }
    }
    if (off) /* buf is NULL until the first read (a transaction's start comes first) */
        memmove(pr->buf, pr->buf + off, pr->len - off);
    pr->len -= off;
    kfk_cli_progress(&pr->progress, pr->delivered + pr->failed, 0);
    if (full) {
        /* Wait for deliveries, reading nothing: the next delivery report starts the idle
         * handle, which goes on (a handle left active here would spin the loop while the
         * broker works); for a transaction that is ending, txn_resume starts it. */
        if (pr->in && pr->reading) {
            uv_read_stop(pr->in);
            pr->reading = 0;
        }
        if (uv_is_active((uv_handle_t *)&pr->idle))
            uv_idle_stop(&pr->idle);
        pr->room_wait = full == 1;
        pr->drain = 1;
        return;
    }
    pr->drain = 0;
    if (pr->eof && pr->len == 0)
        finish(pr);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)suggested;
    prod_t *pr = h->data;
    if (pr->cap - pr->len < 65536) {
        size_t cap = pr->cap ? pr->cap * 2 : 131072;
        char *nb = realloc(pr->buf, cap);
        if (!nb) {
            *b = uv_buf_init(NULL, 0);
            return;
        }
        pr->buf = nb;
        pr->cap = cap;
    }
    *b = uv_buf_init(pr->buf + pr->len, (unsigned)(pr->cap - pr->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    (void)b;
    prod_t *pr = s->data;
    if (n > 0) {
        pr->len += (size_t)n;
    } else if (n < 0) {
        if (n != UV_EOF && !pr->exit_code) {
            kfk_cli_error(pr->cmd, "cannot read stdin: %s", uv_strerror((int)n));
            pr->exit_code = KFK_EXIT_ERR;
        }
        pr->eof = 1;
    }
    process(pr);
}

/* Regular files cannot be polled: read them in chunks when the loop is idle. */
static void on_idle(uv_idle_t *h) {
    prod_t *pr = h->data;
    if (pr->stopping)
        return;
    if (pr->txn_busy) {
        uv_idle_stop(h); /* txn_resume starts it again */
        return;
    }
    if (!pr->in_file) {
        /* Retrying after a full queue. */
        uv_idle_stop(h);
        process(pr);
        if (!pr->stopping && pr->in && !pr->reading && !pr->eof && !pr->room_wait) {
            uv_read_start(pr->in, on_alloc, on_read);
            pr->reading = 1;
        }
        return;
    }
    if (pr->drain) {
        process(pr); /* what the full queue stopped goes before reading more */
        return;
    }
    uv_buf_t b;
    on_alloc((uv_handle_t *)h, 0, &b);
    ssize_t n = read(0, b.base, b.len);
    if (n < 0 && errno == EINTR)
        return; /* the next idle pass reads again */
    on_read((uv_stream_t *)h, n > 0 ? n : (n == 0 ? UV_EOF : uv_translate_sys_error(errno)), &b);
}

/*
 * -m: the cluster must become usable for the topic within the deadline, counted while records
 * wait: if no record was delivered (or refused by the broker) by then, the command gives up with
 * the cause in one line and exits 1. Once one was, the records' own delivery.timeout.ms governs.
 */
static void on_deadline(uv_timer_t *h) {
    prod_t *pr = h->data;
    if (pr->gave_up || !pr->p || pr->delivered || pr->failed)
        return; /* the cluster answered: no deadline of ours applies any more */
    uint64_t waited = pr->sent ? uv_now(&pr->loop) - pr->first_sent_ms : 0;
    if (waited < (uint64_t)pr->deadline_ms) {
        /* Nothing waited that long yet (the input is slow): count from the first record. */
        uv_timer_start(&pr->deadline, on_deadline, (uint64_t)pr->deadline_ms - waited, 0);
        return;
    }
    char cause[512];
    kfk_err_t err = kfk_producer_topic_error(pr->p, pr->topic, cause, sizeof cause);
    char secs[32];
    if (pr->deadline_ms % 1000)
        snprintf(secs, sizeof secs, "%.1f s", (double)pr->deadline_ms / 1000.0);
    else
        snprintf(secs, sizeof secs, "%lld s", (long long)(pr->deadline_ms / 1000));
    if (err)
        kfk_cli_error(pr->cmd, "no record delivered to %s in %s: %s (%s)", pr->topic, secs, cause,
                      kfk_err_name(err));
    else
        kfk_cli_error(pr->cmd, "no record delivered to %s in %s: the brokers did not answer",
                      pr->topic, secs);
    pr->gave_up = 1;
    pr->exit_code = KFK_EXIT_ERR;
    /* What is queued fails at once (KFK_ERR__DESTROYED, not printed). */
    kfk_producer_set_close_timeout(pr->p, 0);
    pr->eof = 1;
    finish(pr);
}

static void on_sigint(uv_signal_t *s, int sig) {
    (void)sig;
    prod_t *pr = s->data;
    kfk_cli_error(pr->cmd, "interrupted: flushing what is queued");
    pr->eof = 1;
    finish(pr);
}

static const char produce_usage[] =
    "usage: kfk produce -b BROKERS -t TOPIC [-p PARTITION] [-k KEY | -K DELIM] [-H name=value]...\n"
    "                   [-z CODEC] [--format raw|json|msgpack] [--partition-by PATH]\n"
    "                   [-X key=value]... [-F file]\n"
    "\n"
    "Reads stdin, one record per line (raw: the line is the value), and reports delivery.\n"
    "\n"
    "  -p PARTITION        this partition (default: murmur2 of the key, sticky for null keys)\n"
    "  -k KEY              the same key for every record\n"
    "  -K DELIM            each line is KEY<DELIM>VALUE\n"
    "  -H name=value       a header on every record (repeatable)\n"
    "  -z CODEC            compression: none, gzip, snappy, lz4, zstd\n"
    "  --format json       each line is JSON, sent as a msgpack value\n"
    "  --format msgpack    stdin is a stream of msgpack values\n"
    "  --partition-by PATH with json/msgpack: the key is the field at PATH (e.g. user.id)\n"
    "  --txn-records N     with -X transactional.id=ID: send stdin in transactions of N\n"
    "                      records (the last may hold fewer), each committed\n"
    "  --abort-every K     with --txn-records: abort every K-th transaction instead\n"
    "  -m SECONDS          give up if no record is delivered this long after the first was\n"
    "                      sent (default 10): a dead or lying broker, a topic that does not\n"
    "                      exist or has no leader; once one is delivered, delivery.timeout.ms\n"
    "                      governs each record\n"
    "  -X queue.buffering.max.kbytes=KB  how far reading runs ahead of deliveries\n"
    "                      (default 32768: 32 MiB)\n"
    "\n"
    "examples:\n"
    "  seq 1 1000 | kfk produce -b 127.0.0.1:29000 -t numbers\n"
    "  echo '{\"user\":{\"id\":42},\"type\":\"signup\"}' | \\\n"
    "      kfk produce -b 127.0.0.1:29000 -t events --format json --partition-by user.id\n"
    "\n"
    "exit: 0 all delivered, 1 some failed or were refused, 2 usage error\n";

static const char emit_usage[] =
    "usage: kfk emit -b BROKERS -t TOPIC [--type TYPE]\n"
    "                [--partition-by PATH | --partition-key TEMPLATE | -k KEY | -p PARTITION]\n"
    "                [--envelope dispytch|dispytch-0.9|none] [--serializer json|msgpack]\n"
    "                [-H name=value]... [-z CODEC] [-X key=value]... [-F file]\n"
    "\n"
    "Reads one JSON object per stdin line, the fields of an event, and sends it as the Dispytch\n"
    "release named by --envelope sends it:\n"
    "  dispytch      (0.10, the default) {id, type, body, timestamp}: a new UUID4 id, the time "
    "now\n"
    "  dispytch-0.9  {id, type, body}\n"
    "  none          (0.11) the event itself, no id and no type (--type not needed)\n"
    "\n"
    "  -t TOPIC                  the topic, or a Python str.format template filled from the\n"
    "                            event's fields (users.{region}), as Dispytch 0.11's\n"
    "                            KafkaEventRoute\n"
    "  --type TYPE               the event type (__event_type__); required but with none\n"
    "  --partition-by PATH       the key is str() of the field at dotted PATH (user.id), as\n"
    "                            Dispytch 0.9's __partition_by__ keys it (with dispytch-0.9 the\n"
    "                            path may walk the envelope: body.user.id)\n"
    "  --partition-key TEMPLATE  the key is a Python str.format template filled from the\n"
    "                            event's fields ({user[id]}), as KafkaEventConfig(partition_key=)\n"
    "  -k KEY                    a literal key\n"
    "  --serializer json         JSON text, Dispytch's default serializer (default)\n"
    "  --serializer msgpack      msgpack, Dispytch's msgpack serializer\n"
    "  --envelope json|msgpack   the older spelling: dispytch with that serializer\n"
    "\n"
    "examples:\n"
    "  echo '{\"user\": {\"id\": 42, \"email\": \"a@b.c\"}}' | \\\n"
    "      kfk emit -b 127.0.0.1:29000 -t user_events --type UserRegistered --partition-by "
    "user.id\n"
    "  echo '{\"user\": {\"id\": 42}}' | \\\n"
    "      kfk emit -b 127.0.0.1:29000 -t user_events --envelope none --partition-key "
    "'{user[id]}'\n"
    "\n"
    "exit: 0 all delivered, 1 some failed or were refused, 2 usage error\n";

static int run_produce(int argc, char **argv, int emit);

int kfk_cmd_produce(int argc, char **argv) {
    return run_produce(argc, argv, 0);
}

int kfk_cmd_emit(int argc, char **argv) {
    return run_produce(argc, argv, 1);
}

static int run_produce(int argc, char **argv, int emit) {
    const char *cmd = emit ? "emit" : "produce";
    static prod_t pr; /* one per process run */
    memset(&pr, 0, sizeof pr);
    pr.partition = KFK_PARTITION_ANY;
    pr.cmd = cmd;
    if (emit)
        pr.format = FMT_EVENT;
    kfk_cli_common_t c;
    int rc = kfk_cli_common_init(&c, cmd);
    if (rc)
        return rc;
    static char hdrbuf[64][512];
    const char *envelope_name = NULL, *serializer_name = NULL;
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
            pr.topic = v;
        } else if (!strcmp(a, "-p") || !strcmp(a, "--partition")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "-p", v, 0, INT32_MAX, &num))
                goto usage;
            pr.partition = (int32_t)num;
        } else if (!strcmp(a, "-k") || !strcmp(a, "--key")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            pr.key = v;
        } else if (emit && !strcmp(a, "--type")) {
            if (!(pr.event_type = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (emit && !strcmp(a, "--envelope")) {
            if (!(envelope_name = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (emit && !strcmp(a, "--serializer")) {
            if (!(serializer_name = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (emit && !strcmp(a, "--partition-key")) {
            if (!(pr.partition_key = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
        } else if (!emit && !strcmp(a, "-K")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (strlen(v) != 1) {
                kfk_cli_error(cmd, "-K takes one character");
                goto usage;
            }
            pr.keydelim = v[0];
        } else if (!strcmp(a, "-H")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            const char *eq = strchr(v, '=');
            if (!eq || pr.nheaders == 64 || (size_t)(eq - v) >= sizeof hdrbuf[0]) {
                kfk_cli_error(cmd, "-H %s: expected name=value", v);
                goto usage;
            }
            snprintf(hdrbuf[pr.nheaders], sizeof hdrbuf[0], "%.*s", (int)(eq - v), v);
            pr.headers[pr.nheaders] = (kfk_header_t){hdrbuf[pr.nheaders], eq + 1, strlen(eq + 1)};
            pr.nheaders++;
        } else if (!strcmp(a, "-z")) {
            char errstr[256];
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (kfk_conf_set(c.conf, "compression.type", v, errstr, sizeof errstr)) {
                kfk_cli_error(cmd, "-z: %s", errstr);
                goto usage;
            }
        } else if (!emit && !strcmp(a, "--format")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            if (!strcmp(v, "raw"))
                pr.format = FMT_RAW;
            else if (!strcmp(v, "json"))
                pr.format = FMT_JSON;
            else if (!strcmp(v, "msgpack"))
                pr.format = FMT_MSGPACK;
            else {
                kfk_cli_error(cmd, "--format %s: expected raw, json or msgpack", v);
                goto usage;
            }
        } else if (!emit && !strcmp(a, "--txn-records")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--txn-records", v, 1, INT32_MAX, &num))
                goto usage;
            pr.txn_records = num;
        } else if (!emit && !strcmp(a, "--abort-every")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)) ||
                kfk_cli_int(cmd, "--abort-every", v, 1, INT32_MAX, &num))
                goto usage;
            pr.abort_every = num;
        } else if (!strcmp(a, "--partition-by")) {
            if (!(v = kfk_cli_value(cmd, argc, argv, &i)))
                goto usage;
            pr.partition_by = v;
        } else {
            kfk_cli_error(cmd, "unknown option %s (see kfk %s --help)", a, cmd);
            goto usage;
        }
    }
    if (c.help) {
        fputs(emit ? emit_usage : produce_usage, stdout);
        kfk_cli_common_free(&c);
        return KFK_EXIT_OK;
    }
    if (!pr.topic) {
        kfk_cli_error(cmd, "give the topic with -t TOPIC");
        goto usage;
    }
    if (emit && kfk_cli_envelope(cmd, envelope_name, serializer_name, &pr.envelope))
        goto usage;
    if (emit && !pr.event_type && pr.envelope != KFK_ENVELOPE_NONE_JSON &&
        pr.envelope != KFK_ENVELOPE_NONE_MSGPACK) {
        kfk_cli_error(cmd, "give the event type with --type TYPE (only --envelope none goes "
                           "without)");
        goto usage;
    }
    if (emit && pr.partition_key && (pr.partition_by || pr.key)) {
        kfk_cli_error(cmd, "--partition-key: give one of --partition-by, --partition-key, -k");
        goto usage;
    }
    if (emit) {
        kfk_event_def_opts_t dopt = KFK_EVENT_DEF_OPTS_INIT;
        char derr[512];
        dopt.topic = pr.topic;
        dopt.type = pr.event_type;
        dopt.partition_by = pr.partition_by;
        dopt.partition_key = pr.partition_key;
        dopt.envelope = pr.envelope;
        if (kfk_event_def_new(&dopt, &pr.def, derr, sizeof derr)) {
            kfk_cli_error(cmd, "%s", derr);
            goto usage;
        }
    }
    char tid[256] = "";
    size_t tid_size = sizeof tid;
    if (kfk_conf_get(c.conf, "transactional.id", tid, &tid_size) != KFK_ERR_NONE)
        tid[0] = '\0';
    if ((pr.txn_records > 0) != (tid[0] != '\0')) {
        kfk_cli_error(cmd, pr.txn_records ? "--txn-records needs -X transactional.id=ID"
                                          : "transactional.id needs --txn-records N");
        goto usage;
    }
    if (pr.abort_every && !pr.txn_records) {
        kfk_cli_error(cmd, "--abort-every needs --txn-records N");
        goto usage;
    }
    if (pr.partition_by && pr.format == FMT_RAW) {
        kfk_cli_error(cmd, "--partition-by needs --format json or msgpack");
        goto usage;
    }
    {
        char m[32];
        size_t ms = sizeof m;
        pr.max_line = kfk_conf_get(c.conf, "message.max.bytes", m, &ms) == KFK_ERR_NONE
                          ? (size_t)atoll(m)
                          : (size_t)1 << 20;
        /* A JSON line shrinks as msgpack (spaces, quotes, digits): it may be longer. */
        if (pr.format == FMT_JSON || pr.format == FMT_EVENT)
            pr.max_line *= 4;
    }
    if ((rc = kfk_cli_common_finish(&c, cmd)) != 0) {
        kfk_event_def_free(pr.def);
        kfk_cli_common_free(&c);
        return rc;
    }
    uv_loop_init(&pr.loop);
    char errstr[512];
    pr.deadline_ms = c.deadline_ms;
    kfk_err_t err = kfk_producer_new(&pr.loop, c.conf, &pr.p, errstr, sizeof errstr);
    kfk_cli_common_free(&c);
    if (err) {
        kfk_cli_error(cmd, "%s", errstr);
        kfk_event_def_free(pr.def);
        uv_loop_close(&pr.loop);
        return err == KFK_ERR__INVALID_CONF ? KFK_EXIT_USAGE : KFK_EXIT_ERR;
    }
    if (emit && (err = kfk_emitter_new(pr.p, pr.envelope, &pr.emitter)) != 0) {
        kfk_cli_error(cmd, "%s", kfk_err_str(err));
        kfk_event_def_free(pr.def);
        kfk_producer_set_close_timeout(pr.p, 0);
        kfk_producer_close(pr.p, NULL, NULL);
        uv_run(&pr.loop, UV_RUN_DEFAULT);
        uv_loop_close(&pr.loop);
        return KFK_EXIT_ERR;
    }
    msgpack_sbuffer_init(&pr.sbuf);
    uv_idle_init(&pr.loop, &pr.idle);
    pr.idle.data = &pr;
    uv_timer_init(&pr.loop, &pr.deadline);
    pr.deadline.data = &pr;
    uv_timer_start(&pr.deadline, on_deadline, (uint64_t)pr.deadline_ms, 0);
    uv_unref((uv_handle_t *)&pr.deadline); /* it alone keeps no loop alive */
    uv_signal_init(&pr.loop, &pr.sigint);
    pr.sigint.data = &pr;
    uv_signal_start(&pr.sigint, on_sigint, SIGINT);
    uv_signal_init(&pr.loop, &pr.sigterm);
    pr.sigterm.data = &pr;
    uv_signal_start(&pr.sigterm, on_sigint, SIGTERM);
    kfk_cli_progress_init(&pr.progress, emit ? "emitted" : "produced", 0);
    /* A terminal, a pipe or a socket is polled; anything else (a file, /dev/null, a directory,
     * a closed stdin) cannot be (epoll refuses it) and is read with read(2), which says what is
     * wrong with it. */
    uv_handle_type in_type = uv_guess_handle(0);
    if (in_type == UV_TTY) {
        uv_tty_init(&pr.loop, &pr.tty, 0, 1);
        pr.in = (uv_stream_t *)&pr.tty;
    } else if (in_type != UV_NAMED_PIPE && in_type != UV_TCP) {
        pr.in_file = 1;
        uv_idle_start(&pr.idle, on_idle);
    } else {
        uv_pipe_init(&pr.loop, &pr.pipe, 0);
        uv_pipe_open(&pr.pipe, 0);
        pr.in = (uv_stream_t *)&pr.pipe;
    }
    if (pr.in)
        pr.in->data = &pr;
    if (pr.txn_records) {
        /* Input waits for the producer id (txn_resume starts it). */
        pr.txn_busy = 1;
        if (uv_is_active((uv_handle_t *)&pr.idle))
            uv_idle_stop(&pr.idle);
        if ((err = kfk_producer_init_txns(pr.p, on_txn, &pr)) != 0) {
            kfk_cli_error(cmd, "cannot start transactions: %s (%s)", kfk_err_str(err),
                          kfk_err_name(err));
            pr.exit_code = KFK_EXIT_ERR;
            pr.txn_busy = 0;
            pr.eof = 1;
            finish(&pr);
        }
    } else if (pr.in) {
        uv_read_start(pr.in, on_alloc, on_read);
        pr.reading = 1;
    }
    uv_run(&pr.loop, UV_RUN_DEFAULT);
    int closed = uv_loop_close(&pr.loop) == 0;
    kfk_cli_progress(&pr.progress, pr.delivered + pr.failed, 1);
    if (!pr.gave_up) /* else the one line said it all */
        fprintf(stderr, "kfk %s: %llu %s (%llu bytes) delivered to %s, %llu failed%s%s%s%s\n", cmd,
                (unsigned long long)pr.delivered, emit ? "events" : "records",
                (unsigned long long)pr.bytes, pr.topic, (unsigned long long)(pr.failed + pr.bad),
                pr.first_err ? ": " : "", pr.first_err ? kfk_err_str(pr.first_err) : "",
                pr.first_why[0] ? ": " : "", pr.first_why);
    if (pr.txn_records && !pr.gave_up)
        fprintf(stderr,
                "kfk %s: %llu transactions committed (%llu records), %llu aborted (%llu "
                "records)\n",
                cmd, (unsigned long long)pr.committed, (unsigned long long)pr.committed_recs,
                (unsigned long long)pr.aborted, (unsigned long long)pr.aborted_recs);
    free(pr.buf);
    kfk_event_def_free(pr.def);
    msgpack_sbuffer_destroy(&pr.sbuf);
    if (!closed)
        return KFK_EXIT_ERR;
    return pr.failed || pr.bad || pr.exit_code ? KFK_EXIT_ERR : KFK_EXIT_OK;
usage:
    kfk_event_def_free(pr.def);
    kfk_cli_common_free(&c);
    return KFK_EXIT_USAGE;
}
