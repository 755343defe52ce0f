/*
 * redis_kit.h: for the lock and worker tests: private redis-server processes for the tests that
 * kill, freeze (SIGSTOP) or reconfigure Redis, which the shared server of scripts/redis must not
 * suffer (each on a free loopback port with its own directory, without persistence, dying with
 * the test process), and a blocking side connection to look at Redis from a test.
 */
#ifndef KFK_TEST_REDIS_KIT_H
#define KFK_TEST_REDIS_KIT_H

#include <stddef.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

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

/* ---- a side connection (hiredis' blocking API), to look at and poke Redis from a test ---- */

/* Connects to "host:port" or "unix:PATH"; fails the test when it cannot. */
redisContext *side_connect(const char *addr);

/* Runs a command; fails the test when no reply came. Free the reply with freeReplyObject. */
redisReply *side_cmd(redisContext *c, int argc, const char **argv);

/* GET @p key into @p buf ("" when absent). */
void side_get(redisContext *c, const char *key, char *buf, size_t n);

/* GET @p key as a number (-1 when absent). */
long long side_get_num(redisContext *c, const char *key);

/* CMD KEY [ARG] with an integer reply (e.g. PTTL, EXISTS, INCR); fails the test otherwise. */
long long side_int(redisContext *c, const char *cmd, const char *key, const char *arg);

#endif
