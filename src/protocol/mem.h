/*
 * mem.h: kfk's one door for heap memory (STYLE rule 12). Every allocation in kfk goes through
 * these wrappers so that tests can fail the N-th allocation and check each error path.
 */
#ifndef KFK_PROTOCOL_MEM_H
#define KFK_PROTOCOL_MEM_H

#include <stddef.h>

/* malloc/calloc/realloc/free; calloc and kfk__mallocarray check n * size for overflow. */
void *kfk__malloc(size_t size);
void *kfk__calloc(size_t n, size_t size);
void *kfk__realloc(void *p, size_t size);
void *kfk__mallocarray(size_t n, size_t size);
void kfk__free(void *p);
/* A NUL-terminated copy of s[0..len), or NULL. */
char *kfk__strndup(const char *s, size_t len);

/*
 * Test hook: after @p n more successful allocations, every allocation fails (n < 0: never,
 * the default). Returns the number of allocations made since the last call. Process-wide state,
 * for tests only; kfk itself never calls it.
 */
long kfk__mem_fail_after(long n);

/* Test hook: the largest single allocation (bytes) since the last call, which resets it. */
size_t kfk__mem_max_alloc_reset(void);

#endif
