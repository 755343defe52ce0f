/*
 * msgjson.h: kfk message structs as JSON, in the shape Kafka's generated JSON converters
 * (<Name>DataJsonConverter.write(data, version)) give, so that a struct decoded by kfk can be
 * compared field by field with the .json files of tests/golden/ (written by Kafka 4.3.1).
 *
 * The walk is generic: it follows kfk's descriptor tables (src/protocol/schema.h), so a field
 * that a table misnames, misplaces in a version range or types wrongly shows up as a JSON
 * difference with its path.
 */
#ifndef KFK_TEST_MSGJSON_H
#define KFK_TEST_MSGJSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "kfk/protocol.h"

/*
 * The JSON of @p msg (a struct described by @p schema) at @p version, as Kafka's converter
 * writes it: snake_case field names in camelCase, only the fields of that version, tagged
 * fields (only when @p flexible) only when they differ from their default, int64 as numbers,
 * UUIDs in Kafka's URL-safe base64 without padding, bytes and records in standard base64, nulls
 * as null. Unknown tagged fields are not rendered (the converter does not either). A new
 * reference, or NULL when out of memory.
 */
json_t *kt_msg_json(const kfk_schema_t *schema, int16_t version, bool flexible, const void *msg);

/*
 * Compares @p expected with @p actual. True when equal; otherwise false, with the JSON path of
 * the first difference and both values (e.g. "$.topics[1].partitions[0].leaderEpoch: expected
 * 100231, got -1") written to @p what (at most @p size bytes, NUL-terminated).
 */
bool kt_json_same(const json_t *expected, const json_t *actual, char *what, size_t size);

/* @p len bytes as standard base64 with padding (as Jackson writes binary): a new reference. */
json_t *kt_json_base64(const uint8_t *p, size_t len, bool url_safe_unpadded);

#endif
