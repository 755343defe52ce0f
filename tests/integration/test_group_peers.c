/*
 * test_group_peers.c: kfk consumer groups shared with other clients, against the real broker
 * (issue 7, single node): a group shared with kcat -G (librdkafka) agreeing on range, and a
 * group shared with Apache Kafka's Java consumer (GroupPeer.java: range, partitions handed over
 * both ways through committed offsets, every record processed once). kfk members run as
 * separate processes (group_kit.h) or in process (consumer_kit.h). Part of integration_group.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "group_kit.h"
#include "kfk/kfk.h"

/* ==== a group shared with kcat -G (librdkafka)
 * ========================================================= */

Test(group, a_group_shared_with_kcat_splits_partitions_by_range, .timeout = 120) {
    enum { PARTS = 12, PER = 100 };
    world_t w;
    gk_world_init(&w, "kcat");
    gk_add_topic(&w, "gkcat", PARTS);
    const char *a[16];
    const char *const more[] = {"max.poll.records=50", NULL};
    gk_args(a, more);
    int m1 = gk_start_member(&w, "m1", a);
    gk_wait_count(&w, m1, 'A', 1, 20000);
    char kout[128], kerr[128];
    snprintf(kout, sizeof kout, "/tmp/kfk-tg-%d-kcat.out", (int)getpid());
    snprintf(kerr, sizeof kerr, "/tmp/kfk-tg-%d-kcat.err", (int)getpid());
    unlink(kout);
    unlink(kerr);
    char *kargv[] = {"kcat",      "-u",
                     "-b",        (char *)gk_bs(),
                     "-G",        w.group,
                     "-o",        "beginning",
                     "-f",        "%t %p %o %s\\n",
                     "-X",        "session.timeout.ms=6000",
                     "-X",        "heartbeat.interval.ms=300",
                     w.topics[0], NULL};
    pid_t kcat = ck_spawn(kargv, kout, kerr);
    /* Settled: m1 owns half, and kcat says it was assigned the other half. */
    double t0 = ck_now_ms();
    for (;;) {
        evs_t es = gk_read_logs(&w);
        uint64_t own[MAXT];
        gk_owned(&es, m1, own);
        free(es.v);
        char *ke = ck_slurp(kerr, NULL);
        int kcat_assigned = ke && strstr(ke, "assigned:") != NULL;
        free(ke);
        if (gk_popcount64(own[0]) == PARTS / 2 && kcat_assigned)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "kfk and kcat did not share the partitions");
        usleep(100000);
    }
    usleep(500000);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, PER, end, "x");
    /* Wait until kfk and kcat together saw every record. */
    t0 = ck_now_ms();
    size_t kcat_lines = 0, kfk_records = 0;
    for (;;) {
        char *ko = ck_slurp(kout, NULL);
        kcat_lines = 0;
        for (char *q = ko; q && *q; q++)
            kcat_lines += *q == '\n';
        free(ko);
        evs_t es = gk_read_logs(&w);
        kfk_records = 0;
        for (size_t i = 0; i < es.n; i++)
            if (es.v[i].type == 'S')
                for (int k = 0; k < es.v[i].ntp; k++)
                    kfk_records += (size_t)es.v[i].tp[k].count;
        free(es.v);
        if (kcat_lines + kfk_records >= PARTS * PER)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "kcat %zu + kfk %zu records of %d", kcat_lines,
                     kfk_records, PARTS * PER);
        usleep(100000);
    }
    usleep(500000);
    gk_stop_all(&w);
    ck_stop(kcat, SIGTERM, 15000);

    evs_t es = gk_read_logs(&w);
    uint64_t own[MAXT];
    gk_owned(&es, m1, own);
    const ev_t *j = gk_last_of(&es, m1, 'J');
    cr_assert_not_null(j);
    cr_assert_str_eq(j->proto, "range", "kfk and librdkafka agreed on %s", j->proto);
    /* Range over 12 partitions and 2 members: one has 0-5, the other 6-11. */
    cr_assert(own[0] == 0x03full || own[0] == 0xfc0ull, "kfk owns %#llx",
              (unsigned long long)own[0]);
    int seen[PARTS * PER] = {0};
    int kfk_n = 0, kcat_n = 0;
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].type == 'S')
            for (int k = 0; k < es.v[i].ntp; k++) {
                cr_assert(own[0] >> es.v[i].tp[k].part & 1, "kfk got partition %d",
                          es.v[i].tp[k].part);
                for (int64_t o = es.v[i].tp[k].first; o <= es.v[i].tp[k].last; o++) {
                    int idx = es.v[i].tp[k].part * PER + (int)o;
                    cr_assert(o < PER);
                    seen[idx]++;
                    kfk_n++;
                }
            }
    char *ko = ck_slurp(kout, NULL);
    char *save = NULL;
    for (char *line = strtok_r(ko, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char t[128];
        int p;
        long long o;
        cr_assert_eq(sscanf(line, "%127s %d %lld", t, &p, &o), 3, "kcat line: %s", line);
        cr_assert_str_eq(t, w.topics[0]);
        cr_assert(!(own[0] >> p & 1), "kcat got partition %d, which kfk owns", p);
        cr_assert(p >= 0 && p < PARTS && o >= 0 && o < PER);
        seen[p * PER + o]++;
        kcat_n++;
    }
    free(ko);
    for (int i = 0; i < PARTS * PER; i++)
        cr_assert_eq(seen[i], 1, "partition %d offset %d was read %d times", i / PER, i % PER,
                     seen[i]);
    fprintf(stderr, "kcat -G and kfk share a group on range: kfk %d records, kcat %d\n", kfk_n,
            kcat_n);
    free(es.v);
    unlink(kout);
    unlink(kerr);
    gk_cleanup(&w);
}

