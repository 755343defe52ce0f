/*
 * sasl.c: the mock's SASL users and the server side of SaslHandshake / SaslAuthenticate (v0-2
 * framing, after a v1 handshake): PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677),
 * as Kafka's SaslServerAuthenticator answers them. Users come from kfk_mock_opts_t (copied,
 * SCRAM credentials derived once: a random salt, 4096 iterations); each connection keeps its
 * state in server.c's slot (kfk__mock_conn_sasl): the mechanism chosen by the handshake, the
 * SCRAM exchange so far, whether it authenticated. With users, a connection sends nothing but
 * ApiVersions and the SASL pair before it authenticated (kfk__mock_sasl_allows). Failures answer
 * SASL_AUTHENTICATION_FAILED with Kafka's messages; the handshake's own errors (an unknown
 * mechanism, a second handshake, SaslAuthenticate before the handshake) are Kafka's too.
 * Without users both APIs answer as a broker with no SASL mechanism enabled.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "mock/mock_int.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"
#include "protocol/scram.h"

#define ITERATIONS 4096
#define ALL_MECHS (KFK_MOCK_SASL_PLAIN | KFK_MOCK_SASL_SCRAM_SHA_256 | KFK_MOCK_SASL_SCRAM_SHA_512)
#define NAME_MAX_LEN 255
#define NONCE_MAX 128

typedef struct sasl_user {
    char *name, *password;
    int mechs;
    uint8_t salt[16];
    uint8_t stored256[32], server256[32];
    uint8_t stored512[64], server512[64];
} sasl_user_t;

typedef struct sasl_state {
    sasl_user_t *users;
    size_t n;
    int mechs; /* every user's mechanisms: what the brokers enable */
} sasl_state_t;

/* A connection's authentication (server.c's slot). */
typedef struct sasl_conn {
    int mech; /* chosen by SaslHandshake; 0: none yet */
    int step; /* SCRAM: 0 waits for client-first, 1 for client-final, 2 done or failed */
    int authenticated;
    const sasl_user_t *user;
    char gs2[NAME_MAX_LEN + 8]; /* the client's GS2 header ("n,," or "n,a=...,") */
    char nonce[2 * NONCE_MAX];  /* the client's nonce, then ours */
    kfk_wbuf_t auth;            /* client-first-bare "," server-first */
} sasl_conn_t;

static const struct {
    int bit;
    const char *name;
} mechs[] = {{KFK_MOCK_SASL_PLAIN, "PLAIN"},
             {KFK_MOCK_SASL_SCRAM_SHA_256, "SCRAM-SHA-256"},
             {KFK_MOCK_SASL_SCRAM_SHA_512, "SCRAM-SHA-512"}};

