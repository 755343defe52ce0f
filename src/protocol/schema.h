/*
 * schema.h: the descriptor tables behind kfk_schema_t and the macro that defines them from the
 * X-macro lists of include/kfk/msgs/<api>.h. Internal to src/protocol.
 *
 * A message's .c file defines each struct's table, innermost first:
 *
 *     #define KFK_SCHEMA_CUR kfk_metadata_response_partition_t
 *     KFK_SCHEMA_DEFINE(kfk_metadata_response_partition, KFK_METADATA_RESPONSE_PARTITION)
 *     #undef KFK_SCHEMA_CUR
 *
 * (KFK_SCHEMA_CUR gives offsetof its struct type; a static assertion checks it is NAME_t.)
 */
#ifndef KFK_PROTOCOL_SCHEMA_H
#define KFK_PROTOCOL_SCHEMA_H

#include <stddef.h>

#include "kfk/protocol.h"

typedef enum kfk_ftype {
    KFK_FT_BOOL,
    KFK_FT_INT8,
    KFK_FT_INT16,
    KFK_FT_UINT16,
    KFK_FT_INT32,
    KFK_FT_INT64,
    KFK_FT_FLOAT64,
    KFK_FT_UUID,
    KFK_FT_STRING,
    KFK_FT_BYTES,
    KFK_FT_RECORDS,
    KFK_FT_STRUCT,
    KFK_FT_NULLABLE_STRUCT, /* C type: struct sub * (NULL is null), int8 marker on the wire */
    KFK_FT_ARRAY_INT32,
    KFK_FT_ARRAY_INT64,
    KFK_FT_ARRAY_STRING,
    KFK_FT_ARRAY_STRUCT
} kfk_ftype_t;

typedef struct kfk_field_desc {
    const char *name;
    uint8_t type;            /* kfk_ftype_t */
    int8_t min_version;      /* first version with the field */
    int8_t max_version;      /* last version with the field (KFK_V_MAX: all later) */
    int8_t nullable_from;    /* first version where null is allowed; -1 never */
    int8_t tag;              /* tagged-field number; -1 for a regular field */
    int64_t dflt;            /* default of integers/booleans; -1/0 null/empty for STRING/BYTES */
    uint32_t offset;         /* offsetof the field in the struct */
    const kfk_schema_t *sub; /* STRUCT / ARRAY_STRUCT element schema */
} kfk_field_desc_t;

struct kfk_schema {
    const char *name;
    uint32_t size;
    uint32_t unknown_tags_offset;
    uint16_t nfields;
    const kfk_field_desc_t *fields;
};

#define KFK_SUB_BOOL(sub) NULL
#define KFK_SUB_INT8(sub) NULL
#define KFK_SUB_INT16(sub) NULL
#define KFK_SUB_UINT16(sub) NULL
#define KFK_SUB_INT32(sub) NULL
#define KFK_SUB_INT64(sub) NULL
#define KFK_SUB_FLOAT64(sub) NULL
#define KFK_SUB_UUID(sub) NULL
#define KFK_SUB_STRING(sub) NULL
#define KFK_SUB_BYTES(sub) NULL
#define KFK_SUB_RECORDS(sub) NULL
#define KFK_SUB_STRUCT(sub) &sub##_schema
#define KFK_SUB_NULLABLE_STRUCT(sub) &sub##_schema
#define KFK_SUB_ARRAY_INT32(sub) NULL
#define KFK_SUB_ARRAY_INT64(sub) NULL
#define KFK_SUB_ARRAY_STRING(sub) NULL
#define KFK_SUB_ARRAY_STRUCT(sub) &sub##_schema

#define KFK_FIELD_DESC_(ftype, fname, minv, maxv, nullv, tagn, dfl, fsub)                          \
    {.name = #fname,                                                                               \
     .type = KFK_FT_##ftype,                                                                       \
     .min_version = (minv),                                                                        \
     .max_version = (maxv),                                                                        \
     .nullable_from = (nullv),                                                                     \
     .tag = (tagn),                                                                                \
     .dflt = (dfl),                                                                                \
     .offset = (uint32_t)offsetof(KFK_SCHEMA_CUR, fname),                                          \
     .sub = KFK_SUB_##ftype(fsub)},

#define KFK_SCHEMA_DEFINE(sname, LIST)                                                             \
    _Static_assert(__builtin_types_compatible_p(KFK_SCHEMA_CUR, sname##_t),                        \
                   "KFK_SCHEMA_CUR must be " #sname "_t");                                         \
    static const kfk_field_desc_t sname##_fields[] = {LIST(KFK_FIELD_DESC_)};                      \
    const kfk_schema_t sname##_schema = {                                                          \
        #sname, (uint32_t)sizeof(sname##_t), (uint32_t)offsetof(sname##_t, unknown_tags),          \
        (uint16_t)(sizeof sname##_fields / sizeof sname##_fields[0]), sname##_fields};

#endif
