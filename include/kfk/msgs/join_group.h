/* kfk/msgs/join_group.h: message structs (not written yet). Included by kfk/protocol.h only. */
