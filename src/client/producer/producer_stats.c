/*
 * producer_stats.c: the producer's section of the statistics document (statistics.interval.ms;
 * core/stats.c describes the document, in librdkafka's names): queue, batches, requests, the
 * idempotence and transaction state and each partition's queued, in-flight and acknowledged
 * records.
 */
#include <inttypes.h>

#include "client/core/stats.h"
#include "client/producer/producer_int.h"

static void put_toppar(kfk_wbuf_t *w, const toppar_t *tp, int32_t leader) {
    uint64_t queued = tp->open ? (uint64_t)tp->open->n : 0, inflight = 0;
    for (const pbatch_t *b = tp->head; b; b = b->next) {
        if (b->in_flight)
            inflight += (uint64_t)b->n;
        else
            queued += (uint64_t)b->n;
    }
    kfk__stats_putf(w, "\"%d\":{\"partition\":%d,\"leader\":%d", (int)tp->id, (int)tp->id,
                    (int)leader);
    kfk__stats_putf(w, ",\"msgq_cnt\":%" PRIu64 ",\"msgs_inflight\":%" PRIu64, queued, inflight);
    kfk__stats_putf(w, ",\"txmsgs\":%" PRIu64 ",\"txbytes\":%" PRIu64 "}", tp->txmsgs, tp->txbytes);
}

void kfk__producer_render_stats(void *owner, kfk_wbuf_t *w) {
    const kfk_producer_t *p = owner;
    static const char *const pid_states[] = {"Init", "WaitPID", "Assigned", "DrainBump"};
    kfk__stats_putf(w, ",\"type\":\"producer\",\"msg_cnt\":%zu,\"msg_size\":%zu", p->queued_msgs,
                    p->queued_bytes);
    kfk__stats_putf(w, ",\"msg_max\":%lld,\"msg_size_max\":%lld",
                    (long long)p->c->queue_buffering_max_messages,
                    (long long)p->c->queue_buffering_max_kbytes * 1024);
    kfk__stats_putf(w,
                    ",\"txmsgs\":%" PRIu64 ",\"txmsg_bytes\":%" PRIu64 ",\"txmsg_errs\":%" PRIu64,
                    p->stat_txmsgs, p->stat_txbytes, p->stat_txerrs);
    kfk__stats_putf(w, ",\"batches\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"retries\":%" PRIu64,
                    p->stat_batches, p->stat_requests, p->stat_retries);
    kfk__stats_putf(w,
                    ",\"eos\":{\"idemp_state\":\"%s\",\"producer_id\":%lld,\"producer_epoch\":%d,"
                    "\"epoch_cnt\":%" PRIu64 ",\"txn_state\":\"%s\"}",
                    p->idempotent && p->pid_state >= 0 && p->pid_state <= PID_BUMP
                        ? pid_states[p->pid_state]
                        : "Disabled",
                    (long long)(p->idempotent ? p->pid : -1), (int)(p->idempotent ? p->epoch : -1),
                    p->stat_epochs, kfk__txn_state_name(p));
    kfk__stats_put(w, ",\"topics\":{");
    for (const ptopic_t *t = p->topics; t; t = t->next) {
        if (t != p->topics)
            kfk__stats_put(w, ",");
        kfk__stats_put_str(w, t->name);
        kfk__stats_put(w, ":{\"topic\":");
        kfk__stats_put_str(w, t->name);
        kfk__stats_put(w, ",\"partitions\":{");
        uint64_t pending = 0;
        for (const pending_t *r = t->pending; r; r = r->next)
            pending++;
        const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
        int first = 1;
        if (pending) {
            kfk__stats_putf(w,
                            "\"-1\":{\"partition\":-1,\"leader\":-1,\"msgq_cnt\":%" PRIu64
                            ",\"msgs_inflight\":0,\"txmsgs\":0,\"txbytes\":0}",
                            pending);
            first = 0;
        }
        for (int32_t i = 0; i < t->nparts; i++) {
            if (!first)
                kfk__stats_put(w, ",");
            first = 0;
            put_toppar(w, &t->parts[i],
                       md && i < md->partition_cnt ? md->partitions[i].leader : -1);
        }
        kfk__stats_put(w, "}}");
    }
    kfk__stats_put(w, "}");
}
