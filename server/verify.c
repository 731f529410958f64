/*
 * server/verify.c - `puhui verify`: checks a registry from outside, over
 * HTTP, trusting nothing but the log's verifier key the caller gives:
 *
 *   puhui verify --server http://HOST:PORT --vkey VKEY [--checkpoint FILE]
 *                [--product REGISTRATION_NO | --document DOCUMENT_NO [--version N]]
 *                [--save FILE]
 *
 *  1. the current checkpoint (/log/checkpoint) is signed by VKEY;
 *  2. with --checkpoint, an earlier saved checkpoint is signed by VKEY too
 *     and the log grew from it without rewriting anything (consistency
 *     proof, RFC 9162 2.1.4);
 *  3. with --product, the product version's log leaf (/log/leaves/{i}, its
 *     exact bytes hashed here) is in the signed tree (inclusion proof, RFC
 *     9162 2.1.3) and records the same body_sha256 as the version shows;
 *     With --document, the same for a document version, whose fingerprint
 *     is computed here as the SHA-256 of the exact bytes the registry
 *     serves at .../content: a registry that served other text than it
 *     logged is caught;
 *  4. with --save, the current checkpoint is written to FILE for next time.
 * Prints one line per check; exit 0 when all hold, 1 when one fails, 2 on
 * usage or network errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>
#include <jansson.h>
#include <sodium.h>

#include "a11y/buf.h"
#include "registry/checkpoint.h"
#include "registry/merkle.h"
#include "server/verify.h"

#define VERIFY_BODY_MAX (4u << 20)

struct target {
    char host[256];
    int port;
};

static bool parse_server(const char *url, struct target *t)
{
    const char *p = strncmp(url, "http://", 7) == 0 ? url + 7 : NULL;
    if (p == NULL)
        return false;
    size_t host_len = strcspn(p, ":/");
    if (host_len == 0 || host_len >= sizeof t->host)
        return false;
    memcpy(t->host, p, host_len);
    t->host[host_len] = '\0';
    t->port = 80;
    if (p[host_len] == ':') {
        char *end = NULL;
        long port = strtol(p + host_len + 1, &end, 10);
        if (port < 1 || port > 65535 || (*end != '\0' && *end != '/'))
            return false;
        t->port = (int)port;
    }
    return true;
}

/* GET path; the body in *out (caller frees), the status returned (0 on a
 * network error). */
static int http_get(const struct target *t, const char *path, char **out, size_t *len)
{
    char error[256] = "";
    *out = NULL;
    struct mg_connection *conn = mg_download(t->host, t->port, 0, error, sizeof error,
                                             "GET %s HTTP/1.0\r\nHost: %s\r\n\r\n", path, t->host);
    if (conn == NULL) {
        fprintf(stderr, "puhui verify: GET %s: %s\n", path, error);
        return 0;
    }
    const struct mg_response_info *info = mg_get_response_info(conn);
    int status = info != NULL ? info->status_code : 0;
    struct ph_buf b;
    ph_buf_init(&b, VERIFY_BODY_MAX);
    char chunk[8192];
    int n;
    while ((n = mg_read(conn, chunk, sizeof chunk)) > 0)
        ph_buf_append(&b, chunk, (size_t)n);
    mg_close_connection(conn);
    *out = ph_buf_detach(&b, len);
    return *out != NULL ? status : 0;
}

static json_t *get_json(const struct target *t, const char *path)
{
    char *body = NULL;
    size_t len = 0;
    int status = http_get(t, path, &body, &len);
    json_t *value = status == 200 ? json_loadb(body, len, 0, NULL) : NULL;
    if (status != 200)
        fprintf(stderr, "puhui verify: GET %s answered %d\n", path, status);
    free(body);
    return value;
}

static bool b64_hash(const json_t *value, uint8_t out[PH_MERKLE_HASH_SIZE])
{
    const char *text = json_string_value(value);
    size_t len = 0;
    return text != NULL &&
           sodium_base642bin(out, PH_MERKLE_HASH_SIZE, text, strlen(text), NULL, &len, NULL,
                             sodium_base64_VARIANT_ORIGINAL) == 0 &&
           len == PH_MERKLE_HASH_SIZE;
}

