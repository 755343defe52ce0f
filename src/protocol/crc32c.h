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

/* CRC-32C with the SSE4.2 instruction, runs of 256 bytes or more folded with VPCLMULQDQ when
 * kfk__crc32c_fold_available(); call only when kfk__crc32c_hw_available(). */
uint32_t kfk__crc32c_hw(uint32_t crc, const void *data, size_t len);

/* True when this CPU has VPCLMULQDQ and AVX2 (kfk__crc32c_hw folds long runs with them). */
int kfk__crc32c_fold_available(void);

/* kfk__crc32c_hw without the fold: three chains of the crc32 instruction (for tests and
 * bench_records, which compare the two). */
uint32_t kfk__crc32c_chains(uint32_t crc, const void *data, size_t len);

/* The CRC-32C of A followed by B from @p crc_a = kfk_crc32c(0, A), @p crc_b = kfk_crc32c(0, B)
 * and B's length, without reading either (the record batch builder checksums records as they
 * are appended, while they are in the cache, and the header, written last, is joined here). */
uint32_t kfk__crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

/* The block of kfk__crc32c_blocks: 1 KiB. */
#define KFK__CRC_BLOCK 1024

/*
 * The raw CRC-32C registers (from 0, no inversions) of the @p n consecutive KFK__CRC_BLOCK-byte
 * blocks at @p data into out[0..n): for checksumming received bytes while they are in the cache,
 * and joining them later (kfk__crc32c_span). Returns 0 when this build or CPU has no hardware
 * CRC (nothing is written then: use kfk_crc32c).
 */
int kfk__crc32c_blocks(const void *data, size_t n, uint32_t *out);

/*
 * kfk_crc32c(0, base + off, len), reading only the partial blocks at either end: the whole
 * KFK__CRC_BLOCK-byte blocks of base inside the span come from @p blocks (kfk__crc32c_blocks of
 * base, @p nblocks of them; blocks past nblocks are read). @p blocks may be NULL.
 */
uint32_t kfk__crc32c_span(const uint8_t *base, const uint32_t *blocks, size_t nblocks, size_t off,
                          size_t len);

#endif