/* ==== a group shared with Apache Kafka's Java consumer (GroupPeer.java)
 * ================================ */

/* JP_SECONDS: the Java member's lifetime at most; the test ends it by its stop file
 * (GROUP_PEER_STOP) once Java took kfk's partitions back. It was 20 s, which a loaded machine
 * (brokers and tests on 0.3 core) spends before Java has started. */
enum { JP_PARTS = 6, JP_HALF = 1500, JP_N = 2 * JP_HALF, JP_SECONDS = 240 };
#define JP_ALL ((1ull << JP_PARTS) - 1)

/* The kfk member's side: its partitions as its rebalance callback reports them. */
typedef struct jk {
    uint64_t own;
    int assigned, revoked, lost;
    size_t outside; /* records delivered for a partition it did not own */
    char first_outside[96];
} jk_t;

static void jk_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    jk_t *j = opaque;
    for (size_t i = 0; i < n; i++) {
        uint64_t bit = 1ull << parts[i].partition;
        if (ev == KFK_REBALANCE_ASSIGNED)
            j->own |= bit;
        else
            j->own &= ~bit;
    }
    j->assigned += ev == KFK_REBALANCE_ASSIGNED;
    j->revoked += ev == KFK_REBALANCE_REVOKED;
    j->lost += ev == KFK_REBALANCE_LOST;
}

static int jk_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)b;
    jk_t *j = k->user;
    for (size_t i = k->b[no].first; i < k->b[no].first + k->b[no].n; i++)
        if (!(j->own >> k->msgs[i].partition & 1) && !j->outside++)
            snprintf(j->first_outside, sizeof j->first_outside, "partition %d offset %lld",
                     k->msgs[i].partition, (long long)k->msgs[i].offset);
    return 0;
}

/* The Java member's side, from GroupPeer's stdout. */
typedef struct jv {
    uint64_t own;           /* after the last line */
    ck_pos_t *rec;          /* its records, in order */
    size_t nrec, n_outside; /* records of partitions it did not own at the time */
    int revokes, commit_failed, closed;
    char first_outside[96];
} jv_t;

static jv_t jv_read(const char *path) {
    jv_t v = {0};
    char *txt = ck_slurp(path, NULL);
    size_t cap = 0;
    char *save = NULL;
    for (char *line = txt ? strtok_r(txt, "\n", &save) : NULL; line;
         line = strtok_r(NULL, "\n", &save)) {
        int p;
        long long o;
        if (sscanf(line, "record %d %lld", &p, &o) == 2) {
            cr_assert(p >= 0 && p < JP_PARTS, "GroupPeer: %s", line);
            if (!(v.own >> p & 1) && !v.n_outside++)
                snprintf(v.first_outside, sizeof v.first_outside, "partition %d offset %lld", p, o);
            if (v.nrec == cap)
                v.rec = realloc(v.rec, (cap = cap ? 2 * cap : 1024) * sizeof *v.rec);
            v.rec[v.nrec++] = (ck_pos_t){p, o};
        } else if (sscanf(line, "assigned %d", &p) == 1) {
            v.own |= 1ull << p;
        } else if (sscanf(line, "revoked %d", &p) == 1) {
            v.own &= ~(1ull << p);
            v.revokes++;
        } else if (!strncmp(line, "commitfailed", 12)) {
            v.commit_failed++;
        } else if (!strcmp(line, "closed")) {
            v.closed = 1;
        }
    }
    free(txt);
    return v;
}

