/* rawconn.c: blocking TCP for tests, see rawconn.h. */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "rawconn.h"

int kt_connect(const char *hostports) {
    char host[256], port[16];
    const char *comma = strchr(hostports, ',');
    size_t n = comma ? (size_t)(comma - hostports) : strlen(hostports);
    const char *colon = NULL;
    for (size_t i = 0; i < n; i++)
        if (hostports[i] == ':')
            colon = hostports + i;
    if (!colon || (size_t)(colon - hostports) >= sizeof host ||
        n - (size_t)(colon - hostports) > sizeof port) {
        fprintf(stderr, "kt_connect: bad address '%s'\n", hostports);
        return -1;
    }
    memcpy(host, hostports, (size_t)(colon - hostports));
    host[colon - hostports] = '\0';
    size_t plen = n - (size_t)(colon - hostports) - 1;
    memcpy(port, colon + 1, plen);
    port[plen] = '\0';

    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "kt_connect: %s: %s\n", hostports, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = 10};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        fprintf(stderr, "kt_connect: %s: %s\n", hostports, strerror(errno));
    return fd;
}

int kt_send_all(int fd, const void *buf, size_t len) {
    const uint8_t *p = buf;
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

static int recv_all(int fd, uint8_t *p, size_t len) {
    while (len > 0) {
        ssize_t r = recv(fd, p, len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        len -= (size_t)r;
    }
    return 0;
}

int kt_recv_frame(int fd, uint8_t **frame, size_t *len, size_t max) {
    uint8_t sz[4];
    if (recv_all(fd, sz, 4) < 0)
        return -1;
    uint32_t n = kt_get32(sz);
    if (n > max || n > INT32_MAX)
        return -1;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf)
        return -1;
    if (recv_all(fd, buf, n) < 0) {
        free(buf);
        return -1;
    }
    *frame = buf;
    *len = n;
    return 0;
}

void kt_put16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void kt_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint16_t kt_get16(const uint8_t *p) {
    return (uint16_t)((p[0] << 8) | p[1]);
}

uint32_t kt_get32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}
