/*
 * consumer_tests.c: the small helpers the consumer's integration tests share (consumer_tests.h).
 */
#include <stdio.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_tests.h"
#include "env.h"
#include "kfk/kfk.h"

const char *ct_bs(void) {
    return kt_env_required("BOOTSTRAP");
}

/* Runs what is left on @p loop and checks that nothing stays on it. */
void ct_loop_finish(uv_loop_t *loop) {
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(loop), 0, "handles left on the loop");
}

void ct_assign_all(kfk_consumer_t *c, const char *topic, int32_t nparts, int64_t offset) {
    kfk_topic_partition_t tp[64];
    cr_assert_leq(nparts, 64);
    for (int32_t p = 0; p < nparts; p++)
        tp[p] = (kfk_topic_partition_t){topic, p, offset};
    cr_assert_eq(kfk_consumer_assign(c, tp, (size_t)nparts), 0);
}

void ct_unique_group(char *g, size_t cap, const char *tag) {
    static unsigned n;
    snprintf(g, cap, "kfk-cg-%s-%d-%u-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000), n++);
}
