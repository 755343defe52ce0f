/* common.c: option helpers and the progress line shared by the kfk tool's subcommands
 * (see cli.h). */
#define _GNU_SOURCE /* F_SETPIPE_SZ */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/uio.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "cli/cli.h"

void kfk_cli_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "kfk %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void kfk_cli_trim(uint64_t now_ms) {
    static uint64_t last_ms;
    if (last_ms && now_ms - last_ms < 10000)
        return;
    last_ms = now_ms;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

enum { KFK_CLI_PIPE_SZ = 1 << 20 };

void kfk_cli_stdout_buffer(void) {
    static char buf[1 << 16];
    if (!isatty(1))
        setvbuf(stdout, buf, _IOFBF, sizeof buf);
#ifdef F_SETPIPE_SZ
    /* A pipe of 64 KiB (Linux's default) fills many times per fetched batch and wakes its reader
     * each time: 1 MiB (fs.pipe-max-size's default, allowed without privileges) cuts those
     * wake-ups and blocked writes. Only ever grown; a refusal (the user's pipe pages are spent)
     * leaves the pipe as it was. */
    struct stat st;
    if (fstat(1, &st) == 0 && S_ISFIFO(st.st_mode) && fcntl(1, F_GETPIPE_SZ) < KFK_CLI_PIPE_SZ)
        (void)fcntl(1, F_SETPIPE_SZ, KFK_CLI_PIPE_SZ);
#endif
}

/* Records for stdout: values of OUT_COPY_MIN bytes or more are written from where they lie (the
 * fetched bytes), smaller ones and the separators are gathered in buf; one writev per OUT_IOV
 * pieces or per flush. */
enum { OUT_IOV = 256, OUT_COPY_MIN = 256 };
static struct {
    struct iovec iov[OUT_IOV];
    int n;
    size_t used; /* bytes of buf taken */
    int failed;  /* errno of a failed write (a closed pipe): what follows is dropped */
    char buf[1 << 16];
} recout;

void kfk_cli_out(const void *p, size_t len) {
    if (len == 0)
        return;
    if (len >= OUT_COPY_MIN) {
        if (recout.n == OUT_IOV)
            kfk_cli_out_flush();
        recout.iov[recout.n++] = (struct iovec){(void *)(uintptr_t)p, len};
        return;
    }
    if (recout.n == OUT_IOV || sizeof recout.buf - recout.used < len)
        kfk_cli_out_flush();
    char *d = recout.buf + recout.used;
    memcpy(d, p, len);
    recout.used += len;
    struct iovec *last = recout.n ? &recout.iov[recout.n - 1] : NULL;
    if (last && (char *)last->iov_base + last->iov_len == d)
        last->iov_len += len;
    else
        recout.iov[recout.n++] = (struct iovec){d, len};
}

int kfk_cli_out_flush(void) {
    if ((fflush(stdout) != 0 || ferror(stdout)) && !recout.failed)
        recout.failed = errno ? errno : EIO;
    struct iovec *v = recout.iov;
    int n = recout.n;
    while (n > 0 && !recout.failed) {
        ssize_t w = writev(1, v, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd = {1, POLLOUT, 0};
                poll(&pfd, 1, -1); /* a non-blocking stdout: wait until it takes more */
                continue;
            }
            recout.failed = errno ? errno : EIO;
            break;
        }
        while (n > 0 && (size_t)w >= v->iov_len) {
            w -= (ssize_t)v->iov_len;
            v++;
            n--;
        }
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + w;
            v->iov_len -= (size_t)w;
        }
    }
    recout.n = 0;
    recout.used = 0;
    return recout.failed;
}

int kfk_cli_stdout_failed(int reported) {
    static int was;
    if (reported)
        was = 1;
    return was;
}