/* Record index (0 .. JP_N-1) of partition @p p offset @p o: idx[p][o], -1 if none. Record x is
 * in partition x % JP_PARTS (ck_produce deals them in turn; JP_HALF is a multiple of JP_PARTS). */
static int jp_index(int32_t idx[JP_PARTS][JP_N], int32_t p, int64_t o) {
    return p >= 0 && p < JP_PARTS && o >= 0 && o < JP_N ? idx[p][o] : -1;
}

/*
 * kfk and Java's KafkaConsumer (classic protocol, range) in one group, handing partitions to
 * each other both ways through committed offsets:
 *  1. Java alone: it gets all 6 partitions and processes the first half of the records, which
 *     it commits (the test waits for the commits at the broker).
 *  2. kfk joins: range gives each member a block of 3; kfk starts its partitions at Java's
 *     commits (so none of the first half again). The second half is written and split.
 *  3. kfk closes (committing and leaving): Java gets all 6 back and starts at kfk's commits (so
 *     none of kfk's records again), until its time is up.
 * Checks: every record processed exactly once in all; in phase 2 the members own disjoint
 * blocks 0-2 / 3-5 covering the topic, and each processes the second-half records of its block
 * only; neither ever delivers a record of a partition it does not own at the time.
 */
Test(group, a_group_shared_with_a_java_consumer_splits_partitions_and_processes_every_record_once,
     .timeout = 300) {
    const char *libs_dir = kt_env("KAFKA_LIBS");
    if (!libs_dir || ck_sh("command -v java >/dev/null 2>&1") != 0) {
        const char *req = getenv("KFK_REQUIRE_BROKER");
        if (req && req[0] == '1')
            cr_assert_fail("java or KFK_KAFKA_LIBS missing (Kafka's Java consumer is needed)");
        cr_skip_test("java or KFK_KAFKA_LIBS missing: no Java consumer to share the group with");
    }
    world_t w;
    gk_world_init(&w, "java");
    gk_add_topic(&w, "gjava", JP_PARTS);
    const char *topic = w.topics[0];
    static int32_t idx[JP_PARTS][JP_N];
    memset(idx, 0xff, sizeof idx);
    int64_t end[JP_PARTS] = {0};
    ck_pos_t *pos1 = ck_produce(gk_bs(), topic, JP_HALF, 0, JP_PARTS, 0, "j1");
    for (int i = 0; i < JP_HALF; i++) {
        cr_assert(pos1[i].partition >= 0 && pos1[i].offset >= 0 && pos1[i].offset < JP_N);
        idx[pos1[i].partition][pos1[i].offset] = i;
    }
    ck_end_offsets(pos1, JP_HALF, JP_PARTS, end);
    free(pos1);

    char jout[128], jerr[128], jstop[128], libs[1024], secs[16];
    snprintf(jstop, sizeof jstop, "/tmp/kfk-tg-%d-java.stop", (int)getpid());
    unlink(jstop);
    setenv("GROUP_PEER_STOP", jstop, 1); /* this test's process only (Criterion forks each) */
    snprintf(jout, sizeof jout, "/tmp/kfk-tg-%d-java.out", (int)getpid());
    snprintf(jerr, sizeof jerr, "/tmp/kfk-tg-%d-java.err", (int)getpid());
    unlink(jout);
    unlink(jerr);
    snprintf(libs, sizeof libs, "%s/*", libs_dir);
    snprintf(secs, sizeof secs, "%d", JP_SECONDS);
    char *jargv[] = {"java",
                     "-cp",
                     libs,
                     KFK_SOURCE_DIR "/tests/integration/GroupPeer.java",
                     (char *)gk_bs(),
                     w.group,
                     w.topics[0],
                     secs,
                     NULL};
    double t0 = ck_now_ms();
    pid_t java = ck_spawn(jargv, jout, jerr);

    /* 1. Java alone takes every partition and processes (and commits) the first half. */
    for (;;) {
        jv_t v = jv_read(jout);
        size_t n = v.nrec;
        uint64_t own = v.own;
        free(v.rec);
        int64_t committed[JP_PARTS];
        int done = own == JP_ALL && n >= JP_HALF &&
                   ck_committed(gk_bs(), w.group, topic, JP_PARTS, committed) == 0 &&
                   !memcmp(committed, end, sizeof end);
        if (done)
            break;
        /* From the spawn: the JVM compiles GroupPeer.java and starts first. */
        if (ck_now_ms() - t0 >= 120000) {
            char *je = ck_slurp(jerr, NULL);
            cr_assert_fail("Java: partitions %#llx, %zu records of %d, not all committed:\n%s",
                           (unsigned long long)own, n, JP_HALF, je ? je : "");
        }
        usleep(100000);
    }
    double java_alone = ck_now_ms() - t0;

    /* 2. kfk joins; once the group settled on two blocks, the second half is written. */
    uv_loop_t loop;
    uv_loop_init(&loop);
    jk_t jk = {0};
    ck_cons_t k = {.hook = jk_hook, .user = &jk};
    ck_cons_init(&k, &loop,
                 ck_conf(gk_bs(), (const char *[]){
                                      "group.id", w.group, "partition.assignment.strategy", "range",
                                      "auto.offset.reset", "earliest", "heartbeat.interval.ms",
                                      "500", "session.timeout.ms", "10000", "batch.timeout.ms",
                                      "50", "fetch.max.wait.ms", "200", NULL}));
    kfk_consumer_set_rebalance_cb(k.c, jk_rebalance, &jk);
    cr_assert_eq(kfk_consumer_subscribe(k.c, &topic, 1), 0);
    ck_cons_start(&k);
    double t1 = ck_now_ms();
    for (;;) {
        jv_t v = jv_read(jout);
        uint64_t jown = v.own;
        free(v.rec);
        if (jk.own && jown && !(jk.own & jown) && (jk.own | jown) == JP_ALL)
            break;
        cr_assert_lt(ck_now_ms() - t1, 60000, "kfk %#llx and Java %#llx did not share the group",
                     (unsigned long long)jk.own, (unsigned long long)jown);
        ck_run_for(&loop, 100);
    }
    double settled_after = ck_now_ms() - t1;
    ck_pos_t *pos2 = ck_produce(gk_bs(), topic, JP_HALF, 0, JP_PARTS, 0, "j2");
    for (int i = 0; i < JP_HALF; i++) {
        cr_assert(pos2[i].partition >= 0 && pos2[i].offset >= 0 && pos2[i].offset < JP_N);
        idx[pos2[i].partition][pos2[i].offset] = JP_HALF + i;
    }
    free(pos2);
    /* Until kfk and Java together processed every record. */
    static int seen[JP_N];
    double t2 = ck_now_ms();
    uint64_t kfk_block = 0, java_block = 0;
    for (;;) {
        memset(seen, 0, sizeof seen);
        jv_t v = jv_read(jout);
        for (size_t i = 0; i < v.nrec; i++) {
            int x = jp_index(idx, v.rec[i].partition, v.rec[i].offset);
            if (x >= 0)
                seen[x] = 1;
        }
        for (size_t i = 0; i < k.n; i++) {
            int x = jp_index(idx, k.msgs[i].partition, k.msgs[i].offset);
            if (x >= 0)
                seen[x] = 1;
        }
        size_t covered = 0;
        for (int i = 0; i < JP_N; i++)
            covered += (size_t)seen[i];
        java_block = v.own;
        free(v.rec);
        kfk_block = jk.own;
        if (covered == JP_N)
            break;
        cr_assert_lt(ck_now_ms() - t2, 60000, "kfk %zu and Java records cover %zu of %d", k.n,
                     covered, JP_N);
        ck_run_for(&loop, 100);
    }
    double shared_took = ck_now_ms() - t2;
    ck_run_for(&loop, 500);
    int kfk_revoked_before_close = jk.revoked;

    /* 3. kfk leaves; Java takes its partitions back from kfk's commits. */
    ck_cons_close(&k, 10000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0, "handles left on the loop");
    double t3 = ck_now_ms();
    for (;;) {
        jv_t v = jv_read(jout);
        int back = v.own == JP_ALL, closed = v.closed;
        free(v.rec);
        cr_assert(!closed, "Java's time (%d s) ran out before it took kfk's partitions back",
                  JP_SECONDS);
        if (back)
            break;
        cr_assert_lt(ck_now_ms() - t3, 60000, "Java did not take kfk's partitions back");
        usleep(100000);
    }
    double java_back = ck_now_ms() - t3;
    FILE *stopf = fopen(jstop, "w");
    cr_assert_not_null(stopf, "cannot create %s", jstop);
    fclose(stopf);
    int st = ck_wait(java, 60000);
    unlink(jstop);
    char *je = ck_slurp(jerr, NULL);
    cr_assert(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "GroupPeer failed (%d):\n%s", st,
              je ? je : "");
    free(je);

    /* Who processed what. */
    jv_t v = jv_read(jout);
    int by_kfk[JP_N] = {0}, by_java[JP_N] = {0};
    for (size_t i = 0; i < v.nrec; i++) {
        int x = jp_index(idx, v.rec[i].partition, v.rec[i].offset);
        cr_assert_geq(x, 0, "Java got partition %d offset %lld, which was never written",
                      v.rec[i].partition, (long long)v.rec[i].offset);
        by_java[x]++;
    }
    size_t kfk_outside_block = 0;
    for (size_t i = 0; i < k.n; i++) {
        int x = jp_index(idx, k.msgs[i].partition, k.msgs[i].offset);
        cr_assert_geq(x, 0, "kfk got partition %d offset %lld, which was never written",
                      k.msgs[i].partition, (long long)k.msgs[i].offset);
        cr_assert_eq(k.msgs[i].idx, x < JP_HALF ? x : x - JP_HALF, "kfk: value of record %d", x);
        by_kfk[x]++;
        kfk_outside_block += !(kfk_block >> k.msgs[i].partition & 1);
    }
    int java_n = 0, kfk_n = 0, kfk_phase1 = 0, both = 0, missing = 0, java_2nd_outside = 0,
        first_bad = -1;
    for (int i = 0; i < JP_N; i++) {
        java_n += by_java[i];
        kfk_n += by_kfk[i];
        kfk_phase1 += i < JP_HALF && by_kfk[i];
        both += by_java[i] && by_kfk[i];
        missing += !by_java[i] && !by_kfk[i];
        if (by_java[i] + by_kfk[i] != 1 && first_bad < 0)
            first_bad = i;
        /* Second-half records of kfk's block are kfk's (Java takes them back only after kfk
         * committed them). */
        java_2nd_outside += i >= JP_HALF && by_java[i] && (kfk_block >> (i % JP_PARTS) & 1);
    }
    fprintf(stderr,
            "Java's KafkaConsumer and kfk share a group on range: Java alone had everything after "
            "%.1f s; kfk joined and the group settled in %.1f s (kfk %#llx, Java %#llx); the "
            "second half took %.1f s; after kfk left Java had everything back in %.1f s; records "
            "kfk %d, Java %d (%d by both, %d by neither), Java revokes %d, commit failures %d\n",
            java_alone / 1e3, settled_after / 1e3, (unsigned long long)kfk_block,
            (unsigned long long)java_block, shared_took / 1e3, java_back / 1e3, kfk_n, java_n, both,
            missing, v.revokes, v.commit_failed);
    /* The split: two range blocks, disjoint and covering the topic. */
    cr_assert(kfk_block == 0x07 || kfk_block == 0x38, "kfk owned %#llx, not a range block",
              (unsigned long long)kfk_block);
    cr_assert_eq(java_block, JP_ALL & ~kfk_block, "Java owned %#llx beside kfk's %#llx",
                 (unsigned long long)java_block, (unsigned long long)kfk_block);
    cr_assert_eq(kfk_revoked_before_close, 0, "kfk revoked partitions while both were members");
    cr_assert_eq(jk.lost, 0, "kfk lost its partitions");
    cr_assert_eq(v.commit_failed, 0, "Java's commitSync failed %d times", v.commit_failed);
    /* Neither consumed a partition it did not own (both at once on one partition). */
    cr_assert_eq(jk.outside, 0, "kfk got %zu records of partitions it did not own, first %s",
                 jk.outside, jk.first_outside);
    cr_assert_eq(v.n_outside, 0, "Java got %zu records of partitions it did not own, first %s",
                 v.n_outside, v.first_outside);
    cr_assert_eq(kfk_outside_block, 0, "kfk got %zu records outside its block", kfk_outside_block);
    /* Handoffs through committed offsets: Java -> kfk (phase 1) and kfk -> Java (kfk's close). */
    cr_assert_eq(kfk_phase1, 0, "kfk re-processed %d records Java had committed", kfk_phase1);
    cr_assert_eq(java_2nd_outside, 0,
                 "Java processed %d second-half records of kfk's block (kfk's commits lost?)",
                 java_2nd_outside);
    cr_assert_gt(kfk_n, 0, "kfk processed nothing");
    cr_assert_eq(missing, 0, "%d records processed by neither member", missing);
    cr_assert_eq(both, 0, "%d records processed by both members", both);
    cr_assert_lt(first_bad, 0, "record %d (partition %d) processed %d times by Java, %d by kfk",
                 first_bad, first_bad % JP_PARTS, first_bad >= 0 ? by_java[first_bad] : 0,
                 first_bad >= 0 ? by_kfk[first_bad] : 0);
    cr_assert_eq(kfk_n + java_n, JP_N);
    free(v.rec);
    ck_cons_free(&k);
    unlink(jout);
    unlink(jerr);
    gk_cleanup(&w);
}
