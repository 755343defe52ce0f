/*
 * conf_props.h: every configuration property kfk knows, one X-macro line each (STYLE rule 6's
 * single-table idea applied to configuration, as librdkafka does). Names are Kafka's standard
 * property names; defaults follow the modern Java client unless noted.
 *
 *   X(name, field, TYPE, default, min, max, flags, doc)
 *
 * TYPE: INT (int64 in [min, max]), BOOL (true/false), STR (free text), ENUM (one of the
 * '|'-separated choices given as `doc`'s first word list in min; case-insensitive; stored as
 * the index). Flags: CONF_SECRET (redacted in dumps, wiped on free).
 */
#ifndef KFK_CLIENT_CONF_PROPS_H
#define KFK_CLIENT_CONF_PROPS_H

#define KFK_CONF_PROPS(X)                                                                          \
    X("bootstrap.servers", bootstrap_servers, STR, "", 0, 0, 0,                                    \
      "Comma-separated host:port list to bootstrap from")                                          \
    X("client.id", client_id, STR, "kfk", 0, 0, 0, "Client id sent with every request")            \
    X("request.timeout.ms", request_timeout_ms, INT, "30000", 1, 2147483647, 0,                    \
      "Time a request may wait for its response")                                                  \
    X("socket.connection.setup.timeout.ms", socket_connection_setup_timeout_ms, INT, "10000", 1,   \
      2147483647, 0, "Time for DNS, TCP connect, TLS and ApiVersions")                             \
    X("reconnect.backoff.ms", reconnect_backoff_ms, INT, "50", 0, 3600000, 0,                      \
      "First reconnect backoff (doubles per failure, with jitter)")                                \
    X("reconnect.backoff.max.ms", reconnect_backoff_max_ms, INT, "1000", 0, 3600000, 0,            \
      "Maximum reconnect backoff")                                                                 \
    X("metadata.max.age.ms", metadata_max_age_ms, INT, "300000", 1, 2147483647, 0,                 \
      "Refresh metadata at least this often")                                                      \
    X("receive.message.max.bytes", receive_message_max_bytes, INT, "100000000", 1000, 2147483647,  \
      0, "Largest response frame accepted (checked before allocation)")                            \
    X("max.in.flight.requests.per.connection", max_in_flight, INT, "5", 1, 1000000, 0,             \
      "Requests in flight per broker connection")                                                  \
    X("security.protocol", security_protocol, ENUM, "plaintext", 0, 0, 0,                          \
      "plaintext|ssl|sasl_plaintext|sasl_ssl")                                                     \
    X("ssl.ca.location", ssl_ca_location, STR, "", 0, 0, 0,                                        \
      "CA certificate file (PEM); empty: the system store")                                        \
    X("ssl.certificate.location", ssl_certificate_location, STR, "", 0, 0, 0,                      \
      "Client certificate file (PEM)")                                                             \
    X("ssl.key.location", ssl_key_location, STR, "", 0, 0, 0, "Client private key file (PEM)")     \
    X("ssl.key.password", ssl_key_password, STR, "", 0, 0, CONF_SECRET,                            \
      "Password of the client private key")                                                        \
    X("ssl.endpoint.identification.algorithm", ssl_endpoint_identification, ENUM, "https", 0, 0,   \
      0, "https|none")                                                                             \
    X("enable.ssl.certificate.verification", enable_ssl_certificate_verification, BOOL, "true", 0, \
      0, 0, "Verify the broker certificate chain")                                                 \
    X("sasl.mechanism", sasl_mechanism, ENUM, "PLAIN", 0, 0, 0,                                    \
      "PLAIN|SCRAM-SHA-256|SCRAM-SHA-512")                                                         \
    X("sasl.username", sasl_username, STR, "", 0, 0, CONF_SECRET, "SASL user name")                \
    X("sasl.password", sasl_password, STR, "", 0, 0, CONF_SECRET, "SASL password")                 \
    X("log_level", log_level, INT, "6", 0, 7, 0, "Syslog level of messages passed to the log cb")  \
    X("debug", debug, STR, "", 0, 0, 0,                                                            \
      "Debug contexts: generic,broker,protocol,metadata,security,producer,consumer,cgrp,fetch,"    \
      "lock,all")                                                                                  \
    X("statistics.interval.ms", statistics_interval_ms, INT, "0", 0, 86400000, 0,                  \
      "Statistics callback interval (0: off)")                                                     \
    /* producer */                                                                                 \
    X("acks", acks, ENUM, "all", 0, 0, 0, "all|-1|0|1")                                            \
    X("linger.ms", linger_ms, INT, "5", 0, 900000, 0, "Wait this long for a batch to fill")        \
    X("batch.size", batch_size, INT, "16384", 1, 2147483647, 0,                                    \
      "Producer: batch bytes (default 16384); consumer: records per batch (default 100)")          \
    X("compression.type", compression_type, ENUM, "none", 0, 0, 0, "none|gzip|snappy|lz4|zstd")    \
    X("compression.level", compression_level, INT, "-1", -1, 22, 0,                                \
      "Codec level (-1: the codec's default)")                                                     \
    X("enable.idempotence", enable_idempotence, BOOL, "true", 0, 0, 0,                             \
      "Idempotent producer: no duplicates, order kept (needs acks=all)")                           \
    X("retries", retries, INT, "2147483647", 0, 2147483647, 0,                                     \
      "Retries of a failed batch within delivery.timeout.ms")                                      \
    X("retry.backoff.ms", retry_backoff_ms, INT, "100", 0, 3600000, 0, "First retry backoff")      \
    X("retry.backoff.max.ms", retry_backoff_max_ms, INT, "1000", 0, 3600000, 0,                    \
      "Maximum retry backoff")                                                                     \
    X("delivery.timeout.ms", delivery_timeout_ms, INT, "120000", 1, 2147483647, 0,                 \
      "Time to report a record delivered or failed")                                               \
    X("partitioner", partitioner, ENUM, "murmur2_random", 0, 0, 0,                                 \
      "murmur2_random|murmur2|random")                                                             \
    X("queue.buffering.max.messages", queue_buffering_max_messages, INT, "100000", 1, 100000000,   \
      0, "Records queued before send returns QUEUE_FULL")                                          \
    X("queue.buffering.max.kbytes", queue_buffering_max_kbytes, INT, "1048576", 1, 2147483647, 0,  \
      "Queued KiB before send returns QUEUE_FULL")                                                 \
    X("message.max.bytes", message_max_bytes, INT, "1048576", 1000, 1000000000, 0,                 \
      "Largest record batch the producer builds")                                                  \
    /* consumer */                                                                                 \
    X("group.id", group_id, STR, "", 0, 0, 0, "Consumer group (commits, subscribe)")               \
    X("group.instance.id", group_instance_id, STR, "", 0, 0, 0,                                    \
      "Static membership id (KIP-345); empty: dynamic member")                                     \
    X("batch.timeout.ms", batch_timeout_ms, INT, "500", 0, 3600000, 0,                             \
      "Deliver a batch with what arrived within this time")                                        \
    X("auto.offset.reset", auto_offset_reset, ENUM, "latest", 0, 0, 0,                             \
      "latest|earliest|error|largest|smallest|end|beginning")                                      \
    X("enable.auto.commit", enable_auto_commit, BOOL, "false", 0, 0, 0,                            \
      "false: commit after each done batch; true: every auto.commit.interval.ms")                  \
    X("auto.commit.interval.ms", auto_commit_interval_ms, INT, "5000", 1, 86400000, 0,             \
      "Commit interval with enable.auto.commit=true")                                              \
    X("fetch.min.bytes", fetch_min_bytes, INT, "1", 0, 100000000, 0,                               \
      "Bytes a fetch waits for (up to fetch.max.wait.ms)")                                         \
    X("fetch.max.bytes", fetch_max_bytes, INT, "52428800", 1, 2147483135, 0,                       \
      "Bytes per fetch response")                                                                  \
    X("max.partition.fetch.bytes", max_partition_fetch_bytes, INT, "1048576", 1, 2147483647, 0,    \
      "Bytes per partition per fetch")                                                             \
    X("fetch.max.wait.ms", fetch_max_wait_ms, INT, "500", 0, 300000, 0,                            \
      "Longest a fetch waits for fetch.min.bytes")                                                 \
    X("queued.max.messages.kbytes", queued_max_messages_kbytes, INT, "65536", 1, 2097151, 0,       \
      "Prefetched KiB kept per consumer")                                                          \
    X("isolation.level", isolation_level, ENUM, "read_uncommitted", 0, 0, 0,                       \
      "read_uncommitted|read_committed")                                                           \
    X("session.timeout.ms", session_timeout_ms, INT, "45000", 1, 3600000, 0,                       \
      "Group session timeout")                                                                     \
    X("heartbeat.interval.ms", heartbeat_interval_ms, INT, "3000", 1, 3600000, 0,                  \
      "Group heartbeat interval")                                                                  \
    X("max.poll.interval.ms", max_poll_interval_ms, INT, "300000", 1, 86400000, 0,                 \
      "A batch not done within this leaves the group")                                             \
    X("partition.assignment.strategy", partition_assignment_strategy, STR,                         \
      "range,cooperative-sticky", 0, 0, 0, "Assignors in preference order")

/* Other names accepted for a property (librdkafka's spellings). */
#define KFK_CONF_ALIASES(X)                                                                        \
    X("sasl.mechanisms", "sasl.mechanism")                                                         \
    X("metadata.broker.list", "bootstrap.servers")                                                 \
    X("request.required.acks", "acks")                                                             \
    X("compression.codec", "compression.type")                                                     \
    X("message.timeout.ms", "delivery.timeout.ms")                                                 \
    X("queue.buffering.max.ms", "linger.ms")                                                       \
    X("max.request.size", "message.max.bytes")

#endif
