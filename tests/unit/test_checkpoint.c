/*
 * tests/unit/test_checkpoint.c - registry/checkpoint.h: C2SP checkpoints
 * in signed notes with Ed25519, keys, vkeys and key files.
 *
 * Published vectors:
 *  - golang.org/x/mod/sumdb/note, note_test.go and the package
 *    documentation: the "PeterNeumann" signing key, its verifier key and
 *    its signature of a two-line text, and the malformed verifier keys of
 *    TestNewVerifier.
 *  - Signed tree heads of the Go checksum database (sum.golang.org /latest
 *    and /lookup answers, as quoted in public documentation and test data),
 *    verified with the sum.golang.org verifier key that the go command
 *    ships with (cmd/go/internal/modfetch/key.go). Their body is exactly a
 *    C2SP checkpoint with the origin "go.sum database tree".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/checkpoint.h"

#define ORIGIN "puhui.example.cn/log"

/* --- published vectors ---------------------------------------------------------- */

static const char go_vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char go_signature[] =
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

static const char sumdb_vkey[] = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";

struct sumdb_note {
    const char *text;
    uint64_t size;
    const char *root_base64;
};

static const struct sumdb_note sumdb_notes[] = {
    {"go.sum database tree\n63512409\nF7eHRPqN/cqPtqti14NKdGGaI1Giw8coWP3KxihFZbg=\n\n"
     "\xe2\x80\x94 sum.golang.org "
     "Az3gri1OBHKT87Xj8UXU8zjoHGy/X+7Nl94f8TZkELVaasolmGApUsWqwVG9vE6hgqYb/ph/w2vdkLIVRH7bMB/FPQ4=\n",
     63512409, "F7eHRPqN/cqPtqti14NKdGGaI1Giw8coWP3KxihFZbg="},
    {"go.sum database tree\n65209736\n5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo=\n\n"
     "\xe2\x80\x94 sum.golang.org "
     "Az3grnbssgK7ubgFX36gVETtNv0U23qxyAhAMai2QUfeGa3nB/akvkMdlUErfcZz7l/R3cVtYspg3dxXABkGZZKdsQ8=\n",
     65209736, "5+uGFjx6xBZG8ip1+wi77v+grwbhhukIrxEUS8PXvRo="},
    {"go.sum database tree\n15368405\n/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY=\n\n"
     "\xe2\x80\x94 sum.golang.org "
     "Az3grqJGUaSGukG9p8nI2vKgiFn7qGHxn0W+mrwyI6Gz3F0t1J3LzmWk/p96Ybf295EjwdSwlzgijq5WA9d1Ded7owM=\n",
     15368405, "/g9am3I6YWNKaZX/jkne1fqd9zEyjss+JXyPXG0WfkY="},
};

/* --- fixtures ------------------------------------------------------------------- */

struct fixture {
    struct ph_checkpoint_key key;
    struct ph_checkpoint_key other; /* another log's key */
    struct ph_checkpoint_verifier verifier;
    uint8_t root[PH_MERKLE_HASH_SIZE];
    char note[PH_CHECKPOINT_SIGNED_MAX];
    size_t note_len;
    char dir[64];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    if (ph_checkpoint_key_generate(&f->key, ORIGIN) != PH_CHECKPOINT_OK ||
        ph_checkpoint_key_generate(&f->other, "other.example/log") != PH_CHECKPOINT_OK) {
        free(f);
        return -1;
    }
    ph_checkpoint_key_verifier(&f->key, &f->verifier);
    for (size_t i = 0; i < sizeof f->root; i++)
        f->root[i] = (uint8_t)(i * 7 + 1);
    if (ph_checkpoint_sign(&f->key, ORIGIN, 1234567, f->root, f->note, sizeof f->note, &f->note_len) !=
        PH_CHECKPOINT_OK) {
        free(f);
        return -1;
    }
    snprintf(f->dir, sizeof f->dir, "/tmp/ph_checkpoint_XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void remove_in(const char *dir, const char *name)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (unlink(path) != 0 && errno == EISDIR)
        rmdir(path);
    rmdir(path);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f == NULL)
        return 0;
    static const char *const files[] = {"key", "key2", "link", "bad", "dir", "fifo", "umask"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        remove_in(f->dir, files[i]);
    rmdir(f->dir);
    ph_checkpoint_key_release(&f->key);
    ph_checkpoint_key_release(&f->other);
    free(f);
    *state = NULL;
    return 0;
}

static void path_in(const struct fixture *f, const char *name, char out[160])
{
    snprintf(out, 160, "%s/%s", f->dir, name);
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, len, file), len);
    assert_int_equal(fclose(file), 0);
    assert_int_equal(chmod(path, mode), 0);
}

static bool all_zero(const void *bytes, size_t len)
{
    const unsigned char *b = bytes;
    for (size_t i = 0; i < len; i++) {
        if (b[i] != 0)
            return false;
    }
    return true;
}

/* Verifies text (a C string) against the fixture's key. */
static ph_checkpoint_status verify_text(const struct fixture *f, const char *text)
{
    struct ph_checkpoint cp;
    return ph_checkpoint_verify(text, strlen(text), &f->verifier, NULL, &cp);
}

/* The fixture's note with `from` (its first occurrence) replaced by `to`,
 * into out. */
