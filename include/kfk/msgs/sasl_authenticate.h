/* kfk/msgs/sasl_authenticate.h: message structs (not written yet). Included by kfk/protocol.h only. */
