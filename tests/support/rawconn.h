/*
 * rawconn.h: a blocking TCP helper for tests that talk to the real broker with hand-made
 * bytes, below kfk's own connection layer. Not part of libkfk.
 */
#ifndef KFK_TEST_RAWCONN_H
#define KFK_TEST_RAWCONN_H

#include <stddef.h>
#include <stdint.h>

/* Connects to the first "host:port" of a comma-separated list, with 10 s send/receive
 * timeouts. Returns the socket, or -1 (with a message on stderr). */
int kt_connect(const char *hostports);

/* Sends all of buf; 0 on success, -1 on error. */
int kt_send_all(int fd, const void *buf, size_t len);

/* Reads one size-prefixed Kafka frame (at most max bytes) into a malloc'd buffer that the
 * caller frees; *len is the frame size without the 4-byte prefix. 0 on success, -1 on error. */
int kt_recv_frame(int fd, uint8_t **frame, size_t *len, size_t max);

/* Big-endian helpers for hand-made frames. */
void kt_put16(uint8_t *p, uint16_t v);
void kt_put32(uint8_t *p, uint32_t v);
uint16_t kt_get16(const uint8_t *p);
uint32_t kt_get32(const uint8_t *p);

#endif
