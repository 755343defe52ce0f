/*
 * fault.c: the mock cluster's faults as data.
 *
 * A fault is a kfk_mock_fault_t: which requests it matches (API, broker, and for error faults
 * topic and partition) and what it does to them. The list is kept in the order faults were
 * added. Two hooks read it: handlers ask kfk__mock_fault_error once per partition (or group)
 * they answer for, and server.c asks kfk__mock_fault_wire once per request for what to do
 * with the answer's bytes (delay, close, cut, patch, replace, silence). Each hook looks only at
 * its own kind of fault; the first fault that matches applies and counts one use. A third hook,
 * kfk__mock_fault_records, is asked by Fetch once per partition answered: a records fault's
 * bytes, or a bomb fault's batch (fault_bomb.c, built once when the fault is added), become
 * that partition's records. A fault with
 * `skip` left lets that many matching requests through (counting each, while later faults may
 * still apply to them); a fault whose count reaches 0 is removed. Faults own copies of their
 * topic and bytes.
 *
 * The text form (kfk_mock_fault_parse, `kfk mock --fault`): faults separated by ';', each a
 * comma-separated list of key=value items with exactly one action, e.g.
 * "api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER;api=Metadata,truncate=20".
 * A spec is added whole or not at all, and every error names the fault and the token.
 *
 * Bounds: at most FAULT_MAX faults, FAULT_BYTES_MAX bytes per fault and FAULT_BYTES_TOTAL
 * bytes held in all, delays up to a day.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"

#define FAULT_MAX 10000
#define FAULT_BYTES_MAX ((size_t)16 << 20)
#define FAULT_BYTES_TOTAL ((size_t)64 << 20)
#define FAULT_DELAY_MAX_MS 86400000
#define FAULT_TOPIC_MAX 32767

typedef struct fault {
    kfk_mock_fault_t f; /* topic and bytes point into the copies below; count, skip count down */
    char *topic;
    size_t topic_len;
    uint8_t *bytes;
} fault_t;

typedef struct fault_state {
    fault_t **v; /* in the order added */
    size_t n, cap;
    size_t bytes;     /* held by the faults in v */
    fault_t *retired; /* a used-up wire fault whose bytes server.c may still be reading */
} fault_state_t;

static void fault_free(fault_t *f) {
    if (!f)
        return;
    kfk__free(f->topic);
    kfk__free(f->bytes);
    kfk__free(f);
}

/* The kinds matched per partition (topic and partition) rather than per answer. */
static int matches_partitions(kfk_mock_fault_kind_t kind) {
    return kind == KFK_MOCK_FAULT_ERROR || kind == KFK_MOCK_FAULT_RECORDS ||
           kind == KFK_MOCK_FAULT_BOMB;
}

/* The state, or NULL when there is none (no fault was ever added, or the mock closed). */
static fault_state_t *state_of(const kfk_mock_t *m) {
    return m ? (fault_state_t *)m->fault_state : NULL;
}

/* Frees the retired fault: its bytes were valid until this call into fault.c. */
static void retired_drop(fault_state_t *s) {
    if (s && s->retired) {
        fault_free(s->retired);
        s->retired = NULL;
    }
}

static fault_state_t *state_get(kfk_mock_t *m) {
    fault_state_t *s = state_of(m);
    if (!s) {
        s = kfk__calloc(1, sizeof(*s));
        m->fault_state = s;
    }
    return s;
}

/*
 * Checks one fault's fields; on a bad one writes why (no prefix) and returns
 * KFK_ERR__INVALID_ARG.
 */
