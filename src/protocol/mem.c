/*
 * mem.c: the allocation wrappers of mem.h. The failure-injection counter is the one piece of
 * mutable process state in src/protocol; it exists for tests (fail the N-th allocation) and is
 * inert (-1) unless a test sets it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/mem.h"

static long fail_after = -1;
static long alloc_count;
static size_t max_alloc;

static int should_fail(size_t size) {
    alloc_count++;
    if (size > max_alloc)
        max_alloc = size;
    if (fail_after < 0)
        return 0;
    if (fail_after == 0)
        return 1;
    fail_after--;
    return 0;
}

size_t kfk__mem_max_alloc_reset(void) {
    size_t m = max_alloc;
    max_alloc = 0;
    return m;
}

long kfk__mem_fail_after(long n) {
    long c = alloc_count;
    fail_after = n;
    alloc_count = 0;
    return c;
}

void *kfk__malloc(size_t size) {
    if (should_fail(size))
        return NULL;
    return malloc(size ? size : 1);
}

void *kfk__calloc(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    if (should_fail(n * size))
        return NULL;
    return calloc(n ? n : 1, size ? size : 1);
}

void *kfk__realloc(void *p, size_t size) {
    if (should_fail(size))
        return NULL;
    return realloc(p, size ? size : 1);
}

void *kfk__mallocarray(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size)
        return NULL;
    return kfk__malloc(n * size);
}

void kfk__free(void *p) {
    free(p);
}

char *kfk__strndup(const char *s, size_t len) {
    char *d = kfk__malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

void kfk_mem_free(void *p) {
    free(p);
}