static const EVP_MD *md_of(int mech) {
    return mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

static size_t hlen_of(int mech) {
    return mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? 64 : 32;
}

static int hmac(int mech, const uint8_t *key, size_t klen, const void *data, size_t dlen,
                uint8_t *out) {
    unsigned int n = 0;
    return HMAC(md_of(mech), key, (int)klen, data, dlen, out, &n) != NULL && n == hlen_of(mech);
}

/* StoredKey and ServerKey of @p u for SCRAM @p mech (RFC 5802 section 3). */
static int derive(sasl_user_t *u, int mech) {
    size_t h = hlen_of(mech);
    uint8_t salted[64], client_key[64];
    uint8_t *stored = mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? u->stored512 : u->stored256;
    uint8_t *server = mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? u->server512 : u->server256;
    unsigned int n = 0;
    int ok = PKCS5_PBKDF2_HMAC(u->password, (int)strlen(u->password), u->salt, sizeof u->salt,
                               ITERATIONS, md_of(mech), (int)h, salted) == 1 &&
             hmac(mech, salted, h, "Client Key", 10, client_key) &&
             EVP_Digest(client_key, h, stored, &n, md_of(mech), NULL) == 1 &&
             hmac(mech, salted, h, "Server Key", 10, server);
    OPENSSL_cleanse(salted, sizeof salted);
    OPENSSL_cleanse(client_key, sizeof client_key);
    return ok;
}

static void users_free(sasl_state_t *s) {
    for (size_t i = 0; i < s->n; i++) {
        if (s->users[i].password)
            OPENSSL_cleanse(s->users[i].password, strlen(s->users[i].password));
        kfk__free(s->users[i].name);
        kfk__free(s->users[i].password);
    }
    kfk__free(s->users);
    kfk__free(s);
}

static char *dup_str(const char *s) {
    size_t n = strlen(s);
    char *d = kfk__malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

kfk_err_t kfk__mock_sasl_init(kfk_mock_t *m, char *errstr, size_t errstr_size) {
    const kfk_mock_user_t *in = m->o.users;
    size_t n = m->o.nusers;
    m->o.users = NULL;
    m->o.nusers = 0;
    if (!in || n == 0)
        return KFK_ERR_NONE;
    sasl_state_t *s = kfk__calloc(1, sizeof *s);
    if (!s || !(s->users = kfk__calloc(n, sizeof *s->users))) {
        kfk__free(s);
        kfk__errstr_set(errstr, errstr_size, "%s", "out of memory");
        return KFK_ERR__NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        sasl_user_t *u = &s->users[i];
        int bits = in[i].mechanisms ? in[i].mechanisms : ALL_MECHS;
        if (!in[i].name || !in[i].name[0] || strlen(in[i].name) > NAME_MAX_LEN || !in[i].password ||
            (bits & ~ALL_MECHS)) {
            users_free(s);
            kfk__errstr_set(errstr, errstr_size,
                            "user %zu: a name of 1-%d bytes, a password and mechanisms from "
                            "KFK_MOCK_SASL_* are required",
                            i, NAME_MAX_LEN);
            return KFK_ERR__INVALID_ARG;
        }
        s->n = i + 1;
        u->mechs = bits;
        u->name = dup_str(in[i].name);
        u->password = dup_str(in[i].password);
        if (!u->name || !u->password || RAND_bytes(u->salt, sizeof u->salt) != 1 ||
            ((bits & KFK_MOCK_SASL_SCRAM_SHA_256) && !derive(u, KFK_MOCK_SASL_SCRAM_SHA_256)) ||
            ((bits & KFK_MOCK_SASL_SCRAM_SHA_512) && !derive(u, KFK_MOCK_SASL_SCRAM_SHA_512))) {
            users_free(s);
            kfk__errstr_set(errstr, errstr_size, "%s", "out of memory (SASL users)");
            return KFK_ERR__NOMEM;
        }
        s->mechs |= bits;
    }
    m->sasl_state = s;
    return KFK_ERR_NONE;
}

void kfk__mock_sasl_free(kfk_mock_t *m) {
    if (m->sasl_state)
        users_free(m->sasl_state);
    m->sasl_state = NULL;
}

void kfk__mock_sasl_conn_free(void *state) {
    sasl_conn_t *c = state;
    if (!c)
        return;
    kfk_wbuf_free(&c->auth);
    OPENSSL_cleanse(c, sizeof *c);
    kfk__free(c);
}

int kfk__mock_sasl_allows(kfk_mock_t *m, kfk__mconn_t *c, int16_t api_key) {
    if (!m->sasl_state || api_key == KFK_API_API_VERSIONS || api_key == KFK_API_SASL_HANDSHAKE ||
        api_key == KFK_API_SASL_AUTHENTICATE)
        return 1;
    const sasl_conn_t *sc = c ? *kfk__mock_conn_sasl(c) : NULL;
    return sc && sc->authenticated;
}

/* The connection's state (or req->sasl_slot's without one), made on first use; NULL without
 * either, or without memory. */
static sasl_conn_t *conn_state(kfk__mreq_t *req) {
    void **slot = req->conn ? kfk__mock_conn_sasl(req->conn) : req->sasl_slot;
    if (!slot)
        return NULL;
    if (!*slot) {
        sasl_conn_t *c = kfk__calloc(1, sizeof *c);
        if (!c)
            return NULL;
        kfk_wbuf_init(&c->auth);
        *slot = c;
    }
    return *slot;
}

static kfk_str_t cstr(const char *s) {
    return (kfk_str_t){s, (int32_t)strlen(s)};
}

static const sasl_user_t *find_user(const sasl_state_t *s, const char *name, size_t len, int mech) {
    for (size_t i = 0; i < s->n; i++) {
        const sasl_user_t *u = &s->users[i];
        if ((u->mechs & mech) && strlen(u->name) == len && memcmp(u->name, name, len) == 0)
            return u;
    }
    return NULL;
}

/* ---- SaslHandshake ------------------------------------------------------------------------- */

int kfk__mock_sasl_handshake(kfk__mreq_t *req, void **resp) {
    const kfk_sasl_handshake_request_t *q = req->body;
    const sasl_state_t *s = req->m->sasl_state;
    kfk_sasl_handshake_response_t *r = kfk_arena_alloc(&req->arena, sizeof *r);
    kfk_str_t *names = kfk_arena_alloc(&req->arena, 3 * sizeof *names);
    if (!r || !names)
        return KFK__MOCK_NO_REPLY;
    memset(r, 0, sizeof *r);
    int32_t n = 0;
    int chosen = 0;
    for (size_t i = 0; s && i < sizeof mechs / sizeof mechs[0]; i++) {
        if (!(s->mechs & mechs[i].bit))
            continue;
        names[n++] = cstr(mechs[i].name);
        if (kfk_str_eq(q->mechanism, mechs[i].name))
            chosen = mechs[i].bit;
    }
    r->mechanisms = (kfk_array_t){names, n};
    r->error_code = kfk__mock_fault_error(req->m, req->hdr.api_key, req->broker->id, NULL, 0, -1);
    if (r->error_code) {
        *resp = r;
        return KFK__MOCK_REPLY;
    }
    sasl_conn_t *c = s ? conn_state(req) : NULL;
    if (!chosen) {
        r->error_code = KFK_ERR_UNSUPPORTED_SASL_MECHANISM;
    } else if (!c || c->mech || c->authenticated) {
        r->error_code = KFK_ERR_ILLEGAL_SASL_STATE; /* one handshake per connection */
    } else {
        c->mech = chosen;
        c->step = 0;
    }
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- SaslAuthenticate ---------------------------------------------------------------------- */

/* RFC 5802's saslname: "=2C" is ',' and "=3D" is '='; anything else after '=' is refused.
 * Writes at most @p cap - 1 bytes and a NUL; the length, or -1. */
static long saslname_decode(const char *in, size_t len, char *out, size_t cap) {
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = in[i];
        if (ch == '=') {
            if (i + 2 >= len)
                return -1;
            if (in[i + 1] == '2' && in[i + 2] == 'C')
                ch = ',';
            else if (in[i + 1] == '3' && in[i + 2] == 'D')
                ch = '=';
            else
                return -1;
            i += 2;
        } else if (ch == ',' || ch == '\0') {
            return -1;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = ch;
    }
    out[o] = '\0';
    return (long)o;
}

/* Sets a failed answer with Kafka's message; the exchange cannot go on. */
static void refuse(sasl_conn_t *c, kfk_sasl_authenticate_response_t *r, int16_t code,
                   const char *message) {
    r->error_code = code;
    r->error_message = cstr(message);
    if (c)
        c->step = 2;
}

static const char *scram_invalid(int mech) {
    return mech == KFK_MOCK_SASL_SCRAM_SHA_512
               ? "Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism SCRAM-SHA-512"
               : "Authentication failed during authentication due to invalid credentials with "
                 "SASL mechanism SCRAM-SHA-256";
}

static void plain(kfk__mreq_t *req, sasl_conn_t *c, const uint8_t *p, size_t len,
                  kfk_sasl_authenticate_response_t *r) {
    /* authzid NUL user NUL password */
    const uint8_t *nul1 = memchr(p, 0, len);
    const uint8_t *nul2 = nul1 ? memchr(nul1 + 1, 0, len - (size_t)(nul1 + 1 - p)) : NULL;
    if (!nul2 || memchr(nul2 + 1, 0, len - (size_t)(nul2 + 1 - p))) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED,
               "Invalid SASL/PLAIN response: expected 3 tokens");
        return;
    }
    const char *user = (const char *)nul1 + 1, *pass = (const char *)nul2 + 1;
    size_t alen = (size_t)(nul1 - p), ulen = (size_t)(nul2 - nul1 - 1);
    size_t plen = len - (size_t)(nul2 + 1 - p);
    if (alen && (alen != ulen || memcmp(p, user, ulen) != 0)) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED,
               "Authentication failed: Client requested an authorization id that is different "
               "from username");
        return;
    }
    const sasl_user_t *u = find_user(req->m->sasl_state, user, ulen, KFK_MOCK_SASL_PLAIN);
    if (!u || strlen(u->password) != plen || CRYPTO_memcmp(u->password, pass, plen) != 0) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED,
               "Authentication failed: Invalid username or password");
        return;
    }
    c->user = u;
    c->authenticated = 1;
    c->step = 2;
}

