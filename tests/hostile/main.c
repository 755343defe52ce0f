/*
 * main.c: the hostile suite's runner and judge (`hostile`, docs/HOSTILE.md).
 *
 * Each case (cases.c) gets its own in-process mock cluster (libkfk_mock) on one libuv loop:
 * topic "t", three records produced to it with `kfk produce` (unless the case says not), then
 * the case's faults, then one `kfk` command with `-m 3` run through the measuring shim
 * (shim.c: exit, wall time, the child's CPU seconds and peak RSS by wait4). Up to --jobs cases
 * run at once. The mock counts connections per broker and requests during the command (and at
 * one second into it). Every run is judged on all of:
 *
 *   - no crash: no death by a signal, no sanitizer report on stderr;
 *   - an exit within the deadline + margin (3 s + 2 s; the shim kills at 5 s);
 *   - HOSTILE: exit 1 and a last stderr line matching the case's pattern (the cause named);
 *     VALID: exit 0 and stdout matching the case's pattern;
 *   - peak RSS under 64 MiB (not judged with --no-rss: meaningless under ASan);
 *   - connections per broker within the reconnect schedule of reconnect.backoff.ms=100 doubling
 *     to reconnect.backoff.max.ms=10000 with -20 % jitter over the wall time, +1, for each of the
 *     two client entries a listener may have (its bootstrap entry and its node id);
 *   - requests after the first second at most 50/s per broker (over at least one second);
 *   - CPU at most 5 % of a core over the run plus 0.2 s for start-up (judged from 1 s of wall),
 *     both times --cpu-scale (sanitizer builds: their code runs 2-3 times slower).
 *
 * The table goes to stdout; the exit code is 1 when any case failed, 2 on a usage error.
 */
#include <fnmatch.h>
#include <stdarg.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>

#include <uv.h>

#include "hostile.h"
#include "kfk/mock.h"

#ifndef HOSTILE_DEFAULT_KFK
#define HOSTILE_DEFAULT_KFK "kfk"
#endif

#define DEADLINE_S 3
#define MARGIN_S 2
#define RSS_MAX_KIB (64 * 1024)
#define RECONNECT_BASE_MS 100.0
#define RECONNECT_MAX_MS 10000.0
#define JITTER_LOW 0.8
#define ENTRIES_PER_LISTENER 2
#define REQ_PER_S_PER_BROKER 50.0
#define CPU_SHARE 0.05
#define CPU_STARTUP_S 0.2
#define OUT_CAP (1 << 20)
#define MAX_BROKERS 8
#define SETUP_RECORDS "r1\nr2\nr3\n"

typedef struct buf {
    char *p;
    size_t len, cap;
} buf_t;

typedef struct run run_t;

/* One child (the setup producer or the case's command) and its four handles. */
typedef struct child {
    run_t *r;
    uv_process_t proc;
    uv_pipe_t pipes[3]; /* stdout, stderr, report */
    buf_t bufs[3];
    int open; /* handles not closed yet */
    void (*done)(run_t *r);
} child_t;

struct run {
    const hcase_t *c;
    kfk_mock_t *mock;
    uv_timer_t one_s;
    int one_s_open;
    child_t ch;
    int32_t brokers;
    uint64_t req0, req1s, req_end;
    int req1s_taken;
    uint64_t conn0[MAX_BROKERS + 1], conn_end[MAX_BROKERS + 1];
    /* results */
    int ran, exit_code, sig, killed;
    double wall, cpu;
    long rss_kib;
    int pass;
    char why[512];
    char last_err[256];
    int done;
    int exclusive; /* setting up alone (needs_exclusive) until its command is spawned */
};

static uv_loop_t *loop;
static const char *kfk_path;
static char self_path[4096];
static int opt_jobs = 2, opt_no_rss, opt_no_m;
static double opt_cpu_scale = 1.0;
static run_t *runs;
static size_t nruns, next_run, running;

/* ---- small helpers ----------------------------------------------------------------------- */