static void note_with(const struct fixture *f, const char *from, const char *to, char *out, size_t out_size)
{
    const char *at = strstr(f->note, from);
    assert_non_null(at);
    size_t before = (size_t)(at - f->note);
    int len = snprintf(out, out_size, "%.*s%s%s", (int)before, f->note, to, at + strlen(from));
    assert_true(len > 0 && (size_t)len < out_size);
}

/* --- round trip ------------------------------------------------------------------ */

static void test_round_trip(void **state)
{
    struct fixture *f = *state;
    /* The exact text. */
    char root_base64[64];
    sodium_bin2base64(root_base64, sizeof root_base64, f->root, sizeof f->root,
                      sodium_base64_VARIANT_ORIGINAL);
    char body[256];
    snprintf(body, sizeof body, ORIGIN "\n1234567\n%s\n\n\xe2\x80\x94 " ORIGIN " ", root_base64);
    assert_int_equal(strncmp(f->note, body, strlen(body)), 0);
    assert_int_equal(f->note_len, strlen(f->note));
    assert_int_equal(f->note[f->note_len - 1], '\n');
    assert_int_equal(f->note_len, strlen(body) + 92 + 1); /* base64 of 4 + 64 bytes, newline */

    struct ph_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    assert_int_equal(ph_checkpoint_verify(f->note, f->note_len, &f->verifier, ORIGIN, &cp), PH_CHECKPOINT_OK);
    assert_string_equal(cp.origin, ORIGIN);
    assert_int_equal(cp.size, 1234567);
    assert_memory_equal(cp.root, f->root, sizeof f->root);

    /* Through the vkey string, as an outside verifier would. */
    char vkey[PH_CHECKPOINT_VKEY_MAX];
    assert_int_equal(ph_checkpoint_key_vkey(&f->key, vkey, sizeof vkey), PH_CHECKPOINT_OK);
    struct ph_checkpoint_verifier parsed;
    assert_int_equal(ph_checkpoint_verifier_parse(vkey, &parsed), PH_CHECKPOINT_OK);
    assert_string_equal(parsed.name, ORIGIN);
    assert_int_equal(parsed.key_id, f->key.key_id);
    assert_memory_equal(parsed.public_key, f->key.public_key, sizeof parsed.public_key);
    assert_int_equal(ph_checkpoint_verify(f->note, f->note_len, &parsed, NULL, &cp), PH_CHECKPOINT_OK);

    /* Another origin than expected, validly signed. */
    assert_int_equal(ph_checkpoint_verify(f->note, f->note_len, &f->verifier, "other.example/log", &cp),
                     PH_CHECKPOINT_ERR_ORIGIN);

    /* The extreme sizes, and an origin of any UTF-8. */
    const uint64_t sizes[] = {0, 1, 10, PH_MERKLE_SIZE_MAX};
    const char *origins[] = {ORIGIN, "普惠保险登记 透明日志", "x"};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        for (size_t o = 0; o < sizeof origins / sizeof origins[0]; o++) {
            char note[PH_CHECKPOINT_SIGNED_MAX];
            size_t len = 0;
            assert_int_equal(
                ph_checkpoint_sign(&f->key, origins[o], sizes[s], f->root, note, sizeof note, &len),
                PH_CHECKPOINT_OK);
            assert_int_equal(ph_checkpoint_verify(note, len, &f->verifier, origins[o], &cp),
                             PH_CHECKPOINT_OK);
            assert_int_equal(cp.size, sizes[s]);
            assert_string_equal(cp.origin, origins[o]);
        }
    }
    /* Signing is deterministic (Ed25519). */
    char again[PH_CHECKPOINT_SIGNED_MAX];
    size_t again_len = 0;
    assert_int_equal(ph_checkpoint_sign(&f->key, ORIGIN, 1234567, f->root, again, sizeof again, &again_len),
                     PH_CHECKPOINT_OK);
    assert_string_equal(again, f->note);
    for (int s = PH_CHECKPOINT_OK; s <= PH_CHECKPOINT_ERR_ORIGIN; s++)
        assert_true(strlen(ph_checkpoint_status_str((ph_checkpoint_status)s)) > 1);
}

