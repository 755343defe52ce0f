/*
 * kfk/kfk.h: the client API of kfk, a native Apache Kafka client on libuv.
 *
 * Conventions (see the README): the caller owns the uv_loop_t and runs it; kfk starts no
 * thread and never blocks. Objects are created with kfk_X_new(loop, conf, &out) and ended
 * with an asynchronous kfk_X_close(x, cb); memory stays valid until cb returns. Every
 * fallible call returns a kfk_err_t (0 = success, see kfk/protocol.h for the table).
 *
 * The sans-I/O codec API (kfk/protocol.h) is included here and usable on its own.
 */
#ifndef KFK_KFK_H
#define KFK_KFK_H

#include "kfk/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================
 * Configuration
 * ========================================================================================== */

/**
 * Configuration: Kafka's standard property names (bootstrap.servers, client.id,
 * request.timeout.ms, security.protocol, sasl.mechanism, ...; `kfk_conf_dump` lists every one
 * with its value). Objects copy the configuration they are created with: the caller keeps
 * ownership of its kfk_conf_t and may destroy it right after kfk_X_new.
 */
typedef struct kfk_conf kfk_conf_t;

/** Log callback: @p level is a syslog level (3 error .. 7 debug), @p context a debug context
 * ("broker", "metadata", ...). Called on the loop thread; @p message lives during the call. */
typedef void (*kfk_log_cb)(int level, const char *context, const char *message, void *opaque);

/** Statistics callback: a JSON document every statistics.interval.ms, valid during the call. */
typedef void (*kfk_stats_cb)(const char *json, size_t len, void *opaque);

/** A configuration with every default; NULL when out of memory. Free with kfk_conf_destroy. */
KFK_API kfk_conf_t *kfk_conf_new(void);

/** Frees @p conf (secrets are wiped first). NULL is a no-op. */
KFK_API void kfk_conf_destroy(kfk_conf_t *conf);

/** A deep copy of @p conf, or NULL when out of memory. */
KFK_API kfk_conf_t *kfk_conf_dup(const kfk_conf_t *conf);

/**
 * Sets property @p name to @p value (text, as in a properties file). Returns
 * KFK_ERR__UNKNOWN_CONF for an unknown name, KFK_ERR__INVALID_CONF for a bad or out-of-range
 * value (the old value stays), KFK_ERR__NOMEM; @p errstr (may be NULL) gets a one-line message
 * naming the property.
 */
KFK_API kfk_err_t kfk_conf_set(kfk_conf_t *conf, const char *name, const char *value, char *errstr,
                               size_t errstr_size);

/**
 * Reads property @p name as text into @p buf (*size bytes). *size gets the bytes needed
 * (with the NUL); a too-small buffer gives KFK_ERR__INVALID_ARG, an unknown name
 * KFK_ERR__UNKNOWN_CONF. Secrets are returned as set (this is not a dump).
 */
KFK_API kfk_err_t kfk_conf_get(const kfk_conf_t *conf, const char *name, char *buf, size_t *size);

/**
 * Every property as "name=value" lines, secrets (passwords, key passwords, SASL user name)
 * shown as [redacted]. The caller frees the string with kfk_mem_free; NULL when out of memory.
 */
KFK_API char *kfk_conf_dump(const kfk_conf_t *conf);

/**
 * Reads a Java-style properties file (key=value lines, # or ! comments) into @p conf; stops at
 * the first bad line with its error (errstr names the file and line).
 */
KFK_API kfk_err_t kfk_conf_set_file(kfk_conf_t *conf, const char *path, char *errstr,
                                    size_t errstr_size);

/** Sets the log callback (default: none; messages at or below log_level go to stderr). */
KFK_API void kfk_conf_set_log_cb(kfk_conf_t *conf, kfk_log_cb cb, void *opaque);

/** Sets the statistics callback, called every statistics.interval.ms when that is > 0. */
KFK_API void kfk_conf_set_stats_cb(kfk_conf_t *conf, kfk_stats_cb cb, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* KFK_KFK_H */