static kfk_err_t fault_check(const kfk_mock_t *m, const kfk_mock_fault_t *f, char *why,
                             size_t why_size) {
    if (f->kind < KFK_MOCK_FAULT_ERROR || f->kind > KFK_MOCK_FAULT_BOMB) {
        kfk__errstr_set(why, why_size, "unknown kind %d", (int)f->kind);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->api_key < -1) {
        kfk__errstr_set(why, why_size, "api %d out of range (-1: any)", (int)f->api_key);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->broker < -1 ||
        (f->broker != -1 && m->o.brokers > 0 && (f->broker < 1 || f->broker > m->o.brokers))) {
        kfk__errstr_set(why, why_size, "no broker %d (the mock has brokers 1..%d)", (int)f->broker,
                        (int)m->o.brokers);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->topic && (!f->topic[0] || strlen(f->topic) > FAULT_TOPIC_MAX)) {
        kfk__errstr_set(why, why_size, "topic must be 1..%d bytes", FAULT_TOPIC_MAX);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->partition < -1) {
        kfk__errstr_set(why, why_size, "partition %d out of range (-1: any)", (int)f->partition);
        return KFK_ERR__INVALID_ARG;
    }
    if (!matches_partitions(f->kind) && (f->topic || f->partition != -1)) {
        kfk__errstr_set(why, why_size,
                        "topic and partition match error, records and bomb faults only (a wire "
                        "fault applies to a whole request)");
        return KFK_ERR__INVALID_ARG;
    }
    if ((f->kind == KFK_MOCK_FAULT_RECORDS || f->kind == KFK_MOCK_FAULT_BOMB) && f->api_key != -1 &&
        f->api_key != KFK_API_FETCH) {
        kfk__errstr_set(why, why_size, "records and bomb faults bend Fetch answers only (api %d)",
                        (int)f->api_key);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->count == 0 || f->count < -1) {
        kfk__errstr_set(why, why_size, "count %d out of range (1 or more, -1: every request)",
                        (int)f->count);
        return KFK_ERR__INVALID_ARG;
    }
    if (f->skip < 0) {
        kfk__errstr_set(why, why_size, "skip %d is negative", (int)f->skip);
        return KFK_ERR__INVALID_ARG;
    }
    switch (f->kind) {
    case KFK_MOCK_FAULT_ERROR:
        if (f->error == 0 || f->error < INT16_MIN || f->error > INT16_MAX) {
            kfk__errstr_set(why, why_size, "error code %d is not a non-zero 16-bit code",
                            (int)f->error);
            return KFK_ERR__INVALID_ARG;
        }
        break;
    case KFK_MOCK_FAULT_DELAY:
        if (f->delay_ms < 0 || f->delay_ms > FAULT_DELAY_MAX_MS) {
            kfk__errstr_set(why, why_size, "delay %lld ms out of range (0..%d)",
                            (long long)f->delay_ms, FAULT_DELAY_MAX_MS);
            return KFK_ERR__INVALID_ARG;
        }
        break;
    case KFK_MOCK_FAULT_TRUNCATE:
        if (f->at < 0) {
            kfk__errstr_set(why, why_size, "truncate at %lld is negative", (long long)f->at);
            return KFK_ERR__INVALID_ARG;
        }
        break;
    case KFK_MOCK_FAULT_BOMB:
        if (f->bomb_codec < KFK_CODEC_GZIP || f->bomb_codec > KFK_CODEC_ZSTD) {
            kfk__errstr_set(why, why_size, "bomb codec %d is not gzip, snappy, lz4 or zstd",
                            (int)f->bomb_codec);
            return KFK_ERR__INVALID_ARG;
        }
        if (f->bomb_bytes < 1 || f->bomb_bytes > KFK__MOCK_BOMB_BYTES_MAX) {
            kfk__errstr_set(why, why_size, "bomb of %lld bytes out of range (1..%lld)",
                            (long long)f->bomb_bytes, (long long)KFK__MOCK_BOMB_BYTES_MAX);
            return KFK_ERR__INVALID_ARG;
        }
        break;
    case KFK_MOCK_FAULT_PATCH:
    case KFK_MOCK_FAULT_REPLACE:
    case KFK_MOCK_FAULT_RECORDS:
        if (f->kind == KFK_MOCK_FAULT_PATCH && (f->at < 0 || f->at > INT32_MAX)) {
            kfk__errstr_set(why, why_size, "patch offset %lld out of range (0..%d)",
                            (long long)f->at, INT32_MAX);
            return KFK_ERR__INVALID_ARG;
        }
        if (!f->bytes || f->bytes_len == 0 || f->bytes_len > FAULT_BYTES_MAX) {
            kfk__errstr_set(why, why_size,
                            "%zu bytes: a patch, replacement or records needs 1..%zu bytes",
                            f->bytes ? f->bytes_len : (size_t)0, FAULT_BYTES_MAX);
            return KFK_ERR__INVALID_ARG;
        }
        break;
    default:
        break;
    }
    return KFK_ERR_NONE;
}

/* The bytes a fault holds against FAULT_BYTES_TOTAL (its patch, replacement or records; a
 * bomb's batch is bounded on its own, by KFK__MOCK_BOMB_OUT_MAX). */
static size_t fault_bytes(const fault_t *f) {
    return f->bytes && f->f.kind != KFK_MOCK_FAULT_BOMB ? f->f.bytes_len : 0;
}

/*
 * Builds the batch of a bomb fault @p f (its bytes, cached for every use); other kinds are left
 * alone. KFK_ERR__INVALID_ARG or _UNSUPPORTED_COMPRESSION with why, KFK_ERR__NOMEM.
 */
static kfk_err_t fault_arm(fault_t *f, char *why, size_t why_size) {
    uint8_t *b = NULL;
    size_t n = 0;
    kfk_err_t err;
    if (f->f.kind != KFK_MOCK_FAULT_BOMB)
        return KFK_ERR_NONE;
    err = kfk__mock_bomb_build(f->f.bomb_codec, f->f.bomb_no_size, f->f.bomb_bytes, &b, &n, why,
                               why_size);
    if (err)
        return err;
    kfk__free(f->bytes);
    f->bytes = b;
    f->f.bytes = b;
    f->f.bytes_len = n;
    return KFK_ERR_NONE;
}

