/*
 * opts.h: reading the public option structs (kfk_lock_opts_t, kfk_worker_opts_t,
 * kfk_emit_opts_t, kfk_listener_opts_t, kfk_retry_policy_t). Each starts with
 * `size_t struct_size`, set by its KFK_*_INIT macro to the sizeof the caller was built with;
 * the library reads only the bytes within it, so a struct grown at its end stays compatible
 * with programs built against the older, shorter one (and the other way round).
 */
#ifndef KFK_CLIENT_CORE_OPTS_H
#define KFK_CLIENT_CORE_OPTS_H

#include <stdio.h>
#include <string.h>

#include "kfk/kfk.h"

/*
 * Copies the caller's option struct @p src over @p dst (@p dst_size bytes, already holding the
 * defaults): the first min(src->struct_size, dst_size) bytes, so fields the caller's build does
 * not know keep their defaults. KFK_ERR__INVALID_ARG when struct_size is 0 (not initialized
 * with @p init, the macro's name, which @p errstr then mentions; errstr may be NULL).
 */
static inline kfk_err_t kfk__opts_read(void *dst, size_t dst_size, const void *src,
                                       const char *init, char *errstr, size_t errstr_size) {
    size_t n;
    memcpy(&n, src, sizeof n);
    if (n < sizeof n) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size,
                     "options with struct_size %zu: initialize them with %s, then set fields", n,
                     init);
        return KFK_ERR__INVALID_ARG;
    }
    memcpy(dst, src, n < dst_size ? n : dst_size);
    memcpy(dst, &dst_size, sizeof dst_size);
    return KFK_ERR_NONE;
}

#endif /* KFK_CLIENT_CORE_OPTS_H */
