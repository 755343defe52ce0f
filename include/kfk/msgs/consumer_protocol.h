/* kfk/msgs/consumer_protocol.h: message structs (not written yet). Included by kfk/protocol.h only. */