/* client-first-message: gs2-header client-first-bare, e.g. "n,,n=alice,r=NONCE". */
static void scram_first(kfk__mreq_t *req, sasl_conn_t *c, const char *p, size_t len,
                        kfk_sasl_authenticate_response_t *r) {
    const char *end = p + len;
    /* gs2-header: ("n" / "y") "," [ "a=" saslname ] "," ; "p=" (channel binding) refused */
    const char *comma1 = len >= 2 && (p[0] == 'n' || p[0] == 'y') && p[1] == ',' ? p + 1 : NULL;
    const char *comma2 = comma1 ? memchr(comma1 + 1, ',', (size_t)(end - comma1 - 1)) : NULL;
    if (!comma2 || (size_t)(comma2 + 1 - p) >= sizeof c->gs2 ||
        (comma2 > comma1 + 1 && (comma2 - comma1 < 3 || comma1[1] != 'a' || comma1[2] != '='))) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, scram_invalid(c->mech));
        return;
    }
    memcpy(c->gs2, p, (size_t)(comma2 + 1 - p));
    c->gs2[comma2 + 1 - p] = '\0';
    const char *bare = comma2 + 1;
    size_t blen = (size_t)(end - bare);
    /* client-first-bare: "n=" saslname ",r=" nonce [ "," extensions ] */
    const char *ncomma = blen > 2 ? memchr(bare, ',', blen) : NULL;
    if (!ncomma || bare[0] != 'n' || bare[1] != '=' || end - ncomma < 4 || ncomma[1] != 'r' ||
        ncomma[2] != '=') {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, scram_invalid(c->mech));
        return;
    }
    const char *nonce = ncomma + 3;
    const char *nend = memchr(nonce, ',', (size_t)(end - nonce));
    size_t nlen = (size_t)((nend ? nend : end) - nonce);
    char name[NAME_MAX_LEN + 1];
    long ulen = saslname_decode(bare + 2, (size_t)(ncomma - bare - 2), name, sizeof name);
    const sasl_user_t *u =
        ulen > 0 ? find_user(req->m->sasl_state, name, (size_t)ulen, c->mech) : NULL;
    if (!u) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED,
               "Authentication failed: Invalid user credentials");
        return;
    }
    uint8_t rnd[18];
    kfk_wbuf_t sn;
    kfk_wbuf_init(&sn);
    if (nlen == 0 || nlen >= NONCE_MAX || RAND_bytes(rnd, sizeof rnd) != 1) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, scram_invalid(c->mech));
        return;
    }
    kfk__base64_encode(rnd, sizeof rnd, &sn);
    if (sn.err || sn.len >= NONCE_MAX) {
        kfk_wbuf_free(&sn);
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, scram_invalid(c->mech));
        return;
    }
    memcpy(c->nonce, nonce, nlen);
    memcpy(c->nonce + nlen, sn.data, sn.len);
    c->nonce[nlen + sn.len] = '\0';
    kfk_wbuf_free(&sn);
    /* server-first-message: r=<nonce>,s=<salt>,i=<iterations> */
    kfk_wbuf_t first;
    kfk_wbuf_init(&first);
    char iter[24];
    int il = snprintf(iter, sizeof iter, ",i=%d", ITERATIONS);
    kfk_wbuf_put_raw(&first, "r=", 2);
    kfk_wbuf_put_raw(&first, c->nonce, strlen(c->nonce));
    kfk_wbuf_put_raw(&first, ",s=", 3);
    kfk__base64_encode(u->salt, sizeof u->salt, &first);
    kfk_wbuf_put_raw(&first, iter, (size_t)il);
    kfk_wbuf_put_raw(&c->auth, bare, blen);
    kfk_wbuf_put_raw(&c->auth, ",", 1);
    kfk_wbuf_put_raw(&c->auth, first.data, first.len);
    uint8_t *out = first.err ? NULL : kfk_arena_alloc(&req->arena, first.len);
    if (!out || c->auth.err) {
        kfk_wbuf_free(&first);
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, scram_invalid(c->mech));
        return;
    }
    memcpy(out, first.data, first.len);
    r->auth_bytes = (kfk_bytes_t){out, (int32_t)first.len};
    kfk_wbuf_free(&first);
    c->user = u;
    c->step = 1;
}

