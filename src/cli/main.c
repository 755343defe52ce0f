/*
 * main.c: the kfk command-line tool. Each subcommand lives in its own file (cmd_*.c).
 * Exit codes: 0 success, 1 error, 2 usage error, 3 lock held elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} commands[] = {
    {"metadata", kfk_cmd_metadata, "brokers, topics, partitions, leaders (like kcat -L)"},
    {"topics", kfk_cmd_topics, "create, delete, list topics; add partitions, delete records"},
    {"groups", kfk_cmd_groups, "consumer groups: list, describe (lag), reset-offsets, delete"},
    {"configs", kfk_cmd_configs, "describe or alter a topic's or a broker's configs"},
    {"cluster", kfk_cmd_cluster, "the cluster id, the controller and the brokers"},
    {"produce", kfk_cmd_produce, "send stdin lines (raw, JSON as msgpack) as records"},
    {"consume", kfk_cmd_consume, "print records (raw, -f format, JSON); -G joins a group"},
    {"worker", kfk_cmd_worker, "consume one partition behind a Redis lock (exit 3: held)"},
    {"emit", kfk_cmd_emit, "send stdin JSON lines as Dispytch 0.9/0.10/0.11 events"},
    {"listen", kfk_cmd_listen, "print Dispytch 0.9/0.10/0.11 events of a group as JSON lines"},
    {"bench", kfk_cmd_bench, "produce or consume performance (records/s, MB/s, latency, CPU)"},
    {"demo", kfk_cmd_demo, "the main job: emit, locked partition workers, verify, report"},
    {"config", kfk_cmd_config, "every configuration property: type, default, range, readers"},
    {"mock", kfk_cmd_mock, "serve a mock Kafka cluster from memory (faults on demand)"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out) {
    fprintf(out,
            "kfk %s: a native Apache Kafka client\n\nusage: kfk <command> [options]\n\n"
            "commands:\n",
            kfk_version_str());
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s  %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "  %-10s  %s\n", "help", "show this text (kfk <command> --help for one command)");
    fprintf(out, "  %-10s  %s\n", "version", "print the version and built-in features");
    fprintf(out, "\nCommands that talk to Kafka take -b host:port, -X key=value (any\n"
                 "configuration property, e.g. -X security.protocol=sasl_ssl; kfk config lists\n"
                 "them) and -F file (a properties file).\n"
                 "-X statistics.interval.ms=N prints a statistics JSON line on stderr every N ms.\n"
                 "\nexit codes: 0 success, 1 error, 2 usage error, 3 lock held elsewhere\n");
}

static int print_version(void) {
    const char *feat = kfk_build_features();
    printf("kfk %s (features: %s)\n", kfk_version_str(), feat[0] ? feat : "none");
    return KFK_EXIT_OK;
}

/* A closed stdin, stdout or stderr would give its number to the next file kfk opens (libuv's
 * epoll and eventfd, a broker's socket): records would be read from the loop's eventfd, output
 * written to a broker, and libuv aborts closing an fd under 3. Each closed one gets /dev/null
 * opened the wrong way round instead (write-only as stdin, read-only as stdout and stderr), so it
 * keeps its number and reading or writing it still fails with EBADF, as a closed one does. */
static void hold_closed_stdio(void) {
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
            (void)open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
}

/* Whatever stdio still holds goes out now: output that cannot be written (a full disk, a
 * closed stdout) is an error, not exit 0. A reader that left (EPIPE: kfk metadata | head -1)
 * keeps the command's own exit code. */
static int flush_stdout(int rc) {
    errno = 0;
    if (fflush(stdout) == 0 && !ferror(stdout))
        return rc;
    if (errno == EPIPE)
        return rc;
    if (kfk_cli_stdout_failed(0))
        return rc ? rc : KFK_EXIT_ERR; /* the command said so already */
    fprintf(stderr, "kfk: cannot write stdout: %s\n", strerror(errno ? errno : EIO));
    return rc ? rc : KFK_EXIT_ERR;
}

int main(int argc, char **argv) {
    hold_closed_stdio();
    /* A closed pipe (kfk consume | head) or a dropped socket is an error to handle, not a
     * reason to die: libuv and hiredis write with write(2). */
    signal(SIGPIPE, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return KFK_EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V") || !strcmp(cmd, "version"))
        return flush_stdout(print_version());
    if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        if (argc > 2)
            for (size_t i = 0; i < NCOMMANDS; i++)
                if (!strcmp(argv[2], commands[i].name)) {
                    char *args[] = {argv[2], "--help", NULL};
                    return flush_stdout(commands[i].run(2, args));
                }
        usage(stdout);
        return flush_stdout(KFK_EXIT_OK);
    }
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(cmd, commands[i].name))
            return flush_stdout(commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "kfk: unknown command '%s' (see kfk help)\n", cmd);
    return KFK_EXIT_USAGE;
}
