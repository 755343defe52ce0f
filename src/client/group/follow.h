/*
 * follow.h: what a group member follows of its subscription (follow.c): the partition count of
 * each topic at its assignment, compared with the metadata cache after each refresh, and a
 * pattern subscription ('^' entries, POSIX extended regular expressions, librdkafka's
 * convention) matched against the metadata of every topic, asked every metadata.max.age.ms.
 * group.c embeds one kfk__follow_t per member and decides about rejoining.
 */
#ifndef KFK_CLIENT_GROUP_FOLLOW_H
#define KFK_CLIENT_GROUP_FOLLOW_H

#include <regex.h>

#include "client/consumer/parts.h"

typedef struct kfk__follow {
    kfk_consumer_t *c;
    /* Partition counts at the last assignment (0: the topic did not exist), and the metadata
     * cache's update time last compared. */
    struct kfk__follow_seen {
        char *topic;
        int32_t count;
    } * seen;
    size_t nseen;
    uint64_t md_seen;
    /* The subscription: '^' entries compiled, the others as given. */
    regex_t *regs;
    size_t nregs;
    char **lits;
    size_t nlits;
    /* Patterns: the full refresh asked every metadata.max.age.ms; no JoinGroup before the first
     * has answered. */
    int patterns_known;
    int pw_waiting;
    kfk__md_waiter_t pw;
    uint64_t pw_next;
} kfk__follow_t;

/* Replaces the subscription of @p f (consumer @p c) with @p topics (each non-empty): every entry
 * is compiled or copied before anything changes; then the consumer's topic list is the literal
 * entries, followed by the metadata cache, and patterns wait for a full refresh.
 * KFK_ERR__INVALID_ARG (a pattern regcomp refuses), KFK_ERR__NOMEM. */
kfk_err_t kfk__follow_subscribe(kfk__follow_t *f, kfk_consumer_t *c, const char *const *topics,
                                size_t n);

/* True while a pattern subscription waits for its first full metadata (no JoinGroup yet). */
int kfk__follow_waiting(const kfk__follow_t *f);

/* Forgets the partition counts remembered (a new generation begins). */
void kfk__follow_forget(kfk__follow_t *f);

/* Remembers @p topic's partition count as the metadata cache has it now (nothing when the
 * cache knows nothing usable of it); the first count remembered for a topic stays. Compared
 * again from the next check on. */
void kfk__follow_remember(kfk__follow_t *f, const char *topic);

/* A pattern subscription: asks for the metadata of every topic when metadata.max.age.ms has
 * passed since the last time, else arms the consumer's turn for then. */
void kfk__follow_refresh(kfk__follow_t *f, uint64_t now);

/* After a metadata refresh (nothing otherwise): matches the patterns again (a different set
 * becomes the consumer's topic list and is followed), and, when @p stable, compares the counts
 * remembered with the cache. Returns 1 with the cause in @p why when the member must rejoin: a
 * count changed, a topic appeared or disappeared, or (when @p joined) the matched set
 * changed. */
int kfk__follow_check(kfk__follow_t *f, int stable, int joined, char *why, size_t size);

/* Frees what @p f holds (its waiter must not be waiting: the client closed). */
void kfk__follow_free(kfk__follow_t *f);

#endif
