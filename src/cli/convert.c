/*
 * convert.c: JSON <-> msgpack for the kfk tool (jansson on the JSON side, msgpack-c on the
 * other), and a small progress line for terminals.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

int kfk_cli_json_to_msgpack(const json_t *j, msgpack_packer *pk) {
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        msgpack_pack_map(pk, json_object_size(j));
        const char *key;
        json_t *v;
        json_object_foreach((json_t *)j, key, v) {
            size_t kl = strlen(key);
            msgpack_pack_str(pk, kl);
            msgpack_pack_str_body(pk, key, kl);
            if (kfk_cli_json_to_msgpack(v, pk) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_ARRAY: {
        msgpack_pack_array(pk, json_array_size(j));
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) {
            if (kfk_cli_json_to_msgpack(v, pk) != 0)
                return -1;
        }
        return 0;
    }
    case JSON_STRING: {
        size_t n = json_string_length(j);
        msgpack_pack_str(pk, n);
        msgpack_pack_str_body(pk, json_string_value(j), n);
        return 0;
    }
    case JSON_INTEGER:
        msgpack_pack_int64(pk, json_integer_value(j));
        return 0;
    case JSON_REAL:
        msgpack_pack_double(pk, json_real_value(j));
        return 0;
    case JSON_TRUE:
        msgpack_pack_true(pk);
        return 0;
    case JSON_FALSE:
        msgpack_pack_false(pk);
        return 0;
    case JSON_NULL:
        msgpack_pack_nil(pk);
        return 0;
    }
    return -1;
}

json_t *kfk_cli_msgpack_to_json(const msgpack_object *o, int depth) {
    if (depth > 64)
        return json_null();
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return json_null();
    case MSGPACK_OBJECT_BOOLEAN:
        return json_boolean(o->via.boolean);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return json_integer((json_int_t)o->via.u64);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return json_integer((json_int_t)o->via.i64);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return json_real(o->via.f64);
    case MSGPACK_OBJECT_STR:
        return json_stringn_nocheck(o->via.str.ptr, o->via.str.size);
    case MSGPACK_OBJECT_BIN:
        return json_stringn_nocheck(o->via.bin.ptr, o->via.bin.size);
    case MSGPACK_OBJECT_ARRAY: {
        json_t *a = json_array();
        for (uint32_t i = 0; i < o->via.array.size; i++)
            json_array_append_new(a, kfk_cli_msgpack_to_json(&o->via.array.ptr[i], depth + 1));
        return a;
    }
    case MSGPACK_OBJECT_MAP: {
        json_t *m = json_object();
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            const msgpack_object *k = &o->via.map.ptr[i].key;
            char key[256];
            if (k->type == MSGPACK_OBJECT_STR)
                snprintf(key, sizeof key, "%.*s", (int)k->via.str.size, k->via.str.ptr);
            else if (k->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
                snprintf(key, sizeof key, "%llu", (unsigned long long)k->via.u64);
            else if (k->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
                snprintf(key, sizeof key, "%lld", (long long)k->via.i64);
            else
                snprintf(key, sizeof key, "?");
            json_object_set_new(m, key, kfk_cli_msgpack_to_json(&o->via.map.ptr[i].val, depth + 1));
        }
        return m;
    }
    default:
        return json_null();
    }
}

void kfk_cli_progress_init(kfk_cli_progress_t *pr, const char *what, uint64_t total) {
    memset(pr, 0, sizeof *pr);
    pr->on = isatty(2);
    pr->what = what;
    pr->total = total;
    pr->start_ns = uv_hrtime();
}

void kfk_cli_progress(kfk_cli_progress_t *pr, uint64_t done, int final) {
    if (!pr->on)
        return;
    uint64_t now = uv_hrtime();
    if (!final && now - pr->last_ns < 250000000ull)
        return;
    pr->last_ns = now;
    double secs = (double)(now - pr->start_ns) / 1e9;
    double rate = secs > 0 ? (double)done / secs : 0;
    char eta[32] = "";
    if (pr->total && rate > 0 && done < pr->total)
        snprintf(eta, sizeof eta, "  ETA %.0f s", (double)(pr->total - done) / rate);
    if (pr->total)
        fprintf(stderr, "\r%s %llu/%llu  %.0f/s%s   ", pr->what, (unsigned long long)done,
                (unsigned long long)pr->total, rate, eta);
    else
        fprintf(stderr, "\r%s %llu  %.0f/s   ", pr->what, (unsigned long long)done, rate);
    if (final)
        fputc('\n', stderr);
}
