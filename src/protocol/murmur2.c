/*
 * murmur2.c: Kafka's murmur2 hash and the Java client's keyed partition choice.
 *
 * The hash is org.apache.kafka.common.utils.Utils.murmur2 bit for bit: seed 0x9747b28c,
 * m 0x5bd1e995, r 24, 4-byte little-endian chunks, the 1-3 byte tail folded in, and the final
 * mix. Java does it in wrapping int arithmetic with logical shifts; here every step is uint32_t,
 * which wraps the same way. The partition is toPositive(hash) % count, where toPositive is
 * hash & 0x7fffffff (BuiltInPartitioner.partitionForKey), not abs().
 */
#include "kfk/protocol.h"

#define MURMUR2_SEED 0x9747b28cu
#define MURMUR2_M 0x5bd1e995u
#define MURMUR2_R 24

int32_t kfk_murmur2(const void *key, size_t len) {
    const uint8_t *p = key;
    /* Java passes the length as an int: the same low 32 bits. */
    uint32_t h = MURMUR2_SEED ^ (uint32_t)len;
    size_t chunks = len / 4;
    for (size_t i = 0; i < chunks; i++, p += 4) {
        uint32_t k = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
                     ((uint32_t)p[3] << 24);
        k *= MURMUR2_M;
        k ^= k >> MURMUR2_R;
        k *= MURMUR2_M;
        h *= MURMUR2_M;
        h ^= k;
    }
    switch (len & 3) {
    case 3:
        h ^= (uint32_t)p[2] << 16;
        /* fall through */
    case 2:
        h ^= (uint32_t)p[1] << 8;
        /* fall through */
    case 1:
        h ^= p[0];
        h *= MURMUR2_M;
        break;
    default:
        break;
    }
    h ^= h >> 13;
    h *= MURMUR2_M;
    h ^= h >> 15;
    /* Java's int is the two's complement reading of these 32 bits (portable conversion). */
    return h <= INT32_MAX ? (int32_t)h : (int32_t)(h - 0x80000000u) + INT32_MIN;
}

int32_t kfk_murmur2_partition(const void *key, size_t len, int32_t partition_count) {
    if (partition_count < 1)
        return -1;
    uint32_t positive = (uint32_t)kfk_murmur2(key, len) & 0x7fffffffu;
    return (int32_t)(positive % (uint32_t)partition_count);
}
