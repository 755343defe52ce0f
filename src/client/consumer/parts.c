/*
 * parts.c: the consumer's partition table (parts.h): partitions added, found and removed, their
 * fetched buffers and the reference-counted chunks records point into, freeing batches, and the
 * scheduling of the consumer's loop turn (kick), which consumer.c runs.
 */
#include <string.h>

#include "client/consumer/consumer.h"
#include "client/consumer/parts.h"
#include "protocol/mem.h"

/* ---- chunks -------------------------------------------------------------------------------- */

kfk__chunk_t *kfk__chunk_new(uint8_t *mem) {
    return kfk__chunk_new_pooled(mem, 0, NULL);
}

kfk__chunk_t *kfk__chunk_new_pooled(uint8_t *mem, size_t cap, kfk__bufpool_t *pool) {
    kfk__chunk_t *ch = kfk__malloc(sizeof *ch);
    if (!ch)
        return NULL;
    ch->mem = mem;
    ch->refs = 1;
    ch->pool = pool;
    ch->cap = cap;
    ch->crc_blocks = NULL;
    ch->crc_nblocks = 0;
    return ch;
}

void kfk__chunk_ref(kfk__chunk_t *ch) {
    ch->refs++;
}

void kfk__chunk_unref(kfk__chunk_t *ch) {
    if (ch && --ch->refs == 0) {
        if (ch->pool)
            kfk__bufpool_put_mem(ch->pool, ch->mem, ch->cap);
        else
            kfk__free(ch->mem);
        kfk__free(ch);
    }
}

/* ---- scheduling ------------------------------------------------------------------------------ */

int64_t kfk__consumer_now(const kfk_consumer_t *c) {
    return (int64_t)uv_now(c->loop);
}

void kfk__consumer_arm(kfk_consumer_t *c, uint64_t due) {
    if (c->client_closing)
        return;
    if (c->timer_armed && c->timer_due <= due)
        return;
    uint64_t now = uv_now(c->loop);
    c->timer_armed = 1;
    c->timer_due = due;
    uv_timer_start(&c->timer, c->run, due > now ? due - now : 0, 0);
}

void kfk__consumer_kick(kfk_consumer_t *c) {
    kfk__consumer_arm(c, uv_now(c->loop));
}

static void on_metadata(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    kfk_consumer_t *c = opaque;
    c->md_waiting = 0;
    if (c->client_closing)
        return;
    if (err) {
        /* The cluster did not answer: the cause of every partition whose topic has no metadata
         * yet (the others still have their leaders). */
        char cause[256];
        kfk_err_t e = kfk__client_metadata_cause(cl, cause, sizeof cause);
        for (size_t i = 0; i < c->nparts; i++)
            if (!kfk__client_topic(cl, c->parts[i]->topic))
                kfk__part_transient(c, c->parts[i], e ? e : err, 0, "metadata: %s",
                                    cause[0] ? cause : kfk_err_str(e ? e : err));
    }
    kfk__consumer_kick(c);
}

void kfk__consumer_refresh_metadata(kfk_consumer_t *c) {
    if (c->md_waiting) {
        kfk__client_metadata_refresh(c->cl, NULL, 0, 0, NULL, NULL, NULL);
        return;
    }
    c->md_waiting = 1;
    kfk__client_metadata_refresh(c->cl, NULL, 0, 0, &c->md_w, on_metadata, c);
}

/* ---- partitions --------------------------------------------------------------------------- */

cpart_t *kfk__consumer_part(kfk_consumer_t *c, const char *topic, int32_t id) {
    if (!topic)
        return NULL;
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i]->id == id && !strcmp(c->parts[i]->topic, topic))
            return c->parts[i];
    return NULL;
}

void kfk__cbuf_free(cbuf_t *b) {
    kfk__chunk_unref(b->frame);
    kfk__chunk_unref(b->decomp);
    kfk_txn_filter_free(&b->txn);
    kfk__free(b);
}

