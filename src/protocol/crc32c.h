/*
 * crc32c.h: internal entry points of crc32c.c, for tests and benchmarks that compare the
 * hardware and table implementations, and the join of two CRCs. kfk itself calls kfk_crc32c /
 * kfk_crc32 (kfk/protocol.h).
 */
#ifndef KFK_PROTOCOL_CRC32C_H
#define KFK_PROTOCOL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C with the slicing-by-8 tables; same contract as kfk_crc32c. */
uint32_t kfk__crc32c_sw(uint32_t crc, const void *data, size_t len);

/* True when this CPU has the SSE4.2 crc32 instruction and kfk was built to use it. */
int kfk__crc32c_hw_available(void);

/* CRC-32C with the SSE4.2 instruction; call only when kfk__crc32c_hw_available(). */
uint32_t kfk__crc32c_hw(uint32_t crc, const void *data, size_t len);

/* The CRC-32C of A followed by B from @p crc_a = kfk_crc32c(0, A), @p crc_b = kfk_crc32c(0, B)
 * and B's length, without reading either (the record batch builder checksums records as they
 * are appended, while they are in the cache, and the header, written last, is joined here). */
uint32_t kfk__crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif
