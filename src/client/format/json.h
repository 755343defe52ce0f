/*
 * json.h: JSON text <-> msgpack for the events layer (see json.c), and a bounds check of
 * msgpack from the network (msgpack_key.c).
 */
#ifndef KFK_CLIENT_JSON_H
#define KFK_CLIENT_JSON_H

#include <msgpack.h>

#include "kfk/protocol.h"

/* Appends the msgpack form of one JSON value to @p out. KFK_ERR__VALUE_DECODE (errstr says
 * where) for invalid JSON, KFK_ERR__NOMEM. */
kfk_err_t kfk__json_to_msgpack(const char *text, size_t len, kfk_wbuf_t *out, char *errstr,
                               size_t errstr_size);

/* Appends @p o as JSON text (binaries as strings, non-string map keys as their JSON text). */
void kfk__msgpack_object_to_json(const msgpack_object *o, kfk_wbuf_t *out);

/*
 * 1 when @p data starts with one well-formed msgpack value (its size in *used, may be NULL)
 * whose every array and map count fits in the bytes left and whose nesting is at most 64 deep;
 * else 0. Call it before msgpack-c's unpacker on bytes from the network: msgpack-c allocates a
 * map's or array's slots from its declared count before reading them (msgpack_key.c).
 */
int kfk__msgpack_check(const void *data, size_t len, size_t *used);

/* Appends @p o as Python's json.dumps writes it (Dispytch's JSON serializer): separators ", " and
 * ": ", ensure_ascii escapes, floats as Python's repr (NaN, Infinity allowed). */
void kfk__msgpack_object_to_pyjson(const msgpack_object *o, kfk_wbuf_t *out);

/* Appends Python's repr() of the double @p d: the shortest digits that read back to it, fixed
 * notation for exponents -4..15 (1.5, 100.0, 0.0001), else 1e+16 / 1.5e-05; inf, nan. */
void kfk__py_float(kfk_wbuf_t *w, double d);

/* Appends a JSON string literal of @p s. */
void kfk__json_put_string(kfk_wbuf_t *w, const char *s, size_t n);

#endif
