/*
 * consumer_protocol.h: the KIP-848 consumer group member (consumer_protocol.c), what
 * kfk_consumer_subscribe (group.c) makes of a consumer with group.protocol=consumer.
 */
#ifndef KFK_CLIENT_GROUP_CONSUMER_PROTOCOL_H
#define KFK_CLIENT_GROUP_CONSUMER_PROTOCOL_H

#include "client/consumer/parts.h"

/* group.protocol's values (the ENUM's index in conf_props.h). */
#define KFK__GROUP_PROTOCOL_CLASSIC 0
#define KFK__GROUP_PROTOCOL_CONSUMER 1

/* Makes @p c a consumer-protocol member (the first time) and sets its subscription to @p topics
 * (@p n non-empty entries, '^' entries are patterns), sent with the next heartbeat. Arguments
 * are checked by the caller. KFK_ERR__INVALID_ARG (a pattern regcomp refuses), KFK_ERR__NOMEM. */
kfk_err_t kfk__cgroup_subscribe(kfk_consumer_t *c, const char *const *topics, size_t n);

#endif
