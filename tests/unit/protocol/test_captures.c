/*
 * test_captures.c: frames real clients exchanged with a real broker (Kafka 4.3.1), recorded by
 * tests/golden/tools/capture.py into tests/golden/captures/<client>/ (see its README.md), must
 * decode with kfk and re-encode byte for byte: requests with kfk_request_decode and
 * kfk_request_encode, responses with kfk_response_decode and kfk_response_encode (same
 * correlation id). Frames of APIs or versions kfk does not speak (clients newer than kfk's
 * range) are skipped and counted; the test prints how many frames it checked per API. The
 * consumer protocol blobs inside JoinGroup and SyncGroup frames (librdkafka's and Java's
 * subscriptions and assignments) must decode too, and re-encode byte for byte.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"
#include "codec_check.h"

#ifndef KFK_GOLDEN_DIR
#error "KFK_GOLDEN_DIR must name tests/golden"
#endif

#define MAX_APIS 32

typedef struct tally {
    int checked[MAX_APIS];
    int failed[MAX_APIS];
    int skipped_versions[MAX_APIS];
    int skipped_unknown; /* frames of APIs kfk does not speak */
    int total_checked;
    int total_failed;
    int blobs_checked; /* consumer protocol blobs inside JoinGroup / SyncGroup frames */
    int blobs_failed;
} tally_t;

/* The index in kfk_api_list of the API named @p snake, or -1. */
static int api_index(const char *snake) {
    size_t n;
    const kfk_api_t *apis = kfk_api_list(&n);
    for (size_t i = 0; i < n && i < MAX_APIS; i++) {
        char s[64];
        cc_snake_name(apis[i].name, s, sizeof s);
        if (!strcmp(s, snake))
            return (int)i;
    }
    return -1;
}

/* Compares kfk's framed re-encoding with the captured frame (which has no size prefix). */
static bool same_frame(const kfk_wbuf_t *w, const uint8_t *frame, size_t len, const char *file) {
    if (w->len != len + 4 || memcmp(w->data + 4, frame, len) != 0) {
        size_t at = 0;
        while (w->len >= 4 && at < len && at < w->len - 4 && w->data[4 + at] == frame[at])
            at++;
        cr_log_error("captures: %s: kfk's re-encoding differs at offset %zu (kfk %zu bytes, "
                     "captured %zu)",
                     file, at, w->len >= 4 ? w->len - 4 : 0, len);
        return false;
    }
    uint32_t size = ((uint32_t)w->data[0] << 24) | ((uint32_t)w->data[1] << 16) |
                    ((uint32_t)w->data[2] << 8) | w->data[3];
    return size == len;
}

/*
 * A consumer protocol blob carried in a JoinGroup (subscription) or SyncGroup (assignment)
 * frame must decode; one of a version kfk knows must also re-encode byte for byte.
 */
static bool check_blob(bool subscription, kfk_bytes_t blob, const char *file, tally_t *t) {
    if (blob.len <= 0)
        return true; /* an empty assignment: nothing to decode */
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk_consumer_protocol_subscription_t sub;
    kfk_consumer_protocol_assignment_t asg;
    int16_t v = -1;
    kfk_err_t err =
        subscription
            ? kfk_consumer_subscription_decode(blob.ptr, (size_t)blob.len, &arena, &sub, &v)
            : kfk_consumer_assignment_decode(blob.ptr, (size_t)blob.len, &arena, &asg, &v);
    bool ok = !err;
    if (err) {
        cr_log_error("captures: %s: the %s blob does not decode: %s", file,
                     subscription ? "subscription" : "assignment", kfk_err_name(err));
    } else if (v <= KFK_CONSUMER_PROTOCOL_MAX_VERSION) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        err = subscription ? kfk_consumer_subscription_encode(&sub, v, &w)
                           : kfk_consumer_assignment_encode(&asg, v, &w);
        ok = !err && w.len == (size_t)blob.len && !memcmp(w.data, blob.ptr, w.len);
        if (!ok)
            cr_log_error("captures: %s: the %s blob (v%d) does not re-encode byte for byte", file,
                         subscription ? "subscription" : "assignment", v);
        kfk_wbuf_free(&w);
    }
    kfk_arena_free(&arena);
    t->blobs_checked++;
    t->blobs_failed += !ok;
    return ok;
}

/* The consumer protocol blobs inside a decoded JoinGroup or SyncGroup body. */
static bool check_blobs(int16_t key, bool request, const void *body, const char *file, tally_t *t) {
    bool ok = true;
    if (key == KFK_API_JOIN_GROUP && request) {
        const kfk_join_group_request_t *m = body;
        if (!kfk_str_eq(m->protocol_type, "consumer"))
            return true;
        for (int32_t i = 0; i < m->protocols.count; i++)
            ok &= check_blob(
                true, KFK_ARRAY_AT(m->protocols, kfk_join_group_request_protocol_t, i).metadata,
                file, t);
    } else if (key == KFK_API_JOIN_GROUP) {
        const kfk_join_group_response_t *m = body;
        for (int32_t i = 0; i < m->members.count; i++)
            ok &= check_blob(true,
                             KFK_ARRAY_AT(m->members, kfk_join_group_response_member_t, i).metadata,
                             file, t);
    } else if (key == KFK_API_SYNC_GROUP && request) {
        const kfk_sync_group_request_t *m = body;
        for (int32_t i = 0; i < m->assignments.count; i++)
            ok &= check_blob(
                false,
                KFK_ARRAY_AT(m->assignments, kfk_sync_group_request_assignment_t, i).assignment,
                file, t);
    } else if (key == KFK_API_SYNC_GROUP) {
        ok &= check_blob(false, ((const kfk_sync_group_response_t *)body)->assignment, file, t);
    }
    return ok;
}