void kfk__consumer_drop_buffers(kfk_consumer_t *c, cpart_t *p) {
    while (p->bufs) {
        cbuf_t *b = p->bufs;
        p->bufs = b->next;
        kfk__cbuf_free(b);
    }
    p->bufs_tail = &p->bufs;
    c->buffered -= p->buffered;
    p->buffered = 0;
}

/* The consumer's copy of @p topic (the same pointer for the same name until close). */
static const char *intern(kfk_consumer_t *c, const char *topic) {
    for (struct tname *t = c->tnames; t; t = t->next)
        if (!strcmp(t->name, topic))
            return t->name;
    size_t n = strlen(topic);
    struct tname *t = kfk__malloc(sizeof *t + n + 1);
    if (!t)
        return NULL;
    memcpy(t->name, topic, n + 1);
    t->next = c->tnames;
    c->tnames = t;
    return t->name;
}

cpart_t *kfk__consumer_add_part(kfk_consumer_t *c, const char *topic, int32_t id, int64_t start) {
    cpart_t *p = kfk__consumer_part(c, topic, id);
    if (p)
        return p;
    if (c->nparts == c->parts_cap) {
        size_t cap = c->parts_cap ? c->parts_cap * 2 : 16;
        cpart_t **parts = kfk__realloc(c->parts, cap * sizeof *parts);
        if (!parts)
            return NULL;
        c->parts = parts;
        c->parts_cap = cap;
    }
    p = kfk__calloc(1, sizeof *p);
    if (!p || !(p->topic = (char *)intern(c, topic))) {
        kfk__free(p);
        return NULL;
    }
    if (kfk__client_follow_topic(c->cl, topic) != 0) {
        kfk__free(p);
        return NULL;
    }
    p->c = c;
    p->id = id;
    p->start = start;
    p->state = CP_NEED_OFFSET;
    p->done = -1;
    p->committed = -1;
    p->hwm = -1;
    p->leader_epoch = -1;
    p->err_offset = -1;
    p->err_next = -1;
    p->bufs_tail = &p->bufs;
    c->parts[c->nparts++] = p;
    return p;
}

void kfk__consumer_void_batches(kfk_consumer_t *c, cpart_t *p) {
    for (struct kfk_batch *b = c->outstanding; b; b = b->next)
        for (size_t i = 0; i < b->nparts; i++)
            if (b->parts[i].p == p) {
                b->parts[i].p = NULL;
                b->void_ = b->nparts == 1 ? 1 : b->void_;
            }
    p->busy = NULL;
}

void kfk__batch_free(struct kfk_batch *b) {
    kfk_consumer_t *c = b->c;
    kfk_free_cb free_obj = c ? c->free_obj : b->free_obj;
    void *free_opaque = c ? c->decode_opaque : b->free_opaque;
    if (free_obj)
        for (size_t i = 0; i < b->n; i++)
            if (b->msgs[i].decoded)
                free_obj(b->msgs[i].decoded, free_opaque);
    kfk__free(b->names);
    for (size_t i = 0; i < b->nchunks; i++)
        kfk__chunk_unref(b->chunks[i]);
    kfk__free(b->chunks);
    kfk__free(b->parts);
    kfk__free(b->msgs);
    kfk__free(b);
}

/* Gives @p b its own copies of its topic names (in one block, b->names) and points its parts
 * and records at them. -1 when out of memory (nothing changed). */
static int batch_own_names(struct kfk_batch *b) {
    size_t len = 0;
    for (size_t i = 0; i < b->nparts; i++)
        len += strlen(b->parts[i].topic) + 1;
    char *names = kfk__malloc(len ? len : 1), *at = names;
    if (!names)
        return -1;
    for (size_t i = 0; i < b->nparts; i++) {
        const char *old = b->parts[i].topic;
        size_t n = strlen(old) + 1;
        memcpy(at, old, n);
        for (size_t j = 0; j < b->n; j++)
            if (b->msgs[j].topic == old)
                b->msgs[j].topic = at;
        b->parts[i].topic = at;
        at += n;
    }
    b->names = names;
    return 0;
}

