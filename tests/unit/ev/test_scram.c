/*
 * test_scram.c: the SASL client steps without a broker: the SCRAM message text and base64 of
 * src/protocol/scram.c (server-first and server-final parsing, malformed nonces, salts and
 * iteration counts, server errors) and the token exchange of src/ev/sasl.c (PLAIN, and
 * SCRAM-SHA-256 against the RFC 7677 test vector, SCRAM-SHA-512 against the same exchange
 * computed independently with Python's hashlib). kfk supports no SCRAM-SHA-1 (Kafka has none),
 * so RFC 5802's SHA-1 vector does not apply.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ev/sasl.h"
#include "protocol/scram.h"

/* RFC 7677 section 3: user "user", password "pencil". */
#define RFC_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE RFC_CNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_SERVER_FIRST "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_CLIENT_FINAL "c=biws,r=" RFC_SNONCE ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_SERVER_FINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

/* The same exchange with SHA-512 (hashlib.pbkdf2_hmac / hmac in Python 3). */
#define SHA512_CLIENT_FINAL                                                                        \
    "c=biws,r=" RFC_SNONCE                                                                         \
    ",p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wd"                       \
    "p6dybEmDYXYTxwnYPJQ=="
#define SHA512_SERVER_FINAL                                                                        \
    "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw=="

/* The bytes of @p w as a C string (a static buffer). */
static const char *text(const kfk_wbuf_t *w) {
    static char buf[1024];
    cr_assert_lt(w->len, sizeof buf);
    if (w->len)
        memcpy(buf, w->data, w->len);
    buf[w->len] = '\0';
    return buf;
}

/* ---- base64 --------------------------------------------------------------------------------- */

