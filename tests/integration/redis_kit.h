/*
 * redis_kit.h: private redis-server processes for the lock and worker tests that kill, freeze
 * (SIGSTOP) or reconfigure Redis, which the shared server of scripts/redis must not suffer.
 * Each runs on a free loopback port with its own directory, without persistence, and dies with
 * the test process.
 */
#ifndef KFK_TEST_REDIS_KIT_H
#define KFK_TEST_REDIS_KIT_H

#include <sys/types.h>

typedef struct kredis {
    pid_t pid;
    int port;
    int stopped; /* SIGSTOP sent, no SIGCONT yet */
    char dir[64];
    char addr[64];        /* "127.0.0.1:PORT" */
    char sock[128];       /* DIR/redis.sock, for --unixsocket in extra */
    const char *extra[6]; /* more redis-server arguments (NULL-terminated if fewer) */
} kredis_t;

/* Picks the server's port, directory and socket path (kredis_start does it when needed); the
 * server is then the one kredis_fini cleans up. */
void kredis_init(kredis_t *r);

/* Starts (or restarts, same port and arguments) the server and waits until it answers PING. */
void kredis_start(kredis_t *r);

/* Kills the server (SIGKILL) and reaps it. */
void kredis_kill(kredis_t *r);

/* Freezes (SIGSTOP) or thaws (SIGCONT) the running server. */
void kredis_freeze(kredis_t *r, int on);

/* Kills the server and removes its directory. */
void kredis_cleanup(kredis_t *r);

/* A Criterion .fini: cleans up the last server started, even when the test failed. */
void kredis_fini(void);

#endif
