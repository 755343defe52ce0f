/*
 * fuzz_decompress_snappy.c: libFuzzer target for kfk_decompress(KFK_CODEC_SNAPPY, ...); the checks
 * are in fuzz_decompress.h. Corpus: fuzz/corpus/decompress_snappy/; dictionary:
 * fuzz/decompress_snappy.dict.
 */
#include "fuzz_decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_decompress(KFK_CODEC_SNAPPY, data, size);
}
