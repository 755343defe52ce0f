/*
 * json_pack.c: JSON lines (parsed by jansson) into msgpack values for kfk produce --format json
 * and kfk emit. jansson keeps integers in int64 range; a larger one is a "too big integer"
 * error for that line.
 */
#include <string.h>

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
