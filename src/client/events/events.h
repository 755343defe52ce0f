/*
 * events.h: internal pieces of the events layer shared by emitter.c, listener.c and
 * template.c: envelope formats and Dispytch's str.format templates over msgpack values.
 */
#ifndef KFK_CLIENT_EVENTS_H
#define KFK_CLIENT_EVENTS_H

#include <msgpack.h>

#include "kfk/kfk.h"

/* The wire form of an envelope value: which Dispytch release's layout. */
typedef enum { FORMAT_DISPYTCH_10, FORMAT_DISPYTCH_09, FORMAT_NONE } kfk__event_format_t;

/* 1 when @p env is one of the six formats (not KFK_ENVELOPE_EMITTER). */
int kfk__envelope_valid(kfk_envelope_t env);

/* The layout of @p env (valid). */
kfk__event_format_t kfk__envelope_format(kfk_envelope_t env);

/* 1 when @p env's serializer is msgpack, 0 for JSON. */
int kfk__envelope_is_msgpack(kfk_envelope_t env);

/*
 * Checks the syntax of a Python str.format template as Dispytch fills it with an event's fields
 * (format(**fields)): literal text with {{ and }} escapes, and fields "name", "name.attr",
 * "name[key]" nested, each with an optional conversion !s, !r or !a and no format spec. 0, or
 * KFK_ERR__INVALID_ARG with the reason in @p errstr ("@p what TEMPLATE: ...").
 */
kfk_err_t kfk__template_check(const char *tpl, const char *what, char *errstr, size_t errstr_size);

/*
 * Appends @p tpl filled from the map @p fields to @p out, each field as Python's str() (or
 * repr() with !r / !a) of its value. KFK_ERR__KEY_PATH when a field is missing ("@p what
 * TEMPLATE: field user.id missing from the event"), KFK_ERR__INVALID_ARG for a bad template or
 * a value Python could not hold (msgpack ext), KFK_ERR__NOMEM.
 */
kfk_err_t kfk__template_render(const char *tpl, const msgpack_object *fields, const char *what,
                               kfk_wbuf_t *out, char *errstr, size_t errstr_size);

/* Appends Python's str() (@p repr 0) or repr() (1) of @p o; -1 for a msgpack ext or nesting past
 * 64 levels, else 0 (KFK_ERR__NOMEM stays in out->err). */
int kfk__py_str(const msgpack_object *o, int repr, kfk_wbuf_t *out);

#endif
