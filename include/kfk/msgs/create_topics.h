/* kfk/msgs/create_topics.h: message structs (not written yet). Included by kfk/protocol.h only. */
