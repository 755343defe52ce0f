/*
 * test_cluster.c: the client core against the 3-node KRaft cluster (scripts/kafka start
 * --nodes 3): metadata lists 3 brokers; after the leader of a partition is killed (SIGKILL),
 * metadata refreshes find the new leader; a client whose only bootstrap server is down retries
 * with backoff (no busy loop) and connects once the node is back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "env.h"
#include "kfk/kfk.h"

typedef struct {
    int done;
    kfk_err_t err;
    int brokers;
    int32_t leader[8];
    int nparts;
    kfk_err_t topic_err;
} md_t;

static void on_md(kfk_admin_t *a, kfk_err_t err, const kfk_metadata_t *md, void *opaque) {
    (void)a;
    md_t *r = opaque;
    r->done = 1;
    r->err = err;
    if (!md)
        return;
    r->brokers = md->broker_cnt;
    if (md->topic_cnt) {
        r->topic_err = md->topics[0].err;
        r->nparts = md->topics[0].partition_cnt;
        for (int32_t i = 0; i < md->topics[0].partition_cnt && i < 8; i++)
            r->leader[i] = md->topics[0].partitions[i].leader;
    }
}

static int attempts;
static void count_log(int level, const char *ctx, const char *msg, void *opaque) {
    (void)level;
    (void)ctx;
    (void)opaque;
    /* One line per failed attempt from the broker layer ("bootstrap server ...: connect to ...
     * failed"); the connection's own debug line is not counted. */
    if (!strncmp(msg, "bootstrap server", 16) && strstr(msg, "connect to") && strstr(msg, "failed"))
        attempts++;
}

static kfk_admin_t *admin(uv_loop_t *loop, const char *bootstrap, int debug) {
    kfk_conf_t *c = kfk_conf_new();
    char err[256];
    cr_assert_eq(kfk_conf_set(c, "bootstrap.servers", bootstrap, err, sizeof err), 0);
    kfk_conf_set(c, "reconnect.backoff.ms", "100", err, sizeof err);
    kfk_conf_set(c, "reconnect.backoff.max.ms", "1000", err, sizeof err);
    kfk_conf_set(c, "request.timeout.ms", "5000", err, sizeof err);
    if (debug) {
        kfk_conf_set(c, "debug", "broker", err, sizeof err);
        kfk_conf_set_log_cb(c, count_log, NULL);
    } else {
        kfk_conf_set(c, "log_level", "2", err, sizeof err);
    }
    kfk_admin_t *a;
    cr_assert_eq(kfk_admin_new(loop, c, &a, err, sizeof err), 0, "%s", err);
    kfk_conf_free(c);
    return a;
}

static md_t metadata_once(uv_loop_t *loop, kfk_admin_t *a, const char *topic) {
    md_t r = {0};
    const char *t[1] = {topic};
    cr_assert_eq(kfk_admin_metadata(a, topic ? t : NULL, topic ? 1 : 0, on_md, &r), 0);
    while (!r.done)
        uv_run(loop, UV_RUN_ONCE);
    return r;
}

static void run_script(const char *args) {
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/scripts/kafka %s >/dev/null 2>&1", KFK_SOURCE_DIR, args);
    cr_assert_eq(system(cmd), 0, "scripts/kafka %s failed", args);
}

static void on_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static int port_of(const char *bootstrap, int node) {
    /* KFK_CLUSTER_BOOTSTRAP lists nodes 1..3 in order. */
    const char *p = bootstrap;
    for (int i = 1; i < node; i++) {
        p = strchr(p, ',');
        cr_assert_not_null(p);
        p++;
    }
    return atoi(strchr(p, ':') + 1);
}

Test(cluster, a_killed_leader_is_replaced_and_found_by_metadata) {
    const char *bs = kt_env_required("BOOTSTRAP");
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_admin_t *a = admin(&loop, bs, 0);
    md_t r = metadata_once(&loop, a, NULL);
    cr_assert_eq(r.err, 0, "%s", kfk_err_name(r.err));
    cr_assert_eq(r.brokers, 3);

    char topic[64];
    snprintf(topic, sizeof topic, "kfk-failover-%d", getpid());
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "java -cp '%s/*' org.apache.kafka.tools.TopicCommand --bootstrap-server %s --create "
             "--topic %s --partitions 3 --replication-factor 3 >/dev/null 2>&1",
             kt_env_required("KAFKA_LIBS"), bs, topic);
    cr_assert_eq(system(cmd), 0, "TopicCommand failed");
    for (int i = 0; i < 100 && (r.nparts != 3 || r.leader[0] < 0); i++) {
        r = metadata_once(&loop, a, topic);
        usleep(100000);
    }
    cr_assert_eq(r.nparts, 3);
    int victim = r.leader[0];
    cr_assert(victim >= 1 && victim <= 3, "leader %d", victim);

    char arg[32];
    snprintf(arg, sizeof arg, "kill %d", victim);
    run_script(arg);
    uint64_t t0 = uv_hrtime();
    int moved = 0;
    for (int i = 0; i < 300 && !moved; i++) {
        r = metadata_once(&loop, a, topic);
        moved = r.err == 0 && r.leader[0] >= 1 && r.leader[0] != victim;
        if (!moved)
            usleep(100000);
    }
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    cr_assert(moved, "partition 0 still led by the killed node %d", victim);
    fprintf(stderr, "leader of partition 0 moved from %d to %d; metadata saw it after %.1f s\n",
            victim, r.leader[0], secs);

    kfk_admin_close(a, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* A client whose only bootstrap server is the dead node backs off between attempts. */
    char dead[64];
    snprintf(dead, sizeof dead, "127.0.0.1:%d", port_of(bs, victim));
    attempts = 0;
    a = admin(&loop, dead, 1);
    uint64_t s0 = uv_now(&loop);
    r = metadata_once(&loop, a, NULL);
    uint64_t waited = uv_now(&loop) - s0;
    cr_assert_neq(r.err, 0, "metadata from a dead node cannot succeed");
    fprintf(stderr, "dead node: %d connection attempts in %llu ms (backoff 100..1000 ms)\n",
            attempts, (unsigned long long)waited);
    cr_assert_geq(attempts, 3);
    cr_assert_leq(attempts, 12, "a busy loop: %d attempts", attempts);

    /* Bring it back: the same client reconnects. Each metadata call ends at request.timeout.ms
     * (5 s) with its cause; the node may take longer than that to serve after its restart, so
     * the client is asked again until it answers (60 s at most). */
    snprintf(arg, sizeof arg, "restart %d", victim);
    run_script(arg);
    uint64_t r0 = uv_hrtime();
    int calls = 0;
    do {
        r = metadata_once(&loop, a, NULL);
        calls++;
    } while (r.err && uv_hrtime() - r0 < 60 * (uint64_t)1000000000);
    fprintf(stderr, "after the restart: metadata in %.1f s (%d calls)\n",
            (double)(uv_hrtime() - r0) / 1e9, calls);
    cr_assert_eq(r.err, 0, "after restart: %s", kfk_err_name(r.err));
    cr_assert_eq(r.brokers, 3);
    kfk_admin_close(a, on_closed, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
