/*
 * producer.h: what the components above the producer (events' emitter) use of it beyond kfk.h.
 * The producer's own state is producer_int.h's and stays inside src/client/producer.
 */
#ifndef KFK_CLIENT_PRODUCER_H
#define KFK_CLIENT_PRODUCER_H

#include <uv.h>

#include "ev/log.h"
#include "kfk/kfk.h"

/* The logger of @p p's client (its log callback, level and debug contexts); valid while @p p
 * is. */
kfk__logger_t *kfk__producer_log(kfk_producer_t *p);

/* The loop @p p runs on. */
uv_loop_t *kfk__producer_loop(kfk_producer_t *p);

#endif
