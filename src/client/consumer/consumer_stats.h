/*
 * consumer_stats.h: the consumer's section of the statistics document (consumer_stats.c).
 */
#ifndef KFK_CLIENT_CONSUMER_STATS_H
#define KFK_CLIENT_CONSUMER_STATS_H

#include "client/consumer/parts.h"

/* Renders the consumer's members of the statistics document (@p owner: the kfk_consumer_t);
 * a kfk__stats_render_cb, added by kfk_consumer_new. */
void kfk__consumer_stats(void *owner, kfk_wbuf_t *w);

#endif