static bool check_request(const kfk_api_t *api, int16_t version, const uint8_t *frame, size_t len,
                          const char *file, tally_t *t) {
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk_request_header_t hdr;
    void *body = NULL;
    bool ok = false;
    kfk_err_t err = kfk_request_decode(frame, len, &hdr, &arena, &body);
    if (err) {
        cr_log_error("captures: %s: kfk_request_decode failed: %s", file, kfk_err_name(err));
    } else if (hdr.api_key != api->key || hdr.api_version != version) {
        cr_log_error("captures: %s: header says key %d v%d", file, hdr.api_key, hdr.api_version);
    } else {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        err = kfk_request_encode(&w, &hdr, body);
        if (err)
            cr_log_error("captures: %s: kfk_request_encode failed: %s", file, kfk_err_name(err));
        else
            ok = same_frame(&w, frame, len, file);
        kfk_wbuf_free(&w);
        ok &= check_blobs(api->key, true, body, file, t);
    }
    kfk_arena_free(&arena);
    return ok;
}

static bool check_response(const kfk_api_t *api, int16_t version, const uint8_t *frame, size_t len,
                           const char *file, tally_t *t) {
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    int32_t corr = 0;
    void *body = NULL;
    bool ok = false;
    kfk_err_t err = kfk_response_decode(frame, len, api->key, version, &corr, &arena, &body);
    if (err) {
        cr_log_error("captures: %s: kfk_response_decode failed: %s", file, kfk_err_name(err));
    } else {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        err = kfk_response_encode(&w, api->key, version, corr, body);
        if (err)
            cr_log_error("captures: %s: kfk_response_encode failed: %s", file, kfk_err_name(err));
        else
            ok = same_frame(&w, frame, len, file);
        kfk_wbuf_free(&w);
        ok &= check_blobs(api->key, false, body, file, t);
    }
    kfk_arena_free(&arena);
    return ok;
}

/* Checks one captured file named <seq>-<api>-v<ver>-{request,response}.bin. */
static void check_file(const char *dir, const char *client, const char *name, tally_t *t) {
    char api_s[64], kind[16];
    int seq, ver;
    if (sscanf(name, "%d-%63[a-z0-9_]-v%d-%15[a-z].bin", &seq, api_s, &ver, kind) != 4)
        return;
    int idx = api_index(api_s);
    if (idx < 0) {
        t->skipped_unknown++;
        return;
    }
    size_t n;
    const kfk_api_t *api = &kfk_api_list(&n)[idx];
    if (ver < api->min_version || ver > api->max_version) {
        t->skipped_versions[idx]++;
        return;
    }
    char path[1536], label[2048];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(label, sizeof label, "%s/%s (%s v%d %s)", client, name, api->name, ver, kind);
    size_t len = 0;
    uint8_t *frame = cc_read_file(path, &len);
    bool ok = false;
    if (!frame)
        cr_log_error("captures: cannot read %s", path);
    else if (!strcmp(kind, "request"))
        ok = check_request(api, (int16_t)ver, frame, len, label, t);
    else
        ok = check_response(api, (int16_t)ver, frame, len, label, t);
    free(frame);
    t->checked[idx]++;
    t->total_checked++;
    if (!ok) {
        t->failed[idx]++;
        t->total_failed++;
    }
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

Test(captures, every_captured_frame_decodes_and_reencodes_byte_for_byte) {
    tally_t t;
    memset(&t, 0, sizeof t);
    char root[512];
    snprintf(root, sizeof root, "%s/captures", KFK_GOLDEN_DIR);
    struct dirent **clients = NULL;
    int nclients = scandir(root, &clients, NULL, by_name);
    cr_assert_gt(nclients, 0, "no captures under %s (tests/golden/captures/README.md)", root);
    for (int c = 0; c < nclients; c++) {
        const char *client = clients[c]->d_name;
        char dir[1024];
        snprintf(dir, sizeof dir, "%s/%s", root, client);
        struct dirent **files = NULL;
        int nfiles = client[0] == '.' ? -1 : scandir(dir, &files, NULL, by_name);
        for (int f = 0; f < nfiles; f++) {
            if (strstr(files[f]->d_name, ".bin"))
                check_file(dir, client, files[f]->d_name, &t);
            free(files[f]);
        }
        free(files);
        free(clients[c]);
    }
    free(clients);

    size_t n;
    const kfk_api_t *apis = kfk_api_list(&n);
    for (size_t i = 0; i < n && i < MAX_APIS; i++) {
        if (!t.checked[i] && !t.skipped_versions[i])
            continue;
        fprintf(stderr,
                "captures: %-16s %3d frames checked, %d failed, %d skipped (version "
                "outside kfk's %d-%d)\n",
                apis[i].name, t.checked[i], t.failed[i], t.skipped_versions[i], apis[i].min_version,
                apis[i].max_version);
    }
    if (t.skipped_unknown)
        fprintf(stderr, "captures: %d frames of APIs kfk does not speak skipped\n",
                t.skipped_unknown);
    fprintf(stderr,
            "captures: %d frames checked, %d failed; %d consumer protocol blobs inside "
            "them checked, %d failed\n",
            t.total_checked, t.total_failed, t.blobs_checked, t.blobs_failed);
    cr_expect_gt(t.total_checked, 0, "no captured frame is in kfk's range");
    cr_expect_eq(t.total_failed, 0, "%d of %d captured frames did not round-trip (see the log)",
                 t.total_failed, t.total_checked);
}