/* Makes room for @p more faults holding @p bytes more bytes, within the bounds. */
static kfk_err_t state_reserve(fault_state_t *s, size_t more, size_t bytes, char *why,
                               size_t why_size) {
    if (more > FAULT_MAX - s->n) {
        kfk__errstr_set(why, why_size, "too many faults (at most %d at a time)", FAULT_MAX);
        return KFK_ERR__INVALID_ARG;
    }
    if (bytes > FAULT_BYTES_TOTAL - s->bytes) {
        kfk__errstr_set(why, why_size, "faults would hold more than %zu bytes in all",
                        FAULT_BYTES_TOTAL);
        return KFK_ERR__INVALID_ARG;
    }
    if (s->n + more > s->cap) {
        size_t cap = s->cap ? s->cap : 8;
        while (cap < s->n + more)
            cap *= 2;
        if (cap > FAULT_MAX)
            cap = FAULT_MAX;
        fault_t **v = kfk__realloc(s->v, cap * sizeof(*v));
        if (!v) {
            kfk__errstr_set(why, why_size, "out of memory");
            return KFK_ERR__NOMEM;
        }
        s->v = v;
        s->cap = cap;
    }
    return KFK_ERR_NONE;
}

/* A copy of @p in that owns its topic and bytes, or NULL (out of memory). */
static fault_t *fault_copy(const kfk_mock_fault_t *in) {
    fault_t *f = kfk__calloc(1, sizeof(*f));
    if (!f)
        return NULL;
    f->f = *in;
    f->f.topic = NULL;
    f->f.bytes = NULL;
    if (in->topic) {
        f->topic_len = strlen(in->topic);
        f->topic = kfk__strndup(in->topic, f->topic_len);
        if (!f->topic)
            goto fail;
        f->f.topic = f->topic;
    }
    if (in->kind == KFK_MOCK_FAULT_PATCH || in->kind == KFK_MOCK_FAULT_REPLACE ||
        in->kind == KFK_MOCK_FAULT_RECORDS) {
        f->bytes = kfk__malloc(in->bytes_len);
        if (!f->bytes)
            goto fail;
        memcpy(f->bytes, in->bytes, in->bytes_len);
        f->f.bytes = f->bytes;
    } else {
        f->f.bytes_len = 0;
    }
    return f;
fail:
    fault_free(f);
    return NULL;
}

/* Appends faults (room reserved) and takes them over. */
static void state_append(fault_state_t *s, fault_t **fs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        s->bytes += fault_bytes(fs[i]);
        s->v[s->n++] = fs[i];
    }
}

/* Takes fault @p i out of the list; returns it (the caller frees or retires it). */
static fault_t *state_remove(fault_state_t *s, size_t i) {
    fault_t *f = s->v[i];
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(*s->v));
    s->n--;
    s->bytes -= fault_bytes(f);
    return f;
}

kfk_err_t kfk_mock_fault_add(kfk_mock_t *m, const kfk_mock_fault_t *fault) {
    kfk_mock_fault_t in = KFK_MOCK_FAULT_INIT;
    fault_state_t *s;
    fault_t *f;
    kfk_err_t err;
    if (!m || !fault || fault->struct_size == 0)
        return KFK_ERR__INVALID_ARG;
    if (m->closing)
        return KFK_ERR__DESTROYED;
    /* Read what the caller's struct has (an older, smaller one leaves the defaults). */
    memcpy(&in, fault, fault->struct_size < sizeof(in) ? fault->struct_size : sizeof(in));
    in.struct_size = sizeof(in);
    retired_drop(state_of(m));
    if ((err = fault_check(m, &in, NULL, 0)) != KFK_ERR_NONE)
        return err;
    if (!(s = state_get(m)))
        return KFK_ERR__NOMEM;
    if ((err = state_reserve(s, 1, in.bytes_len, NULL, 0)) != KFK_ERR_NONE)
        return err;
    if (!(f = fault_copy(&in)))
        return KFK_ERR__NOMEM;
    if ((err = fault_arm(f, NULL, 0)) != KFK_ERR_NONE) {
        fault_free(f);
        return err;
    }
    state_append(s, &f, 1);
    return KFK_ERR_NONE;
}

void kfk_mock_fault_clear(kfk_mock_t *m) {
    fault_state_t *s = state_of(m);
    if (!s)
        return;
    retired_drop(s);
    for (size_t i = 0; i < s->n; i++)
        fault_free(s->v[i]);
    s->n = 0;
    s->bytes = 0;
}

