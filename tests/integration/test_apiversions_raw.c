/*
 * test_apiversions_raw.c: proves the test harness. A hand-encoded ApiVersions v0 request goes
 * to the real broker over a plain socket; the response must be well formed and list Produce,
 * Fetch and Metadata. Registered for Kafka 4.3.1 and (as _kafka39) for 3.9.x.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "env.h"
#include "rawconn.h"

typedef struct {
    int16_t key, min, max;
} api_range_t;

/* Request header v1 + empty ApiVersions v0 body, framed. */
static size_t encode_apiversions_v0(uint8_t *buf, int32_t corr, const char *client_id) {
    size_t idlen = strlen(client_id);
    size_t n = 2 + 2 + 4 + 2 + idlen;
    kt_put32(buf, (uint32_t)n);
    kt_put16(buf + 4, 18); /* api_key ApiVersions */
    kt_put16(buf + 6, 0);  /* api_version 0 */
    kt_put32(buf + 8, (uint32_t)corr);
    kt_put16(buf + 12, (uint16_t)idlen);
    memcpy(buf + 14, client_id, idlen);
    return 4 + n;
}

/* Parses an ApiVersions v0 response (header v0); returns the number of ranges, -1 if bad. */
static int decode_apiversions_v0(const uint8_t *p, size_t len, int32_t corr, int16_t *err,
                                 api_range_t *out, int max) {
    if (len < 4 + 2 + 4 || (int32_t)kt_get32(p) != corr)
        return -1;
    *err = (int16_t)kt_get16(p + 4);
    uint32_t count = kt_get32(p + 6);
    if (count > (len - 10) / 6 || count > (uint32_t)max)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = p + 10 + 6 * i;
        out[i] =
            (api_range_t){(int16_t)kt_get16(e), (int16_t)kt_get16(e + 2), (int16_t)kt_get16(e + 4)};
    }
    if (10 + 6 * count != len)
        return -1;
    return (int)count;
}

static const api_range_t *find(const api_range_t *r, int n, int16_t key) {
    for (int i = 0; i < n; i++)
        if (r[i].key == key)
            return &r[i];
    return NULL;
}

Test(apiversions_raw, broker_lists_produce_fetch_and_metadata) {
    int fd = kt_connect(kt_env_required("BOOTSTRAP"));
    cr_assert_geq(fd, 0, "cannot connect to the broker");
    uint8_t req[64];
    size_t n = encode_apiversions_v0(req, 0x1234abcd, "kfk-test");
    cr_assert_eq(kt_send_all(fd, req, n), 0);

    uint8_t *frame;
    size_t len;
    cr_assert_eq(kt_recv_frame(fd, &frame, &len, 1 << 20), 0, "no response frame");
    api_range_t ranges[256];
    int16_t err = -2;
    int count = decode_apiversions_v0(frame, len, 0x1234abcd, &err, ranges, 256);
    free(frame);
    close(fd);

    cr_assert_gt(count, 0, "malformed ApiVersions v0 response");
    cr_assert_eq(err, 0, "ApiVersions error %d", err);
    const api_range_t *produce = find(ranges, count, 0);
    const api_range_t *fetch = find(ranges, count, 1);
    const api_range_t *metadata = find(ranges, count, 3);
    const api_range_t *apiversions = find(ranges, count, 18);
    cr_assert_not_null(produce, "Produce (0) missing on Kafka %s", kt_kafka_version());
    cr_assert_not_null(fetch, "Fetch (1) missing");
    cr_assert_not_null(metadata, "Metadata (3) missing");
    cr_assert_not_null(apiversions, "ApiVersions (18) missing");
    /* Both 3.9 and 4.x speak the versions kfk's client range needs. */
    cr_expect_geq(produce->max, 11, "Produce max %d", produce->max);
    cr_expect_geq(fetch->max, 12, "Fetch max %d", fetch->max);
    cr_expect_geq(metadata->max, 12, "Metadata max %d", metadata->max);
    cr_expect_geq(apiversions->max, 3, "ApiVersions max %d", apiversions->max);
    cr_expect_leq(metadata->min, 1);
    if (!strncmp(kt_kafka_version(), "4.", 2))
        cr_expect_geq(fetch->min, 4, "KIP-896: 4.x dropped Fetch below v4");
    else if (!strncmp(kt_kafka_version(), "3.", 2))
        cr_expect_eq(fetch->min, 0, "3.9 still accepts Fetch v0");
}

Test(apiversions_raw, pipelined_requests_are_answered_in_order) {
    int fd = kt_connect(kt_env_required("BOOTSTRAP"));
    cr_assert_geq(fd, 0);
    uint8_t req[128];
    size_t n1 = encode_apiversions_v0(req, 7, "a");
    size_t n2 = encode_apiversions_v0(req + n1, 8, "b");
    cr_assert_eq(kt_send_all(fd, req, n1 + n2), 0);
    for (int32_t corr = 7; corr <= 8; corr++) {
        uint8_t *frame;
        size_t len;
        api_range_t ranges[256];
        int16_t err;
        cr_assert_eq(kt_recv_frame(fd, &frame, &len, 1 << 20), 0);
        cr_expect_gt(decode_apiversions_v0(frame, len, corr, &err, ranges, 256), 0,
                     "response %d out of order or malformed", corr);
        free(frame);
    }
    close(fd);
}
