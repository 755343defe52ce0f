/* kfk/msgs/init_producer_id.h: message structs (not written yet). Included by kfk/protocol.h only. */
