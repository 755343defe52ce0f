/*
 * bench_rdkafka_consumer.c: the consumer workload of bench_consumer.c on librdkafka (Debian's
 * librdkafka-dev), for scripts/bench-consume. Same options (consume mode only), same output.
 *
 *   bench_rdkafka_consumer -b BROKERS -t TOPIC (-n RECORDS | -e) [-B BATCH] [-X name=value]...
 *
 * With -e, instead of stopping at RECORDS, it reads until every partition reported its end
 * (enable.partition.eof: RD_KAFKA_RESP_ERR__PARTITION_EOF at the high watermark), as `kcat -e`
 * and `kfk consume -e` do: the same task as theirs, without knowing the count beforehand.
 *
 * librdkafka's consumer with a manual assignment of every partition from the beginning
 * (rd_kafka_assign, no subscribe, no commits), read with rd_kafka_consume_batch_queue() on the
 * consumer queue, BATCH messages at a time (default 1000; the last call asks only for the
 * records still missing), each walked (key and value lengths summed) and destroyed. Metadata is
 * read first; then the clock and getrusage start (so librdkafka's own threads are in the CPU
 * figure), and records/s run from the first record to the last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>

#include "bench_util.h"

static void set(rd_kafka_conf_t *c, const char *k, const char *v) {
    char err[256];
    if (rd_kafka_conf_set(c, k, v, err, sizeof err) != RD_KAFKA_CONF_OK)
        bench_die("configuration", err);
}

int main(int argc, char **argv) {
    const char *bootstrap = getenv("KFK_BOOTSTRAP"), *topic = NULL;
    long n = 0, batch = 1000;
    int to_eof = 0;
    const char *extra[32];
    int nextra = 0, opt;
    while ((opt = getopt(argc, argv, "b:t:n:B:X:e")) != -1) {
        switch (opt) {
        case 'b':
            bootstrap = optarg;
            break;
        case 't':
            topic = optarg;
            break;
        case 'n':
            n = strtol(optarg, NULL, 10);
            break;
        case 'B':
            batch = strtol(optarg, NULL, 10);
            break;
        case 'e':
            to_eof = 1;
            break;
        case 'X':
            if (nextra < 32)
                extra[nextra++] = optarg;
            break;
        default:
            fprintf(stderr,
                    "usage: bench_rdkafka_consumer -b BROKERS -t TOPIC (-n N | -e) [-B BATCH] "
                    "[-X k=v]\n");
            return 2;
        }
    }
    if (!bootstrap || !topic || (n <= 0 && !to_eof) || batch < 1)
        bench_die("-b (or KFK_BOOTSTRAP), -t and -n (or -e) are needed", NULL);
    if (to_eof)
        n = -1;

    double cpu0 = bench_cpu_seconds(), t0 = bench_now_s();
    rd_kafka_conf_t *c = rd_kafka_conf_new();
    char group[64], err[512];
    snprintf(group, sizeof group, "kfk-bench-rdk-%d", (int)getpid());
    set(c, "bootstrap.servers", bootstrap);
    set(c, "group.id", group);
    set(c, "enable.auto.commit", "false");
    set(c, "enable.auto.offset.store", "false");
    set(c, "enable.partition.eof", to_eof ? "true" : "false");
    for (int i = 0; i < nextra; i++) {
        char kv[256];
        snprintf(kv, sizeof kv, "%s", extra[i]);
        char *eq = strchr(kv, '=');
        if (!eq)
            bench_die("-X needs name=value", extra[i]);
        *eq = 0;
        set(c, kv, eq + 1);
    }
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
    if (!rk)
        bench_die("rd_kafka_new", err);
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    const struct rd_kafka_metadata *md = NULL;
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topic_cnt < 1 || md->topics[0].err)
        bench_die("metadata", topic);
    int parts = md->topics[0].partition_cnt;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    /* The clock restarts here: metadata is not part of the run (as in bench_consumer). */
    cpu0 = bench_cpu_seconds();
    t0 = bench_now_s();
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(parts);
    for (int p = 0; p < parts; p++)
        rd_kafka_topic_partition_list_add(l, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t e = rd_kafka_assign(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e)
        bench_die("rd_kafka_assign", rd_kafka_err2str(e));
    rd_kafka_queue_t *q = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t **msgs = calloc((size_t)batch, sizeof *msgs);
    long got = 0;
    long long bytes = 0;
    double first_at = 0, last_at = 0;
    char *at_end = calloc((size_t)parts, 1); /* -e: which partitions reported their end */
    int ends = 0;
    while (to_eof ? ends < parts : got < n) {
        /* No more than the records still to come: rd_kafka_consume_batch_queue waits for a
         * full batch (or its timeout), so asking 1000 for the last 300 would add a second.
         * With -e the count is unknown: short timeouts, so that the ends are seen at once. */
        long want = to_eof || n - got >= batch ? batch : n - got;
        ssize_t k = rd_kafka_consume_batch_queue(q, to_eof ? 10 : 1000, msgs, (size_t)want);
        if (k < 0)
            bench_die("rd_kafka_consume_batch_queue", rd_kafka_err2str(rd_kafka_last_error()));
        for (ssize_t i = 0; i < k; i++) {
            rd_kafka_message_t *m = msgs[i];
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                if (m->partition >= 0 && m->partition < parts && !at_end[m->partition]) {
                    at_end[m->partition] = 1;
                    ends++;
                }
            } else if (m->err) {
                fprintf(stderr, "bench_rdkafka_consumer: %s\n", rd_kafka_message_errstr(m));
            } else {
                if (!got)
                    first_at = bench_now_s();
                bytes += (long long)m->key_len + (long long)m->len;
                got++;
            }
            rd_kafka_message_destroy(m);
        }
    }
    last_at = bench_now_s();
    free(at_end);
    free(msgs);
    rd_kafka_queue_destroy(q);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    double cpu = bench_cpu_seconds() - cpu0;
    double secs = last_at - first_at;
    printf("client=librdkafka records=%ld bytes=%lld secs=%.3f startup_ms=%.0f records_per_s=%.0f "
           "mb_per_s=%.2f cpu_s=%.3f cpu_s_per_m=%.3f max_rss_kb=%ld\n",
           got, bytes, secs, (first_at - t0) * 1e3, (double)got / secs, (double)bytes / secs / 1e6,
           cpu, cpu / ((double)got / 1e6), bench_max_rss_kb());
    return 0;
}
