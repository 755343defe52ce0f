/*
 * test_varint_len.c: the record builder's inline varint sizes (protocol/records.h:
 * kfk__uvarint_len, kfk__varint_len, kfk__varlong_len) agree with the public kfk_*_size and with
 * the bytes kfk__*_put really writes, at every length boundary and at the extremes.
 */
#include <stdint.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/records.h"

Test(varint_len, sizes_agree_with_the_bytes_written_at_every_boundary) {
    uint8_t buf[16];
    for (int bits = 0; bits <= 32; bits++) {
        uint64_t edge = bits == 0 ? 0 : ((uint64_t)1 << bits);
        for (int d = -1; d <= 1; d++) {
            uint32_t u = (uint32_t)(edge + (uint64_t)(int64_t)d);
            size_t put = (size_t)(kfk__uvarint_put(buf, u) - buf);
            cr_assert_eq(kfk__uvarint_len(u), put, "uvarint %u", u);
            cr_assert_eq(kfk__uvarint_len(u), kfk_uvarint_size(u), "uvarint %u", u);
            int32_t v = (int32_t)u;
            put = (size_t)(kfk__varint_put(buf, v) - buf);
            cr_assert_eq(kfk__varint_len(v), put, "varint %d", v);
            cr_assert_eq(kfk__varint_len(v), kfk_varint_size(v), "varint %d", v);
        }
    }
    for (int bits = 0; bits <= 64; bits++) {
        uint64_t edge = bits == 0 ? 0 : bits == 64 ? 0 : ((uint64_t)1 << bits);
        for (int d = -1; d <= 1; d++) {
            int64_t v = (int64_t)(edge + (uint64_t)(int64_t)d);
            size_t put = (size_t)(kfk__varlong_put(buf, v) - buf);
            cr_assert_eq(kfk__varlong_len(v), put, "varlong %lld", (long long)v);
            cr_assert_eq(kfk__varlong_len(v), kfk_varlong_size(v), "varlong %lld", (long long)v);
            int64_t neg = (int64_t)(0 - (uint64_t)v); /* -v, wrapping at INT64_MIN */
            cr_assert_eq(kfk__varlong_len(neg), kfk_varlong_size(neg), "varlong %lld",
                         (long long)neg);
        }
    }
    cr_assert_eq(kfk__varlong_len(INT64_MIN), 10);
    cr_assert_eq(kfk__varlong_len(INT64_MAX), 10);
    cr_assert_eq(kfk__varint_len(INT32_MIN), 5);
    cr_assert_eq(kfk__uvarint_len(UINT32_MAX), 5);
}