size_t kfk__consumer_abandon_batches(kfk_consumer_t *c, uint64_t delivered_before) {
    size_t n = 0;
    for (struct kfk_batch **pp = &c->outstanding; *pp;) {
        struct kfk_batch *b = *pp;
        if (b->delivered_ms >= delivered_before || batch_own_names(b) != 0) {
            pp = &b->next;
            continue;
        }
        *pp = b->next;
        c->noutstanding--;
        for (size_t i = 0; i < b->nparts; i++) {
            cpart_t *p = b->parts[i].p;
            b->parts[i].p = NULL;
            if (!p || p->busy != b)
                continue;
            /* As kfk_batch_done with an error: the partition's records come again. */
            p->busy = NULL;
            kfk__consumer_drop_buffers(c, p);
            p->position = p->fetch_offset = b->parts[i].first;
        }
        b->void_ = 1;
        b->free_obj = c->free_obj;
        b->free_opaque = c->decode_opaque;
        b->next = NULL;
        b->c = NULL;
        n++;
    }
    if (n)
        kfk__consumer_kick(c);
    return n;
}

uint64_t kfk__consumer_oldest_batch_ms(const kfk_consumer_t *c) {
    uint64_t oldest = UINT64_MAX;
    for (const struct kfk_batch *b = c->outstanding; b; b = b->next)
        if (b->delivered_ms < oldest)
            oldest = b->delivered_ms;
    return oldest;
}

void kfk__consumer_drop_forming(kfk_consumer_t *c) {
    if (!c->forming)
        return;
    for (size_t i = 0; i < c->forming->nparts; i++)
        if (c->forming->parts[i].p) {
            cpart_t *fp = c->forming->parts[i].p;
            fp->busy = NULL;
            fp->position = c->forming->parts[i].first;
            fp->fetch_offset = fp->position;
            kfk__consumer_drop_buffers(c, fp);
        }
    kfk__batch_free(c->forming);
    c->forming = NULL;
}

void kfk__consumer_seek_settle(kfk_consumer_t *c, cpart_t *p, int64_t offset, kfk_err_t err) {
    kfk__seek_t *s = p->seek;
    if (!s)
        return;
    p->seek = NULL;
    s->offset = err ? -1 : offset;
    s->err = err;
    kfk__seek_t **tail = &c->seeks_done;
    while (*tail)
        tail = &(*tail)->next;
    *tail = s;
    kfk__consumer_kick(c);
}

void kfk__consumer_seek_deadlines(kfk_consumer_t *c, uint64_t now, uint64_t *next) {
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        if (!p->seek)
            continue;
        if (now >= p->seek->deadline)
            kfk__consumer_seek_settle(c, p, -1, KFK_ERR__TIMED_OUT);
        else if (p->seek->deadline < *next)
            *next = p->seek->deadline;
    }
}

void kfk__consumer_run_seeks(kfk_consumer_t *c) {
    while (c->seeks_done) {
        kfk__seek_t *s = c->seeks_done;
        c->seeks_done = s->next;
        if (s->cb)
            s->cb(c, s->topic, s->partition, s->offset, s->err, s->opaque);
        kfk__free(s);
    }
}

void kfk__consumer_remove_part(kfk_consumer_t *c, cpart_t *p) {
    kfk__consumer_seek_settle(c, p, -1, KFK_ERR__UNKNOWN_PARTITION);
    /* The forming batch is dropped (its records come again to whoever owns the partition). */
    kfk__consumer_drop_forming(c);
    kfk__consumer_void_batches(c, p);
    kfk__consumer_drop_buffers(c, p);
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i] == p) {
            c->parts[i] = c->parts[--c->nparts];
            break;
        }
    kfk__free(p);
}

int kfk__consumer_busy_parts(const kfk_consumer_t *c) {
    int n = 0;
    for (size_t i = 0; i < c->nparts; i++)
        n += c->parts[i]->busy != NULL && c->parts[i]->busy != c->forming;
    return n;
}