static bool proof_from(const json_t *list, struct ph_merkle_proof *proof)
{
    if (!json_is_array(list) || json_array_size(list) > PH_MERKLE_PROOF_MAX)
        return false;
    proof->len = json_array_size(list);
    for (size_t i = 0; i < proof->len; i++)
        if (!b64_hash(json_array_get(list, i), proof->hash[i]))
            return false;
    return true;
}

static int report(bool ok, const char *what)
{
    printf("%s %s\n", ok ? "ok  " : "FAIL", what);
    return ok ? 0 : 1;
}

static bool read_file(const char *path, char *buf, size_t size, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    *len = fread(buf, 1, size - 1, f);
    bool whole = feof(f) != 0;
    fclose(f);
    buf[*len] = '\0';
    return whole;
}

/* The record's log leaf (its log_index) records `fingerprint` and is in the
 * signed tree `now`. Returns the number of failed checks (0..2). */
static int check_leaf(const struct target *t, const struct ph_checkpoint *now, const json_t *record,
                      const char *fingerprint, const char *what, const char *field)
{
    json_int_t index = json_integer_value(json_object_get(record, "log_index"));
    char path[160];
    snprintf(path, sizeof path, "/log/leaves/%lld", (long long)index);
    json_t *leaf = record != NULL ? get_json(t, path) : NULL;
    /* The leaf's bytes are hashed here: a stored hash is not trusted. */
    const char *data_b64 = json_string_value(json_object_get(leaf, "data_base64"));
    size_t data_max = data_b64 != NULL ? strlen(data_b64) : 0;
    unsigned char *data = malloc(data_max + 1);
    size_t data_len = 0;
    bool decoded = data != NULL && data_b64 != NULL &&
                   sodium_base642bin(data, data_max + 1, data_b64, data_max, NULL, &data_len, NULL,
                                     sodium_base64_VARIANT_ORIGINAL) == 0;
    uint8_t leaf_hash[PH_MERKLE_HASH_SIZE];
    if (decoded) {
        ph_merkle_leaf_hash(data, data_len, leaf_hash);
        data[data_len] = '\0';
    }
    char line[160];
    bool records = decoded && fingerprint != NULL && strstr((const char *)data, fingerprint) != NULL;
    snprintf(line, sizeof line, "the %s's log leaf records its content fingerprint (%s)", what, field);
    int failures = report(records, line);
    snprintf(path, sizeof path, "/log/proof/inclusion?index=%lld&size=%llu", (long long)index,
             (unsigned long long)now->size);
    json_t *answer = decoded ? get_json(t, path) : NULL;
    struct ph_merkle_proof proof;
    bool included = answer != NULL && proof_from(json_object_get(answer, "proof"), &proof) &&
                    ph_merkle_verify_inclusion(leaf_hash, (uint64_t)index, now->size, &proof, now->root) ==
                        PH_MERKLE_OK;
    snprintf(line, sizeof line, "the %s's leaf is in the signed log", what);
    failures += report(included, line);
    free(data);
    json_decref(answer);
    json_decref(leaf);
    return failures;
}

