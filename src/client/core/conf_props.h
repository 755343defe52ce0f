/*
 * conf_props.h: every configuration property kfk knows, one X-macro line each (STYLE rule 6's
 * single-table idea applied to configuration, as librdkafka does). Names are Kafka's standard
 * property names; defaults follow the modern Java client unless noted. conf.c parses and prints
 * values with it, kfk_conf_property() (kfk.h) exposes it, `kfk config` prints it and
 * docs/CONFIGURATION.md is generated from that (scripts/gen-docs): a row here is the only place a
 * property is described.
 *
 *   X(name, field, TYPE, default, min, max, flags, choices, aliases, objects, doc)
 *
 * TYPE: INT (int64 in [min, max]), BOOL (true/false, 1/0), STR (free text), ENUM (one of the
 * '|'-separated `choices`, case-insensitive, stored as the index). A STR with `choices` is a
 * comma-separated list whose items must each be one of them. Flags: CONF_SECRET (redacted in
 * dumps, wiped on free). `aliases`: other accepted names ('|'-separated; librdkafka's spellings).
 * `objects`: the public objects that read the property. The emitter and the listener read none
 * themselves: they run on a producer or consumer the caller made. `doc`: one line, what the code
 * does with the value (check it against the code when either changes).
 */
#ifndef KFK_CLIENT_CONF_PROPS_H
#define KFK_CLIENT_CONF_PROPS_H

/* Readers of a property (the `objects` column). */
#define KFK_CONF_O_CLIENT "producer, consumer, admin, worker"
#define KFK_CONF_O_LOG "producer, consumer, admin, worker, lock"
#define KFK_CONF_O_PRODUCER "producer"
#define KFK_CONF_O_CONSUMER "consumer, worker"
#define KFK_CONF_O_RETRY "producer, consumer, worker"
#define KFK_CONF_O_TOPICS "producer, consumer, worker"

