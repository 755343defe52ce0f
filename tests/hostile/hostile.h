/*
 * hostile.h: the hostile suite's shared declarations (tests/hostile/): a case is a mock cluster
 * set up with faults, one `kfk` command run against it, and the verdict it must earn. See
 * docs/HOSTILE.md for the verdict rules and how to add a case.
 *
 *   main.c    options, the runner (cases on one libuv loop, up to --jobs at once), the judge
 *             and the table
 *   shim.c    `hostile --shim`: fork/exec of kfk, wait4, the child's rusage on fd 3
 *   dump.c    `hostile --dump API`: a real answer of the mock in hex with offsets, to compute
 *             `patch` offsets from
 *   batches.c record batch recipes for `records=@NAME` faults
 *   cases.c   the case table
 */
#ifndef KFK_TESTS_HOSTILE_H
#define KFK_TESTS_HOSTILE_H

#include <stddef.h>
#include <stdint.h>

/* What a case must earn. */
typedef enum hverdict {
    /* The input is hostile: kfk must exit 1 within the deadline + margin, its last stderr line
     * matching the case's pattern (naming the cause). */
    HOSTILE = 0,
    /* The input is odd but valid: kfk must exit 0 and its stdout match the case's pattern. */
    VALID = 1
} hverdict_t;

/* Set-up flags. */
#define H_DOWN 0x1    /* broker 1 is down before the command starts: connections are refused */
#define H_NO_DATA 0x2 /* no records are produced before the command (else 3: r1, r2, r3) */
#define H_STDERR 0x4  /* VALID: the pattern is matched against stderr (kfk produce's report) */
/* The mock has SASL users (every broker a SASL_PLAINTEXT listener): alice / alice-secret (PLAIN,
 * SCRAM-SHA-256 and -512) and bob / bob-secret (PLAIN only); the set-up producer signs in as
 * alice with PLAIN, the case's command with what its -X options say. */
#define H_SASL 0x8

/*
 * One case. The mock has `brokers` brokers (0: 1) and topic "t" with `partitions` partitions
 * (0: 1), replication 1; unless H_NO_DATA, three records r1 r2 r3 are produced to it (partition
 * 0) with `kfk produce` before the faults are added. The command runs as
 * `kfk <cmd...> -b BOOTSTRAP -m 3`, with `stdin_data` on its standard input (NULL: none).
 */
typedef struct hcase {
    const char *name;    /* short, unique: area-what */
    hverdict_t verdict;  /* HOSTILE or VALID */
    const char *faults;  /* the mock's text fault form; NULL: none */
    const char *cmd;     /* the kfk arguments before -b, space separated */
    const char *pattern; /* ERE (case-insensitive): HOSTILE the last stderr line, VALID stdout */
    const char *stdin_data;
    int32_t brokers;
    int32_t partitions;
    int flags;
} hcase_t;

/* The table (cases.c). */
extern const hcase_t hostile_cases[];
extern const size_t hostile_ncases;

/*
 * Returns a copy of @p faults (free it) in which every `=@NAME` is replaced by the hex of recipe
 * NAME (batches.c; @p port is broker 1's, for whole answer frames); NULL with the reason in
 * @p why for an unknown recipe.
 */
char *hostile_expand(const char *faults, int port, char *why, size_t why_size);

/* `hostile --shim REPORT_FD KILL_MS PROG ARGS...` (shim.c): runs PROG, kills it with SIGKILL
 * after KILL_MS, and writes one report line to REPORT_FD; returns the process exit code. */
int hostile_shim(int argc, char **argv);

/* `hostile --dump API [VERSION]` (dump.c): prints a real answer of a one-broker mock. */
int hostile_dump(int argc, char **argv);

#endif
