/*
 * consumer_stats.c: the consumer's section of the statistics document (core/stats.c describes
 * the whole document): what was delivered, what is prefetched, the group member's state, and
 * per partition its fetch state, offsets and lag. Registered by kfk_consumer_new.
 */
#include <inttypes.h>
#include <string.h>

#include "client/consumer/consumer_stats.h"

static const char *fetch_state(const cpart_t *cp) {
    switch (cp->state) {
    case CP_NEED_OFFSET:
        return "offset-query";
    case CP_OFFSET_PENDING:
        return "offset-wait";
    case CP_READY:
        return cp->paused ? "paused" : "active";
    default:
        return "error";
    }
}

static void put_cpart(kfk_wbuf_t *w, const cpart_t *cp) {
    kfk__stats_putf(w, "\"%d\":{\"partition\":%d,\"fetch_state\":\"%s\",\"fetchq_size\":%zu",
                    (int)cp->id, (int)cp->id, fetch_state(cp), cp->buffered);
    int ready = cp->state == CP_READY;
    kfk__stats_putf(w, ",\"next_offset\":%lld,\"app_offset\":%lld,\"stored_offset\":%lld",
                    (long long)(ready ? cp->fetch_offset : -1),
                    (long long)(ready ? cp->position : -1), (long long)cp->done);
    kfk__stats_putf(w, ",\"committed_offset\":%lld,\"hi_offset\":%lld", (long long)cp->committed,
                    (long long)cp->hwm);
    long long lag = cp->hwm >= 0 && cp->committed >= 0 ? cp->hwm - cp->committed : -1;
    long long lag_stored = cp->hwm >= 0 && cp->done >= 0 ? cp->hwm - cp->done : -1;
    kfk__stats_putf(w,
                    ",\"consumer_lag\":%lld,\"consumer_lag_stored\":%lld,\"batch_outstanding\":%d}",
                    lag < 0 && lag != -1 ? 0 : lag,
                    lag_stored < 0 && lag_stored != -1 ? 0 : lag_stored, cp->busy != NULL);
}

void kfk__consumer_stats(void *owner, kfk_wbuf_t *w) {
    const kfk_consumer_t *c = owner;
    kfk__stats_putf(w,
                    ",\"type\":\"consumer\",\"rxmsgs\":%" PRIu64 ",\"rxmsg_bytes\":%" PRIu64
                    ",\"rx_batches\":%" PRIu64,
                    c->stat_rxmsgs, c->stat_rxbytes, c->stat_batches);
    kfk__stats_putf(w,
                    ",\"batches_outstanding\":%zu,\"fetchq_size\":%zu,\"fetch_requests\":%" PRIu64,
                    c->noutstanding, c->buffered, c->stat_fetches);
    if (c->group) {
        int32_t gen;
        uint64_t joins;
        const char *st = c->group_ops->state_name(c->group, &gen, &joins);
        kfk__stats_putf(w,
                        ",\"cgrp\":{\"state\":\"%s\",\"generation\":%d,\"rebalance_cnt\":%" PRIu64
                        ",\"assignment_size\":%zu}",
                        st, (int)gen, joins, c->nparts);
    }
    kfk__stats_put(w, ",\"topics\":{");
    int first_topic = 1;
    for (size_t i = 0; i < c->nparts; i++) {
        const char *t = c->parts[i]->topic;
        size_t j;
        for (j = 0; j < i; j++)
            if (!strcmp(c->parts[j]->topic, t))
                break;
        if (j < i)
            continue; /* rendered with its topic already */
        if (!first_topic)
            kfk__stats_put(w, ",");
        first_topic = 0;
        kfk__stats_put_str(w, t);
        kfk__stats_put(w, ":{\"topic\":");
        kfk__stats_put_str(w, t);
        kfk__stats_put(w, ",\"partitions\":{");
        int first = 1;
        for (size_t k = i; k < c->nparts; k++) {
            if (strcmp(c->parts[k]->topic, t))
                continue;
            if (!first)
                kfk__stats_put(w, ",");
            first = 0;
            put_cpart(w, c->parts[k]);
        }
        kfk__stats_put(w, "}}");
    }
    kfk__stats_put(w, "}");
}
