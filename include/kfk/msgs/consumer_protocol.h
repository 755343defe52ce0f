/** @file
 * kfk/msgs/consumer_protocol.h: the consumer protocol blobs carried inside JoinGroup
 * (a protocol's metadata = a subscription) and SyncGroup (an assignment), versions 0-3.
 * Schemas: ConsumerProtocolSubscription.json / ConsumerProtocolAssignment.json. Each blob is an
 * int16 version followed by a never-flexible struct. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- subscription -- */
/** The fields of ConsumerProtocolSubscription TopicPartition (line format above). */
#define KFK_CONSUMER_PROTOCOL_SUBSCRIPTION_TOPIC_PARTITION(F)                                      \
    F(STRING, topic, 1, KFK_V_MAX, -1, -1, 0, _)                                                   \
    F(ARRAY_INT32, partitions, 1, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerProtocolSubscription TopicPartition: an element of `owned_partitions` in
 * kfk_consumer_protocol_subscription_t. */
KFK_MSG_STRUCT(kfk_consumer_protocol_subscription_topic_partition,
               KFK_CONSUMER_PROTOCOL_SUBSCRIPTION_TOPIC_PARTITION)

/** The fields of ConsumerProtocolSubscription (line format above). */
#define KFK_CONSUMER_PROTOCOL_SUBSCRIPTION(F)                                                      \
    F(ARRAY_STRING, topics, 0, KFK_V_MAX, -1, -1, 0, _)                                            \
    F(BYTES, user_data, 0, KFK_V_MAX, 0, -1, -1, _)                                                \
    F(ARRAY_STRUCT, owned_partitions, 1, KFK_V_MAX, -1, -1, 0,                                     \
      kfk_consumer_protocol_subscription_topic_partition)                                          \
    F(INT32, generation_id, 2, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(STRING, rack_id, 3, KFK_V_MAX, 3, -1, -1, _)
/** ConsumerProtocolSubscription: a member per field of KFK_CONSUMER_PROTOCOL_SUBSCRIPTION, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_consumer_protocol_subscription, KFK_CONSUMER_PROTOCOL_SUBSCRIPTION)

/* -- assignment -- */
/** The fields of ConsumerProtocolAssignment TopicPartition (line format above). */
#define KFK_CONSUMER_PROTOCOL_ASSIGNMENT_TOPIC_PARTITION(F)                                        \
    F(STRING, topic, 0, KFK_V_MAX, -1, -1, 0, _)                                                   \
    F(ARRAY_INT32, partitions, 0, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerProtocolAssignment TopicPartition: an element of `assigned_partitions` in
 * kfk_consumer_protocol_assignment_t. */
KFK_MSG_STRUCT(kfk_consumer_protocol_assignment_topic_partition,
               KFK_CONSUMER_PROTOCOL_ASSIGNMENT_TOPIC_PARTITION)

/** The fields of ConsumerProtocolAssignment (line format above). */
#define KFK_CONSUMER_PROTOCOL_ASSIGNMENT(F)                                                        \
    F(ARRAY_STRUCT, assigned_partitions, 0, KFK_V_MAX, -1, -1, 0,                                  \
      kfk_consumer_protocol_assignment_topic_partition)                                            \
    F(BYTES, user_data, 0, KFK_V_MAX, 0, -1, -1, _)
/** ConsumerProtocolAssignment: a member per field of KFK_CONSUMER_PROTOCOL_ASSIGNMENT, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_consumer_protocol_assignment, KFK_CONSUMER_PROTOCOL_ASSIGNMENT)

/** The newest consumer protocol version kfk knows (and the layout newer blobs are read with). */
#define KFK_CONSUMER_PROTOCOL_MAX_VERSION 3

/**
 * Appends the subscription blob of @p s at @p version (0-3) to @p w: an int16 version, then the
 * struct (never flexible). Fields newer than @p version are left out. This is what a JoinGroup
 * protocol's metadata holds. @p s is only read.
 * Returns 0, KFK_ERR__INVALID_ARG (version outside 0-3, a null where @p version allows none,
 * NULL arguments) or KFK_ERR__NOMEM; on error @p w may hold a partial blob.
 */
KFK_EXTERN kfk_err_t kfk_consumer_subscription_encode(const kfk_consumer_protocol_subscription_t *s,
                                                      int16_t version, kfk_wbuf_t *w);

/**
 * Decodes a subscription blob of @p len bytes at @p data into @p out, and its version into
 * *@p version (if @p version is not NULL). A blob newer than v3 is read with the v3 layout and
 * the bytes after it are ignored (fields are only ever appended, as Java's ConsumerProtocol
 * reads them); for v0-3 trailing bytes are an error. Fields absent from the version get their
 * schema defaults.
 * Ownership: strings and user_data point into @p data, arrays live in @p arena; both must
 * outlive @p out. Nothing is kept after the call.
 * Returns 0, KFK_ERR__BAD_MSG (truncated or malformed blob, negative version, trailing bytes),
 * KFK_ERR__NOMEM (the arena refused) or KFK_ERR__INVALID_ARG (NULL arguments). On error *@p out
 * is unspecified.
 */
KFK_EXTERN kfk_err_t kfk_consumer_subscription_decode(const uint8_t *data, size_t len,
                                                      kfk_arena_t *arena,
                                                      kfk_consumer_protocol_subscription_t *out,
                                                      int16_t *version);

/**
 * Appends the assignment blob of @p a at @p version (0-3) to @p w: an int16 version, then the
 * struct (never flexible). This is what a SyncGroup assignment holds. @p a is only read.
 * Returns 0, KFK_ERR__INVALID_ARG (version outside 0-3, a null where none is allowed, NULL
 * arguments) or KFK_ERR__NOMEM; on error @p w may hold a partial blob.
 */
KFK_EXTERN kfk_err_t kfk_consumer_assignment_encode(const kfk_consumer_protocol_assignment_t *a,
                                                    int16_t version, kfk_wbuf_t *w);

/**
 * Decodes an assignment blob; the same rules as kfk_consumer_subscription_decode (v4+ read as
 * v3 with trailing bytes ignored; strings and user_data point into @p data, arrays live in
 * @p arena). Returns 0, KFK_ERR__BAD_MSG, KFK_ERR__NOMEM or KFK_ERR__INVALID_ARG.
 */
KFK_EXTERN kfk_err_t kfk_consumer_assignment_decode(const uint8_t *data, size_t len,
                                                    kfk_arena_t *arena,
                                                    kfk_consumer_protocol_assignment_t *out,
                                                    int16_t *version);
