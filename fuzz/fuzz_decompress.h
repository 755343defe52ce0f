/*
 * fuzz_decompress.h: the body of the four libFuzzer targets for kfk_decompress
 * (fuzz_decompress_<codec>.c, one per codec so that each keeps its own corpus and dictionary),
 * with a 4 MiB cap.
 *
 * Checks beyond "no crash": a failure is KFK_ERR__DECOMPRESS and leaves the output empty; a
 * success stays within the cap, fails with a cap one byte smaller, gives the same bytes through a
 * reused kfk_codec_ctx_t (kept across inputs, so errors must leave it clean), and round-trips
 * through kfk_compress. Without the codec built in, the call must answer
 * UNSUPPORTED_COMPRESSION.
 */
#ifndef KFK_FUZZ_DECOMPRESS_H
#define KFK_FUZZ_DECOMPRESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

#define FUZZ_CAP ((size_t)4 << 20)
#define ROUND_TRIP_MAX ((size_t)256 << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One input through @p codec; abort() on a broken promise (what a fuzzer reports). */
static int fuzz_decompress(kfk_codec_t codec, const uint8_t *data, size_t size) {
    static kfk_codec_ctx_t *ctx;
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk_err_t err = kfk_decompress(codec, data, size, FUZZ_CAP, &out);
    if (!kfk_codec_available(codec)) {
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
    kfk_err_t err2 = kfk_codec_ctx_decompress(ctx, codec, data, size, FUZZ_CAP, &again);
    if (err2 != err || again.len != out.len || (out.len && memcmp(again.data, out.data, out.len)))
        abort();
    kfk_wbuf_free(&again);

    if (err == KFK_ERR_NONE && out.len > 0) {
        /* One byte less room must fail, and leave the output as it was. */
        kfk_wbuf_init(&again);
        if (kfk_decompress(codec, data, size, out.len - 1, &again) != KFK_ERR__DECOMPRESS ||
            again.len != 0)
            abort();
        kfk_wbuf_free(&again);
    }
    if (err == KFK_ERR_NONE && out.len <= ROUND_TRIP_MAX) {
        kfk_wbuf_t z;
        kfk_wbuf_init(&z);
        if (kfk_codec_ctx_compress(ctx, codec, -1, out.data, out.len, &z) != KFK_ERR_NONE)
            abort();
        kfk_wbuf_init(&again);
        if (kfk_decompress(codec, z.data, z.len, out.len, &again) != KFK_ERR_NONE ||
            again.len != out.len || (out.len && memcmp(again.data, out.data, out.len)))
            abort();
        kfk_wbuf_free(&again);
        kfk_wbuf_free(&z);
    }
    kfk_wbuf_free(&out);
    return 0;
}

#endif
