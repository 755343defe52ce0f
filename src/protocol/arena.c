/*
 * arena.c: the bump allocator behind every decoded message (kfk_arena_t in kfk/protocol.h).
 * Chunks grow geometrically from 4 KiB; one allocation larger than half a chunk gets a chunk
 * of its own. The total is capped (kfk_arena_t.limit, default 256 MiB) so that a hostile peer
 * cannot make a decoder allocate without bound.
 */
#include <stdint.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/mem.h"

#define ARENA_ALIGN 16
#define ARENA_FIRST 4096
#define ARENA_DEFAULT_LIMIT ((size_t)256 << 20)

struct kfk_arena_chunk {
    kfk_arena_chunk_t *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    /* data follows, aligned */
};

#define CHUNK_HDR ((sizeof(kfk_arena_chunk_t) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

void kfk_arena_init(kfk_arena_t *a) {
    memset(a, 0, sizeof *a);
}

void *kfk_arena_alloc(kfk_arena_t *a, size_t n) {
    size_t limit = a->limit ? a->limit : ARENA_DEFAULT_LIMIT;
    if (n > limit || a->used > limit - n)
        return NULL;
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if (need < n)
        return NULL;
    kfk_arena_chunk_t *c = a->chunks;
    if (!c || c->size - c->used < need) {
        size_t size = c ? c->size * 2 : ARENA_FIRST;
        if (size > ((size_t)1 << 24))
            size = (size_t)1 << 24;
        if (size < need)
            size = need;
        kfk_arena_chunk_t *nc = kfk__malloc(CHUNK_HDR + size);
        if (!nc)
            return NULL;
        nc->size = size;
        nc->used = 0;
        if (c && need > c->size / 2 && c->size - c->used >= ARENA_FIRST) {
            /* A big one-off allocation: keep filling the current chunk afterwards. */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            a->chunks = nc;
        }
        c = nc;
    }
    uint8_t *p = (uint8_t *)c + CHUNK_HDR + c->used;
    c->used += need;
    a->used += need;
    memset(p, 0, n);
    return p;
}

void kfk_arena_free(kfk_arena_t *a) {
    kfk_arena_chunk_t *c = a->chunks;
    while (c) {
        kfk_arena_chunk_t *next = c->next;
        kfk__free(c);
        c = next;
    }
    size_t limit = a->limit;
    memset(a, 0, sizeof *a);
    a->limit = limit;
}