#define KFK_CONF_PROPS(X)                                                                          \
    X("bootstrap.servers", bootstrap_servers, STR, "", 0, 0, 0, "", "metadata.broker.list",        \
      KFK_CONF_O_CLIENT, "Comma-separated host:port list to bootstrap from (required)")            \
    X("client.id", client_id, STR, "kfk", 0, 0, 0, "", "", KFK_CONF_O_LOG,                         \
      "Client id sent with every request; also the name in log lines and statistics")              \
    X("request.timeout.ms", request_timeout_ms, INT, "30000", 1, 2147483647, 0, "", "",            \
      KFK_CONF_O_CLIENT, "Time a request may wait for its response")                               \
    X("socket.connection.setup.timeout.ms", socket_connection_setup_timeout_ms, INT, "10000", 1,   \
      2147483647, 0, "", "", KFK_CONF_O_CLIENT,                                                    \
      "Time for DNS, TCP connect, TLS, ApiVersions and SASL")                                      \
    X("reconnect.backoff.ms", reconnect_backoff_ms, INT, "100", 0, 3600000, 0, "", "",             \
      KFK_CONF_O_CLIENT,                                                                           \
      "First reconnect backoff after any connection failure, refused or after setup (doubles "     \
      "per failure until an answer decodes, +-20 % jitter; librdkafka's default; below 10 acts "   \
      "as 10: a refused connection is never retried in a loop)")                                   \
    X("reconnect.backoff.max.ms", reconnect_backoff_max_ms, INT, "10000", 0, 3600000, 0, "", "",   \
      KFK_CONF_O_CLIENT, "Maximum reconnect backoff (used at once after a fatal error)")           \
    X("allow.auto.create.topics", allow_auto_create_topics, BOOL, "true", 0, 0, 0, "", "",         \
      KFK_CONF_O_TOPICS,                                                                           \
      "Metadata requests ask the broker to create an unknown topic (it does where "                \
      "auto.create.topics.enable=true; metadata is refreshed on the retry backoff until the "      \
      "topic appears); false: an unknown topic stays UNKNOWN_TOPIC_OR_PARTITION")                  \
    X("metadata.max.age.ms", metadata_max_age_ms, INT, "300000", 1, 2147483647, 0, "", "",         \
      KFK_CONF_O_CLIENT, "Refresh metadata at least this often")                                   \
    X("receive.message.max.bytes", receive_message_max_bytes, INT, "100000000", 1000, 2147483647,  \
      0, "", "", KFK_CONF_O_CLIENT, "Largest response frame accepted (checked before allocation)") \
    X("max.in.flight.requests.per.connection", max_in_flight, INT, "5", 1, 1000000, 0, "", "",     \
      KFK_CONF_O_CLIENT,                                                                           \
      "Requests in flight per broker connection; also the producer's batches in flight per "       \
      "partition (at most 5 when idempotent)")                                                     \
    X("security.protocol", security_protocol, ENUM, "plaintext", 0, 0, 0,                          \
      "plaintext|ssl|sasl_plaintext|sasl_ssl", "", KFK_CONF_O_CLIENT,                              \
      "Transport: TLS and/or SASL")                                                                \
    X("ssl.ca.location", ssl_ca_location, STR, "", 0, 0, 0, "", "", KFK_CONF_O_CLIENT,             \
      "CA certificate file (PEM); empty: the system store")                                        \
    X("ssl.certificate.location", ssl_certificate_location, STR, "", 0, 0, 0, "", "",              \
      KFK_CONF_O_CLIENT, "Client certificate file (PEM)")                                          \
    X("ssl.key.location", ssl_key_location, STR, "", 0, 0, 0, "", "", KFK_CONF_O_CLIENT,           \
      "Client private key file (PEM)")                                                             \
    X("ssl.key.password", ssl_key_password, STR, "", 0, 0, CONF_SECRET, "", "", KFK_CONF_O_CLIENT, \
      "Password of the client private key")                                                        \
    X("ssl.endpoint.identification.algorithm", ssl_endpoint_identification, ENUM, "https", 0, 0,   \
      0, "https|none", "", KFK_CONF_O_CLIENT,                                                      \
      "https: check the broker's host name against its certificate; none: do not")                 \
    X("enable.ssl.certificate.verification", enable_ssl_certificate_verification, BOOL, "true", 0, \
      0, 0, "", "", KFK_CONF_O_CLIENT,                                                             \
      "Verify the broker certificate chain (false also skips the host name check)")                \
    X("sasl.mechanism", sasl_mechanism, ENUM, "PLAIN", 0, 0, 0,                                    \
      "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512", "sasl.mechanisms", KFK_CONF_O_CLIENT,                   \
      "SASL mechanism (with security.protocol sasl_plaintext or sasl_ssl)")                        \
    X("sasl.username", sasl_username, STR, "", 0, 0, CONF_SECRET, "", "", KFK_CONF_O_CLIENT,       \
      "SASL user name (required with SASL)")                                                       \
    X("sasl.password", sasl_password, STR, "", 0, 0, CONF_SECRET, "", "", KFK_CONF_O_CLIENT,       \
      "SASL password (required with SASL)")                                                        \
    X("log_level", log_level, INT, "6", 0, 7, 0, "", "", KFK_CONF_O_LOG,                           \
      "Most verbose syslog level logged (to the log callback, else stderr); debug raises it to 7") \
    X("debug", debug, STR, "", 0, 0, 0,                                                            \
      "generic|broker|protocol|metadata|security|producer|consumer|cgrp|fetch|lock|all", "",       \
      KFK_CONF_O_LOG, "Comma-separated debug contexts to log")                                     \
    X("statistics.interval.ms", statistics_interval_ms, INT, "0", 0, 86400000, 0, "", "",          \
      KFK_CONF_O_CLIENT, "Statistics callback interval (0: off; needs kfk_conf_set_stats_cb)")     \
    /* producer */                                                                                 \
    X("acks", acks, ENUM, "all", 0, 0, 0, "all|-1|0|1", "request.required.acks",                   \
      KFK_CONF_O_PRODUCER,                                                                         \
      "Replicas that must have a record before it is acknowledged (all = -1)")                     \
    X("linger.ms", linger_ms, INT, "5", 0, 900000, 0, "", "queue.buffering.max.ms",                \
      KFK_CONF_O_PRODUCER,                                                                         \
      "Wait this long for a batch to fill (it fills on while it cannot be sent, and while a "      \
      "batch of its partition awaits an answer)")                                                  \
    X("batch.size", batch_size, INT, "1000000", 1, 2147483647, 0, "", "", KFK_CONF_O_PRODUCER,     \
      "Bytes of a partition's batch (librdkafka's default; Java's is 16384); at least 68 (a "      \
      "61-byte batch header and the smallest record: kfk_producer_new refuses less; set below "    \
      "1024, a warning); a larger record goes in a batch of its own. Not read by the consumer "    \
      "(see max.poll.records)")                                                                    \
    X("compression.type", compression_type, ENUM, "none", 0, 0, 0, "none|gzip|snappy|lz4|zstd",    \
      "compression.codec", KFK_CONF_O_PRODUCER,                                                    \
      "Codec of produced batches (one not built in fails kfk_producer_new)")                       \
    X("compression.level", compression_level, INT, "-1", -1, 22, 0, "", "", KFK_CONF_O_PRODUCER,   \
      "Codec level (-1: the codec's default)")                                                     \
    X("enable.idempotence", enable_idempotence, BOOL, "true", 0, 0, 0, "", "",                     \
      KFK_CONF_O_PRODUCER,                                                                         \
      "No duplicates, order kept; needs acks=all, max.in.flight.requests.per.connection <= 5 and " \
      "retries > 0 (left at its default, it turns off when acks or max.in.flight disagree)")       \
    X("retries", retries, INT, "2147483647", 0, 2147483647, 0, "", "", KFK_CONF_O_PRODUCER,        \
      "Retries of a failed batch within delivery.timeout.ms")                                      \
    X("retry.backoff.ms", retry_backoff_ms, INT, "100", 0, 3600000, 0, "", "", KFK_CONF_O_RETRY,   \
      "First retry backoff")                                                                       \
    X("retry.backoff.max.ms", retry_backoff_max_ms, INT, "1000", 0, 3600000, 0, "", "",            \
      KFK_CONF_O_RETRY, "Maximum retry backoff")                                                   \
    X("delivery.timeout.ms", delivery_timeout_ms, INT, "120000", 1, 2147483647, 0, "",             \
      "message.timeout.ms", KFK_CONF_O_PRODUCER, "Time to report a record delivered or failed")    \
    X("partitioner", partitioner, ENUM, "murmur2_random", 0, 0, 0,                                 \
      "murmur2_random|murmur2|random", "", KFK_CONF_O_PRODUCER,                                    \
      "Keyed records: murmur2 of the key (not with random); keyless: a sticky random partition "   \
      "(murmur2: partition 0)")                                                                    \
    X("queue.buffering.max.messages", queue_buffering_max_messages, INT, "100000", 1, 100000000,   \
      0, "", "", KFK_CONF_O_PRODUCER, "Records queued before send returns QUEUE_FULL")             \
    X("queue.buffering.max.kbytes", queue_buffering_max_kbytes, INT, "32768", 1, 2147483647, 0,    \
      "", "", KFK_CONF_O_PRODUCER,                                                                 \
      "Queued KiB (records not yet delivered) before send returns QUEUE_FULL (Java's "             \
      "buffer.memory; librdkafka: 1 GiB; unset, it grows to hold one record of "                   \
      "message.max.bytes)")                                                                        \
    X("message.max.bytes", message_max_bytes, INT, "1048576", 1000, 1000000000, 0, "",             \
      "max.request.size", KFK_CONF_O_PRODUCER,                                                     \
      "Largest record send accepts (key, value and headers plus 64 bytes; larger: "                \
      "MSG_SIZE_TOO_LARGE)")                                                                       \
    X("transactional.id", transactional_id, STR, "", 0, 0, 0, "", "", KFK_CONF_O_PRODUCER,         \
      "Makes the producer transactional (kfk_producer_init_txns, begin/commit/abort; needs "       \
      "idempotence and acks=all); a newer producer with the same id fences older ones")            \
    X("transaction.timeout.ms", transaction_timeout_ms, INT, "60000", 1, 2147483647, 0, "", "",    \
      KFK_CONF_O_PRODUCER,                                                                         \
      "A transaction open longer is aborted by the coordinator; also the time an init, commit "    \
      "or abort may spend on the coordinator before it ends as retriable")                         \
    /* consumer (the worker runs a consumer) */                                                    \
    X("group.id", group_id, STR, "", 0, 0, 0, "", "", KFK_CONF_O_CONSUMER,                         \
      "Consumer group (commits, subscribe; required by the worker)")                               \
    X("group.instance.id", group_instance_id, STR, "", 0, 0, 0, "", "", KFK_CONF_O_CONSUMER,       \
      "Static membership id (KIP-345); empty: dynamic member")                                     \
    X("group.protocol", group_protocol, ENUM, "classic", 0, 0, 0, "classic|consumer", "",          \
      KFK_CONF_O_CONSUMER,                                                                         \
      "classic: JoinGroup/SyncGroup/Heartbeat; consumer: KIP-848 (ConsumerGroupHeartbeat, the "    \
      "broker assigns; Kafka 4.0+, refused with a clear error elsewhere)")                         \
    X("group.remote.assignor", group_remote_assignor, STR, "", 0, 0, 0, "", "",                    \
      KFK_CONF_O_CONSUMER,                                                                         \
      "group.protocol=consumer: the broker's assignor (uniform, range); empty: the broker's "      \
      "default")                                                                                   \
    X("max.poll.records", max_poll_records, INT, "100", 1, 2147483647, 0, "", "",                  \
      KFK_CONF_O_CONSUMER,                                                                         \
      "Records per batch handed to the application at most (batch.size, the producer's bytes, "    \
      "does not set it: set alone, a notice says so)")                                             \
    X("batch.timeout.ms", batch_timeout_ms, INT, "500", 0, 3600000, 0, "", "",                     \
      KFK_CONF_O_CONSUMER, "Deliver a batch with what arrived within this time")                   \
    X("batch.commit.wait", batch_commit_wait, BOOL, "false", 0, 0, 0, "", "", "consumer",          \
      "true: a partition's next batch waits until the broker acknowledged the commit of its last " \
      "done batch (a crash re-reads at most one batch per partition); the worker always waits")    \
    X("auto.offset.reset", auto_offset_reset, ENUM, "latest", 0, 0, 0,                             \
      "latest|earliest|error|largest|smallest|end|beginning", "", KFK_CONF_O_CONSUMER,             \
      "Where to start without a valid offset (largest, end: latest; smallest, beginning: "         \
      "earliest; error: stop the partition)")                                                      \
    X("enable.auto.commit", enable_auto_commit, BOOL, "false", 0, 0, 0, "", "",                    \
      KFK_CONF_O_CONSUMER,                                                                         \
      "false: commit after each done batch; true: every auto.commit.interval.ms")                  \
    X("auto.commit.interval.ms", auto_commit_interval_ms, INT, "5000", 1, 86400000, 0, "", "",     \
      KFK_CONF_O_CONSUMER, "Commit interval with enable.auto.commit=true")                         \
    X("fetch.min.bytes", fetch_min_bytes, INT, "1", 0, 100000000, 0, "", "", KFK_CONF_O_CONSUMER,  \
      "Bytes a fetch waits for (up to fetch.max.wait.ms)")                                         \
    X("fetch.max.bytes", fetch_max_bytes, INT, "52428800", 1, 2147483135, 0, "", "",               \
      KFK_CONF_O_CONSUMER, "Bytes per fetch response")                                             \
    X("max.partition.fetch.bytes", max_partition_fetch_bytes, INT, "1048576", 1, 2147483647, 0,    \
      "", "", KFK_CONF_O_CONSUMER, "Bytes per partition per fetch")                                \
    X("check.crcs", check_crcs, BOOL, "true", 0, 0, 0, "", "", KFK_CONF_O_CONSUMER,                \
      "Verify each v2 record batch's CRC-32C before delivering its records; false (librdkafka's "  \
      "default) skips that read of every fetched byte")                                            \
    X("fetch.max.wait.ms", fetch_max_wait_ms, INT, "500", 0, 300000, 0, "", "",                    \
      KFK_CONF_O_CONSUMER,                                                                         \
      "Longest a fetch waits for fetch.min.bytes. An answer with nothing in it that comes back "   \
      "sooner (this 0, fetch.min.bytes 0, a broker that does not wait) holds the next Fetch to "   \
      "that broker until this long after the last one was sent (0 with fetch.min.bytes 0), "       \
      "and at least 10 ms: polling, never a busy loop")                                            \
    X("queued.max.messages.kbytes", queued_max_messages_kbytes, INT, "65536", 1, 2097151, 0, "",   \
      "", KFK_CONF_O_CONSUMER, "Prefetched KiB kept per consumer")                                 \
    X("isolation.level", isolation_level, ENUM, "read_uncommitted", 0, 0, 0,                       \
      "read_uncommitted|read_committed", "", KFK_CONF_O_CONSUMER,                                  \
      "read_committed: read up to the last stable offset, skip aborted transactions")              \
    X("session.timeout.ms", session_timeout_ms, INT, "45000", 1, 3600000, 0, "", "",               \
      KFK_CONF_O_CONSUMER,                                                                         \
      "Group session timeout (must be above heartbeat.interval.ms); group.protocol=consumer: the " \
      "broker's decides, this bounds how long kfk goes on without an answered heartbeat")          \
    X("heartbeat.interval.ms", heartbeat_interval_ms, INT, "3000", 1, 3600000, 0, "", "",          \
      KFK_CONF_O_CONSUMER, "Group heartbeat interval (group.protocol=consumer: the broker's)")     \
    X("max.poll.interval.ms", max_poll_interval_ms, INT, "300000", 1, 86400000, 0, "", "",         \
      KFK_CONF_O_CONSUMER,                                                                         \
      "A batch not done within this leaves the group (a locked worker: releases its lock and "     \
      "ends with MAX_POLL_EXCEEDED); also the rebalance timeout and the default close wait")       \
    X("partition.assignment.strategy", partition_assignment_strategy, STR,                         \
      "range,cooperative-sticky", 0, 0, 0, "range|roundrobin|cooperative-sticky", "",              \
      KFK_CONF_O_CONSUMER, "Comma-separated assignors in preference order")

#endif
