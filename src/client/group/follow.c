/*
 * follow.c: a group member following its subscription (follow.h). Every member (not only the
 * leader, as librdkafka does; Java's leader checks at each metadata refresh) remembers the
 * partition count of its topics at its assignment (the leader: of every topic it assigned) and
 * compares them with the metadata cache whenever it was refreshed (every metadata.max.age.ms for
 * the followed topics, sooner when something asked): a topic that gained partitions, appeared or
 * disappeared makes the member rejoin, so new partitions are assigned within
 * metadata.max.age.ms plus one rebalance. A pattern subscription asks for the metadata of every
 * topic every metadata.max.age.ms and subscribes to the topics its patterns match (internal
 * topics such as __consumer_offsets left out); a different set means a rebalance.
 */
#include <stdio.h>
#include <string.h>

#include "client/group/follow.h"
#include "protocol/mem.h"

/* The partition count the metadata cache knows for @p topic: 0 when the topic does not exist,
 * -1 when unknown (never asked, or an error that says nothing of its partitions). */
static int32_t cached_count(const kfk__follow_t *f, const char *topic) {
    const kfk__topic_md_t *md = kfk__client_topic(f->c->cl, topic);
    if (!md)
        return -1;
    if (md->err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION)
        return 0;
    return md->err ? -1 : md->partition_cnt;
}

static void subs_clear(kfk__follow_t *f) {
    for (size_t i = 0; i < f->nregs; i++)
        regfree(&f->regs[i]);
    kfk__free(f->regs);
    f->regs = NULL;
    f->nregs = 0;
    for (size_t i = 0; i < f->nlits; i++)
        kfk__free(f->lits[i]);
    kfk__free(f->lits);
    f->lits = NULL;
    f->nlits = 0;
}

void kfk__follow_forget(kfk__follow_t *f) {
    for (size_t i = 0; i < f->nseen; i++)
        kfk__free(f->seen[i].topic);
    kfk__free(f->seen);
    f->seen = NULL;
    f->nseen = 0;
}

void kfk__follow_free(kfk__follow_t *f) {
    kfk__follow_forget(f);
    subs_clear(f);
}

void kfk__follow_remember(kfk__follow_t *f, const char *topic) {
    int32_t count = cached_count(f, topic);
    if (count < 0)
        return;
    for (size_t i = 0; i < f->nseen; i++)
        if (!strcmp(f->seen[i].topic, topic))
            return;
    struct kfk__follow_seen *n = kfk__realloc(f->seen, (f->nseen + 1) * sizeof *n);
    if (!n)
        return;
    f->seen = n;
    if ((n[f->nseen].topic = kfk__strndup(topic, strlen(topic))) != NULL)
        n[f->nseen++].count = count;
    f->md_seen = 0; /* compare with the cache as it is now */
}

static int regs_match(const kfk__follow_t *f, const char *topic) {
    for (size_t i = 0; i < f->nregs; i++)
        if (regexec(&f->regs[i], topic, 0, NULL, 0) == 0)
            return 1;
    return 0;
}

static int name_in(char *const *l, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(l[i], name))
            return 1;
    return 0;
}

/* Replaces the consumer's topic list with copies of @p l and follows them. */
static kfk_err_t set_topics(kfk__follow_t *f, char *const *l, size_t n) {
    kfk_consumer_t *c = f->c;
    char **names = kfk__calloc(n ? n : 1, sizeof *names);
    if (!names)
        return KFK_ERR__NOMEM;
    for (size_t k = 0; k < n; k++)
        if (!(names[k] = kfk__strndup(l[k], strlen(l[k])))) {
            while (k--)
                kfk__free(names[k]);
            kfk__free(names);
            return KFK_ERR__NOMEM;
        }
    for (size_t i = 0; i < c->ntopics; i++)
        kfk__free(c->topics[i]);
    kfk__free(c->topics);
    c->topics = names;
    c->ntopics = n;
    for (size_t i = 0; i < n; i++)
        kfk__client_follow_topic(c->cl, names[i]);
    return KFK_ERR_NONE;
}

/* The literal topics plus every topic of the cache (which the last full refresh listed) that a
 * pattern matches, internal topics and topics with errors left out. Returns 1 when that set
 * differs from the consumer's topics, which it then replaces. */
