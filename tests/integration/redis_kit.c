/*
 * redis_kit.c: private redis-server processes for tests (see redis_kit.h).
 */
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "redis_kit.h"

static kredis_t *spawned; /* cleaned up by kredis_fini even when the test fails */

static int free_port(void) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    return ntohs(a.sin_port);
}

void kredis_init(kredis_t *r) {
    spawned = r;
    r->port = free_port();
    snprintf(r->dir, sizeof r->dir, "/tmp/kfk-redis-XXXXXX");
    cr_assert(mkdtemp(r->dir), "mkdtemp: %s", strerror(errno));
    snprintf(r->addr, sizeof r->addr, "127.0.0.1:%d", r->port);
    snprintf(r->sock, sizeof r->sock, "%s/redis.sock", r->dir);
}

void kredis_start(kredis_t *r) {
    if (!r->port)
        kredis_init(r);
    char port[16], log[128];
    snprintf(port, sizeof port, "%d", r->port);
    snprintf(log, sizeof log, "%s/redis.log", r->dir);
    const char *argv[32] = {"redis-server",
                            "--bind",
                            "127.0.0.1",
                            "--port",
                            port,
                            "--protected-mode",
                            "yes",
                            "--save",
                            "",
                            "--appendonly",
                            "no",
                            "--dir",
                            r->dir,
                            "--logfile",
                            log,
                            "--loglevel",
                            "warning",
                            "--daemonize",
                            "no"};
    int n = 19;
    for (int i = 0; i < 6 && r->extra[i]; i++)
        argv[n++] = r->extra[i];
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a failed test */
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    r->pid = pid;
    r->stopped = 0;
    for (int i = 0; i < 200; i++) {
        redisContext *c = redisConnect("127.0.0.1", r->port);
        if (c && !c->err) {
            redisReply *rep = redisCommand(c, "PING");
            int up = rep != NULL;
            freeReplyObject(rep);
            redisFree(c);
            if (up)
                return;
        } else if (c) {
            redisFree(c);
        }
        usleep(25000);
    }
    cr_assert_fail("private redis-server on port %d did not start (see %s)", r->port, log);
}

void kredis_kill(kredis_t *r) {
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
        r->stopped = 0;
    }
}

void kredis_freeze(kredis_t *r, int on) {
    cr_assert_gt(r->pid, 0);
    kill(r->pid, on ? SIGSTOP : SIGCONT);
    r->stopped = on;
}

void kredis_cleanup(kredis_t *r) {
    kredis_kill(r);
    char p[192];
    snprintf(p, sizeof p, "%s/redis.log", r->dir);
    unlink(p);
    unlink(r->sock);
    rmdir(r->dir);
    spawned = NULL;
}

void kredis_fini(void) {
    if (spawned)
        kredis_cleanup(spawned);
}

/* ---- a side connection ---------------------------------------------------------------------- */

redisContext *side_connect(const char *addr) {
    redisContext *c;
    if (!strncmp(addr, "unix:", 5)) {
        c = redisConnectUnix(addr + 5);
    } else {
        char host[128];
        const char *colon = strrchr(addr, ':');
        cr_assert(colon, "address %s", addr);
        snprintf(host, sizeof host, "%.*s", (int)(colon - addr), addr);
        c = redisConnect(host, atoi(colon + 1));
    }
    cr_assert(c && !c->err, "side connection to %s: %s", addr, c ? c->errstr : "no memory");
    return c;
}

redisReply *side_cmd(redisContext *c, int argc, const char **argv) {
    redisReply *r = redisCommandArgv(c, argc, argv, NULL);
    cr_assert(r, "side command %s: %s", argv[0], c->errstr);
    return r;
}

void side_get(redisContext *c, const char *key, char *buf, size_t n) {
    const char *argv[] = {"GET", key};
    redisReply *r = side_cmd(c, 2, argv);
    snprintf(buf, n, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
    freeReplyObject(r);
}

long long side_get_num(redisContext *c, const char *key) {
    const char *argv[] = {"GET", key};
    redisReply *r = side_cmd(c, 2, argv);
    long long v = r->type == REDIS_REPLY_STRING ? strtoll(r->str, NULL, 10) : -1;
    freeReplyObject(r);
    return v;
}

long long side_int(redisContext *c, const char *cmd, const char *key, const char *arg) {
    const char *argv[] = {cmd, key, arg};
    redisReply *r = side_cmd(c, arg ? 3 : 2, argv);
    cr_assert_eq(r->type, REDIS_REPLY_INTEGER, "%s %s: %s", cmd, key, r->str ? r->str : "?");
    long long v = r->integer;
    freeReplyObject(r);
    return v;
}
