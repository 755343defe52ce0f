/* kfk/msgs/produce.h: message structs (not written yet). Included by kfk/protocol.h only. */
