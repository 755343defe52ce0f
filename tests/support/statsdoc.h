/*
 * statsdoc.h: capturing and reading the statistics callback's JSON documents in tests (parsed
 * with jansson; every accessor fails the test when the field is missing or mistyped).
 */
#ifndef KFK_TEST_STATSDOC_H
#define KFK_TEST_STATSDOC_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The documents seen: how many, and a copy of the last one. */
typedef struct kt_stats {
    int docs;
    char *last;
} kt_stats_t;

/* A kfk_stats_cb keeping the last document in the kt_stats_t given as opaque. */
void kt_stats_cb(const char *json, size_t len, void *opaque);

/* The last document, parsed (a new reference); fails the test unless it is JSON. */
json_t *kt_stats_parse(const kt_stats_t *s);

/* The integer @p key of @p obj. */
json_int_t kt_json_int(json_t *obj, const char *key);

/* The string @p key of @p obj. */
const char *kt_json_str(json_t *obj, const char *key);

/* topics.<topic>.partitions.<partition> of a document. */
json_t *kt_stats_partition(json_t *doc, const char *topic, int32_t partition);

/* Frees the copy held by @p s. */
void kt_stats_free(kt_stats_t *s);

#endif
