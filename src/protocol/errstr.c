/*
 * errstr.c: kfk__errstr_set (errstr.h), the formatter behind every errstr a kfk call fills.
 */
#include <stdarg.h>
#include <stdio.h>

#include "protocol/errstr.h"

void kfk__errstr_set(char *errstr, size_t errstr_size, const char *fmt, ...) {
    if (!errstr || !errstr_size)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
}
