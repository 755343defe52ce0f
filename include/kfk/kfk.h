/*
 * kfk/kfk.h: the client API of kfk, a native Apache Kafka client on libuv.
 *
 * Conventions (see the README): the caller owns the uv_loop_t and runs it; kfk starts no
 * thread and never blocks. Objects are created with kfk_X_new(loop, conf, &out) and ended
 * with an asynchronous kfk_X_close(x, cb); memory stays valid until cb returns. Every
 * fallible call returns a kfk_err_t (0 = success, see kfk/protocol.h for the table).
 *
 * The sans-I/O codec API (kfk/protocol.h) is included here and usable on its own.
 */
#ifndef KFK_KFK_H
#define KFK_KFK_H

#include "kfk/protocol.h"

#endif /* KFK_KFK_H */
