/*
 * fuzz_decompress_zstd.c: libFuzzer target for kfk_decompress(KFK_CODEC_ZSTD, ...); the checks
 * are in fuzz_decompress.h. Corpus: fuzz/corpus/decompress_zstd/; dictionary:
 * fuzz/decompress_zstd.dict.
 */
#include "fuzz_decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_decompress(KFK_CODEC_ZSTD, data, size);
}
