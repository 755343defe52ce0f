/*
 * conf.c: kfk_conf_t, configuration set by Kafka's standard property names (conf_props.h).
 * Every value is checked when set: an unknown name, a malformed number, a value out of range or
 * an unknown enum choice is an error naming the property. Secrets are redacted in dumps and
 * wiped before their memory is freed. The same table, as kfk_conf_property_t rows, is the
 * public description of every property (kfk_conf_property, `kfk config`).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/core/conf.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"

typedef enum { T_INT, T_BOOL, T_STR, T_ENUM } ptype_t;

typedef struct {
    const char *name;
    ptype_t type;
    const char *dflt;
    int64_t min, max;
    int flags;
    const char *choices; /* ENUM: "a|b|c"; a STR list's accepted items; "" otherwise */
    const char *aliases; /* "a|b" or "" */
    size_t offset;
} prop_t;

#define PROP_(pname, field, type, dflt, pmin, pmax, pflags, pchoices, paliases, pobjects, pdoc)    \
    {pname,    T_##type, dflt,                                                                     \
     pmin,     pmax,     pflags,                                                                   \
     pchoices, paliases, offsetof(struct kfk_conf, field)},
static const prop_t props[] = {KFK_CONF_PROPS(PROP_)};
#undef PROP_

/* The public rows (kfk.h): the same table, every field as text. */
#define PUB_TYPE_INT(choices) "int"
#define PUB_TYPE_BOOL(choices) "bool"
#define PUB_TYPE_ENUM(choices) "enum"
#define PUB_TYPE_STR(choices) (sizeof(choices) > 1 ? "list" : "string")
#define PUB_NUM_INT(n) #n
#define PUB_NUM_BOOL(n) NULL
#define PUB_NUM_ENUM(n) NULL
#define PUB_NUM_STR(n) NULL
#define PUB_(pname, field, type, dflt, pmin, pmax, pflags, pchoices, paliases, pobjects, pdoc)     \
    {pname,                                                                                        \
     PUB_TYPE_##type(pchoices),                                                                    \
     dflt,                                                                                         \
     PUB_NUM_##type(pmin),                                                                         \
     PUB_NUM_##type(pmax),                                                                         \
     sizeof(pchoices) > 1 ? pchoices : NULL,                                                       \
     paliases,                                                                                     \
     pobjects,                                                                                     \
     pdoc,                                                                                         \
     ((pflags)&CONF_SECRET) != 0},
static const kfk_conf_property_t pub_props[] = {KFK_CONF_PROPS(PUB_)};
#undef PUB_

#define NPROPS (sizeof props / sizeof props[0])

/* True when @p item (@p n bytes) is one of the '|'-separated @p choices (case-sensitive). */
static int in_choices(const char *choices, const char *item, size_t n) {
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && !strncmp(p, item, n))
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

static const prop_t *find_prop(const char *name, size_t *idx) {
    for (size_t i = 0; i < NPROPS; i++)
        if (!strcmp(props[i].name, name) || in_choices(props[i].aliases, name, strlen(name))) {
            if (idx)
                *idx = i;
            return &props[i];
        }
    return NULL;
}

static void wipe_free(char *s) {
    if (!s)
        return;
    volatile char *v = s;
    while (*v)
        *v++ = 0;
    kfk__free(s);
}

/* The index of @p value among ENUM choices "a|b|c" (case-insensitive), or -1. */
static int enum_index(const char *choices, const char *value) {
    int idx = 0;
    const char *p = choices;
    size_t vlen = strlen(value);
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vlen && !strncasecmp(p, value, n))
            return idx;
        idx++;
        if (!bar)
            break;
        p = bar + 1;
    }
    return -1;
}

/* Writes choice @p idx of "a|b|c" into buf. */
static void enum_name(const char *choices, int idx, char *buf, size_t size) {
    const char *p = choices;
    for (int i = 0; i < idx && p; i++) {
        p = strchr(p, '|');
        if (p)
            p++;
    }
    if (!p) {
        snprintf(buf, size, "?");
        return;
    }
    const char *bar = strchr(p, '|');
    int n = bar ? (int)(bar - p) : (int)strlen(p);
    snprintf(buf, size, "%.*s", n, p);
}

