/* kfk/msgs/find_coordinator.h: message structs (not written yet). Included by kfk/protocol.h only. */
