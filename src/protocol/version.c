/*
 * version.c: the library's version and the optional features it was built with.
 * KFK_HAVE_* come from CMake's KFK_WITH_* options.
 */
#include "kfk/protocol.h"

const char *kfk_version_str(void) {
    return KFK_VERSION_STR;
}

#ifdef KFK_HAVE_ZLIB
#define FEAT_GZIP ",gzip"
#else
#define FEAT_GZIP ""
#endif
#define FEAT_SNAPPY ",snappy" /* kfk's own code: always */
#ifdef KFK_HAVE_LZ4
#define FEAT_LZ4 ",lz4"
#else
#define FEAT_LZ4 ""
#endif
#ifdef KFK_HAVE_ZSTD
#define FEAT_ZSTD ",zstd"
#else
#define FEAT_ZSTD ""
#endif

const char *kfk_build_features(void) {
    /* Each feature carries a leading comma; skip the first one. */
    static const char all[] = "" FEAT_GZIP FEAT_SNAPPY FEAT_LZ4 FEAT_ZSTD;
    return all[0] ? all + 1 : all;
}