/* client-final-message: "c=" base64(gs2-header) ",r=" nonce [...] ",p=" base64(proof). */
static void scram_final(kfk__mreq_t *req, sasl_conn_t *c, const char *p, size_t len,
                        kfk_sasl_authenticate_response_t *r) {
    const char *invalid = scram_invalid(c->mech);
    size_t h = hlen_of(c->mech);
    /* The proof is the last attribute. */
    const char *pp = NULL;
    for (size_t i = len; i >= 3 && !pp; i--)
        if (p[i - 3] == ',' && p[i - 2] == 'p' && p[i - 1] == '=')
            pp = p + i - 3;
    if (!pp || len < 2 || p[0] != 'c' || p[1] != '=') {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, invalid);
        return;
    }
    size_t wlen = (size_t)(pp - p); /* client-final-message-without-proof */
    /* c= must carry the GS2 header of client-first; r= must end with the nonce of server-first
     * (Kafka 3.x's rule: librdkafka 2.0 sends its own nonce twice before it, which Kafka 4.x,
     * asking for the nonce alone, refuses). */
    kfk_wbuf_t want;
    kfk_wbuf_init(&want);
    kfk_wbuf_put_raw(&want, "c=", 2);
    kfk__base64_encode(c->gs2, strlen(c->gs2), &want);
    kfk_wbuf_put_raw(&want, ",r=", 3);
    int ok = !want.err && wlen >= want.len && memcmp(p, want.data, want.len) == 0;
    if (ok) {
        const char *rn = p + want.len, *wend = p + wlen;
        const char *rend = memchr(rn, ',', (size_t)(wend - rn));
        size_t rlen = (size_t)((rend ? rend : wend) - rn), nlen = strlen(c->nonce);
        ok = rlen >= nlen && memcmp(rn + rlen - nlen, c->nonce, nlen) == 0;
    }
    kfk_wbuf_free(&want);
    uint8_t proof[64], sig[64], client_key[64], stored[64], server_sig[64];
    long plen = ok ? kfk__base64_decode(pp + 3, len - wlen - 3, proof, sizeof proof) : -1;
    kfk_wbuf_put_raw(&c->auth, ",", 1);
    kfk_wbuf_put_raw(&c->auth, p, wlen);
    const uint8_t *stored_key =
        c->mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? c->user->stored512 : c->user->stored256;
    const uint8_t *server_key =
        c->mech == KFK_MOCK_SASL_SCRAM_SHA_512 ? c->user->server512 : c->user->server256;
    unsigned int n = 0;
    ok = ok && plen == (long)h && !c->auth.err &&
         hmac(c->mech, stored_key, h, c->auth.data, c->auth.len, sig);
    for (size_t i = 0; ok && i < h; i++)
        client_key[i] = proof[i] ^ sig[i];
    ok = ok && EVP_Digest(client_key, h, stored, &n, md_of(c->mech), NULL) == 1 &&
         CRYPTO_memcmp(stored, stored_key, h) == 0 &&
         hmac(c->mech, server_key, h, c->auth.data, c->auth.len, server_sig);
    if (!ok) {
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, invalid);
        return;
    }
    kfk_wbuf_t fin;
    kfk_wbuf_init(&fin);
    kfk_wbuf_put_raw(&fin, "v=", 2);
    kfk__base64_encode(server_sig, h, &fin);
    uint8_t *out = fin.err ? NULL : kfk_arena_alloc(&req->arena, fin.len);
    if (!out) {
        kfk_wbuf_free(&fin);
        refuse(c, r, KFK_ERR_SASL_AUTHENTICATION_FAILED, invalid);
        return;
    }
    memcpy(out, fin.data, fin.len);
    r->auth_bytes = (kfk_bytes_t){out, (int32_t)fin.len};
    kfk_wbuf_free(&fin);
    c->authenticated = 1;
    c->step = 2;
}

