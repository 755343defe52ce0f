/*
 * errstr.h: the one formatter of caller-supplied error text (an errstr buffer of errstr_size
 * bytes, either of which may be NULL/0), shared by every layer. Internal; not installed.
 */
#ifndef KFK_PROTOCOL_ERRSTR_H
#define KFK_PROTOCOL_ERRSTR_H

#include <stddef.h>

/* Writes the printf-style message into @p errstr (truncated to @p errstr_size, NUL-terminated);
 * does nothing when @p errstr is NULL or @p errstr_size is 0. */
void kfk__errstr_set(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
