/* env.c: test service lookup, see env.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "env.h"

const char *kt_env(const char *name) {
    char key[128];
    const char *target = getenv("KFK_TARGET");
    if (target && !strcmp(target, "39"))
        snprintf(key, sizeof key, "KFK_39_%s", name);
    else if (target && !strcmp(target, "cluster"))
        snprintf(key, sizeof key, "KFK_CLUSTER_%s", name);
    else
        snprintf(key, sizeof key, "KFK_%s", name);
    const char *v = getenv(key);
    return v && *v ? v : NULL;
}

const char *kt_env_required(const char *name) {
    const char *v = kt_env(name);
    if (!v)
        cr_assert_fail(
            "environment variable for %s is not set: start the services with scripts/test "
            "or eval \"$(scripts/kafka start)\"",
            name);
    return v;
}

const char *kt_redis(void) {
    const char *v = getenv("KFK_REDIS");
    if (!v || !*v)
        cr_assert_fail("KFK_REDIS is not set: start the services with scripts/test or eval "
                       "\"$(scripts/redis start)\"");
    return v;
}

const char *kt_kafka_version(void) {
    const char *v = kt_env("KAFKA_VERSION");
    return v ? v : "unknown";
}