int kfk__mock_sasl_authenticate(kfk__mreq_t *req, void **resp) {
    const kfk_sasl_authenticate_request_t *q = req->body;
    kfk_sasl_authenticate_response_t *r = kfk_arena_alloc(&req->arena, sizeof *r);
    if (!r)
        return KFK__MOCK_NO_REPLY;
    memset(r, 0, sizeof *r);
    r->error_message = (kfk_str_t){NULL, -1};
    r->auth_bytes = (kfk_bytes_t){(const uint8_t *)"", 0};
    *resp = r;
    r->error_code = kfk__mock_fault_error(req->m, req->hdr.api_key, req->broker->id, NULL, 0, -1);
    if (r->error_code)
        return KFK__MOCK_REPLY;
    if (!req->m->sasl_state) {
        r->error_code = KFK_ERR_UNSUPPORTED_SASL_MECHANISM;
        r->error_message = cstr("no SASL mechanism is configured on this mock broker");
        return KFK__MOCK_REPLY;
    }
    sasl_conn_t *c = conn_state(req);
    if (!c || !c->mech || c->authenticated || c->step >= 2) {
        r->error_code = KFK_ERR_ILLEGAL_SASL_STATE;
        r->error_message = cstr("Unexpected SaslAuthenticate request: no SASL handshake in "
                                "progress on this connection");
        return KFK__MOCK_REPLY;
    }
    const uint8_t *p = q->auth_bytes.len > 0 ? q->auth_bytes.ptr : (const uint8_t *)"";
    size_t len = q->auth_bytes.len > 0 ? (size_t)q->auth_bytes.len : 0;
    if (c->mech == KFK_MOCK_SASL_PLAIN)
        plain(req, c, p, len, r);
    else if (c->step == 0)
        scram_first(req, c, (const char *)p, len, r);
    else
        scram_final(req, c, (const char *)p, len, r);
    return KFK__MOCK_REPLY;
}