static void test_go_note_vectors(void **state)
{
    struct fixture *f = *state;
    char path[160];
    path_in(f, "key", path);
    write_file(path, go_skey, strlen(go_skey), 0600);
    struct ph_checkpoint_key key;
    assert_int_equal(ph_checkpoint_key_load(&key, path), PH_CHECKPOINT_OK);
    assert_string_equal(key.name, "PeterNeumann");
    assert_int_equal(key.key_id, 0xc74f20a3);
    char vkey[PH_CHECKPOINT_VKEY_MAX];
    assert_int_equal(ph_checkpoint_key_vkey(&key, vkey, sizeof vkey), PH_CHECKPOINT_OK);
    assert_string_equal(vkey, go_vkey);

    /* The same signature of the same text, byte for byte. */
    uint8_t blob[4 + crypto_sign_BYTES] = {0xc7, 0x4f, 0x20, 0xa3};
    assert_int_equal(
        crypto_sign_detached(blob + 4, NULL, (const unsigned char *)go_text, strlen(go_text), key.secret_key),
        0);
    char blob_base64[128];
    sodium_bin2base64(blob_base64, sizeof blob_base64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    assert_string_equal(blob_base64, go_signature);

    /* That note is a signed note but not a checkpoint (two body lines). */
    char note[512];
    snprintf(note, sizeof note, "%s\n\xe2\x80\x94 PeterNeumann %s\n", go_text, go_signature);
    struct ph_checkpoint_verifier verifier;
    assert_int_equal(ph_checkpoint_verifier_parse(go_vkey, &verifier), PH_CHECKPOINT_OK);
    struct ph_checkpoint cp;
    assert_int_equal(ph_checkpoint_verify(note, strlen(note), &verifier, NULL, &cp),
                     PH_CHECKPOINT_ERR_STRUCTURE);

    /* A checkpoint signed with the Go key verifies with the Go vkey. */
    size_t len = 0;
    assert_int_equal(ph_checkpoint_sign(&key, "example.com/log", 8, f->root, note, sizeof note, &len),
                     PH_CHECKPOINT_OK);
    assert_int_equal(ph_checkpoint_verify(note, len, &verifier, "example.com/log", &cp), PH_CHECKPOINT_OK);
    ph_checkpoint_key_release(&key);
    assert_true(all_zero(&key, sizeof key));
}

static void test_sumdb_checkpoints(void **state)
{
    struct fixture *f = *state;
    struct ph_checkpoint_verifier verifier;
    assert_int_equal(ph_checkpoint_verifier_parse(sumdb_vkey, &verifier), PH_CHECKPOINT_OK);
    assert_string_equal(verifier.name, "sum.golang.org");
    assert_int_equal(verifier.key_id, 0x033de0ae);
    for (size_t i = 0; i < sizeof sumdb_notes / sizeof sumdb_notes[0]; i++) {
        const struct sumdb_note *n = &sumdb_notes[i];
        struct ph_checkpoint cp;
        assert_int_equal(
            ph_checkpoint_verify(n->text, strlen(n->text), &verifier, "go.sum database tree", &cp),
            PH_CHECKPOINT_OK);
        assert_int_equal(cp.size, n->size);
        uint8_t root[PH_MERKLE_HASH_SIZE];
        size_t root_len = 0;
        assert_int_equal(sodium_base642bin(root, sizeof root, n->root_base64, strlen(n->root_base64), NULL,
                                           &root_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                         0);
        assert_memory_equal(cp.root, root, sizeof root);
        /* Not by our key: ignored, so unsigned for us. */
        assert_int_equal(verify_text(f, n->text), PH_CHECKPOINT_ERR_UNSIGNED);
    }
    /* Another size under the same signature. */
    char forged[512];
    snprintf(forged, sizeof forged, "%s", sumdb_notes[0].text);
    char *size = strstr(forged, "63512409");
    assert_non_null(size);
    size[7] = '8';
    struct ph_checkpoint cp;
    assert_int_equal(ph_checkpoint_verify(forged, strlen(forged), &verifier, NULL, &cp),
                     PH_CHECKPOINT_ERR_BAD_SIGNATURE);
}

/* --- tampering -------------------------------------------------------------------- */

static void test_every_byte_change_fails(void **state)
{
    struct fixture *f = *state;
    char note[PH_CHECKPOINT_SIGNED_MAX];
    const unsigned char changes[] = {0x01, 0x20, 0x80};
    size_t tried = 0;
    for (size_t i = 0; i < f->note_len; i++) {
        for (size_t c = 0; c < sizeof changes; c++) {
            memcpy(note, f->note, f->note_len);
            note[i] = (char)((unsigned char)note[i] ^ changes[c]);
            struct ph_checkpoint cp;
            memset(&cp, 0x77, sizeof cp);
            ph_checkpoint_status st = ph_checkpoint_verify(note, f->note_len, &f->verifier, NULL, &cp);
            if (st == PH_CHECKPOINT_OK)
                fail_msg("byte %zu ^ 0x%02x still verifies", i, changes[c]);
            assert_int_equal(cp.size, 0x7777777777777777); /* *out untouched */
            tried++;
        }
        /* Dropped byte and inserted byte. */
        memcpy(note, f->note, i);
        memcpy(note + i, f->note + i + 1, f->note_len - i - 1);
        assert_int_not_equal(
            ph_checkpoint_verify(note, f->note_len - 1, &f->verifier, NULL, &(struct ph_checkpoint){0}),
            PH_CHECKPOINT_OK);
        memcpy(note, f->note, i);
        note[i] = 'A';
        memcpy(note + i + 1, f->note + i, f->note_len - i);
        assert_int_not_equal(
            ph_checkpoint_verify(note, f->note_len + 1, &f->verifier, NULL, &(struct ph_checkpoint){0}),
            PH_CHECKPOINT_OK);
    }
    assert_true(tried > 400);
}

static void test_tampered_fields_fail(void **state)
{
    struct fixture *f = *state;
    char note[PH_CHECKPOINT_SIGNED_MAX];
    char root_base64[64];
    sodium_bin2base64(root_base64, sizeof root_base64, f->root, sizeof f->root,
                      sodium_base64_VARIANT_ORIGINAL);
    uint8_t other_root[PH_MERKLE_HASH_SIZE];
    memcpy(other_root, f->root, sizeof other_root);
    other_root[31] ^= 0x04;
    char other_root_base64[64];
    sodium_bin2base64(other_root_base64, sizeof other_root_base64, other_root, sizeof other_root,
                      sodium_base64_VARIANT_ORIGINAL);

    struct {
        const char *from;
        const char *to;
        ph_checkpoint_status expected;
    } cases[] = {
        {"\n1234567\n", "\n1234568\n", PH_CHECKPOINT_ERR_BAD_SIGNATURE},          /* size */
        {"\n1234567\n", "\n123456\n", PH_CHECKPOINT_ERR_BAD_SIGNATURE},           /* size */
        {root_base64, other_root_base64, PH_CHECKPOINT_ERR_BAD_SIGNATURE},        /* root */
        {ORIGIN "\n", "puhui.example.cn/lag\n", PH_CHECKPOINT_ERR_BAD_SIGNATURE}, /* origin */
        {"\xe2\x80\x94 " ORIGIN, "\xe2\x80\x94 puhui.example.cn/lag",
         PH_CHECKPOINT_ERR_UNSIGNED}, /* key name */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        note_with(f, cases[i].from, cases[i].to, note, sizeof note);
        assert_int_equal(verify_text(f, note), cases[i].expected);
    }
    /* A signature byte: the last one before the padding. */
    snprintf(note, sizeof note, "%s", f->note);
    size_t len = strlen(note);
    assert_int_equal(note[len - 2], '=');
    note[len - 4] = note[len - 4] == 'A' ? 'B' : 'A';
    assert_int_equal(verify_text(f, note), PH_CHECKPOINT_ERR_BAD_SIGNATURE);
    /* The key ID bytes: another key of the same name, ignored. */
    snprintf(note, sizeof note, "%s", f->note);
    char *sig = strstr(note, "\xe2\x80\x94 " ORIGIN " ");
    assert_non_null(sig);
    sig += strlen("\xe2\x80\x94 " ORIGIN " ");
    sig[0] = sig[0] == 'A' ? 'B' : 'A';
    assert_int_equal(verify_text(f, note), PH_CHECKPOINT_ERR_UNSIGNED);
}

static void test_other_keys(void **state)
{
    struct fixture *f = *state;
    char other_note[PH_CHECKPOINT_SIGNED_MAX];
    size_t other_len = 0;
    assert_int_equal(
        ph_checkpoint_sign(&f->other, ORIGIN, 1234567, f->root, other_note, sizeof other_note, &other_len),
        PH_CHECKPOINT_OK);
    /* Signed by another key only. */
    assert_int_equal(verify_text(f, other_note), PH_CHECKPOINT_ERR_UNSIGNED);

    /* Another key with the same name: a different key ID, so ignored. */
    struct ph_checkpoint_key same_name;
    assert_int_equal(ph_checkpoint_key_generate(&same_name, ORIGIN), PH_CHECKPOINT_OK);
    assert_int_not_equal(same_name.key_id, f->key.key_id);
    char note[2 * PH_CHECKPOINT_SIGNED_MAX];
    size_t len = 0;
    assert_int_equal(ph_checkpoint_sign(&same_name, ORIGIN, 1234567, f->root, note, sizeof note, &len),
                     PH_CHECKPOINT_OK);
    assert_int_equal(verify_text(f, note), PH_CHECKPOINT_ERR_UNSIGNED);

    /* Our name and key ID over another key's signature: rejected. */
    struct ph_checkpoint_key impostor = same_name;
    impostor.key_id = f->key.key_id;
    assert_int_equal(ph_checkpoint_sign(&impostor, ORIGIN, 1234567, f->root, note, sizeof note, &len),
                     PH_CHECKPOINT_OK);
    assert_int_equal(verify_text(f, note), PH_CHECKPOINT_ERR_BAD_SIGNATURE);
    ph_checkpoint_key_release(&impostor);
    ph_checkpoint_key_release(&same_name);

    /* Cosigned (witness style): both keys verify; unknown lines of any
     * length are ignored, before or after ours. */
    const char *other_sig = strstr(other_note, "\n\n") + 2;
    const char *our_sig = strstr(f->note, "\n\n") + 2;
    snprintf(note, sizeof note, "%.*s\n%s\xe2\x80\x94 witness.example/w1 AAAAAAA=\n%s%s",
             (int)(our_sig - f->note - 1), f->note, other_sig,
             "\xe2\x80\x94 witness.example/w2 "
             "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
             "P0BBQkNERUZHSElKS0xN"
             "Tk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+"
             "AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2e"
             "n6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/"
             "g4eLj5OXm5+jp6uvs7e7v"
             "8PHy8/T19vf4+fr7/P3+/w==\n",
             our_sig);
    assert_int_equal(verify_text(f, note), PH_CHECKPOINT_OK);
    struct ph_checkpoint_verifier other_verifier;
    ph_checkpoint_key_verifier(&f->other, &other_verifier);
    struct ph_checkpoint cp;
    assert_int_equal(ph_checkpoint_verify(note, strlen(note), &other_verifier, NULL, &cp), PH_CHECKPOINT_OK);
}

/* --- malformed notes --------------------------------------------------------------- */

static void test_malformed_notes(void **state)
{
    struct fixture *f = *state;
    char root_base64[64];
    sodium_bin2base64(root_base64, sizeof root_base64, f->root, sizeof f->root,
                      sodium_base64_VARIANT_ORIGINAL);
    const char *sig_line = strstr(f->note, "\n\n") + 2;
    char body[256];
    snprintf(body, sizeof body, ORIGIN "\n1234567\n%s\n", root_base64);
    char sig_blob[128];
    snprintf(sig_blob, sizeof sig_blob, "%s", sig_line + strlen("\xe2\x80\x94 " ORIGIN " "));
    sig_blob[strlen(sig_blob) - 1] = '\0'; /* without its newline */

    /* Root spellings: the same 32 bytes written other ways, and others. */
    char root_no_pad[64];
    snprintf(root_no_pad, sizeof root_no_pad, "%.43s", root_base64);
    char root_noncanonical[64];
    snprintf(root_noncanonical, sizeof root_noncanonical, "%s", root_base64);
    root_noncanonical[42] = (char)(root_noncanonical[42] + 1); /* sets an unused bit */
    char root_url[64];
    snprintf(root_url, sizeof root_url, "%s", root_base64);
    root_url[5] = '-';

    char size_huge[40];
    snprintf(size_huge, sizeof size_huge, "%s", "99999999999999999999999");

    struct {
        const char *name;
        char text[1024];
        ph_checkpoint_status expected;
    } *cases = calloc(64, sizeof *cases);
    assert_non_null(cases);
    size_t n = 0;
#define CASE(label, status, ...)                                                                             \
    do {                                                                                                     \
        cases[n].name = label;                                                                               \
        snprintf(cases[n].text, sizeof cases[n].text, __VA_ARGS__);                                          \
        cases[n].expected = status;                                                                          \
        n++;                                                                                                 \
    } while (0)
    CASE("empty", PH_CHECKPOINT_ERR_NEWLINE, "%s", "");
    CASE("no final newline", PH_CHECKPOINT_ERR_NEWLINE, "%s\n%.*s", body, (int)strlen(sig_line) - 1,
         sig_line);
    CASE("no blank line", PH_CHECKPOINT_ERR_STRUCTURE, "%s%s", body, sig_line);
    CASE("two blank lines", PH_CHECKPOINT_ERR_STRUCTURE, "%s\n\n%s", body, sig_line);
    CASE("blank line first", PH_CHECKPOINT_ERR_STRUCTURE, "\n%s\n%s", body, sig_line);
    CASE("blank line inside", PH_CHECKPOINT_ERR_STRUCTURE, ORIGIN "\n\n1234567\n%s\n\n%s", root_base64,
         sig_line);
    CASE("blank line last", PH_CHECKPOINT_ERR_STRUCTURE, "%s\n%s\n", body, sig_line);
    CASE("no signature", PH_CHECKPOINT_ERR_STRUCTURE, "%s\n", body);
    CASE("two body lines", PH_CHECKPOINT_ERR_STRUCTURE, ORIGIN "\n1234567\n\n%s", sig_line);
    CASE("extension line", PH_CHECKPOINT_ERR_STRUCTURE, "%sextension\n\n%s", body, sig_line);
    CASE("empty origin", PH_CHECKPOINT_ERR_STRUCTURE, "\n1234567\n%s\n\n%s", root_base64, sig_line);
    CASE("only a signature", PH_CHECKPOINT_ERR_STRUCTURE, "\n%s", sig_line);
    CASE("carriage returns", PH_CHECKPOINT_ERR_ENCODING, ORIGIN "\r\n1234567\r\n%s\r\n\r\n%s", root_base64,
         sig_line);
    CASE("tab", PH_CHECKPOINT_ERR_ENCODING, "puhui\t.example\n1234567\n%s\n\n%s", root_base64, sig_line);
    CASE("invalid UTF-8", PH_CHECKPOINT_ERR_ENCODING, "puhui\xff\n1234567\n%s\n\n%s", root_base64, sig_line);
    CASE("overlong UTF-8", PH_CHECKPOINT_ERR_ENCODING, "puhui\xc0\xaf\n1234567\n%s\n\n%s", root_base64,
         sig_line);
    CASE("surrogate", PH_CHECKPOINT_ERR_ENCODING, "puhui\xed\xa0\x80\n1234567\n%s\n\n%s", root_base64,
         sig_line);
    CASE("truncated UTF-8", PH_CHECKPOINT_ERR_ENCODING, "%s\n%s\xe2\x80", body, sig_line);
    CASE("size with sign", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n+1234567\n%s\n\n%s", root_base64, sig_line);
    CASE("negative size", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n-1\n%s\n\n%s", root_base64, sig_line);
    CASE("leading zero", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n01234567\n%s\n\n%s", root_base64, sig_line);
    CASE("size 00", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n00\n%s\n\n%s", root_base64, sig_line);
    CASE("size with space", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n1234567 \n%s\n\n%s", root_base64, sig_line);
    CASE("hex size", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n0x10\n%s\n\n%s", root_base64, sig_line);
    CASE("huge size", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n%s\n%s\n\n%s", size_huge, root_base64, sig_line);
    CASE("2^64", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n18446744073709551616\n%s\n\n%s", root_base64, sig_line);
    CASE("2^64 - 1", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n18446744073709551615\n%s\n\n%s", root_base64,
         sig_line);
    CASE("2^63 + 1", PH_CHECKPOINT_ERR_SIZE, ORIGIN "\n9223372036854775809\n%s\n\n%s", root_base64, sig_line);
    CASE("2^63 (well-formed)", PH_CHECKPOINT_ERR_BAD_SIGNATURE, ORIGIN "\n9223372036854775808\n%s\n\n%s",
         root_base64, sig_line);
    CASE("root not base64", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s", "!!!!", sig_line);
    CASE("root unpadded", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s", root_no_pad, sig_line);
    CASE("root non-canonical", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s", root_noncanonical,
         sig_line);
    CASE("root base64url", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s", root_url, sig_line);
    CASE("root of 33 bytes", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s",
         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", sig_line);
    CASE("root of 31 bytes", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s",
         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg==", sig_line);
    CASE("root with inner padding", PH_CHECKPOINT_ERR_ROOT, ORIGIN "\n1234567\n%s\n\n%s",
         "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGx==HR4f", sig_line);
    CASE("hyphen for em dash", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n- " ORIGIN " %s\n", body, sig_blob);
    CASE("no space after dash", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94" ORIGIN " %s\n", body,
         sig_blob);
    CASE("empty key name", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94  %s\n", body, sig_blob);
    CASE("key name with plus", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94 a+b %s\n", body, sig_blob);
    CASE("no signature text", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94 " ORIGIN "\n", body);
    CASE("signature bad base64", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94 " ORIGIN " %s!\n", body,
         sig_blob);
    CASE("signature trailing space", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94 " ORIGIN " %s \n",
         body, sig_blob);
    CASE("signature too short", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n\xe2\x80\x94 " ORIGIN " AAAA\n", body);
    CASE("bad unknown line", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n%s\xe2\x80\x94 other AAAA\n", body,
         sig_line);
    CASE("text after signatures", PH_CHECKPOINT_ERR_SIGNATURE_LINE, "%s\n%sthe end\n", body, sig_line);
    CASE("our name, short signature", PH_CHECKPOINT_ERR_BAD_SIGNATURE, "%s\n\xe2\x80\x94 " ORIGIN " %.8s\n",
         body, sig_blob);
#undef CASE
    for (size_t i = 0; i < n; i++) {
        struct ph_checkpoint cp;
        ph_checkpoint_status st =
            ph_checkpoint_verify(cases[i].text, strlen(cases[i].text), &f->verifier, NULL, &cp);
        if (st != cases[i].expected)
            fail_msg("%s: expected %s, got %s", cases[i].name, ph_checkpoint_status_str(cases[i].expected),
                     ph_checkpoint_status_str(st));
    }
    free(cases);

    /* A NUL byte inside (the length, not the NUL, ends the note). */
    char with_nul[PH_CHECKPOINT_SIGNED_MAX];
    memcpy(with_nul, f->note, f->note_len);
    with_nul[3] = '\0';
    struct ph_checkpoint cp;
    assert_int_equal(ph_checkpoint_verify(with_nul, f->note_len, &f->verifier, NULL, &cp),
                     PH_CHECKPOINT_ERR_ENCODING);

    /* Limits: the note's size, the origin's, the number of signatures. */
    size_t big_len = PH_CHECKPOINT_NOTE_MAX + 1;
    char *big = malloc(big_len);
    assert_non_null(big);
    memset(big, 'a', big_len);
    big[big_len - 1] = '\n';
    assert_int_equal(ph_checkpoint_verify(big, big_len, &f->verifier, NULL, &cp),
                     PH_CHECKPOINT_ERR_TOO_LARGE);
    size_t used = (size_t)snprintf(big, big_len, "%s\n", body);
    for (size_t i = 0; i < PH_CHECKPOINT_SIGNATURES_MAX; i++)
        used += (size_t)snprintf(big + used, big_len - used, "\xe2\x80\x94 w%zu AAAAAAA=\n", i);
    assert_int_equal(ph_checkpoint_verify(big, used, &f->verifier, NULL, &cp), PH_CHECKPOINT_ERR_UNSIGNED);
    used += (size_t)snprintf(big + used, big_len - used, "%s", sig_line);
    assert_int_equal(ph_checkpoint_verify(big, used, &f->verifier, NULL, &cp), PH_CHECKPOINT_ERR_TOO_LARGE);
    memset(big, 'o', PH_CHECKPOINT_ORIGIN_MAX + 1);
    used = PH_CHECKPOINT_ORIGIN_MAX + 1;
    used += (size_t)snprintf(big + used, big_len - used, "\n1\n%s\n\n%s", root_base64, sig_line);
    assert_int_equal(ph_checkpoint_verify(big, used, &f->verifier, NULL, &cp), PH_CHECKPOINT_ERR_TOO_LARGE);
    free(big);
}

static void test_sign_arguments(void **state)
{
    struct fixture *f = *state;
    char out[PH_CHECKPOINT_SIGNED_MAX];
    memset(out, '#', sizeof out);
    size_t len = 99;
    char long_origin[PH_CHECKPOINT_ORIGIN_MAX + 2];
    memset(long_origin, 'o', sizeof long_origin - 1);
    long_origin[sizeof long_origin - 1] = '\0';
    const char *bad_origins[] = {"", "two\nlines", "tab\there", "bad \xff utf-8", "cr\r", long_origin};
    for (size_t i = 0; i < sizeof bad_origins / sizeof bad_origins[0]; i++)
        assert_int_equal(ph_checkpoint_sign(&f->key, bad_origins[i], 1, f->root, out, sizeof out, &len),
                         PH_CHECKPOINT_ERR_ARGUMENT);
    assert_int_equal(
        ph_checkpoint_sign(&f->key, ORIGIN, PH_MERKLE_SIZE_MAX + 1, f->root, out, sizeof out, &len),
        PH_CHECKPOINT_ERR_ARGUMENT);
    struct ph_checkpoint_key empty;
    ph_checkpoint_key_init(&empty);
    assert_int_equal(ph_checkpoint_sign(&empty, ORIGIN, 1, f->root, out, sizeof out, &len),
                     PH_CHECKPOINT_ERR_ARGUMENT);
    /* Too small a buffer: by one byte (the NUL). */
    assert_int_equal(ph_checkpoint_sign(&f->key, ORIGIN, 1234567, f->root, out, f->note_len, &len),
                     PH_CHECKPOINT_ERR_SPACE);
    assert_int_equal(len, 99);
    assert_int_equal(out[0], '#');
    assert_int_equal(ph_checkpoint_sign(&f->key, ORIGIN, 1234567, f->root, out, f->note_len + 1, &len),
                     PH_CHECKPOINT_OK);
    assert_int_equal(len, f->note_len);
    /* The longest origin and name still fit PH_CHECKPOINT_SIGNED_MAX. */
    long_origin[PH_CHECKPOINT_ORIGIN_MAX] = '\0';
    char long_name[PH_CHECKPOINT_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    struct ph_checkpoint_key key;
    assert_int_equal(ph_checkpoint_key_generate(&key, long_name), PH_CHECKPOINT_ERR_ARGUMENT);
    assert_true(all_zero(&key, sizeof key));
    long_name[PH_CHECKPOINT_NAME_MAX] = '\0';
    assert_int_equal(ph_checkpoint_key_generate(&key, long_name), PH_CHECKPOINT_OK);
    assert_int_equal(
        ph_checkpoint_sign(&key, long_origin, PH_MERKLE_SIZE_MAX, f->root, out, sizeof out, &len),
        PH_CHECKPOINT_OK);
    struct ph_checkpoint_verifier verifier;
    ph_checkpoint_key_verifier(&key, &verifier);
    struct ph_checkpoint cp;
    assert_int_equal(ph_checkpoint_verify(out, len, &verifier, long_origin, &cp), PH_CHECKPOINT_OK);
    char vkey[PH_CHECKPOINT_VKEY_MAX];
    assert_int_equal(ph_checkpoint_key_vkey(&key, vkey, sizeof vkey), PH_CHECKPOINT_OK);
    assert_int_equal(ph_checkpoint_key_vkey(&key, vkey, strlen(vkey)), PH_CHECKPOINT_ERR_SPACE);
    ph_checkpoint_key_release(&key);
    /* Key names. */
    const char *bad_names[] = {"", "a b", "a+b", "名字", "tab\t", "del\x7f"};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++)
        assert_int_equal(ph_checkpoint_key_generate(&key, bad_names[i]), PH_CHECKPOINT_ERR_ARGUMENT);
}

/* --- keys -------------------------------------------------------------------------- */

static void test_key_file(void **state)
{
    struct fixture *f = *state;
    char path[160];
    path_in(f, "key", path);
    assert_int_equal(ph_checkpoint_key_save(&f->key, path), PH_CHECKPOINT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_true(S_ISREG(st.st_mode));

    /* The text: one line, Go's format. */
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    char text[PH_CHECKPOINT_KEY_FILE_MAX];
    size_t text_len = fread(text, 1, sizeof text - 1, file);
    fclose(file);
    text[text_len] = '\0';
    char prefix[200];
    snprintf(prefix, sizeof prefix, "PRIVATE+KEY+" ORIGIN "+%08x+", (unsigned)f->key.key_id);
    assert_int_equal(strncmp(text, prefix, strlen(prefix)), 0);
    assert_int_equal(text_len, strlen(prefix) + 44 + 1);
    assert_int_equal(text[text_len - 1], '\n');

    struct ph_checkpoint_key loaded;
    assert_int_equal(ph_checkpoint_key_load(&loaded, path), PH_CHECKPOINT_OK);
    assert_memory_equal(&loaded, &f->key, sizeof loaded);
    ph_checkpoint_key_release(&loaded);
    assert_true(all_zero(&loaded, sizeof loaded));

    /* Never overwritten, never through a link. */
    assert_int_equal(ph_checkpoint_key_save(&f->other, path), PH_CHECKPOINT_ERR_EXISTS);
    assert_int_equal(ph_checkpoint_key_load(&loaded, path), PH_CHECKPOINT_OK);
    assert_memory_equal(loaded.public_key, f->key.public_key, sizeof loaded.public_key);
    char link[160];
    path_in(f, "link", link);
    char target[160];
    path_in(f, "key2", target);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(ph_checkpoint_key_save(&f->key, link), PH_CHECKPOINT_ERR_EXISTS);
    assert_int_equal(access(target, F_OK), -1);
    unlink(link);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(ph_checkpoint_key_load(&loaded, link), PH_CHECKPOINT_ERR_IO);

    /* Permissions: any access for group or others is refused. */
    const mode_t refused[] = {0640, 0604, 0660, 0644, 0620, 0602, 0610, 0601, 0666};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(chmod(path, refused[i]), 0);
        assert_int_equal(ph_checkpoint_key_load(&loaded, path), PH_CHECKPOINT_ERR_PERMISSIONS);
        assert_true(all_zero(&loaded, sizeof loaded));
    }
    assert_int_equal(chmod(path, 0400), 0);
    assert_int_equal(ph_checkpoint_key_load(&loaded, path), PH_CHECKPOINT_OK);
    assert_int_equal(chmod(path, 0600), 0);

    /* Not a regular file; no file. */
    char dir[160];
    path_in(f, "dir", dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(ph_checkpoint_key_load(&loaded, dir), PH_CHECKPOINT_ERR_PERMISSIONS);
    char fifo[160];
    path_in(f, "fifo", fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(ph_checkpoint_key_load(&loaded, fifo), PH_CHECKPOINT_ERR_PERMISSIONS);
    assert_int_equal(ph_checkpoint_key_load(&loaded, target), PH_CHECKPOINT_ERR_IO);
    assert_int_equal(errno, ENOENT);
    char missing_dir[200];
    snprintf(missing_dir, sizeof missing_dir, "%s/no/such/key", f->dir);
    assert_int_equal(ph_checkpoint_key_save(&f->key, missing_dir), PH_CHECKPOINT_ERR_IO);

    /* Saved with 0600 even under a umask that takes the owner's bits. */
    char umask_path[160];
    path_in(f, "umask", umask_path);
    mode_t old_umask = umask(0377);
    ph_checkpoint_status saved = ph_checkpoint_key_save(&f->key, umask_path);
    umask(old_umask);
    assert_int_equal(saved, PH_CHECKPOINT_OK);
    assert_int_equal(stat(umask_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    ph_checkpoint_key_release(&loaded);

    /* An unusable key is not saved. */
    struct ph_checkpoint_key empty;
    ph_checkpoint_key_init(&empty);
    assert_int_equal(ph_checkpoint_key_save(&empty, target), PH_CHECKPOINT_ERR_ARGUMENT);
}

static void test_malformed_key_files(void **state)
{
    struct fixture *f = *state;
    char path[160];
    path_in(f, "bad", path);
    char oversized[PH_CHECKPOINT_KEY_FILE_MAX + 16];
    memset(oversized, 'A', sizeof oversized);
    struct {
        const char *text;
        size_t len;
    } bad[] = {
        {"", 0},
        {"\n", 1},
        {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\n\n", 0},
        {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz\r\n", 0},
        {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz ", 0},
        {"PUBLIC+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0},
        {"PRIVATE+KEY+PeterNeumann+c74f20a4+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0}, /* wrong ID */
        {"PRIVATE+KEY+PeterNeumann+C74F20A3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0}, /* uppercase */
        {"PRIVATE+KEY+PeterNeuman+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0}, /* other name */
        {"PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDF", 0}, /* truncated */
        {"PRIVATE+KEY+PeterNeumann+c74f20a3+AoEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0}, /* type 0x02 */
        {"PRIVATE+KEY+PeterNeumann+c74f20a3", 0},
        {"PRIVATE+KEY++c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 0},
        {oversized, sizeof oversized},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = bad[i].len != 0 || bad[i].text[0] == '\0' ? bad[i].len : strlen(bad[i].text);
        unlink(path);
        write_file(path, bad[i].text, len, 0600);
        struct ph_checkpoint_key key;
        ph_checkpoint_status st = ph_checkpoint_key_load(&key, path);
        if (st != PH_CHECKPOINT_ERR_KEY)
            fail_msg("key file %zu: expected a key error, got %s", i, ph_checkpoint_status_str(st));
        assert_true(all_zero(&key, sizeof key));
    }
    /* The Go key with one final newline is fine. */
    unlink(path);
    char with_newline[128];
    snprintf(with_newline, sizeof with_newline, "%s\n", go_skey);
    write_file(path, with_newline, strlen(with_newline), 0600);
    struct ph_checkpoint_key key;
    assert_int_equal(ph_checkpoint_key_load(&key, path), PH_CHECKPOINT_OK);
    ph_checkpoint_key_release(&key);
}

static void test_vkeys(void **state)
{
    (void)state;
    struct ph_checkpoint_verifier verifier;
    assert_int_equal(ph_checkpoint_verifier_parse(go_vkey, &verifier), PH_CHECKPOINT_OK);
    assert_string_equal(verifier.name, "PeterNeumann");
    assert_int_equal(verifier.key_id, 0xc74f20a3);
    /* TestNewVerifier: no proper part of the key, and no key with one byte
     * changed, is a key. */
    char text[sizeof go_vkey];
    size_t len = strlen(go_vkey);
    for (size_t i = 0; i <= len; i++) {
        for (size_t j = i + 1; j <= len; j++) {
            if (i == 0 && j == len)
                continue;
            snprintf(text, sizeof text, "%.*s", (int)(j - i), go_vkey + i);
            if (ph_checkpoint_verifier_parse(text, &verifier) == PH_CHECKPOINT_OK)
                fail_msg("part \"%s\" of the vkey parsed", text);
            assert_true(all_zero(&verifier, sizeof verifier));
        }
    }
    for (size_t i = 0; i < len; i++) {
        snprintf(text, sizeof text, "%s", go_vkey);
        text[i]++;
        assert_int_equal(ph_checkpoint_verifier_parse(text, &verifier), PH_CHECKPOINT_ERR_KEY);
    }
    /* Wrong key length and unknown algorithm, with adjusted key IDs. */
    assert_int_equal(
        ph_checkpoint_verifier_parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==", &verifier),
        PH_CHECKPOINT_ERR_KEY);
    assert_int_equal(ph_checkpoint_verifier_parse(
                         "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", &verifier),
                     PH_CHECKPOINT_ERR_KEY);
    /* Trailing newline, very long text. */
    assert_int_equal(ph_checkpoint_verifier_parse(
                         "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW\n", &verifier),
                     PH_CHECKPOINT_ERR_KEY);
    char long_vkey[PH_CHECKPOINT_VKEY_MAX + 10];
    memset(long_vkey, 'a', sizeof long_vkey - 1);
    long_vkey[sizeof long_vkey - 1] = '\0';
    assert_int_equal(ph_checkpoint_verifier_parse(long_vkey, &verifier), PH_CHECKPOINT_ERR_KEY);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_go_note_vectors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sumdb_checkpoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_byte_change_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered_fields_fail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_notes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sign_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_key_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vkeys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
