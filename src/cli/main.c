/*
 * main.c: the kfk command-line tool. Subcommands dispatch from here; each lives in its own
 * file once it exists. Exit codes: 0 success, 1 error, 2 usage error, 3 lock held elsewhere.
 */
#include <stdio.h>
#include <string.h>

#include "kfk/kfk.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

static void usage(FILE *out) {
    fprintf(out,
            "kfk %s: a native Apache Kafka client\n"
            "\n"
            "usage: kfk <command> [options]\n"
            "\n"
            "commands:\n"
            "  help        show this text\n"
            "  version     print the version and built-in features (also --version)\n"
            "\n"
            "exit codes: 0 success, 1 error, 2 usage error, 3 lock held elsewhere\n",
            kfk_version_str());
}

static int print_version(void) {
    const char *feat = kfk_build_features();
    printf("kfk %s (features: %s)\n", kfk_version_str(), feat[0] ? feat : "none");
    return EXIT_OK;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version"))
        return print_version();
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return EXIT_OK;
    }
    fprintf(stderr, "kfk: unknown command '%s' (see kfk help)\n", cmd);
    return EXIT_USAGE;
}
