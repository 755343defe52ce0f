/* kfk/msgs/list_offsets.h: message structs (not written yet). Included by kfk/protocol.h only. */
