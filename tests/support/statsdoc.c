/*
 * statsdoc.c: the statistics documents of tests (see statsdoc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "statsdoc.h"

void kt_stats_cb(const char *json, size_t len, void *opaque) {
    kt_stats_t *s = opaque;
    s->docs++;
    free(s->last);
    s->last = strndup(json, len);
}

json_t *kt_stats_parse(const kt_stats_t *s) {
    cr_assert_not_null(s->last, "no statistics document");
    json_error_t err;
    json_t *doc = json_loads(s->last, 0, &err);
    cr_assert_not_null(doc, "not JSON (%s): %s", err.text, s->last);
    return doc;
}

json_int_t kt_json_int(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_integer(v), "no integer \"%s\"", key);
    return json_integer_value(v);
}

const char *kt_json_str(json_t *obj, const char *key) {
    json_t *v = json_object_get(obj, key);
    cr_assert(json_is_string(v), "no string \"%s\"", key);
    return json_string_value(v);
}

json_t *kt_stats_partition(json_t *doc, const char *topic, int32_t partition) {
    char id[16];
    snprintf(id, sizeof id, "%d", (int)partition);
    json_t *t = json_object_get(json_object_get(doc, "topics"), topic);
    cr_assert_not_null(t, "no topics.%s", topic);
    json_t *p = json_object_get(json_object_get(t, "partitions"), id);
    cr_assert_not_null(p, "no topics.%s.partitions.%s", topic, id);
    return p;
}

void kt_stats_free(kt_stats_t *s) {
    free(s->last);
    s->last = NULL;
}