static int debug_valid(const char *choices, const char *v, char *bad, size_t badsize) {
    const char *p = v;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && (*p == ' ')) {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (n) {
            if (!in_choices(choices, p, n)) {
                snprintf(bad, badsize, "%.*s", (int)n, p);
                return 0;
            }
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    return 1;
}

static int assignors_valid(const char *choices, const char *v, char *bad, size_t badsize) {
    int count = 0;
    const char *p = v;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        while (n && *p == ' ') {
            p++;
            n--;
        }
        while (n && p[n - 1] == ' ')
            n--;
        if (!in_choices(choices, p, n)) {
            snprintf(bad, badsize, "%.*s", (int)n, p);
            return 0;
        }
        count++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (!count)
        snprintf(bad, badsize, "(empty)");
    return count > 0;
}

static kfk_err_t set_prop(kfk_conf_t *conf, const prop_t *p, const char *value, char *errstr,
                          size_t errsize) {
    void *field = (uint8_t *)conf + p->offset;
    switch (p->type) {
    case T_INT: {
        char *end;
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (errno || end == value || *end) {
            kfk__errstr_set(errstr, errsize, "%s: \"%s\" is not an integer", p->name, value);
            return KFK_ERR__INVALID_CONF;
        }
        if (v < p->min || v > p->max) {
            kfk__errstr_set(errstr, errsize, "%s: %lld is out of range [%lld, %lld]", p->name, v,
                            (long long)p->min, (long long)p->max);
            return KFK_ERR__INVALID_CONF;
        }
        *(int64_t *)field = v;
        return KFK_ERR_NONE;
    }
    case T_BOOL:
        if (!strcasecmp(value, "true") || !strcmp(value, "1")) {
            *(int *)field = 1;
        } else if (!strcasecmp(value, "false") || !strcmp(value, "0")) {
            *(int *)field = 0;
        } else {
            kfk__errstr_set(errstr, errsize, "%s: \"%s\" is not true or false", p->name, value);
            return KFK_ERR__INVALID_CONF;
        }
        return KFK_ERR_NONE;
    case T_ENUM: {
        int idx = enum_index(p->choices, value);
        if (idx < 0) {
            kfk__errstr_set(errstr, errsize, "%s: \"%s\" is not one of %s", p->name, value,
                            p->choices);
            return KFK_ERR__INVALID_CONF;
        }
        *(int *)field = idx;
        return KFK_ERR_NONE;
    }
    case T_STR: {
        if (!strcmp(p->name, "partition.assignment.strategy")) {
            char bad[64];
            if (!assignors_valid(p->choices, value, bad, sizeof bad)) {
                kfk__errstr_set(
                    errstr, errsize,
                    "partition.assignment.strategy: unknown assignor \"%s\" (range, roundrobin, "
                    "cooperative-sticky)",
                    bad);
                return KFK_ERR__INVALID_CONF;
            }
        }
        if (!strcmp(p->name, "debug")) {
            char bad[64];
            if (!debug_valid(p->choices, value, bad, sizeof bad)) {
                kfk__errstr_set(errstr, errsize, "debug: unknown context \"%s\"", bad);
                return KFK_ERR__INVALID_CONF;
            }
        }
        char *dup = kfk__strndup(value, strlen(value));
        if (!dup)
            return KFK_ERR__NOMEM;
        char **slot = field;
        if (p->flags & CONF_SECRET)
            wipe_free(*slot);
        else
            kfk__free(*slot);
        *slot = dup;
        return KFK_ERR_NONE;
    }
    }
    return KFK_ERR__INVALID_CONF;
}

kfk_conf_t *kfk_conf_new(void) {
    kfk_conf_t *conf = kfk__calloc(1, sizeof *conf);
    if (!conf)
        return NULL;
    for (size_t i = 0; i < NPROPS; i++) {
        if (set_prop(conf, &props[i], props[i].dflt, NULL, 0) != KFK_ERR_NONE) {
            kfk_conf_free(conf);
            return NULL;
        }
    }
    return conf;
}

void kfk_conf_free(kfk_conf_t *conf) {
    if (!conf)
        return;
    for (size_t i = 0; i < NPROPS; i++) {
        if (props[i].type != T_STR)
            continue;
        char **slot = (char **)((uint8_t *)conf + props[i].offset);
        if (props[i].flags & CONF_SECRET)
            wipe_free(*slot);
        else
            kfk__free(*slot);
    }
    kfk__free(conf);
}

kfk_conf_t *kfk_conf_dup(const kfk_conf_t *conf) {
    if (!conf)
        return NULL;
    kfk_conf_t *d = kfk__malloc(sizeof *d);
    if (!d)
        return NULL;
    memcpy(d, conf, sizeof *d);
    for (size_t i = 0; i < NPROPS; i++) {
        if (props[i].type != T_STR)
            continue;
        char **slot = (char **)((uint8_t *)d + props[i].offset);
        *slot = kfk__strndup(*slot, strlen(*slot));
    }
    for (size_t i = 0; i < NPROPS; i++) {
        char **slot = (char **)((uint8_t *)d + props[i].offset);
        if (props[i].type == T_STR && !*slot) {
            kfk_conf_free(d);
            return NULL;
        }
    }
    return d;
}

kfk_err_t kfk_conf_set(kfk_conf_t *conf, const char *name, const char *value, char *errstr,
                       size_t errstr_size) {
    if (errstr && errstr_size)
        errstr[0] = '\0';
    if (!conf || !name || !value) {
        kfk__errstr_set(errstr, errstr_size, "kfk_conf_set: NULL argument");
        return KFK_ERR__INVALID_ARG;
    }
    size_t idx;
    const prop_t *p = find_prop(name, &idx);
    if (!p) {
        kfk__errstr_set(errstr, errstr_size, "unknown configuration property \"%s\"", name);
        return KFK_ERR__UNKNOWN_CONF;
    }
    kfk_err_t err = set_prop(conf, p, value, errstr, errstr_size);
    if (!err)
        conf->is_set[idx] = 1;
    return err;
}

/* The text of @p p's value: a string property's own bytes (whatever their length), or the
 * others formatted into @p buf (64 bytes hold any integer, boolean or enum name). */
static const char *value_text(const kfk_conf_t *conf, const prop_t *p, char *buf, size_t size) {
    const void *field = (const uint8_t *)conf + p->offset;
    switch (p->type) {
    case T_INT:
        snprintf(buf, size, "%lld", (long long)*(const int64_t *)field);
        break;
    case T_BOOL:
        snprintf(buf, size, "%s", *(const int *)field ? "true" : "false");
        break;
    case T_ENUM:
        enum_name(p->choices, *(const int *)field, buf, size);
        break;
    case T_STR: {
        const char *str = *(char *const *)field;
        return str ? str : "";
    }
    }
    return buf;
}

kfk_err_t kfk_conf_get(const kfk_conf_t *conf, const char *name, char *buf, size_t *size) {
    const prop_t *p = conf && name && size ? find_prop(name, NULL) : NULL;
    if (!p)
        return size ? KFK_ERR__UNKNOWN_CONF : KFK_ERR__INVALID_ARG;
    char tmp[64];
    const char *text = value_text(conf, p, tmp, sizeof tmp);
    size_t need = strlen(text) + 1;
    if (buf && *size < need) {
        *size = need;
        return KFK_ERR__INVALID_ARG;
    }
    if (buf)
        memcpy(buf, text, need);
    *size = need;
    return KFK_ERR_NONE;
}

char *kfk_conf_dump(const kfk_conf_t *conf) {
    if (!conf)
        return NULL;
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    for (size_t i = 0; i < NPROPS; i++) {
        char tmp[64];
        const prop_t *p = &props[i];
        const char *shown = value_text(conf, p, tmp, sizeof tmp);
        if ((p->flags & CONF_SECRET) && shown[0])
            shown = "[redacted]";
        kfk_wbuf_put_raw(&w, p->name, strlen(p->name));
        kfk_wbuf_put_raw(&w, "=", 1);
        kfk_wbuf_put_raw(&w, shown, strlen(shown));
        kfk_wbuf_put_raw(&w, "\n", 1);
    }
    kfk_wbuf_put_raw(&w, "", 1);
    if (w.err) {
        kfk_wbuf_free(&w);
        return NULL;
    }
    return (char *)kfk_wbuf_take(&w, NULL);
}

/* A properties file larger than this is refused (a configuration is a few KiB; a stream that
 * never ends, such as a pipe from yes, is not read for ever). */
#define KFK__CONF_FILE_MAX (4 << 20)

kfk_err_t kfk_conf_set_file(kfk_conf_t *conf, const char *path, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "r");
    if (!f) {
        kfk__errstr_set(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return KFK_ERR__INVALID_ARG;
    }
    char line[8192];
    int lineno = 0;
    size_t total = 0;
    kfk_err_t err = KFK_ERR_NONE;
    while (!err) {
        /* One line, by hand: fgets cannot tell a NUL byte from the line's end, and a file of
         * NULs (-F /dev/zero) then read as empty lines for ever. */
        size_t n = 0;
        int ch = EOF;
        while (n < sizeof line - 1 && (ch = getc(f)) != EOF && ch != '\0') {
            line[n++] = (char)ch;
            if (ch == '\n')
                break;
        }
        line[n] = '\0';
        if (n == 0 && ch == EOF)
            break;
        lineno++;
        total += n;
        if (ch == '\0') {
            kfk__errstr_set(errstr, errstr_size, "%s:%d: a NUL byte: not a properties file", path,
                            lineno);
            err = KFK_ERR__INVALID_CONF;
            break;
        }
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            kfk__errstr_set(errstr, errstr_size, "%s:%d: line too long", path, lineno);
            err = KFK_ERR__INVALID_CONF;
            break;
        }
        if (total > KFK__CONF_FILE_MAX) {
            kfk__errstr_set(errstr, errstr_size, "%s: larger than %d bytes", path,
                            KFK__CONF_FILE_MAX);
            err = KFK_ERR__INVALID_CONF;
            break;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#' || *p == '!')
            continue;
        char *eq = strchr(p, '=');
        if (!eq) {
            kfk__errstr_set(errstr, errstr_size, "%s:%d: expected key=value", path, lineno);
            err = KFK_ERR__INVALID_CONF;
            break;
        }
        char *kend = eq;
        while (kend > p && (kend[-1] == ' ' || kend[-1] == '\t'))
            kend--;
        *kend = '\0';
        char *v = eq + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        char sub[512];
        err = kfk_conf_set(conf, p, v, sub, sizeof sub);
        if (err)
            kfk__errstr_set(errstr, errstr_size, "%s:%d: %s", path, lineno, sub);
    }
    if (!err && ferror(f)) {
        /* A directory, an I/O error: not an empty file. */
        kfk__errstr_set(errstr, errstr_size, "%s: %s", path, strerror(errno));
        err = KFK_ERR__INVALID_CONF;
    }
    fclose(f);
    return err;
}

void kfk_conf_set_log_cb(kfk_conf_t *conf, kfk_log_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->log_cb = cb;
    conf->log_opaque = opaque;
}

void kfk_conf_set_stats_cb(kfk_conf_t *conf, kfk_stats_cb cb, void *opaque) {
    if (!conf)
        return;
    conf->stats_cb = cb;
    conf->stats_opaque = opaque;
}

size_t kfk_conf_property_count(void) {
    return NPROPS;
}

const kfk_conf_property_t *kfk_conf_property(size_t i) {
    return i < NPROPS ? &pub_props[i] : NULL;
}
