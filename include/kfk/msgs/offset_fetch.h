/* kfk/msgs/offset_fetch.h: message structs (not written yet). Included by kfk/protocol.h only. */