int kfk_cli_stdout_gone(void) {
    static int kind = -1; /* 1: a pipe or a socket, whose reader can leave */
    if (kind < 0) {
        struct stat st;
        kind = fstat(1, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
    }
    if (!kind)
        return 0;
    struct pollfd pfd = {1, 0, 0};
    return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

int kfk_cli_common_init(kfk_cli_common_t *c, const char *cmd) {
    memset(c, 0, sizeof *c);
    c->deadline_ms = KFK_CLI_DEADLINE_MS;
    c->conf = kfk_conf_new();
    if (!c->conf) {
        kfk_cli_error(cmd, "out of memory");
        return KFK_EXIT_ERR;
    }
    return KFK_EXIT_OK;
}

void kfk_cli_common_free(kfk_cli_common_t *c) {
    kfk_conf_free(c->conf);
    c->conf = NULL;
}

const char *kfk_cli_value(const char *cmd, int argc, char **argv, int *i) {
    const char *opt = argv[*i];
    if (*i + 1 >= argc) {
        kfk_cli_error(cmd, "option %s needs a value (see kfk %s --help)", opt, cmd);
        return NULL;
    }
    return argv[++*i];
}

int kfk_cli_int(const char *cmd, const char *opt, const char *s, long long min, long long max,
                long long *out) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max) {
        kfk_cli_error(cmd, "%s: \"%s\" is not an integer in [%lld, %lld]", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

int kfk_cli_common_arg(kfk_cli_common_t *c, const char *cmd, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    char errstr[512];
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        c->help = 1;
        return 1;
    }
    if (!strcmp(a, "-b") || !strcmp(a, "--brokers")) {
        const char *v = kfk_cli_value(cmd, argc, argv, i);
        if (!v)
            return -KFK_EXIT_USAGE;
        c->brokers = v;
        return 1;
    }
    if (!strcmp(a, "-X")) {
        const char *v = kfk_cli_value(cmd, argc, argv, i);
        if (!v)
            return -KFK_EXIT_USAGE;
        const char *eq = strchr(v, '=');
        if (!eq || eq == v) {
            kfk_cli_error(cmd, "-X %s: expected key=value", v);
            return -KFK_EXIT_USAGE;
        }
        char key[256];
        size_t kl = (size_t)(eq - v);
        if (kl >= sizeof key) {
            kfk_cli_error(cmd, "-X: property name too long");
            return -KFK_EXIT_USAGE;
        }
        memcpy(key, v, kl);
        key[kl] = '\0';
        if (kfk_conf_set(c->conf, key, eq + 1, errstr, sizeof errstr) != KFK_ERR_NONE) {
            kfk_cli_error(cmd, "-X %s", errstr);
            return -KFK_EXIT_USAGE;
        }
        return 1;
    }
    if (!strcmp(a, "-m")) {
        const char *v = kfk_cli_value(cmd, argc, argv, i);
        if (!v)
            return -KFK_EXIT_USAGE;
        char *end;
        errno = 0;
        double sec = strtod(v, &end);
        if (errno || end == v || *end || !(sec > 0) || sec > 86400) {
            kfk_cli_error(cmd, "-m: \"%s\" is not a number of seconds in (0, 86400]", v);
            return -KFK_EXIT_USAGE;
        }
        c->deadline_ms = (int64_t)(sec * 1000 + 0.5);
        c->deadline_set = 1;
        if (c->deadline_ms < 1)
            c->deadline_ms = 1;
        return 1;
    }
    if (!strcmp(a, "-F")) {
        const char *v = kfk_cli_value(cmd, argc, argv, i);
        if (!v)
            return -KFK_EXIT_USAGE;
        if (kfk_conf_set_file(c->conf, v, errstr, sizeof errstr) != KFK_ERR_NONE) {
            kfk_cli_error(cmd, "-F %s", errstr);
            return -KFK_EXIT_USAGE;
        }
        return 1;
    }
    return 0;
}

/* -X statistics.interval.ms=N: each document on stderr, one line each (stdout keeps the
 * records). */
static void print_stats(const char *json, size_t len, void *opaque) {
    (void)opaque;
    fwrite(json, 1, len, stderr);
    fputc('\n', stderr);
}

int kfk_cli_common_finish(kfk_cli_common_t *c, const char *cmd) {
    char errstr[512];
    kfk_conf_set_stats_cb(c->conf, print_stats, NULL);
    if (c->brokers &&
        kfk_conf_set(c->conf, "bootstrap.servers", c->brokers, errstr, sizeof errstr) != 0) {
        kfk_cli_error(cmd, "-b: %s", errstr);
        return KFK_EXIT_USAGE;
    }
    char buf[8];
    size_t n = sizeof buf;
    kfk_conf_get(c->conf, "bootstrap.servers", buf, &n);
    if (n <= 1) {
        kfk_cli_error(cmd, "no brokers: give -b host:port (or -X bootstrap.servers=...)");
        return KFK_EXIT_USAGE;
    }
    return KFK_EXIT_OK;
}

/* ---- a progress line for terminals ---------------------------------------------------------- */

void kfk_cli_progress_init(kfk_cli_progress_t *pr, const char *what, uint64_t total) {
    memset(pr, 0, sizeof *pr);
    pr->on = isatty(2);
    pr->what = what;
    pr->total = total;
    pr->start_ns = uv_hrtime();
}

void kfk_cli_progress(kfk_cli_progress_t *pr, uint64_t done, int final) {
    if (!pr->on)
        return;
    uint64_t now = uv_hrtime();
    if (!final && now - pr->last_ns < 250000000ull)
        return;
    pr->last_ns = now;
    double secs = (double)(now - pr->start_ns) / 1e9;
    double rate = secs > 0 ? (double)done / secs : 0;
    char eta[32] = "";
    if (pr->total && rate > 0 && done < pr->total)
        snprintf(eta, sizeof eta, "  ETA %.0f s", (double)(pr->total - done) / rate);
    if (pr->total)
        fprintf(stderr, "\r%s %llu/%llu  %.0f/s%s   ", pr->what, (unsigned long long)done,
                (unsigned long long)pr->total, rate, eta);
    else
        fprintf(stderr, "\r%s %llu  %.0f/s   ", pr->what, (unsigned long long)done, rate);
    if (final)
        fputc('\n', stderr);
}