/*
 * Frees every fault and the state (kfk_mock_close's call; fault.c holds no uv handle).
 * Afterwards the hooks find no fault and kfk_mock_fault_add is refused by m->closing.
 */
void kfk__mock_fault_close(kfk_mock_t *m) {
    fault_state_t *s = state_of(m);
    if (!s)
        return;
    kfk_mock_fault_clear(m);
    kfk__free(s->v);
    kfk__free(s);
    m->fault_state = NULL;
}

/*
 * One matching request for fault @p i: 0 if the fault lets it through (skip left), else 1,
 * with the fault's use counted (and the fault removed when used up: freed, or kept in
 * s->retired when @p keep_bytes, because its bytes go back to the caller).
 */
static int fault_use(fault_state_t *s, size_t i, int keep_bytes) {
    fault_t *f = s->v[i];
    if (f->f.skip > 0) {
        f->f.skip--;
        return 0;
    }
    if (f->f.count > 0 && --f->f.count == 0) {
        state_remove(s, i);
        if (keep_bytes)
            s->retired = f;
        else
            fault_free(f);
    }
    return 1;
}

/*
 * The error-code hook for handlers (mock_int.h): the code of the first error fault that
 * matches, counting one use, or 0.
 */
int16_t kfk__mock_fault_error(kfk_mock_t *m, int16_t api_key, int32_t broker, const char *topic,
                              size_t topic_len, int32_t partition) {
    fault_state_t *s = state_of(m);
    if (!s)
        return 0;
    retired_drop(s);
    for (size_t i = 0; i < s->n; i++) {
        const fault_t *f = s->v[i];
        int16_t code = (int16_t)f->f.error;
        if (f->f.kind != KFK_MOCK_FAULT_ERROR)
            continue;
        if (f->f.api_key != -1 && f->f.api_key != api_key)
            continue;
        if (f->f.broker != -1 && f->f.broker != broker)
            continue;
        if (f->topic &&
            (!topic || topic_len != f->topic_len || memcmp(topic, f->topic, topic_len) != 0))
            continue;
        if (f->f.partition != -1 && f->f.partition != partition)
            continue;
        if (fault_use(s, i, 0))
            return code;
    }
    return 0;
}

/*
 * The wire hook for server.c (mock_int.h): the first wire fault that matches @p api_key and
 * @p broker, counting one use; 1 with @p w filled, or 0. w->bytes stays valid until the next
 * call into fault.c, even when that was the fault's last use.
 */
int kfk__mock_fault_wire(kfk_mock_t *m, int16_t api_key, int32_t broker, kfk__mock_wire_t *w) {
    fault_state_t *s = state_of(m);
    if (!s)
        return 0;
    retired_drop(s);
    for (size_t i = 0; i < s->n; i++) {
        fault_t *f = s->v[i];
        if (matches_partitions(f->f.kind))
            continue;
        if (f->f.api_key != -1 && f->f.api_key != api_key)
            continue;
        if (f->f.broker != -1 && f->f.broker != broker)
            continue;
        /* Read the fault before its last use may retire it (it stays allocated until then). */
        w->kind = f->f.kind;
        w->delay_ms = f->f.delay_ms;
        w->at = f->f.at;
        w->bytes = f->bytes;
        w->bytes_len = fault_bytes(f);
        if (fault_use(s, i, 1))
            return 1;
    }
    memset(w, 0, sizeof(*w));
    w->kind = KFK_MOCK_FAULT_ERROR;
    return 0;
}

/*
 * The records hook for Fetch answers (mock_int.h): the first records or bomb fault matching
 * @p broker, @p topic and @p partition; counted when @p use, peeked otherwise.
 */
int kfk__mock_fault_records(kfk_mock_t *m, int32_t broker, const char *topic, size_t topic_len,
                            int32_t partition, int use, const uint8_t **bytes, size_t *len) {
    fault_state_t *s = state_of(m);
    if (!s)
        return 0;
    retired_drop(s);
    for (size_t i = 0; i < s->n; i++) {
        fault_t *f = s->v[i];
        int kind = (int)f->f.kind;
        if (kind != KFK_MOCK_FAULT_RECORDS && kind != KFK_MOCK_FAULT_BOMB)
            continue;
        if (f->f.broker != -1 && f->f.broker != broker)
            continue;
        if (f->topic &&
            (!topic || topic_len != f->topic_len || memcmp(topic, f->topic, topic_len) != 0))
            continue;
        if (f->f.partition != -1 && f->f.partition != partition)
            continue;
        if (!use) {
            if (f->f.skip > 0)
                continue;
            return kind;
        }
        if (bytes)
            *bytes = f->bytes;
        if (len)
            *len = f->f.bytes_len;
        if (fault_use(s, i, 1))
            return kind;
    }
    return 0;
}

