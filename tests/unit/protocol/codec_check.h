/*
 * codec_check.h: what the protocol unit tests (tests/unit/protocol/test_*.c) share, written once.
 * The checks every test_api_*.c file runs on one API's codec: a golden frame encoded byte for
 * byte and decoded with its header, a message round-tripped through its schema, every
 * truncation of a golden frame refused, hostile bodies and patched frames refused as malformed,
 * nulls refused where a version has none, and unknown tagged fields kept. Golden frames are
 * whole frames: the 4-byte size prefix, the header, the body; request frames carry client_id
 * "kfk". Beside them, the small byte helpers of the record tests (exact copies, comparisons,
 * big-endian writes) and the loading of golden files under tests/golden. Each check fails the
 * running Criterion test with a message that names what differs.
 */
#ifndef KFK_TEST_CODEC_CHECK_H
#define KFK_TEST_CODEC_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kfk/protocol.h"

/* A malloc'ed copy of the @p n bytes at @p bytes in an allocation of exactly @p n bytes (one
 * when @p n is 0), so that ASan reports any read past the end. The caller frees it. */
uint8_t *cc_copy_exact(const void *bytes, size_t n);

/* Writes @p v big-endian at @p p (4 and 8 bytes). */
void cc_put32(uint8_t *p, uint32_t v);
void cc_put64(uint8_t *p, uint64_t v);

/* The whole file at @p path, malloc'ed (at least one byte allocated) with its size in *len, or
 * NULL when it cannot be opened or read. The caller frees it. */
uint8_t *cc_read_file(const char *path, size_t *len);

/* The golden file tests/golden/@p dir/@p name (KFK_GOLDEN_DIR), as cc_read_file returns it;
 * asserts that it can be read. The caller frees it. */
uint8_t *cc_golden_file(const char *dir, const char *name, size_t *len);

/* Kafka's message name @p name ("InitProducerId") in snake case ("init_producer_id"), as kfk's
 * golden directories and capture files are named, into @p out of @p size bytes (truncated). */
void cc_snake_name(const char *name, char *out, size_t size);

/* Asserts that @p w has no error and holds exactly the @p n bytes at @p want, naming the first
 * byte that differs. */
void cc_expect_bytes(const kfk_wbuf_t *w, const uint8_t *want, size_t n);

/* Asserts that @p s is the C string @p want, or null (length -1) when @p want is NULL. */
void cc_expect_str(kfk_str_t s, const char *want);

/* Asserts that @p b holds the @p want_len bytes at @p want; a @p want_len of -1 asks for null. */
void cc_expect_blob(kfk_bytes_t b, const void *want, int32_t want_len);

/* True when @p a and @p b have the same length and, when it is positive, the same bytes. */
bool cc_bytes_eq(kfk_bytes_t a, kfk_bytes_t b);

/* True when @p b holds the bytes of the C string @p c (without its NUL), or is null (length -1
 * and no pointer) when @p c is NULL. */
bool cc_bytes_is(kfk_bytes_t b, const char *c);

/* Encodes the request @p body of API @p key at @p version with correlation id @p corr and client
 * id "kfk" into a frame and asserts that it is the golden @p frame of @p n bytes (whose size
 * prefix must state the @p n - 4 bytes after it). */
void cc_expect_request(int16_t key, int16_t version, int32_t corr, const void *body,
                       const uint8_t *frame, size_t n);

/* Encodes the response @p body of API @p key at @p version with correlation id @p corr into a
 * frame and asserts that it is the golden @p frame of @p n bytes (size prefix checked too). */
void cc_expect_response(int16_t key, int16_t version, int32_t corr, const void *body,
                        const uint8_t *frame, size_t n);

/* Decodes the golden request @p frame of @p n bytes (size prefix included) and asserts that it
 * decodes with a header of API @p key, @p version, @p corr and client id "kfk". Returns the body;
 * it lives in @p a (and may point into @p frame). */
void *cc_decode_request(int16_t key, int16_t version, int32_t corr, const uint8_t *frame, size_t n,
                        kfk_arena_t *a);

/* Decodes the golden response @p frame of @p n bytes (size prefix included) of API @p key at
 * @p version and asserts that it decodes with correlation id @p corr. Returns the body; it lives
 * in @p a (and may point into @p frame). */
void *cc_decode_response(int16_t key, int16_t version, int32_t corr, const uint8_t *frame, size_t n,
                         kfk_arena_t *a);

/* Decodes the @p n bytes at @p bytes (a frame without its size prefix) copied to an allocation of
 * exactly that size, so that ASan sees any read past the end: a request if @p request, else a
 * response of API @p key at @p version. Asserts that a failed decode gives no body. Returns the
 * decoder's result; nothing it decoded outlives the call. */
kfk_err_t cc_decode_exact(int16_t key, bool request, int16_t version, const uint8_t *bytes,
                          size_t n);

/* Asserts that the golden @p frame of @p n bytes (size prefix included) decodes whole and that
 * every strict prefix of the bytes after its size prefix fails to decode. */
void cc_expect_truncations_fail(int16_t key, bool request, int16_t version, const uint8_t *frame,
                                size_t n);

/* Asserts that the golden @p frame of @p n bytes (at most 512), with the @p len bytes at offset
 * @p off replaced by @p patch, fails to decode with KFK_ERR__BAD_MSG. */
void cc_expect_bad_patch(int16_t key, bool request, int16_t version, const uint8_t *frame, size_t n,
                         size_t off, const uint8_t *patch, size_t len);

/* Asserts that the golden @p frame of @p n bytes (size prefix included) followed by one extra
 * zero byte fails to decode with KFK_ERR__BAD_MSG. */
void cc_expect_trailing_byte_refused(int16_t key, bool request, int16_t version,
                                     const uint8_t *frame, size_t n);

/* Asserts that the @p n body bytes at @p body (no header) decoded with @p schema of API @p key at
 * @p version, from a copy of exactly that size, fail with KFK_ERR__BAD_MSG. */
void cc_expect_bad_body(int16_t key, const kfk_schema_t *schema, int16_t version,
                        const uint8_t *body, size_t n);

/* Encodes @p msg with @p schema of API @p key at @p version, decodes the bytes (copied into
 * @p a) with nothing left over, re-encodes the result and asserts the same bytes. Returns the
 * decoded struct; it and everything it points to live in @p a. */
void *cc_round_trip(int16_t key, const kfk_schema_t *schema, int16_t version, const void *msg,
                    kfk_arena_t *a);

/* Asserts that encoding @p msg with @p schema of API @p key at @p version is refused with
 * KFK_ERR__INVALID_ARG (a null the version cannot carry). */
void cc_expect_encode_refused(int16_t key, const kfk_schema_t *schema, int16_t version,
                              const void *msg);

/* An unknown tagged field (tag 9, one byte 0x2a), to set as a message's unknown_tags. */
extern const uint8_t cc_unknown_tag[3];
#define CC_UNKNOWN_TAGS ((kfk_bytes_t){cc_unknown_tag, (int32_t)sizeof cc_unknown_tag})

/* True when decoded unknown tags @p t are CC_UNKNOWN_TAGS at a flexible @p version of API @p key,
 * or empty at a version that has no tagged fields. */
bool cc_tags_kept(int16_t key, kfk_bytes_t t, int16_t version);

#endif