static int match_patterns(kfk__follow_t *f) {
    kfk_consumer_t *c = f->c;
    kfk__client_t *cl = c->cl;
    size_t cap = f->nlits + (size_t)(cl->topic_cnt > 0 ? cl->topic_cnt : 0);
    char **l = kfk__calloc(cap ? cap : 1, sizeof *l);
    size_t n = 0;
    if (!l)
        return 0;
    for (size_t i = 0; i < f->nlits; i++)
        if (!name_in(l, n, f->lits[i]))
            l[n++] = f->lits[i];
    for (int32_t i = 0; i < cl->topic_cnt; i++) {
        const kfk__topic_md_t *t = &cl->topics[i];
        if (!t->is_internal && !t->err && !name_in(l, n, t->name) && regs_match(f, t->name))
            l[n++] = t->name;
    }
    int same = n == c->ntopics;
    for (size_t i = 0; same && i < n; i++)
        same = name_in(c->topics, c->ntopics, l[i]);
    int changed = !same && set_topics(f, l, n) == KFK_ERR_NONE;
    kfk__free(l);
    if (changed)
        kfk__log(&cl->log, KFK_LOG_INFO, KFK_DBG_CGRP,
                 "group %s: the subscription matches %zu topics", c->conf->group_id, n);
    return changed;
}

int kfk__follow_check(kfk__follow_t *f, int stable, int joined, char *why, size_t size) {
    kfk__client_t *cl = f->c->cl;
    if (cl->md_updated_ms == f->md_seen)
        return 0;
    f->md_seen = cl->md_updated_ms;
    if (f->nregs && f->patterns_known && match_patterns(f)) {
        if (joined) {
            snprintf(why, size, "the topics matching the subscription changed");
            return 1;
        }
        kfk__consumer_kick(f->c); /* not joined yet: the JoinGroup lists them */
    }
    if (!stable)
        return 0;
    for (size_t i = 0; i < f->nseen; i++) {
        int32_t now = cached_count(f, f->seen[i].topic);
        if (now < 0 || now == f->seen[i].count)
            continue;
        snprintf(why, size, "topic %s has %d partitions, %d when assigned", f->seen[i].topic,
                 (int)now, (int)f->seen[i].count);
        return 1;
    }
    return 0;
}

static void on_pattern_md(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    (void)cl;
    kfk__follow_t *f = opaque;
    kfk_consumer_t *c = f->c;
    f->pw_waiting = 0;
    if (c->client_closing || err == KFK_ERR__DESTROYED)
        return;
    uint64_t now = uv_now(c->loop);
    if (!err) {
        f->patterns_known = 1;
        f->md_seen = 0; /* match again now */
        f->pw_next = now + (uint64_t)c->conf->metadata_max_age_ms;
    } else {
        f->pw_next = now + (uint64_t)c->conf->retry_backoff_ms;
    }
    kfk__consumer_kick(c);
}

void kfk__follow_refresh(kfk__follow_t *f, uint64_t now) {
    kfk_consumer_t *c = f->c;
    if (!f->nregs || f->pw_waiting)
        return;
    if (now < f->pw_next) {
        kfk__consumer_arm(c, f->pw_next);
        return;
    }
    f->pw_waiting = 1;
    f->pw_next = now + (uint64_t)c->conf->metadata_max_age_ms;
    kfk__client_metadata_refresh(c->cl, NULL, 0, 1, &f->pw, on_pattern_md, f);
}

int kfk__follow_waiting(const kfk__follow_t *f) {
    return f->nregs && !f->patterns_known;
}

kfk_err_t kfk__follow_subscribe(kfk__follow_t *f, kfk_consumer_t *c, const char *const *topics,
                                size_t n) {
    kfk__follow_t t;
    memset(&t, 0, sizeof t);
    t.regs = kfk__calloc(n ? n : 1, sizeof *t.regs);
    t.lits = kfk__calloc(n ? n : 1, sizeof *t.lits);
    kfk_err_t err = t.regs && t.lits ? KFK_ERR_NONE : KFK_ERR__NOMEM;
    for (size_t i = 0; !err && i < n; i++) {
        if (topics[i][0] == '^') {
            if (regcomp(&t.regs[t.nregs], topics[i], REG_EXTENDED | REG_NOSUB) != 0)
                err = KFK_ERR__INVALID_ARG;
            else
                t.nregs++;
        } else if ((t.lits[t.nlits] = kfk__strndup(topics[i], strlen(topics[i]))) != NULL) {
            t.nlits++;
        } else {
            err = KFK_ERR__NOMEM;
        }
    }
    f->c = c;
    if (!err)
        err = set_topics(f, t.lits, t.nlits);
    if (err) {
        subs_clear(&t);
        return err;
    }
    subs_clear(f);
    f->regs = t.regs;
    f->nregs = t.nregs;
    f->lits = t.lits;
    f->nlits = t.nlits;
    f->patterns_known = 0;
    f->pw_next = 0;
    return KFK_ERR_NONE;
}
