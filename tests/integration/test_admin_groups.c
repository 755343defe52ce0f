/*
 * test_admin_groups.c: the admin client's group calls that the mock does not serve, against the
 * real broker (COMPAT: Kafka 4.3.1 and 3.9.x): an admin commit makes a group, OffsetDelete
 * removes one partition's commit, DeleteGroups removes the group (and says GROUP_ID_NOT_FOUND
 * for one that does not exist), after which ListGroups no longer lists it; ListOffsets with
 * KFK_OFFSET_MAX_TIMESTAMP finds the record with the largest timestamp. One loop, the calls
 * chained from their callbacks; it ends with uv_loop_close() == 0.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "env.h"
#include "kfk/kfk.h"

typedef struct {
    uv_loop_t loop;
    kfk_admin_t *admin;
    kfk_producer_t *producer;
    kfk_conf_t *conf;
    char topic[128], group[128];
    int step, delivered;
    char text[4096];
} ig_t;

static void append(ig_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(ig_t *t, const char *fmt, ...) {
    size_t len = strlen(t->text);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->text + len, sizeof t->text - len, fmt, ap);
    va_end(ap);
}

static void on_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static void finish(ig_t *t, kfk_admin_t *a) {
    kfk_admin_close(a, on_closed, t);
}

/* Each callback records "name:ERR:n [items]" and starts the next call. */
static void next(ig_t *t);

static void on_offsets(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offs, size_t n,
                       void *opaque) {
    ig_t *t = opaque;
    append(t, "%d:%s:%zu", t->step, kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %d=%lld/%s", offs[i].partition, (long long)offs[i].offset,
               kfk_err_name(offs[i].err));
    if (err)
        append(t, " (%s)", kfk_admin_errstr(a));
    append(t, "\n");
    next(t);
}

static void on_deleted(kfk_admin_t *a, kfk_err_t err, const kfk_group_result_t *res, size_t n,
                       void *opaque) {
    (void)a;
    ig_t *t = opaque;
    append(t, "%d:%s:%zu", t->step, kfk_err_name(err), n);
    for (size_t i = 0; i < n; i++)
        append(t, " %s=%s", strcmp(res[i].group_id, t->group) ? "other" : "group",
               kfk_err_name(res[i].err));
    append(t, "\n");
    next(t);
}

static void on_list(kfk_admin_t *a, kfk_err_t err, const kfk_group_listing_t *gs, size_t n,
                    void *opaque) {
    (void)a;
    ig_t *t = opaque;
    int listed = 0;
    for (size_t i = 0; i < n; i++)
        listed |= !strcmp(gs[i].group_id, t->group);
    append(t, "%d:%s:listed=%d\n", t->step, kfk_err_name(err), listed);
    next(t);
}

static void on_topics(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                      void *opaque) {
    (void)a;
    ig_t *t = opaque;
    append(t, "%d:%s:%s\n", t->step, kfk_err_name(err), n ? kfk_err_name(r[0].err) : "-");
    next(t);
}