/* Faults held now (unit tests). */
size_t kfk__mock_fault_count(const kfk_mock_t *m) {
    const fault_state_t *s = state_of(m);
    return s ? s->n : 0;
}

/*
 * Fault @p i in the order added, or NULL past the end (unit tests): its count and skip are
 * what is left of them; the pointer is valid until the next call into fault.c.
 */
const kfk_mock_fault_t *kfk__mock_fault_at(const kfk_mock_t *m, size_t i) {
    const fault_state_t *s = state_of(m);
    return s && i < s->n ? &s->v[i]->f : NULL;
}

/* ---- the text form ------------------------------------------------------------------------ */

/* A token for an error message: at most 40 bytes of it. */
#define TOK_FMT "'%.*s%s'"
#define TOK_ARG(t, n) (int)((n) > 40 ? 40 : (n)), (t), ((n) > 40 ? "..." : "")

/* Parses a decimal integer making up all of s[0..n) within [lo, hi]. */
static int parse_int(const char *s, size_t n, int64_t lo, int64_t hi, int64_t *out) {
    char buf[24];
    char *end;
    long long v;
    if (n == 0 || n >= sizeof(buf))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]) && !(i == 0 && s[i] == '-' && n > 1))
            return -1;
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoll(buf, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int ieq(const char *a, size_t an, const char *b) {
    size_t bn = strlen(b);
    if (an != bn)
        return 0;
    for (size_t i = 0; i < an; i++) {
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
            return 0;
    }
    return 1;
}

static int is_number(const char *s, size_t n) {
    return n > 0 && (isdigit((unsigned char)s[0]) || (s[0] == '-' && n > 1));
}

/* An API by Kafka's name (any case) or number; -1 (no such API) on failure. */
static int api_parse(const char *s, size_t n, int16_t *out) {
    size_t count = 0;
    const kfk_api_t *apis = kfk_api_list(&count);
    int64_t v;
    if (is_number(s, n)) {
        if (parse_int(s, n, 0, INT16_MAX, &v) != 0)
            return -1;
        *out = (int16_t)v;
        return 0;
    }
    for (size_t i = 0; i < count; i++) {
        if (ieq(s, n, apis[i].name)) {
            *out = apis[i].key;
            return 0;
        }
    }
    return -1;
}

/* Kafka's error codes by name, from the one error table. */
#define FAULT_ERR_ROW_(name, num, flags, text) {#name, num},
static const struct {
    const char *name;
    int code;
} err_names[] = {KFK_ERR_KAFKA_MAP(FAULT_ERR_ROW_)};
#undef FAULT_ERR_ROW_

/* A Kafka error by name (any case, "KFK_ERR_" prefix optional) or number; -1 on failure. */
static int error_parse(const char *s, size_t n, kfk_err_t *out) {
    int64_t v;
    if (is_number(s, n)) {
        if (parse_int(s, n, INT16_MIN, INT16_MAX, &v) != 0 || v == 0)
            return -1;
        *out = (kfk_err_t)v;
        return 0;
    }
    if (n > 8 && ieq(s, 8, "KFK_ERR_")) {
        s += 8;
        n -= 8;
    }
    for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++) {
        if (ieq(s, n, err_names[i].name)) {
            *out = (kfk_err_t)err_names[i].code;
            return 0;
        }
    }
    return -1;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex digits (an even number, 2..2*FAULT_BYTES_MAX) into a new buffer; NULL with *why set. */
static uint8_t *hex_parse(const char *s, size_t n, size_t *len, const char **why) {
    uint8_t *b;
    if (n == 0 || n % 2) {
        *why = "an even number of hex digits";
        return NULL;
    }
    if (n / 2 > FAULT_BYTES_MAX) {
        *why = "at most 16 MiB";
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (hexval(s[i]) < 0) {
            *why = "hex digits only";
            return NULL;
        }
    }
    if (!(b = kfk__malloc(n / 2))) {
        *why = "out of memory";
        return NULL;
    }
    for (size_t i = 0; i < n / 2; i++)
        b[i] = (uint8_t)(hexval(s[2 * i]) << 4 | hexval(s[2 * i + 1]));
    *len = n / 2;
    return b;
}

/* Trims spaces around s[0..*n). */
static const char *trim(const char *s, size_t *n) {
    while (*n && isspace((unsigned char)s[0])) {
        s++;
        (*n)--;
    }
    while (*n && isspace((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

enum { K_API, K_BROKER, K_TOPIC, K_PARTITION, K_COUNT, K_SKIP, K_ACTION };

static const struct {
    const char *name;
    int slot;
} fault_keys[] = {
    {"api", K_API},        {"broker", K_BROKER},
    {"topic", K_TOPIC},    {"partition", K_PARTITION},
    {"count", K_COUNT},    {"skip", K_SKIP},
    {"error", K_ACTION},   {"delay", K_ACTION},
    {"close", K_ACTION},   {"truncate", K_ACTION},
    {"silence", K_ACTION}, {"patch", K_ACTION},
    {"replace", K_ACTION}, {"records", K_ACTION},
    {"bomb", K_ACTION},
};

/*
 * Parses one fault (the text s[0..n), fault number @p no) into a new fault_t; NULL with the
 * reason in errstr (*nomem set when memory ran out).
 */
static fault_t *parse_one(const kfk_mock_t *m, const char *s, size_t n, int no, char *errstr,
                          size_t errstr_size, int *nomem) {
    kfk_mock_fault_t in = KFK_MOCK_FAULT_INIT;
    const char *seen[K_ACTION + 1] = {0};
    size_t seen_len[K_ACTION + 1] = {0};
    char *topic = NULL;
    uint8_t *bytes = NULL;
    fault_t *f = NULL;
    char why[160];
    const char *p = s, *end = s + n;

    while (p <= end) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *item_end = comma ? comma : end;
        size_t item_n = (size_t)(item_end - p), key_n, val_n = 0;
        const char *item = trim(p, &item_n), *eq, *key, *val = NULL;
        int64_t v;
        int slot = -1;
        p = item_end + 1;
        if (item_n == 0) {
            kfk__errstr_set(errstr, errstr_size,
                            "fault %d: empty item (items are key=value, separated by ',')", no);
            goto fail;
        }
        eq = memchr(item, '=', item_n);
        key = item;
        key_n = eq ? (size_t)(eq - item) : item_n;
        key = trim(key, &key_n);
        if (eq) {
            val_n = (size_t)(item + item_n - eq - 1);
            val = trim(eq + 1, &val_n);
        }
        for (size_t k = 0; k < sizeof(fault_keys) / sizeof(fault_keys[0]); k++) {
            if (ieq(key, key_n, fault_keys[k].name))
                slot = fault_keys[k].slot;
        }
        if (slot < 0) {
            kfk__errstr_set(errstr, errstr_size, "fault %d: unknown key " TOK_FMT, no,
                            TOK_ARG(key, key_n));
            goto fail;
        }
        if (seen[slot]) {
            if (slot == K_ACTION)
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: more than one action (" TOK_FMT " and " TOK_FMT ")", no,
                                TOK_ARG(seen[slot], seen_len[slot]), TOK_ARG(key, key_n));
            else
                kfk__errstr_set(errstr, errstr_size, "fault %d: " TOK_FMT " given twice", no,
                                TOK_ARG(key, key_n));
            goto fail;
        }
        seen[slot] = key;
        seen_len[slot] = key_n;
        if (ieq(key, key_n, "silence")) {
            if (eq) {
                kfk__errstr_set(errstr, errstr_size, "fault %d: 'silence' takes no value", no);
                goto fail;
            }
            in.kind = KFK_MOCK_FAULT_SILENCE;
            continue;
        }
        if (!eq || val_n == 0) {
            kfk__errstr_set(errstr, errstr_size, "fault %d: " TOK_FMT " needs a value (key=value)",
                            no, TOK_ARG(key, key_n));
            goto fail;
        }
        switch (slot) {
        case K_API:
            if (api_parse(val, val_n, &in.api_key) != 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: unknown API " TOK_FMT
                                " (a name such as Produce, or a number)",
                                no, TOK_ARG(val, val_n));
                goto fail;
            }
            continue;
        case K_BROKER:
        case K_PARTITION:
        case K_SKIP:
            if (parse_int(val, val_n, slot == K_BROKER ? 1 : 0, INT32_MAX, &v) != 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad %s " TOK_FMT " (a number %d or more)", no,
                                slot == K_BROKER ? "broker"
                                : slot == K_SKIP ? "skip"
                                                 : "partition",
                                TOK_ARG(val, val_n), slot == K_BROKER ? 1 : 0);
                goto fail;
            }
            if (slot == K_BROKER)
                in.broker = (int32_t)v;
            else if (slot == K_SKIP)
                in.skip = (int32_t)v;
            else
                in.partition = (int32_t)v;
            continue;
        case K_TOPIC:
            if (val_n > FAULT_TOPIC_MAX || !(topic = kfk__strndup(val, val_n))) {
                if (val_n > FAULT_TOPIC_MAX)
                    kfk__errstr_set(errstr, errstr_size, "fault %d: topic longer than %d bytes", no,
                                    FAULT_TOPIC_MAX);
                else
                    *nomem = 1;
                goto fail;
            }
            in.topic = topic;
            continue;
        case K_COUNT:
            if (ieq(val, val_n, "all")) {
                in.count = -1;
                continue;
            }
            if (parse_int(val, val_n, -1, INT32_MAX, &v) != 0 || v == 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad count " TOK_FMT " (1 or more, or all)", no,
                                TOK_ARG(val, val_n));
                goto fail;
            }
            in.count = (int32_t)v;
            continue;
        default:
            break;
        }
        /* The actions with a value. */
        if (ieq(key, key_n, "error")) {
            in.kind = KFK_MOCK_FAULT_ERROR;
            if (error_parse(val, val_n, &in.error) != 0) {
                kfk__errstr_set(
                    errstr, errstr_size,
                    "fault %d: unknown error " TOK_FMT
                    " (a Kafka error name such as NOT_LEADER_OR_FOLLOWER, or a non-zero number)",
                    no, TOK_ARG(val, val_n));
                goto fail;
            }
        } else if (ieq(key, key_n, "delay")) {
            in.kind = KFK_MOCK_FAULT_DELAY;
            if (parse_int(val, val_n, 0, FAULT_DELAY_MAX_MS, &in.delay_ms) != 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad delay " TOK_FMT " (milliseconds, 0..%d)", no,
                                TOK_ARG(val, val_n), FAULT_DELAY_MAX_MS);
                goto fail;
            }
        } else if (ieq(key, key_n, "close")) {
            if (ieq(val, val_n, "before")) {
                in.kind = KFK_MOCK_FAULT_CLOSE_BEFORE;
            } else if (ieq(val, val_n, "after")) {
                in.kind = KFK_MOCK_FAULT_CLOSE_AFTER;
            } else {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad close " TOK_FMT " (before or after)", no,
                                TOK_ARG(val, val_n));
                goto fail;
            }
        } else if (ieq(key, key_n, "truncate")) {
            in.kind = KFK_MOCK_FAULT_TRUNCATE;
            if (parse_int(val, val_n, 0, INT32_MAX, &in.at) != 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad truncate " TOK_FMT " (bytes kept, 0 or more)", no,
                                TOK_ARG(val, val_n));
                goto fail;
            }
        } else if (ieq(key, key_n, "bomb")) {
            /* bomb=CODEC:BYTES */
            const char *colon = memchr(val, ':', val_n);
            size_t codec_n = colon ? (size_t)(colon - val) : 0;
            in.kind = KFK_MOCK_FAULT_BOMB;
            if (colon && ieq(val, codec_n, "zstd-nosize")) {
                in.bomb_codec = KFK_CODEC_ZSTD;
                in.bomb_no_size = 1;
            } else if (colon && ieq(val, codec_n, "gzip")) {
                in.bomb_codec = KFK_CODEC_GZIP;
            } else if (colon && ieq(val, codec_n, "snappy")) {
                in.bomb_codec = KFK_CODEC_SNAPPY;
            } else if (colon && ieq(val, codec_n, "lz4")) {
                in.bomb_codec = KFK_CODEC_LZ4;
            } else if (colon && ieq(val, codec_n, "zstd")) {
                in.bomb_codec = KFK_CODEC_ZSTD;
            } else {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad bomb " TOK_FMT
                                " (CODEC:BYTES, CODEC one of gzip, snappy, lz4, zstd, zstd-nosize)",
                                no, TOK_ARG(val, val_n));
                goto fail;
            }
            if (parse_int(colon + 1, val_n - codec_n - 1, 1, KFK__MOCK_BOMB_BYTES_MAX,
                          &in.bomb_bytes) != 0) {
                kfk__errstr_set(errstr, errstr_size,
                                "fault %d: bad bomb size " TOK_FMT " (bytes, 1..%lld)", no,
                                TOK_ARG(val, val_n), (long long)KFK__MOCK_BOMB_BYTES_MAX);
                goto fail;
            }
        } else {
            /* patch=OFFSET:HEX, replace=HEX or records=HEX */
            const char *hex = val, *hex_why = NULL;
            size_t hex_n = val_n;
            if (ieq(key, key_n, "patch")) {
                const char *colon = memchr(val, ':', val_n);
                size_t off_n = colon ? (size_t)(colon - val) : 0;
                in.kind = KFK_MOCK_FAULT_PATCH;
                if (!colon || parse_int(val, off_n, 0, INT32_MAX, &in.at) != 0) {
                    kfk__errstr_set(errstr, errstr_size,
                                    "fault %d: bad patch " TOK_FMT
                                    " (OFFSET:HEX, the offset counted from "
                                    "the frame's size field)",
                                    no, TOK_ARG(val, val_n));
                    goto fail;
                }
                hex = colon + 1;
                hex_n = val_n - off_n - 1;
            } else if (ieq(key, key_n, "records")) {
                in.kind = KFK_MOCK_FAULT_RECORDS;
            } else {
                in.kind = KFK_MOCK_FAULT_REPLACE;
            }
            if (!(bytes = hex_parse(hex, hex_n, &in.bytes_len, &hex_why))) {
                if (strcmp(hex_why, "out of memory") == 0)
                    *nomem = 1;
                kfk__errstr_set(errstr, errstr_size, "fault %d: bad bytes " TOK_FMT " in %.*s (%s)",
                                no, TOK_ARG(hex, hex_n), (int)key_n, key, hex_why);
                goto fail;
            }
            in.bytes = bytes;
        }
    }
    if (!seen[K_ACTION]) {
        kfk__errstr_set(
            errstr, errstr_size,
            "fault %d: no action (one of error=, delay=, close=, truncate=, silence, patch=, "
            "replace=, records=, bomb=)",
            no);
        goto fail;
    }
    if ((in.kind == KFK_MOCK_FAULT_RECORDS || in.kind == KFK_MOCK_FAULT_BOMB) && !seen[K_API])
        in.api_key = KFK_API_FETCH;
    if (fault_check(m, &in, why, sizeof(why)) != KFK_ERR_NONE) {
        kfk__errstr_set(errstr, errstr_size, "fault %d: %s", no, why);
        goto fail;
    }
    if (!(f = kfk__calloc(1, sizeof(*f)))) {
        *nomem = 1;
        goto fail;
    }
    /* The fault takes over the buffers parsed above. */
    f->f = in;
    f->topic = topic;
    f->topic_len = topic ? strlen(topic) : 0;
    f->bytes = bytes;
    bytes = NULL;
    topic = NULL;
    if (fault_arm(f, why, sizeof(why)) != KFK_ERR_NONE) {
        kfk__errstr_set(errstr, errstr_size, "fault %d: %s", no, why);
        fault_free(f);
        return NULL;
    }
    return f;
