/* kfk/msgs/offset_commit.h: message structs (not written yet). Included by kfk/protocol.h only. */