int ph_verify_main(int argc, char **argv)
{
    const char *server = NULL, *vkey = NULL, *saved = NULL, *product = NULL, *document = NULL, *version = NULL,
               *save = NULL;
    for (int i = 1; i < argc; i++) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        const char **slot = strcmp(argv[i], "--server") == 0       ? &server
                            : strcmp(argv[i], "--vkey") == 0       ? &vkey
                            : strcmp(argv[i], "--checkpoint") == 0 ? &saved
                            : strcmp(argv[i], "--product") == 0    ? &product
                            : strcmp(argv[i], "--document") == 0   ? &document
                            : strcmp(argv[i], "--version") == 0    ? &version
                            : strcmp(argv[i], "--save") == 0       ? &save
                                                                   : NULL;
        if (slot == NULL || value == NULL) {
            fprintf(stderr, "puhui verify: unknown option or missing value: %s\n", argv[i]);
            return 2;
        }
        *slot = value;
        i++;
    }
    struct target t;
    struct ph_checkpoint_verifier verifier;
    if (server == NULL || vkey == NULL || !parse_server(server, &t) ||
        ph_checkpoint_verifier_parse(vkey, &verifier) != PH_CHECKPOINT_OK) {
        fprintf(stderr, "puhui verify: needs --server http://HOST:PORT and a valid --vkey (see puhui --help)\n");
        return 2;
    }
    /* Only the client is used: no feature to ask for (and CivetWeb
     * reports 0 features initialised for that, which is not a failure). */
    mg_init_library(0);
    if (sodium_init() < 0)
        return 2;
    int failures = 0;
    char *note = NULL;
    size_t note_len = 0;
    struct ph_checkpoint now;
    if (http_get(&t, "/log/checkpoint", &note, &note_len) != 200) {
        free(note);
        mg_exit_library();
        return 2;
    }
    bool signed_ok = ph_checkpoint_verify(note, note_len, &verifier, NULL, &now) == PH_CHECKPOINT_OK;
    failures += report(signed_ok, "the current checkpoint is signed by the key");
    if (signed_ok)
        printf("     %s, size %llu\n", now.origin, (unsigned long long)now.size);

    if (signed_ok && saved != NULL) {
        static char old_note[PH_CHECKPOINT_NOTE_MAX];
        size_t old_len = 0;
        struct ph_checkpoint old;
        bool old_ok = read_file(saved, old_note, sizeof old_note, &old_len) &&
                      ph_checkpoint_verify(old_note, old_len, &verifier, now.origin, &old) == PH_CHECKPOINT_OK;
        failures += report(old_ok, "the saved checkpoint is signed by the key");
        if (old_ok) {
            char path[128];
            snprintf(path, sizeof path, "/log/proof/consistency?from=%llu&to=%llu", (unsigned long long)old.size,
                     (unsigned long long)now.size);
            json_t *answer = old.size > 0 && old.size <= now.size ? get_json(&t, path) : NULL;
            struct ph_merkle_proof proof;
            bool consistent = answer != NULL && proof_from(json_object_get(answer, "proof"), &proof) &&
                              ph_merkle_verify_consistency(old.size, now.size, old.root, now.root, &proof) ==
                                  PH_MERKLE_OK;
            failures += report(consistent, "the log grew from the saved checkpoint without rewriting anything");
            json_decref(answer);
        }
    }

    if (signed_ok && product != NULL) {
        char path[160];
        snprintf(path, sizeof path, "/api/v1/products/%.40s%s%.12s", product, version ? "/versions/" : "",
                 version ? version : "");
        json_t *p = get_json(&t, path);
        failures += check_leaf(&t, &now, p, json_string_value(json_object_get(p, "body_sha256")), "product version",
                               "body_sha256");
        json_decref(p);
    }

    if (signed_ok && document != NULL) {
        char path[160];
        snprintf(path, sizeof path, "/api/v1/documents/%.40s%s%.12s", document, version ? "/versions/" : "",
                 version ? version : "");
        json_t *d = get_json(&t, path);
        /* The fingerprint is computed here from the bytes the registry
         * serves, not taken from its JSON. */
        snprintf(path, sizeof path, "/api/v1/documents/%.40s/versions/%lld/content", document,
                 (long long)json_integer_value(json_object_get(d, "version")));
        char *bytes = NULL;
        size_t len = 0;
        char sha[65] = "";
        if (d != NULL && http_get(&t, path, &bytes, &len) == 200) {
            unsigned char digest[crypto_hash_sha256_BYTES];
            crypto_hash_sha256(digest, (const unsigned char *)bytes, len);
            sodium_bin2hex(sha, sizeof sha, digest, sizeof digest);
        }
        free(bytes);
        failures += report(sha[0] != '\0', "the document version's text is downloaded and hashed");
        failures += check_leaf(&t, &now, d, sha[0] != '\0' ? sha : NULL, "document version", "content_sha256");
        json_decref(d);
    }

    if (signed_ok && save != NULL) {
        FILE *f = fopen(save, "wb");
        bool written = f != NULL && fwrite(note, 1, note_len, f) == note_len;
        if (f != NULL && fclose(f) != 0)
            written = false;
        failures += report(written, "the current checkpoint is saved");
    }
    free(note);
    mg_exit_library();
    return failures == 0 ? 0 : 1;
}
