/* kfk/msgs/sasl_handshake.h: message structs (not written yet). Included by kfk/protocol.h only. */
