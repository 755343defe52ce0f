/*
 * cli.h: shared pieces of the kfk tool's subcommands: option parsing helpers (-b, -X, -F),
 * configuration building, exit codes and one-line errors.
 */
#ifndef KFK_CLI_CLI_H
#define KFK_CLI_CLI_H

#include <stdio.h>

#include <jansson.h>
#include <msgpack.h>

#include "kfk/kfk.h"

enum { KFK_EXIT_OK = 0, KFK_EXIT_ERR = 1, KFK_EXIT_USAGE = 2, KFK_EXIT_LOCK_HELD = 3 };

/* Common options: -b BROKERS, -X key=value (repeatable), -F file, -m SECONDS, -h/--help. */
typedef struct kfk_cli_common {
    const char *brokers;
    kfk_conf_t *conf;
    int help;
    /* -m SECONDS (like kcat's -m): how long a command waits for the cluster to become usable
     * (metadata, a partition's leader, a first answer) before it gives up with the last cause
     * and exits 1. Default KFK_CLI_DEADLINE_MS. */
    int64_t deadline_ms;
    int deadline_set; /* -m was given */
} kfk_cli_common_t;

/* The default deadline, and `kfk metadata`'s (kcat -L's 5 s: a metadata answer is all it
 * waits for). */
enum { KFK_CLI_DEADLINE_MS = 10000, KFK_CLI_METADATA_DEADLINE_MS = 5000 };

/*
 * Gives the memory freed since the last call back to the OS (glibc's malloc_trim; nothing
 * elsewhere), at most every 10 s of @p now_ms. A backlog (records queued while a broker was
 * away, a burst of fetched batches) leaves freed chunks between live ones, which a heap keeps
 * resident: the tool calls this once such work is done so that its RSS comes back down (row 10
 * of scripts/reliability judges RSS over a soak with broker kills). The library never trims:
 * an application decides that.
 */
void kfk_cli_trim(uint64_t now_ms);

/*
 * Gives stdout a 64 KiB buffer when it is not a terminal (stdio's default for a pipe or a file is
 * 4 KiB: a write(2) per 4 KiB of records). Commands that print as records come flush after each
 * batch, so a reader of the pipe waits no longer than a batch. A pipe on stdout is grown to
 * 1 MiB where Linux allows it (F_SETPIPE_SZ). Call before the first output.
 */
void kfk_cli_stdout_buffer(void);

/*
 * Records for stdout without stdio's copy: kfk_cli_out queues @p len bytes at @p p, which must
 * stay valid until kfk_cli_out_flush (values of 256 bytes or more are written from where they
 * are with writev, smaller pieces are copied into a 64 KiB buffer); kfk_cli_out_flush writes
 * everything queued (after stdio's own buffer), waiting when stdout is non-blocking and full.
 * After a failed write (a closed pipe, a full disk) the rest is dropped, and kfk_cli_out_flush
 * returns that write's errno from then on (0 while every write succeeded). Not thread-safe: one
 * printer.
 */
/* 1 when stdout is a pipe or a socket whose reader has left (kfk consume | head, once head
 * exited): a command following a quiet topic learns it without waiting for its next write.
 * One poll(2) with no wait. */
int kfk_cli_stdout_gone(void);

void kfk_cli_out(const void *p, size_t len);
int kfk_cli_out_flush(void);
/* A command that reported a failed write to stdout itself says so here (kfk_cli_stdout_failed
 * (1)); main's last flush then does not report it a second time. kfk_cli_stdout_failed(0) asks:
 * 1 once reported. */
int kfk_cli_stdout_failed(int reported);

/* Prints "kfk <cmd>: <message>" to stderr. */
void kfk_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Starts the common options (a fresh configuration). Returns KFK_EXIT_OK or an exit code. */
int kfk_cli_common_init(kfk_cli_common_t *c, const char *cmd);

/*
 * Tries to consume argv[*i] (and its value) as a common option. Returns 1 if consumed, 0 if
 * not a common option, or -KFK_EXIT_USAGE after printing an error.
 */
int kfk_cli_common_arg(kfk_cli_common_t *c, const char *cmd, int argc, char **argv, int *i);

/* Applies -b (bootstrap.servers) and checks that brokers are known; 0 or an exit code. */
int kfk_cli_common_finish(kfk_cli_common_t *c, const char *cmd);

void kfk_cli_common_free(kfk_cli_common_t *c);

/* The value of option argv[*i] (advancing *i), or NULL after printing a usage error. */
const char *kfk_cli_value(const char *cmd, int argc, char **argv, int *i);

/* Parses a decimal integer option; 0 on success. */
int kfk_cli_int(const char *cmd, const char *opt, const char *s, long long min, long long max,
                long long *out);

/* The envelope named by --envelope @p format and --serializer @p serializer (either NULL: the
 * default), for `kfk emit` and `kfk listen` (cmd_listen.c); -1 with the usage error printed. */
int kfk_cli_envelope(const char *cmd, const char *format, const char *serializer,
                     kfk_envelope_t *out);

/* A JSON value as msgpack (json_pack.c): 0, or -1 for a value msgpack cannot hold. */
int kfk_cli_json_to_msgpack(const json_t *j, msgpack_packer *pk);

/* A progress line on stderr when it is a terminal (silent otherwise). */
typedef struct kfk_cli_progress {
    int on;
    const char *what;
    uint64_t total;
    uint64_t start_ns, last_ns;
} kfk_cli_progress_t;
void kfk_cli_progress_init(kfk_cli_progress_t *pr, const char *what, uint64_t total);
void kfk_cli_progress(kfk_cli_progress_t *pr, uint64_t done, int final);

/* Subcommands: each returns an exit code. argv[0] is the subcommand's name. */
int kfk_cmd_metadata(int argc, char **argv);
int kfk_cmd_topics(int argc, char **argv);
int kfk_cmd_produce(int argc, char **argv);
int kfk_cmd_consume(int argc, char **argv);
int kfk_cmd_worker(int argc, char **argv);
int kfk_cmd_emit(int argc, char **argv);
int kfk_cmd_listen(int argc, char **argv);
int kfk_cmd_demo(int argc, char **argv);
int kfk_cmd_bench(int argc, char **argv);
int kfk_cmd_config(int argc, char **argv);
int kfk_cmd_mock(int argc, char **argv);
int kfk_cmd_groups(int argc, char **argv);
int kfk_cmd_configs(int argc, char **argv);
int kfk_cmd_cluster(int argc, char **argv);
/* `kfk topics add-partitions` and `kfk topics delete-records` (cmd_configs.c); argv[1] names
 * which. */
int kfk_cmd_topics_more(int argc, char **argv);

#endif
