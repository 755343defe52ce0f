/*
 * fuzz_decompress_gzip.c: libFuzzer target for kfk_decompress(KFK_CODEC_GZIP, ...) with a 4 MiB
 * cap.
 *
 * Checks beyond "no crash": a failure is KFK_ERR__DECOMPRESS and leaves the output empty; a
 * success stays within the cap, fails with a cap one byte smaller, gives the same bytes through a
 * reused kfk_codec_ctx_t (kept across inputs, so errors must leave it clean), and round-trips
 * through kfk_compress. Without gzip built in, the call must answer UNSUPPORTED_COMPRESSION.
 * Corpus: fuzz/corpus/decompress_gzip/; dictionary: fuzz/decompress_gzip.dict.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

#define CODEC KFK_CODEC_GZIP
#define FUZZ_CAP ((size_t)4 << 20)
#define ROUND_TRIP_MAX ((size_t)256 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static kfk_codec_ctx_t *ctx;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_err_t err = kfk_decompress(CODEC, data, size, FUZZ_CAP, &out);
    if (!kfk_codec_available(CODEC)) {
        if (err != KFK_ERR__UNSUPPORTED_COMPRESSION)
            abort();
        kfk_wbuf_free(&out);
        return 0;
    }
    if (err != KFK_ERR_NONE && (err != KFK_ERR__DECOMPRESS || out.len != 0))
        abort();
    if (err == KFK_ERR_NONE && out.len > FUZZ_CAP)
        abort();

    /* The same through a context reused across inputs. */
    if (!ctx && kfk_codec_ctx_new(&ctx) != KFK_ERR_NONE)
        abort();
    kfk_wbuf_t again;
    kfk_wbuf_init(&again);
    kfk_err_t err2 = kfk_codec_ctx_decompress(ctx, CODEC, data, size, FUZZ_CAP, &again);
    if (err2 != err || again.len != out.len || (out.len && memcmp(again.data, out.data, out.len)))
        abort();
    kfk_wbuf_free(&again);

    if (err == KFK_ERR_NONE && out.len > 0) {
        /* One byte less room must fail, and leave the output as it was. */
        kfk_wbuf_init(&again);
        if (kfk_decompress(CODEC, data, size, out.len - 1, &again) != KFK_ERR__DECOMPRESS ||
            again.len != 0)
            abort();
        kfk_wbuf_free(&again);
    }
    if (err == KFK_ERR_NONE && out.len <= ROUND_TRIP_MAX) {
        kfk_wbuf_t z;
        kfk_wbuf_init(&z);
        if (kfk_codec_ctx_compress(ctx, CODEC, -1, out.data, out.len, &z) != KFK_ERR_NONE)
            abort();
        kfk_wbuf_init(&again);
        if (kfk_decompress(CODEC, z.data, z.len, out.len, &again) != KFK_ERR_NONE ||
            again.len != out.len || (out.len && memcmp(again.data, out.data, out.len)))
            abort();
        kfk_wbuf_free(&again);
        kfk_wbuf_free(&z);
    }
    kfk_wbuf_free(&out);
    return 0;
}