fail:
    if (*nomem)
        kfk__errstr_set(errstr, errstr_size, "fault %d: out of memory", no);
    kfk__free(topic);
    kfk__free(bytes);
    return NULL;
}

kfk_err_t kfk_mock_fault_parse(kfk_mock_t *m, const char *spec, char *errstr, size_t errstr_size) {
    fault_t **fs = NULL;
    size_t n = 0, cap = 0, bytes = 0;
    const char *p, *end;
    fault_state_t *s;
    kfk_err_t err = KFK_ERR__INVALID_ARG;
    char why[160];
    int nomem = 0;

    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!m || !spec) {
        kfk__errstr_set(errstr, errstr_size, "no mock or no spec");
        return KFK_ERR__INVALID_ARG;
    }
    if (m->closing) {
        kfk__errstr_set(errstr, errstr_size, "the mock is closing");
        return KFK_ERR__DESTROYED;
    }
    retired_drop(state_of(m));
    p = spec;
    end = spec + strlen(spec);
    while (p <= end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *seg_end = semi ? semi : end;
        size_t seg_n = (size_t)(seg_end - p);
        const char *seg = trim(p, &seg_n);
        fault_t *f;
        p = seg_end + 1;
        if (seg_n == 0)
            continue; /* "a;;b" and a trailing ';' */
        if (n == FAULT_MAX) {
            kfk__errstr_set(errstr, errstr_size,
                            "fault %zu: too many faults (at most %d at a time)", n + 1, FAULT_MAX);
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            fault_t **nfs = kfk__realloc(fs, ncap * sizeof(*nfs));
            if (!nfs) {
                nomem = 1;
                kfk__errstr_set(errstr, errstr_size, "fault %zu: out of memory", n + 1);
                goto out;
            }
            fs = nfs;
            cap = ncap;
        }
        if (!(f = parse_one(m, seg, seg_n, (int)n + 1, errstr, errstr_size, &nomem)))
            goto out;
        fs[n++] = f;
        if (fault_bytes(f) > FAULT_BYTES_TOTAL - bytes) {
            kfk__errstr_set(errstr, errstr_size,
                            "fault %zu: faults would hold more than %zu bytes in all", n,
                            FAULT_BYTES_TOTAL);
            goto out;
        }
        bytes += fault_bytes(f);
    }
    if (n == 0) {
        kfk__errstr_set(errstr, errstr_size, "no fault in the spec");
        goto out;
    }
    if (!(s = state_get(m))) {
        nomem = 1;
        kfk__errstr_set(errstr, errstr_size, "out of memory");
        goto out;
    }
    if ((err = state_reserve(s, n, bytes, why, sizeof(why))) != KFK_ERR_NONE) {
        kfk__errstr_set(errstr, errstr_size, "%s", why);
        goto out;
    }
    state_append(s, fs, n);
    n = 0;
    err = KFK_ERR_NONE;
out:
    if (nomem)
        err = KFK_ERR__NOMEM;
    for (size_t i = 0; i < n; i++)
        fault_free(fs[i]);
    kfk__free(fs);
    return err;
}