static const char *const b64_plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const b64_coded[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                        "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

Test(scram, encodes_base64_as_rfc_4648s_test_vectors) {
    for (size_t i = 0; i < 7; i++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        kfk__base64_encode(b64_plain[i], strlen(b64_plain[i]), &w);
        cr_expect_str_eq(text(&w), b64_coded[i]);
        kfk_wbuf_free(&w);
    }
}

Test(scram, decodes_base64_as_rfc_4648s_test_vectors) {
    for (size_t i = 0; i < 7; i++) {
        uint8_t out[8];
        long n = kfk__base64_decode(b64_coded[i], strlen(b64_coded[i]), out, sizeof out);
        cr_assert_eq(n, (long)strlen(b64_plain[i]), "%s", b64_coded[i]);
        cr_expect_eq(memcmp(out, b64_plain[i], (size_t)n), 0, "%s", b64_coded[i]);
    }
}

Test(scram, decodes_all_64_symbols) {
    static const char in[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint8_t out[48];
    cr_assert_eq(kfk__base64_decode(in, 64, out, sizeof out), 48);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk__base64_encode(out, 48, &w);
    cr_expect_str_eq(text(&w), in);
    kfk_wbuf_free(&w);
}

Test(scram, rejects_malformed_base64) {
    static const char *const bad[] = {
        "Zg=", "Zm9*", "Zg==Zm9v", "Z===", "Zm=v", "====", "Zm 9", "Zm9v\n"};
    uint8_t out[16];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(kfk__base64_decode(bad[i], strlen(bad[i]), out, sizeof out), -1, "\"%s\"",
                     bad[i]);
}

Test(scram, refuses_to_decode_base64_past_the_output_capacity) {
    uint8_t out[3];
    cr_expect_eq(kfk__base64_decode("Zm9vYg==", 8, out, 3), -1);
    cr_expect_eq(kfk__base64_decode("Zm9v", 4, out, 2), -1);
    cr_expect_eq(kfk__base64_decode("Zm9v", 4, out, 3), 3);
}

/* ---- saslname ------------------------------------------------------------------------------- */

Test(scram, escapes_equals_and_comma_in_the_user_name) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk__scram_saslname("a=b,c==", &w);
    cr_expect_str_eq(text(&w), "a=3Db=2Cc=3D=3D");
    kfk_wbuf_free(&w);
}

/* ---- server-first --------------------------------------------------------------------------- */

/* Parses @p msg against client nonce @p cnonce with the sasl.c limits. */
static kfk_err_t parse_first(const char *msg, const char *cnonce, kfk__scram_server_first_t *sf,
                             char *errstr, size_t size) {
    errstr[0] = '\0';
    return kfk__scram_parse_server_first(msg, strlen(msg), cnonce, 4096, 1000000, sf, errstr, size);
}

static void expect_first_error(const char *msg, kfk_err_t want, const char *want_msg) {
    kfk__scram_server_first_t sf;
    char errstr[128];
    kfk_err_t err = parse_first(msg, RFC_CNONCE, &sf, errstr, sizeof errstr);
    cr_expect_eq(err, want, "%s: %s, want %s", msg, kfk_err_name(err), kfk_err_name(want));
    cr_expect_str_eq(errstr, want_msg, "%s", msg);
}

Test(scram, parses_the_rfc_7677_server_first_message) {
    kfk__scram_server_first_t sf;
    char errstr[128];
    cr_assert_eq(parse_first(RFC_SERVER_FIRST, RFC_CNONCE, &sf, errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    cr_expect(kfk_str_eq(sf.nonce, RFC_SNONCE));
    cr_expect(kfk_str_eq(sf.salt_b64, "W22ZaJ0SNY7soEsUEjb6gQ=="));
    cr_expect_eq(sf.iterations, 4096);
}

Test(scram, ignores_extensions_after_the_iteration_count) {
    kfk__scram_server_first_t sf;
    char errstr[128];
    cr_assert_eq(parse_first(RFC_SERVER_FIRST ",x=future", RFC_CNONCE, &sf, errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    cr_expect_eq(sf.iterations, 4096);
}

Test(scram, refuses_a_server_nonce_that_does_not_extend_ours) {
    expect_first_error("r=rOprNGfwEbeRWgbNEkqX123,s=QSXCR+Q6sek8bf92,i=4096",
                       KFK_ERR__AUTHENTICATION,
                       "SCRAM: server nonce does not extend the client nonce");
    expect_first_error("r=" RFC_CNONCE ",s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__AUTHENTICATION,
                       "SCRAM: server nonce does not extend the client nonce");
    expect_first_error("r=rOpr,s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__AUTHENTICATION,
                       "SCRAM: server nonce does not extend the client nonce");
}

Test(scram, refuses_unprintable_characters_in_the_server_nonce) {
    expect_first_error("r=" RFC_CNONCE "ab c,s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__BAD_MSG,
                       "SCRAM: invalid character in server nonce");
    expect_first_error("r=" RFC_CNONCE "\x7f,s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__BAD_MSG,
                       "SCRAM: invalid character in server nonce");
    expect_first_error("r=" RFC_CNONCE "\xc3\xa9,s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__BAD_MSG,
                       "SCRAM: invalid character in server nonce");
}

Test(scram, refuses_missing_or_reordered_attributes) {
    static const char *const bad[] = {
        "",
        "r=" RFC_SNONCE,
        "r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92",
        "s=QSXCR+Q6sek8bf92,r=" RFC_SNONCE ",i=4096",
        "r=" RFC_SNONCE ",i=4096,s=QSXCR+Q6sek8bf92",
        "r" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=4096",
        "e",
        "ex=1,r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=4096",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_first_error(bad[i], KFK_ERR__BAD_MSG, "SCRAM: malformed server-first-message");
}

Test(scram, refuses_an_empty_salt_or_iteration_count) {
    expect_first_error("r=" RFC_SNONCE ",s=,i=4096", KFK_ERR__BAD_MSG,
                       "SCRAM: malformed salt or iteration count");
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=", KFK_ERR__BAD_MSG,
                       "SCRAM: malformed salt or iteration count");
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=12345678901", KFK_ERR__BAD_MSG,
                       "SCRAM: malformed salt or iteration count");
}

Test(scram, refuses_an_iteration_count_that_is_not_a_number) {
    static const char *const bad[] = {"4O96", "-4096", "+4096", " 4096", "4096 ", "0x1000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char msg[128];
        snprintf(msg, sizeof msg, "r=%s,s=QSXCR+Q6sek8bf92,i=%s", RFC_SNONCE, bad[i]);
        expect_first_error(msg, KFK_ERR__BAD_MSG, "SCRAM: malformed iteration count");
    }
}

Test(scram, refuses_an_iteration_count_outside_the_limits) {
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=4095", KFK_ERR__AUTHENTICATION,
                       "SCRAM: iteration count 4095 outside [4096, 1000000]");
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=1000001", KFK_ERR__AUTHENTICATION,
                       "SCRAM: iteration count 1000001 outside [4096, 1000000]");
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=9999999999", KFK_ERR__AUTHENTICATION,
                       "SCRAM: iteration count 9999999999 outside [4096, 1000000]");
    expect_first_error("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=0", KFK_ERR__AUTHENTICATION,
                       "SCRAM: iteration count 0 outside [4096, 1000000]");
}

Test(scram, accepts_both_iteration_limits) {
    kfk__scram_server_first_t sf;
    char errstr[128];
    cr_expect_eq(parse_first("r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=1000000", RFC_CNONCE, &sf,
                             errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    cr_expect_eq(sf.iterations, 1000000);
}

Test(scram, reports_the_servers_error_in_server_first) {
    expect_first_error("e=unknown-user", KFK_ERR__AUTHENTICATION,
                       "SCRAM: server error: unknown-user");
    expect_first_error("e=", KFK_ERR__AUTHENTICATION, "SCRAM: server error: ");
}

Test(scram, refuses_a_mandatory_extension) {
    expect_first_error("m=ext,r=" RFC_SNONCE ",s=QSXCR+Q6sek8bf92,i=4096", KFK_ERR__AUTHENTICATION,
                       "SCRAM: server requires an unsupported extension");
}

/* ---- server-final --------------------------------------------------------------------------- */

Test(scram, parses_the_server_signature_of_server_final) {
    kfk_str_t v;
    char errstr[128] = "";
    cr_assert_eq(kfk__scram_parse_server_final(RFC_SERVER_FINAL, strlen(RFC_SERVER_FINAL), &v,
                                               errstr, sizeof errstr),
                 KFK_ERR_NONE);
    cr_expect(kfk_str_eq(v, "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
}

Test(scram, reports_the_servers_error_in_server_final) {
    kfk_str_t v;
    char errstr[128];
    cr_expect_eq(kfk__scram_parse_server_final("e=invalid-proof", 15, &v, errstr, sizeof errstr),
                 KFK_ERR__AUTHENTICATION);
    cr_expect_str_eq(errstr, "SCRAM: server error: invalid-proof");
}

Test(scram, refuses_a_malformed_server_final) {
    static const char *const bad[] = {"", "v=", "v", "x=abc", "e", "V=abc"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kfk_str_t v;
        char errstr[128] = "";
        cr_expect_eq(
            kfk__scram_parse_server_final(bad[i], strlen(bad[i]), &v, errstr, sizeof errstr),
            KFK_ERR__BAD_MSG, "\"%s\"", bad[i]);
        cr_expect_str_eq(errstr, "SCRAM: malformed server-final-message", "\"%s\"", bad[i]);
    }
}

/* ---- the exchange (sasl.c) ------------------------------------------------------------------ */

Test(scram, names_the_mechanisms_as_the_sasl_handshake_does) {
    cr_expect_str_eq(kfk__sasl_mech_name(KFK_SASL_MECH_PLAIN), "PLAIN");
    cr_expect_str_eq(kfk__sasl_mech_name(KFK_SASL_MECH_SCRAM_SHA_256), "SCRAM-SHA-256");
    cr_expect_str_eq(kfk__sasl_mech_name(KFK_SASL_MECH_SCRAM_SHA_512), "SCRAM-SHA-512");
}

Test(scram, plain_sends_one_token_of_empty_authzid_user_and_password) {
    kfk__sasl_t s;
    kfk_wbuf_t out;
    int done = -1;
    char errstr[128];
    kfk__sasl_init(&s, KFK_SASL_MECH_PLAIN, "alice", "secret");
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk__sasl_step(&s, NULL, 0, &out, &done, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_expect_eq(done, 0);
    cr_assert_eq(out.len, 13);
    cr_expect_eq(memcmp(out.data, "\0alice\0secret", 13), 0);
    kfk_wbuf_free(&out);
    cr_assert_eq(kfk__sasl_step(&s, (const uint8_t *)"", 0, &out, &done, errstr, sizeof errstr),
                 KFK_ERR_NONE);
    cr_expect_eq(done, 1);
    cr_expect_eq(out.len, 0);
    kfk_wbuf_free(&out);
    kfk__sasl_free(&s);
}

/* Runs the first SCRAM step and checks client-first: "n,,n=<saslname>,r=<32 base64 chars>". */
static void first_step(kfk__sasl_t *s, const char *saslname) {
    kfk_wbuf_t out;
    int done = -1;
    char errstr[128] = "";
    char head[64];
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk__sasl_step(s, NULL, 0, &out, &done, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    cr_expect_eq(done, 0);
    int hn = snprintf(head, sizeof head, "n,,n=%s,r=", saslname);
    const char *msg = text(&out);
    cr_assert_eq(strncmp(msg, head, (size_t)hn), 0, "%s", msg);
    const char *nonce = msg + hn;
    cr_expect_eq(strlen(nonce), 32, "%s", msg);
    cr_expect_eq(strspn(nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
                 32, "%s", nonce);
    cr_expect_str_eq(s->cnonce, nonce);
    kfk_wbuf_free(&out);
}

/* Replaces the random client nonce of step 1 with @p cnonce, as if RAND_bytes had given it
 * (client-first-bare is rebuilt as sasl.c builds it). */
static void use_nonce(kfk__sasl_t *s, const char *user, const char *cnonce) {
    snprintf(s->cnonce, sizeof s->cnonce, "%s", cnonce);
    kfk_wbuf_free(&s->auth_message);
    kfk_wbuf_init(&s->auth_message);
    kfk_wbuf_put_raw(&s->auth_message, "n=", 2);
    kfk__scram_saslname(user, &s->auth_message);
    kfk_wbuf_put_raw(&s->auth_message, ",r=", 3);
    kfk_wbuf_put_raw(&s->auth_message, cnonce, strlen(cnonce));
}

/* Feeds @p in to the next step expecting @p want (and, on success, the token @p token). */
static void step(kfk__sasl_t *s, const char *in, kfk_err_t want, const char *token, int want_done,
                 const char *want_errstr) {
    kfk_wbuf_t out;
    int done = -1;
    char errstr[256] = "";
    kfk_wbuf_init(&out);
    kfk_err_t err =
        kfk__sasl_step(s, (const uint8_t *)in, strlen(in), &out, &done, errstr, sizeof errstr);
    cr_assert_eq(err, want, "%s: %s (%s), want %s", in, kfk_err_name(err), errstr,
                 kfk_err_name(want));
    if (!want) {
        cr_expect_str_eq(text(&out), token, "after %s", in);
        cr_expect_eq(done, want_done, "after %s", in);
    } else {
        cr_expect_str_eq(errstr, want_errstr, "after %s", in);
    }
    kfk_wbuf_free(&out);
}

Test(scram, sha256_produces_the_rfc_7677_client_proof_and_verifies_its_server_signature) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    step(&s, RFC_SERVER_FIRST, KFK_ERR_NONE, RFC_CLIENT_FINAL, 0, NULL);
    step(&s, RFC_SERVER_FINAL, KFK_ERR_NONE, "", 1, NULL);
    step(&s, "", KFK_ERR_NONE, "", 1, NULL);
    kfk__sasl_free(&s);
}

Test(scram, sha512_produces_the_proof_and_verifies_the_signature_python_computes) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_512, "user", "pencil");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    step(&s, RFC_SERVER_FIRST, KFK_ERR_NONE, SHA512_CLIENT_FINAL, 0, NULL);
    step(&s, SHA512_SERVER_FINAL, KFK_ERR_NONE, "", 1, NULL);
    kfk__sasl_free(&s);
}

Test(scram, draws_a_fresh_client_nonce_for_every_exchange) {
    kfk__sasl_t a, b;
    kfk__sasl_init(&a, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    kfk__sasl_init(&b, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    first_step(&a, "user");
    first_step(&b, "user");
    cr_expect_str_neq(a.cnonce, b.cnonce);
    kfk__sasl_free(&a);
    kfk__sasl_free(&b);
}

Test(scram, sends_the_escaped_user_name_in_client_first) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "a=b,c", "pw");
    first_step(&s, "a=3Db=2Cc");
    kfk__sasl_free(&s);
}

Test(scram, refuses_a_server_signature_that_does_not_verify) {
    static const char *const bad[] = {
        "v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", /* one bit off */
        "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* 32 zero bytes */
        "v=6rriTRBi23WpRR/wtup+mA==",                     /* too short */
        "v=not*base64",                                   /* not base64 */
        SHA512_SERVER_FINAL,                              /* the SHA-512 one */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kfk__sasl_t s;
        kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
        first_step(&s, "user");
        use_nonce(&s, "user", RFC_CNONCE);
        step(&s, RFC_SERVER_FIRST, KFK_ERR_NONE, RFC_CLIENT_FINAL, 0, NULL);
        step(&s, bad[i], KFK_ERR__AUTHENTICATION, NULL, 0,
             "SCRAM: the server signature does not verify");
        kfk__sasl_free(&s);
    }
}

Test(scram, fails_the_exchange_on_a_wrong_password) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil2");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    kfk_wbuf_t out;
    int done = -1;
    char errstr[128] = "";
    kfk_wbuf_init(&out);
    cr_assert_eq(kfk__sasl_step(&s, (const uint8_t *)RFC_SERVER_FIRST, strlen(RFC_SERVER_FIRST),
                                &out, &done, errstr, sizeof errstr),
                 KFK_ERR_NONE);
    cr_expect_str_neq(text(&out), RFC_CLIENT_FINAL);
    kfk_wbuf_free(&out);
    step(&s, RFC_SERVER_FINAL, KFK_ERR__AUTHENTICATION, NULL, 0,
         "SCRAM: the server signature does not verify");
    kfk__sasl_free(&s);
}

Test(scram, stops_at_a_server_first_the_parser_refuses) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    step(&s, "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4095", KFK_ERR__AUTHENTICATION, NULL, 0,
         "SCRAM: iteration count 4095 outside [4096, 1000000]");
    kfk__sasl_free(&s);
}

Test(scram, refuses_a_salt_that_is_not_base64) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    step(&s, "r=" RFC_SNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ=,i=4096", KFK_ERR__BAD_MSG, NULL, 0,
         "SCRAM: malformed salt");
    kfk__sasl_free(&s);
}

Test(scram, passes_the_servers_final_error_on) {
    kfk__sasl_t s;
    kfk__sasl_init(&s, KFK_SASL_MECH_SCRAM_SHA_256, "user", "pencil");
    first_step(&s, "user");
    use_nonce(&s, "user", RFC_CNONCE);
    step(&s, RFC_SERVER_FIRST, KFK_ERR_NONE, RFC_CLIENT_FINAL, 0, NULL);
    step(&s, "e=invalid-proof", KFK_ERR__AUTHENTICATION, NULL, 0,
         "SCRAM: server error: invalid-proof");
    kfk__sasl_free(&s);
}