static void buf_add(buf_t *b, const char *p, size_t n) {
    if (b->len + n > OUT_CAP)
        n = OUT_CAP - b->len;
    if (n == 0)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static const char *buf_str(const buf_t *b) {
    return b->p ? b->p : "";
}

static void why_add(run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why_add(run_t *r, const char *fmt, ...) {
    size_t n = strlen(r->why);
    va_list ap;
    if (n && n + 2 < sizeof r->why) {
        strcpy(r->why + n, "; ");
        n += 2;
    }
    va_start(ap, fmt);
    vsnprintf(r->why + n, sizeof r->why - n, fmt, ap);
    va_end(ap);
    r->pass = 0;
}

/* The last non-empty line of @p s into @p out. */
static void last_line(const char *s, char *out, size_t size) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    size_t start = n;
    while (start && s[start - 1] != '\n')
        start--;
    size_t len = n - start;
    if (len >= size)
        len = size - 1;
    memcpy(out, s + start, len);
    out[len] = '\0';
}

static int re_match(const char *pattern, const char *s, int multiline) {
    regex_t re;
    int flags = REG_EXTENDED | REG_ICASE | REG_NOSUB | (multiline ? REG_NEWLINE : 0);
    if (regcomp(&re, pattern, flags) != 0) {
        fprintf(stderr, "hostile: bad pattern /%s/\n", pattern);
        exit(2);
    }
    int ok = regexec(&re, s, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* The most connections a client following the reconnect schedule opens in @p wall_s, + 1. */
static int schedule_bound(double wall_s) {
    double t = 0, base = RECONNECT_BASE_MS;
    int n = 1;
    for (;;) {
        double wait = (base < RECONNECT_MAX_MS ? base : RECONNECT_MAX_MS) * JITTER_LOW;
        if (t + wait > wall_s * 1000.0)
            break;
        t += wait;
        n++;
        base *= 2;
    }
    return n + 1;
}

/* ---- children ---------------------------------------------------------------------------- */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
    (void)h;
    static char slab[65536];
    (void)suggested;
    b->base = slab;
    b->len = sizeof slab;
}

static void child_handle_closed(uv_handle_t *h) {
    child_t *ch = h->data;
    if (--ch->open == 0)
        ch->done(ch->r);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    child_t *ch = s->data;
    int i = (int)((uv_pipe_t *)s - ch->pipes);
    if (n > 0) {
        buf_add(&ch->bufs[i], b->base, (size_t)n);
        return;
    }
    if (n < 0)
        uv_close((uv_handle_t *)s, child_handle_closed);
}

static void on_exit_cb(uv_process_t *p, int64_t status, int sig) {
    (void)status;
    (void)sig;
    uv_close((uv_handle_t *)p, child_handle_closed);
}

/*
 * Spawns `hostile --shim 3 KILL_MS kfk ARGS...` for @p r with @p args (NULL-terminated) and
 * @p stdin_data on its stdin; @p done runs once it exited and its pipes closed.
 */
static int child_spawn(run_t *r, char **args, const char *stdin_data, void (*done)(run_t *)) {
    child_t *ch = &r->ch;
    char kill_ms[32];
    char *argv[64];
    int n = 0, in_fd;
    memset(ch, 0, sizeof *ch);
    ch->r = r;
    ch->done = done;
    snprintf(kill_ms, sizeof kill_ms, "%d", (DEADLINE_S + MARGIN_S) * 1000);
    argv[n++] = self_path;
    argv[n++] = "--shim";
    argv[n++] = "3";
    argv[n++] = kill_ms;
    argv[n++] = (char *)kfk_path;
    for (int i = 0; args[i] && n < 63; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    if (stdin_data) {
        char path[] = "/tmp/hostile-stdin-XXXXXX";
        in_fd = mkstemp(path);
        if (in_fd < 0)
            return -1;
        unlink(path);
        if (write(in_fd, stdin_data, strlen(stdin_data)) < 0 || lseek(in_fd, 0, SEEK_SET) < 0) {
            close(in_fd);
            return -1;
        }
    } else {
        in_fd = open("/dev/null", O_RDONLY);
    }
    uv_stdio_container_t stdio[4];
    stdio[0].flags = UV_INHERIT_FD;
    stdio[0].data.fd = in_fd;
    for (int i = 0; i < 3; i++) {
        uv_pipe_init(loop, &ch->pipes[i], 0);
        ch->pipes[i].data = ch;
        stdio[i + 1].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
        stdio[i + 1].data.stream = (uv_stream_t *)&ch->pipes[i];
    }
    uv_process_options_t o;
    memset(&o, 0, sizeof o);
    o.file = self_path;
    o.args = argv;
    o.exit_cb = on_exit_cb;
    o.stdio = stdio;
    o.stdio_count = 4;
    ch->proc.data = ch;
    ch->open = 4;
    int rc = uv_spawn(loop, &ch->proc, &o);
    close(in_fd);
    if (rc != 0) {
        fprintf(stderr, "hostile: cannot spawn %s: %s\n", self_path, uv_strerror(rc));
        ch->open = 3;
        for (int i = 0; i < 3; i++)
            uv_close((uv_handle_t *)&ch->pipes[i], child_handle_closed);
        uv_close((uv_handle_t *)&ch->proc, NULL);
        return -1;
    }
    for (int i = 0; i < 3; i++)
        uv_read_start((uv_stream_t *)&ch->pipes[i], on_alloc, on_read);
    return 0;
}

/* Reads the shim's report into @p r; 0 when it was complete. */
static int child_report(run_t *r) {
    const char *s = buf_str(&r->ch.bufs[2]);
    double utime = 0, stime = 0;
    if (sscanf(s, "exit=%d signal=%d killed=%d wall=%lf utime=%lf stime=%lf maxrss_kib=%ld",
               &r->exit_code, &r->sig, &r->killed, &r->wall, &utime, &stime, &r->rss_kib) != 7)
        return -1;
    r->cpu = utime + stime;
    return 0;
}

static void child_free(child_t *ch) {
    for (int i = 0; i < 3; i++)
        free(ch->bufs[i].p);
    memset(ch->bufs, 0, sizeof ch->bufs);
}

/* ---- a case's run ------------------------------------------------------------------------ */

static void start_next(void);
static void exclusive_end(run_t *r);

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    run_t *r = opaque;
    r->done = 1;
    running--;
    fprintf(stderr, "[%zu/%zu] %-34s %s\n", (size_t)(r - runs) + 1, nruns, r->c->name,
            r->pass ? "PASS" : "FAIL");
    start_next();
}

static void on_one_s_closed(uv_handle_t *h) {
    (void)h;
}

static void run_finish(run_t *r) {
    exclusive_end(r);
    if (r->one_s_open) {
        r->one_s_open = 0;
        uv_close((uv_handle_t *)&r->one_s, on_one_s_closed);
    }
    child_free(&r->ch);
    kfk_mock_close(r->mock, on_mock_closed, r);
}

static void judge(run_t *r) {
    const hcase_t *c = r->c;
    const char *out = buf_str(&r->ch.bufs[0]), *err = buf_str(&r->ch.bufs[1]);
    r->pass = 1;
    last_line(err, r->last_err, sizeof r->last_err);
    if (child_report(r) != 0) {
        why_add(r, "no report from the shim");
        return;
    }
    r->ran = 1;
    if (r->sig && !r->killed)
        why_add(r, "crashed: signal %d", r->sig);
    if (re_match("AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:", err,
                 0))
        why_add(r, "sanitizer report on stderr");
    if (r->killed)
        why_add(r, "no exit within %d s (killed)", DEADLINE_S + MARGIN_S);
    else if (c->verdict == HOSTILE) {
        if (r->exit_code != 1)
            why_add(r, "exit %d, want 1", r->exit_code);
        if (!re_match(c->pattern, r->last_err, 0))
            why_add(r, "last stderr line does not name the cause /%s/", c->pattern);
    } else {
        if (r->exit_code != 0)
            why_add(r, "exit %d, want 0", r->exit_code);
        if (!re_match(c->pattern, (c->flags & H_STDERR) ? err : out, 1))
            why_add(r, "%s does not match /%s/", (c->flags & H_STDERR) ? "stderr" : "stdout",
                    c->pattern);
    }
    if (!opt_no_rss && r->rss_kib >= RSS_MAX_KIB)
        why_add(r, "peak RSS %.1f MiB >= %d", (double)r->rss_kib / 1024.0, RSS_MAX_KIB / 1024);
    int bound = schedule_bound(r->wall) * ENTRIES_PER_LISTENER;
    for (int32_t b = 1; b <= r->brokers; b++) {
        uint64_t n = r->conn_end[b] - r->conn0[b];
        if (n > (uint64_t)bound)
            why_add(r, "broker %d: %llu connections in %.1f s, the schedule allows %d", (int)b,
                    (unsigned long long)n, r->wall, bound);
    }
    if (r->wall > 1.0 && r->req1s_taken) {
        double window = r->wall - 1.0 < 1.0 ? 1.0 : r->wall - 1.0;
        double allowed = REQ_PER_S_PER_BROKER * (double)r->brokers * window;
        uint64_t after = r->req_end - r->req1s;
        if ((double)after > allowed)
            why_add(r, "%llu requests after the first second (at most %.0f)",
                    (unsigned long long)after, allowed);
    }
    if (r->wall >= 1.0 && r->cpu > opt_cpu_scale * (CPU_SHARE * r->wall + CPU_STARTUP_S))
        why_add(r, "CPU %.2f s in %.1f s (over %.0f %% of a core + %.1f s, times %.1f)", r->cpu,
                r->wall, CPU_SHARE * 100, CPU_STARTUP_S, opt_cpu_scale);
}

static void command_done(run_t *r) {
    r->req_end = kfk_mock_requests(r->mock, -1);
    for (int32_t b = 1; b <= r->brokers; b++)
        r->conn_end[b] = kfk_mock_connections(r->mock, b);
    judge(r);
    run_finish(r);
}

static void on_one_s(uv_timer_t *t) {
    run_t *r = t->data;
    r->req1s = kfk_mock_requests(r->mock, -1);
    r->req1s_taken = 1;
}

/* Splits @p s at spaces into @p argv (strings in @p store); returns the count. */
static int split(const char *s, char *store, size_t store_size, char **argv, int max) {
    int n = 0;
    snprintf(store, store_size, "%s", s);
    for (char *p = strtok(store, " "); p && n < max; p = strtok(NULL, " "))
        argv[n++] = p;
    return n;
}

static void run_command(run_t *r) {
    char store[1024], errstr[400];
    char *args[48];
    const hcase_t *c = r->c;
    int n = split(c->cmd, store, sizeof store, args, 40);
    args[n++] = "-b";
    args[n++] = (char *)kfk_mock_bootstrap(r->mock);
    if (!opt_no_m) {
        args[n++] = "-m";
        args[n++] = "3";
    }
    args[n] = NULL;
    if (c->faults) {
        const char *boot = kfk_mock_bootstrap(r->mock);
        char *faults =
            hostile_expand(c->faults, atoi(strchr(boot, ':') + 1), errstr, sizeof errstr);
        if (!faults || kfk_mock_fault_parse(r->mock, faults, errstr, sizeof errstr)) {
            free(faults);
            r->pass = 0;
            snprintf(r->why, sizeof r->why, "bad faults: %.400s", errstr);
            run_finish(r);
            return;
        }
        free(faults);
    }
    if (c->flags & H_DOWN)
        kfk_mock_broker_set_up(r->mock, 1, 0);
    r->req0 = kfk_mock_requests(r->mock, -1);
    for (int32_t b = 1; b <= r->brokers; b++)
        r->conn0[b] = kfk_mock_connections(r->mock, b);
    uv_timer_init(loop, &r->one_s);
    r->one_s.data = r;
    r->one_s_open = 1;
    uv_timer_start(&r->one_s, on_one_s, 1000, 0);
    if (child_spawn(r, args, c->stdin_data, command_done) != 0) {
        r->pass = 0;
        snprintf(r->why, sizeof r->why, "cannot spawn the command");
        run_finish(r);
        return;
    }
    exclusive_end(r); /* its faults are built: the others may start */
}

static void setup_done(run_t *r) {
    if (child_report(r) != 0 || r->exit_code != 0) {
        char line[256];
        last_line(buf_str(&r->ch.bufs[1]), line, sizeof line);
        r->pass = 0;
        snprintf(r->why, sizeof r->why, "set-up produce failed (exit %d: %s)", r->exit_code, line);
        r->exit_code = 0;
        run_finish(r);
        return;
    }
    r->exit_code = 0;
    child_free(&r->ch);
    run_command(r);
}

static void run_start(run_t *r) {
    const hcase_t *c = r->c;
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    char errstr[256];
    static const kfk_mock_user_t users[] = {{"alice", "alice-secret", 0},
                                            {"bob", "bob-secret", KFK_MOCK_SASL_PLAIN}};
    r->brokers = c->brokers > 0 ? c->brokers : 1;
    o.brokers = r->brokers;
    if (c->flags & H_SASL) {
        o.users = users;
        o.nusers = 2;
    }
    running++;
    if (kfk_mock_new(loop, &o, &r->mock, errstr, sizeof errstr) != KFK_ERR_NONE) {
        fprintf(stderr, "hostile: %s: mock: %s\n", c->name, errstr);
        exit(2);
    }
    kfk_mock_topic_create(r->mock, "t", c->partitions > 0 ? c->partitions : 1, 1);
    if (c->flags & H_NO_DATA) {
        run_command(r);
        return;
    }
    static char *sasl[] = {"-X", "security.protocol=SASL_PLAINTEXT",
                           "-X", "sasl.mechanism=PLAIN",
                           "-X", "sasl.username=alice",
                           "-X", "sasl.password=alice-secret"};
    char *args[24] = {"produce", "-t", "t", "-p", "0", "-b", (char *)kfk_mock_bootstrap(r->mock)};
    int n = 7;
    if (!opt_no_m) {
        args[n++] = "-m";
        args[n++] = "10";
    }
    for (size_t i = 0; (c->flags & H_SASL) && i < sizeof sasl / sizeof sasl[0]; i++)
        args[n++] = sasl[i];
    args[n] = NULL;
    if (child_spawn(r, args, SETUP_RECORDS, setup_done) != 0) {
        r->pass = 0;
        snprintf(r->why, sizeof r->why, "cannot spawn the set-up producer");
        run_finish(r);
    }
}

/*
 * A case whose faults build a compression bomb (seconds of CPU in kfk_mock_fault_parse, on the
 * loop every mock shares) sets up alone: it starts when no other case runs, and the next cases
 * start once its command is spawned. Otherwise the build would hold up other cases' mocks and
 * their kfk would see a broker that does not answer.
 */
static int exclusive_busy;

static int needs_exclusive(const hcase_t *c) {
    return c->faults && strstr(c->faults, "bomb");
}

/* Ends @p r's exclusive set-up, if it had one, and lets the next cases start. */
static void exclusive_end(run_t *r) {
    if (!r->exclusive)
        return;
    r->exclusive = 0;
    exclusive_busy = 0;
    start_next();
}

static void start_next(void) {
    while (!exclusive_busy && running < (size_t)opt_jobs && next_run < nruns) {
        run_t *r = &runs[next_run];
        if (needs_exclusive(r->c)) {
            if (running > 0)
                return; /* wait for the others to end */
            r->exclusive = 1;
            exclusive_busy = 1;
        }
        next_run++;
        run_start(r);
    }
}

/* ---- the table --------------------------------------------------------------------------- */

static void print_table(void) {
    size_t failed = 0;
    printf("%-34s %-7s %-6s %6s %6s %6s %7s %4s %6s  %s\n", "case", "want", "result", "conns",
           "reqs", "cpu_s", "rss_MiB", "exit", "wall_s", "message (last stderr line)");
    for (size_t i = 0; i < nruns; i++) {
        run_t *r = &runs[i];
        uint64_t conns = 0;
        for (int32_t b = 1; b <= r->brokers; b++)
            conns += r->conn_end[b] - r->conn0[b];
        if (!r->pass)
            failed++;
        printf("%-34s %-7s %-6s %6llu %6llu %6.2f %7.1f %4d %6.2f  %.100s\n", r->c->name,
               r->c->verdict == HOSTILE ? "HOSTILE" : "VALID", r->pass ? "PASS" : "FAIL",
               (unsigned long long)conns, (unsigned long long)(r->req_end - r->req0), r->cpu,
               (double)r->rss_kib / 1024.0, r->killed ? -9 : r->exit_code, r->wall, r->last_err);
    }
    if (failed) {
        printf("\nwhy each failing case failed:\n");
        for (size_t i = 0; i < nruns; i++) {
            if (!runs[i].pass)
                printf("  %-34s %s\n", runs[i].c->name, runs[i].why);
        }
    }
    printf("\n%zu cases: %zu passed, %zu failed (kfk: %s%s%s)\n", nruns, nruns - failed, failed,
           kfk_path, opt_no_rss ? ", RSS not judged" : "", opt_no_m ? ", no -m" : "");
}

static const char usage[] =
    "usage: hostile [--kfk PATH] [--jobs N] [--no-rss] [--cpu-scale F] [--no-deadline-opt]\n"
    "               [--list] [FILTER]...\n"
    "       hostile --dump API [VERSION]\n"
    "\n"
    "Runs the hostile suite (docs/HOSTILE.md): each case a mock cluster with faults and one kfk\n"
    "command, judged on exit, message, connections, requests, CPU and RSS.\n"
    "\n"
    "  --kfk PATH         the kfk binary (default: $KFK_HOSTILE_KFK, else the build's kfk)\n"
    "  --jobs N           cases run at once (default 2)\n"
    "  --no-rss           do not judge peak RSS (sanitizer builds)\n"
    "  --cpu-scale F      multiply the CPU bound by F, 1 to 10 (sanitizer builds: 3)\n"
    "  --no-deadline-opt  do not pass -m 3 (kfk binaries older than the -m option)\n"
    "  --list             list the cases and exit\n"
    "  FILTER             run only cases whose name matches (glob, or a substring)\n"
    "\n"
    "exit: 0 every case passed, 1 some failed, 2 usage error\n";

static int selected(const char *name, char **filters, int nfilters) {
    if (nfilters == 0)
        return 1;
    for (int i = 0; i < nfilters; i++) {
        if (fnmatch(filters[i], name, 0) == 0 || strstr(name, filters[i]))
            return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    char *filters[64];
    int nfilters = 0, list = 0;
    if (argc > 1 && !strcmp(argv[1], "--shim"))
        return hostile_shim(argc - 2, argv + 2);
    if (argc > 1 && !strcmp(argv[1], "--dump"))
        return hostile_dump(argc - 2, argv + 2);
    /* The mocks write to sockets kfk may have closed (or been killed with): EPIPE, not a
     * signal. Children get SIG_DFL back (uv_spawn resets dispositions; the shim does too). */
    signal(SIGPIPE, SIG_IGN);
    kfk_path = getenv("KFK_HOSTILE_KFK");
    if (!kfk_path || !*kfk_path)
        kfk_path = HOSTILE_DEFAULT_KFK;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--kfk") && i + 1 < argc) {
            kfk_path = argv[++i];
        } else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
            opt_jobs = (int)strtol(argv[++i], NULL, 10);
            if (opt_jobs < 1 || opt_jobs > 64) {
                fputs(usage, stderr);
                return 2;
            }
        } else if (!strcmp(argv[i], "--no-rss")) {
            opt_no_rss = 1;
        } else if (!strcmp(argv[i], "--cpu-scale") && i + 1 < argc) {
            opt_cpu_scale = strtod(argv[++i], NULL);
            if (!(opt_cpu_scale >= 1.0 && opt_cpu_scale <= 10.0)) {
                fputs(usage, stderr);
                return 2;
            }
        } else if (!strcmp(argv[i], "--no-deadline-opt")) {
            opt_no_m = 1;
        } else if (!strcmp(argv[i], "--list")) {
            list = 1;
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (argv[i][0] == '-' || nfilters == 64) {
            fputs(usage, stderr);
            return 2;
        } else {
            filters[nfilters++] = argv[i];
        }
    }
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof self_path - 1);
    if (n <= 0) {
        fprintf(stderr, "hostile: cannot find its own path\n");
        return 2;
    }
    self_path[n] = '\0';
    if (!list && access(kfk_path, X_OK) != 0) {
        fprintf(stderr, "hostile: no kfk binary at %s (build it, or set --kfk / KFK_HOSTILE_KFK)\n",
                kfk_path);
        return 2;
    }
    runs = calloc(hostile_ncases, sizeof *runs);
    for (size_t i = 0; i < hostile_ncases; i++) {
        if (!selected(hostile_cases[i].name, filters, nfilters))
            continue;
        if (list) {
            printf("%-34s %s\n", hostile_cases[i].name,
                   hostile_cases[i].verdict == HOSTILE ? "HOSTILE" : "VALID");
            continue;
        }
        runs[nruns++].c = &hostile_cases[i];
    }
    if (list)
        return 0;
    if (nruns == 0) {
        fprintf(stderr, "hostile: no case matches\n");
        return 2;
    }
    loop = uv_default_loop();
    start_next();
    uv_run(loop, UV_RUN_DEFAULT);
    print_table();
    size_t failed = 0;
    for (size_t i = 0; i < nruns; i++)
        failed += !runs[i].pass;
    for (size_t i = 0; i < nruns; i++)
        free(runs[i].ch.bufs[0].p);
    free(runs);
    uv_loop_close(loop);
    return failed ? 1 : 0;
}
