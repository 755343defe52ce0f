/*
 * harness_main.c: linked into every integration test executable. Before any test runs it
 * checks that a broker was started: without KFK_BOOTSTRAP (or KFK_39_BOOTSTRAP for
 * KFK_TARGET=39) the executable exits 77, which ctest reports as skipped, or 1 when
 * KFK_REQUIRE_BROKER=1 (scripts/test sets it, so CI never skips silently).
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>

#include "env.h"

ReportHook(PRE_ALL)(struct criterion_test_set *tests) {
    (void)tests;
    if (!kt_env("BOOTSTRAP")) {
        const char *req = getenv("KFK_REQUIRE_BROKER");
        fprintf(stderr, "no broker: KFK_BOOTSTRAP is not set (run scripts/test, or eval "
                        "\"$(scripts/kafka start)\" first)\n");
        exit(req && req[0] == '1' ? 1 : 77);
    }
    fprintf(stderr, "broker under test: Kafka %s at %s\n", kt_kafka_version(), kt_env("BOOTSTRAP"));
}
