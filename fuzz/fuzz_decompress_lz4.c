/*
 * fuzz_decompress_lz4.c: libFuzzer target for kfk_decompress(KFK_CODEC_LZ4, ...); the checks
 * are in fuzz_decompress.h. Corpus: fuzz/corpus/decompress_lz4/; dictionary:
 * fuzz/decompress_lz4.dict.
 */
#include "fuzz_decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_decompress(KFK_CODEC_LZ4, data, size);
}
