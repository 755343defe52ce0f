/*
 * env.h: where the test services are. scripts/kafka start and scripts/redis start print the
 * KFK_* variables; scripts/test exports them (the Kafka 3.9 node's with a KFK_39_ prefix).
 * KFK_TARGET=39 (set by ctest for the *_kafka39 tests) switches every lookup to KFK_39_*,
 * KFK_TARGET=cluster (the 3-node cluster tests) to KFK_CLUSTER_*.
 */
#ifndef KFK_TEST_ENV_H
#define KFK_TEST_ENV_H

/* The value of KFK_<name> for the current target (KFK_39_<name> when KFK_TARGET=39,
 * KFK_CLUSTER_<name> when KFK_TARGET=cluster), or NULL. */
const char *kt_env(const char *name);

/* Like kt_env, but a missing variable fails the current Criterion test. */
const char *kt_env_required(const char *name);

/* KFK_REDIS, whichever broker KFK_TARGET names (one Redis serves every target); fails the
 * test when it is not set. */
const char *kt_redis(void);

/* "4.3.1", "3.9.2", ... of the broker under test (KFK_KAFKA_VERSION), or "unknown". */
const char *kt_kafka_version(void);

#endif