static void next(ig_t *t) {
    kfk_admin_t *a = t->admin;
    int step = ++t->step;
    kfk_partition_offset_t both[] = {
        {t->topic, 0, 1, -1, -1, "m", KFK_ERR_NONE},
        {t->topic, 1, 2, -1, -1, NULL, KFK_ERR_NONE},
    };
    kfk_partition_offset_t one = {t->topic, 1, -1, -1, -1, NULL, KFK_ERR_NONE};
    kfk_partition_offset_t maxts = {t->topic, 0, KFK_OFFSET_MAX_TIMESTAMP, -1, -1, NULL, 0};
    const char *groups[] = {t->group, "kfk-no-such-group-for-sure"};
    kfk_err_t e;
    switch (step) {
    case 1:
        e = kfk_admin_alter_group_offsets(a, t->group, both, 2, NULL, on_offsets, t);
        break;
    case 2:
        e = kfk_admin_delete_group_offsets(a, t->group, &one, 1, NULL, on_offsets, t);
        break;
    case 3:
        e = kfk_admin_list_group_offsets(a, t->group, NULL, on_offsets, t);
        break;
    case 4:
        e = kfk_admin_delete_groups(a, groups, 2, NULL, on_deleted, t);
        break;
    case 5:
        e = kfk_admin_list_groups(a, NULL, 0, NULL, 0, NULL, on_list, t);
        break;
    case 6:
        e = kfk_admin_list_offsets(a, &maxts, 1, NULL, on_offsets, t);
        break;
    case 7: {
        const char *names[] = {t->topic};
        e = kfk_admin_delete_topics(a, names, 1, 30000, on_topics, t);
        break;
    }
    default:
        finish(t, a);
        return;
    }
    if (e) {
        append(t, "%d: call refused: %s\n", step, kfk_err_name(e));
        finish(t, a);
    }
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    ig_t *t = opaque;
    cr_assert_eq(d->err, KFK_ERR_NONE, "delivery: %s", kfk_err_name(d->err));
    t->delivered++;
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    next(opaque); /* three records in partition 0: the groups' calls can start */
}

/* The topic is there: three records in partition 0, the middle one with the largest timestamp
 * (offset 1), then the producer closes. */
static void on_created(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                       void *opaque) {
    ig_t *t = opaque;
    cr_assert_eq(err, KFK_ERR_NONE, "create: %s", kfk_admin_errstr(a));
    cr_assert(n == 1 && r[0].err == KFK_ERR_NONE, "create: %s", n ? kfk_err_name(r[0].err) : "-");
    char errstr[512];
    cr_assert_eq(kfk_producer_new(&t->loop, t->conf, &t->producer, errstr, sizeof errstr), 0, "%s",
                 errstr);
    int64_t ts[] = {1700000000000, 1700000009000, 1700000005000};
    for (int i = 0; i < 3; i++) {
        kfk_record_t rec = {t->topic, 0, NULL, 0, "v", 1, NULL, 0, ts[i]};
        cr_assert_eq(kfk_producer_send(t->producer, &rec, on_delivery, t), KFK_ERR_NONE);
    }
    kfk_producer_close(t->producer, on_producer_closed, t);
}

Test(admin_groups, deletes_offsets_and_groups_and_finds_the_max_timestamp) {
    ig_t t;
    memset(&t, 0, sizeof t);
    snprintf(t.topic, sizeof t.topic, "admin-groups-%d-%llu", (int)getpid(),
             (unsigned long long)uv_hrtime());
    snprintf(t.group, sizeof t.group, "admin-groups-g-%d-%llu", (int)getpid(),
             (unsigned long long)uv_hrtime());
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    char errstr[512];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(kfk_conf_set(conf, "bootstrap.servers", kt_env_required("BOOTSTRAP"), errstr,
                              sizeof errstr),
                 0);
    cr_assert_eq(kfk_admin_new(&t.loop, conf, &t.admin, errstr, sizeof errstr), 0, "%s", errstr);
    t.conf = conf;
    kfk_new_topic_t nt = {t.topic, 2, 1, NULL, 0};
    cr_assert_eq(kfk_admin_create_topics(t.admin, &nt, 1, 30000, on_created, &t), 0);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    kfk_conf_free(conf);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    cr_expect_eq(t.delivered, 3);
    cr_expect_str_eq(t.text, "1:NONE:2 0=1/NONE 1=2/NONE\n"
                             "2:NONE:1 1=-1/NONE\n"
                             "3:NONE:1 0=1/NONE\n"
                             "4:NONE:2 group=NONE other=GROUP_ID_NOT_FOUND\n"
                             "5:NONE:listed=0\n"
                             "6:NONE:1 0=1/NONE\n"
                             "7:NONE:NONE\n");
}
