/*
 * fuzz_decompress_gzip.c: libFuzzer target for kfk_decompress(KFK_CODEC_GZIP, ...); the checks
 * are in fuzz_decompress.h. Corpus: fuzz/corpus/decompress_gzip/; dictionary:
 * fuzz/decompress_gzip.dict.
 */
#include "fuzz_decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    return fuzz_decompress(KFK_CODEC_GZIP, data, size);
}
