/*
 * registry/checkpoint.c - C2SP checkpoints in C2SP signed notes, signed
 * with Ed25519 (see checkpoint.h and docs/internals/merkle.md).
 *
 * Specifications: c2sp.org/signed-note (note format, key IDs, signature
 * type 0x01), c2sp.org/tlog-checkpoint (the three body lines); the vkey
 * and key-file texts are those of golang.org/x/mod/sumdb/note, so keys move
 * between this registry and Go tooling unchanged.
 *
 * Base64 is decoded by our own strict decoder (standard alphabet, padded,
 * unused bits zero), so that each value has exactly one accepted spelling
 * and a signature line of any length is checked without allocating.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/checkpoint.h"

#define ED25519_TYPE     0x01 /* signed-note signature type of Ed25519 */
#define KEY_ID_SIZE      4
#define PUBLIC_KEY_SIZE  crypto_sign_PUBLICKEYBYTES
#define SEED_SIZE        crypto_sign_SEEDBYTES
#define SIGNATURE_SIZE   crypto_sign_BYTES
#define KEY_ID_HEX_SIZE  8
#define TYPED_KEY_SIZE   (1 + PUBLIC_KEY_SIZE) /* 0x01 || key: vkeys and key files */
#define SIGNATURE_BLOB   (KEY_ID_SIZE + SIGNATURE_SIZE)
#define ROOT_BASE64_SIZE 44 /* 32 bytes, padded */

/* U+2014 EM DASH and a space: how every signature line starts. */
static const char signature_line_start[] = "\xe2\x80\x94 ";
#define SIGNATURE_LINE_START_SIZE (sizeof signature_line_start - 1)
static const char key_file_prefix[] = "PRIVATE+KEY+";

const char *ph_checkpoint_status_str(ph_checkpoint_status status)
{
    switch (status) {
    case PH_CHECKPOINT_OK:
        return "ok";
    case PH_CHECKPOINT_ERR_ARGUMENT:
        return "invalid key name, origin or size";
    case PH_CHECKPOINT_ERR_SPACE:
        return "output buffer too small";
    case PH_CHECKPOINT_ERR_CRYPTO:
        return "libsodium could not be initialised";
    case PH_CHECKPOINT_ERR_IO:
        return "key file cannot be created, read or written";
    case PH_CHECKPOINT_ERR_EXISTS:
        return "key file exists already";
    case PH_CHECKPOINT_ERR_PERMISSIONS:
        return "key file is not a regular file readable by its owner only";
    case PH_CHECKPOINT_ERR_KEY:
        return "malformed key, or key ID does not match";
    case PH_CHECKPOINT_ERR_TOO_LARGE:
        return "note, origin or number of signatures over the limit";
    case PH_CHECKPOINT_ERR_ENCODING:
        return "note is not UTF-8 text without control characters";
    case PH_CHECKPOINT_ERR_NEWLINE:
        return "note does not end with a newline";
    case PH_CHECKPOINT_ERR_STRUCTURE:
        return "note is not three lines, a blank line and signature lines";
    case PH_CHECKPOINT_ERR_SIZE:
        return "tree size is not a decimal number up to 2^63 without leading zeros";
    case PH_CHECKPOINT_ERR_ROOT:
        return "root hash is not base64 of 32 bytes";
    case PH_CHECKPOINT_ERR_SIGNATURE_LINE:
        return "malformed signature line";
    case PH_CHECKPOINT_ERR_UNSIGNED:
        return "no signature by the log's key";
    case PH_CHECKPOINT_ERR_BAD_SIGNATURE:
        return "signature by the log's key does not verify";
    case PH_CHECKPOINT_ERR_ORIGIN:
        return "checkpoint is for another log (origin)";
    }
    return "unknown status";
}

/* --- text ------------------------------------------------------------------- */

/* Our key names: 1-128 printable ASCII characters, no space, no '+'. */
static bool valid_key_name(const char *name, size_t len)
{
    if (len == 0 || len > PH_CHECKPOINT_NAME_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '+')
            return false;
    }
    return true;
}

/* Valid UTF-8 (no overlong forms, surrogates or code points past
 * U+10FFFF) with no ASCII control character except, when allowed, '\n'. */
static bool clean_text(const char *text, size_t len, bool newline_ok)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (c < 0x20 && !(newline_ok && c == '\n'))
                return false;
            i++;
            continue;
        }
        size_t follow;
        uint32_t code;
        uint32_t smallest;
        if ((c & 0xe0) == 0xc0) {
            follow = 1;
            code = c & 0x1f;
            smallest = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            follow = 2;
            code = c & 0x0f;
            smallest = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            follow = 3;
            code = c & 0x07;
            smallest = 0x10000;
        } else {
            return false;
        }
        if (len - i <= follow)
            return false;
        for (size_t k = 1; k <= follow; k++) {
            unsigned char cc = s[i + k];
            if ((cc & 0xc0) != 0x80)
                return false;
            code = (code << 6) | (cc & 0x3f);
        }
        if (code < smallest || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
            return false;
        i += follow + 1;
    }
    return true;
}

static int base64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes standard, padded base64 (RFC 4648 section 4) that is the one
 * canonical encoding of its bytes: length a multiple of 4, '=' only as the
 * last one or two characters, unused bits zero. Stores the first out_max
 * bytes in out (out may be NULL) and their total number in *total. */
static bool base64_decode(const char *in, size_t in_len, uint8_t *out, size_t out_max, size_t *total)
{
    if (in_len == 0 || in_len % 4 != 0)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < in_len; i += 4) {
        bool last_group = i + 4 == in_len;
        int v[4];
        size_t padding = 0;
        for (size_t j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)in[i + j];
            if (c == '=' && last_group && j >= 2) {
                v[j] = 0;
                padding++;
                continue;
            }
            if (padding > 0)
                return false;
            v[j] = base64_value(c);
            if (v[j] < 0)
                return false;
        }
        if ((padding == 1 && (v[2] & 0x03) != 0) || (padding == 2 && (v[1] & 0x0f) != 0))
            return false;
        uint32_t group = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        for (size_t b = 0; b < 3 - padding; b++) {
            if (out != NULL && n < out_max)
                out[n] = (uint8_t)(group >> (16 - 8 * b));
            n++;
        }
    }
    *total = n;
    return true;
}

/* Exactly 8 lowercase hex digits, as the Go note package writes them. */
static bool parse_key_id_hex(const char *hex, uint32_t *out)
{
    uint32_t value = 0;
    for (size_t i = 0; i < KEY_ID_HEX_SIZE; i++) {
        char c = hex[i];
        uint32_t digit;
        if (c >= '0' && c <= '9')
            digit = (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            digit = (uint32_t)(c - 'a' + 10);
        else
            return false;
        value = value << 4 | digit;
    }
    *out = value;
    return true;
}

/* SHA-256(key name || 0x0A || 0x01 || public key)[:4], big-endian. */
static uint32_t key_id_of(const char *name, size_t name_len, const uint8_t public_key[PUBLIC_KEY_SIZE])
{
    static const unsigned char separator[2] = {'\n', ED25519_TYPE};
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, (const unsigned char *)name, name_len);
    crypto_hash_sha256_update(&state, separator, sizeof separator);
    crypto_hash_sha256_update(&state, public_key, PUBLIC_KEY_SIZE);
    crypto_hash_sha256_final(&state, digest);
    return (uint32_t)digest[0] << 24 | (uint32_t)digest[1] << 16 | (uint32_t)digest[2] << 8 | digest[3];
}

/* Parses "<name>+<8 hex>+<base64(0x01 || 32 bytes)>" (len bytes, no NUL
 * needed): the common tail of vkeys and key files. */
static bool parse_typed_key(const char *text, size_t len, char name[PH_CHECKPOINT_NAME_MAX + 1],
                            uint32_t *key_id, uint8_t key[32])
{
    const char *plus = memchr(text, '+', len);
    if (plus == NULL)
        return false;
    size_t name_len = (size_t)(plus - text);
    if (!valid_key_name(text, name_len))
        return false;
    size_t rest = len - name_len - 1;
    const char *hex = plus + 1;
    if (rest < KEY_ID_HEX_SIZE + 1 || hex[KEY_ID_HEX_SIZE] != '+' || !parse_key_id_hex(hex, key_id))
        return false;
    uint8_t typed[TYPED_KEY_SIZE];
    size_t typed_len = 0;
    bool ok = base64_decode(hex + KEY_ID_HEX_SIZE + 1, rest - KEY_ID_HEX_SIZE - 1, typed, sizeof typed,
                            &typed_len) &&
              typed_len == TYPED_KEY_SIZE && typed[0] == ED25519_TYPE;
    if (ok) {
        memcpy(key, typed + 1, 32);
        memcpy(name, text, name_len);
        name[name_len] = '\0';
    }
    sodium_memzero(typed, sizeof typed);
    return ok;
}

/* --- keys --------------------------------------------------------------------- */

void ph_checkpoint_key_init(struct ph_checkpoint_key *key)
{
    sodium_memzero(key, sizeof *key);
}

void ph_checkpoint_key_release(struct ph_checkpoint_key *key)
{
    sodium_memzero(key, sizeof *key);
}

static bool key_usable(const struct ph_checkpoint_key *key)
{
    return valid_key_name(key->name, strnlen(key->name, sizeof key->name));
}

ph_checkpoint_status ph_checkpoint_key_generate(struct ph_checkpoint_key *key, const char *name)
{
    ph_checkpoint_key_init(key);
    size_t name_len = strnlen(name, PH_CHECKPOINT_NAME_MAX + 1);
    if (!valid_key_name(name, name_len))
        return PH_CHECKPOINT_ERR_ARGUMENT;
    if (sodium_init() < 0)
        return PH_CHECKPOINT_ERR_CRYPTO;
    crypto_sign_keypair(key->public_key, key->secret_key);
    memcpy(key->name, name, name_len);
    key->name[name_len] = '\0';
    key->key_id = key_id_of(key->name, name_len, key->public_key);
    return PH_CHECKPOINT_OK;
}

/* The key file's text into out; its length, or 0 when it does not fit. */
static size_t key_file_text(const struct ph_checkpoint_key *key, char out[PH_CHECKPOINT_KEY_FILE_MAX])
{
    uint8_t typed[TYPED_KEY_SIZE];
    char typed_base64[sodium_base64_ENCODED_LEN(TYPED_KEY_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    typed[0] = ED25519_TYPE;
    crypto_sign_ed25519_sk_to_seed(typed + 1, key->secret_key);
    sodium_bin2base64(typed_base64, sizeof typed_base64, typed, sizeof typed, sodium_base64_VARIANT_ORIGINAL);
    int len = snprintf(out, PH_CHECKPOINT_KEY_FILE_MAX, "%s%s+%08" PRIx32 "+%s\n", key_file_prefix, key->name,
                       key->key_id, typed_base64);
    sodium_memzero(typed, sizeof typed);
    sodium_memzero(typed_base64, sizeof typed_base64);
    if (len < 0 || (size_t)len >= PH_CHECKPOINT_KEY_FILE_MAX)
        return 0;
    return (size_t)len;
}

static bool write_all(int fd, const char *bytes, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, bytes, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        bytes += n;
        len -= (size_t)n;
    }
    return true;
}

/* fsync()s the directory holding path, so that the new name survives a
 * crash. File systems that cannot sync directories (EINVAL) are let be. */
static bool sync_parent_directory(const char *path)
{
    char dir[PATH_MAX];
    size_t len = strnlen(path, sizeof dir);
    if (len >= sizeof dir) {
        errno = ENAMETOOLONG;
        return false;
    }
    memcpy(dir, path, len + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = fsync(fd) == 0 || errno == EINVAL;
    int saved = errno;
    close(fd);
    errno = saved;
    return ok;
}

ph_checkpoint_status ph_checkpoint_key_save(const struct ph_checkpoint_key *key, const char *path)
{
    if (!key_usable(key))
        return PH_CHECKPOINT_ERR_ARGUMENT;
    char text[PH_CHECKPOINT_KEY_FILE_MAX];
    size_t len = key_file_text(key, text);
    if (len == 0)
        return PH_CHECKPOINT_ERR_ARGUMENT;
    /* O_EXCL refuses an existing file and, with O_NOFOLLOW, a symbolic
     * link at path: a key is never overwritten, nor written elsewhere. */
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        sodium_memzero(text, sizeof text);
        return errno == EEXIST ? PH_CHECKPOINT_ERR_EXISTS : PH_CHECKPOINT_ERR_IO;
    }
    /* The umask can only clear bits of 0600; fchmod makes it exactly 0600
     * even under an unusual umask that cleared the owner's. */
    bool ok = fchmod(fd, 0600) == 0 && write_all(fd, text, len) && fsync(fd) == 0;
    int saved = errno;
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && !sync_parent_directory(path)) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(path);
        errno = saved;
        return PH_CHECKPOINT_ERR_IO;
    }
    return PH_CHECKPOINT_OK;
}

/* "PRIVATE+KEY+<name>+<hex>+<base64(0x01 || seed)>" with at most one
 * final newline. */
static ph_checkpoint_status parse_key_file(const char *text, size_t len, struct ph_checkpoint_key *key)
{
    if (len > 0 && text[len - 1] == '\n')
        len--;
    size_t prefix_len = sizeof key_file_prefix - 1;
    if (len < prefix_len || memcmp(text, key_file_prefix, prefix_len) != 0)
        return PH_CHECKPOINT_ERR_KEY;
    uint8_t seed[SEED_SIZE];
    uint32_t stated_id = 0;
    if (!parse_typed_key(text + prefix_len, len - prefix_len, key->name, &stated_id, seed))
        return PH_CHECKPOINT_ERR_KEY;
    crypto_sign_seed_keypair(key->public_key, key->secret_key, seed);
    sodium_memzero(seed, sizeof seed);
    key->key_id = key_id_of(key->name, strlen(key->name), key->public_key);
    if (key->key_id != stated_id)
        return PH_CHECKPOINT_ERR_KEY;
    return PH_CHECKPOINT_OK;
}

ph_checkpoint_status ph_checkpoint_key_load(struct ph_checkpoint_key *key, const char *path)
{
    ph_checkpoint_key_init(key);
    if (sodium_init() < 0)
        return PH_CHECKPOINT_ERR_CRYPTO;
    /* O_NONBLOCK: a FIFO at path must not block the open; fstat then
     * refuses it as not a regular file. */
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return PH_CHECKPOINT_ERR_IO;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return PH_CHECKPOINT_ERR_IO;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        close(fd);
        return PH_CHECKPOINT_ERR_PERMISSIONS;
    }
    char text[PH_CHECKPOINT_KEY_FILE_MAX + 1];
    size_t len = 0;
    bool read_failed = false;
    while (len < sizeof text) {
        ssize_t n = read(fd, text + len, sizeof text - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            read_failed = true;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    int saved = errno;
    close(fd);
    ph_checkpoint_status result;
    if (read_failed) {
        errno = saved;
        result = PH_CHECKPOINT_ERR_IO;
    } else if (len > PH_CHECKPOINT_KEY_FILE_MAX) {
        result = PH_CHECKPOINT_ERR_KEY;
    } else {
        result = parse_key_file(text, len, key);
    }
    sodium_memzero(text, sizeof text);
    if (result != PH_CHECKPOINT_OK)
        ph_checkpoint_key_init(key);
    return result;
}

ph_checkpoint_status ph_checkpoint_key_vkey(const struct ph_checkpoint_key *key, char *out, size_t out_size)
{
    if (!key_usable(key))
        return PH_CHECKPOINT_ERR_ARGUMENT;
    uint8_t typed[TYPED_KEY_SIZE];
    char typed_base64[sodium_base64_ENCODED_LEN(TYPED_KEY_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    typed[0] = ED25519_TYPE;
    memcpy(typed + 1, key->public_key, PUBLIC_KEY_SIZE);
    sodium_bin2base64(typed_base64, sizeof typed_base64, typed, sizeof typed, sodium_base64_VARIANT_ORIGINAL);
    char vkey[PH_CHECKPOINT_VKEY_MAX];
    int len = snprintf(vkey, sizeof vkey, "%s+%08" PRIx32 "+%s", key->name, key->key_id, typed_base64);
    if (len < 0 || (size_t)len >= sizeof vkey || (size_t)len >= out_size)
        return PH_CHECKPOINT_ERR_SPACE;
    memcpy(out, vkey, (size_t)len + 1);
    return PH_CHECKPOINT_OK;
}

void ph_checkpoint_key_verifier(const struct ph_checkpoint_key *key, struct ph_checkpoint_verifier *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->name, key->name, sizeof out->name);
    out->name[PH_CHECKPOINT_NAME_MAX] = '\0';
    out->key_id = key->key_id;
    memcpy(out->public_key, key->public_key, PUBLIC_KEY_SIZE);
}

ph_checkpoint_status ph_checkpoint_verifier_parse(const char *vkey, struct ph_checkpoint_verifier *out)
{
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0)
        return PH_CHECKPOINT_ERR_CRYPTO;
    size_t len = strnlen(vkey, PH_CHECKPOINT_VKEY_MAX);
    uint32_t stated_id = 0;
    if (len >= PH_CHECKPOINT_VKEY_MAX ||
        !parse_typed_key(vkey, len, out->name, &stated_id, out->public_key)) {
        memset(out, 0, sizeof *out);
        return PH_CHECKPOINT_ERR_KEY;
    }
    out->key_id = key_id_of(out->name, strlen(out->name), out->public_key);
    if (out->key_id != stated_id) {
        memset(out, 0, sizeof *out);
        return PH_CHECKPOINT_ERR_KEY;
    }
    return PH_CHECKPOINT_OK;
}

/* --- checkpoints --------------------------------------------------------------- */

ph_checkpoint_status ph_checkpoint_sign(const struct ph_checkpoint_key *key, const char *origin,
                                        uint64_t size, const uint8_t root[PH_MERKLE_HASH_SIZE], char *out,
                                        size_t out_size, size_t *out_len)
{
    size_t origin_len = strnlen(origin, PH_CHECKPOINT_ORIGIN_MAX + 1);
    if (!key_usable(key) || origin_len == 0 || origin_len > PH_CHECKPOINT_ORIGIN_MAX ||
        !clean_text(origin, origin_len, false) || size > PH_MERKLE_SIZE_MAX)
        return PH_CHECKPOINT_ERR_ARGUMENT;
    if (sodium_init() < 0)
        return PH_CHECKPOINT_ERR_CRYPTO;

    char root_base64[sodium_base64_ENCODED_LEN(PH_MERKLE_HASH_SIZE, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(root_base64, sizeof root_base64, root, PH_MERKLE_HASH_SIZE,
                      sodium_base64_VARIANT_ORIGINAL);
    char note[PH_CHECKPOINT_SIGNED_MAX];
    int body_len = snprintf(note, sizeof note, "%s\n%" PRIu64 "\n%s\n", origin, size, root_base64);
    if (body_len < 0 || (size_t)body_len >= sizeof note)
        return PH_CHECKPOINT_ERR_ARGUMENT;

    uint8_t blob[SIGNATURE_BLOB];
    blob[0] = (uint8_t)(key->key_id >> 24);
    blob[1] = (uint8_t)(key->key_id >> 16);
    blob[2] = (uint8_t)(key->key_id >> 8);
    blob[3] = (uint8_t)key->key_id;
    if (crypto_sign_detached(blob + KEY_ID_SIZE, NULL, (const unsigned char *)note,
                             (unsigned long long)body_len, key->secret_key) != 0)
        return PH_CHECKPOINT_ERR_CRYPTO;
    char blob_base64[sodium_base64_ENCODED_LEN(SIGNATURE_BLOB, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(blob_base64, sizeof blob_base64, blob, sizeof blob, sodium_base64_VARIANT_ORIGINAL);
    int sig_len = snprintf(note + body_len, sizeof note - (size_t)body_len, "\n%s%s %s\n",
                           signature_line_start, key->name, blob_base64);
    if (sig_len < 0 || (size_t)sig_len >= sizeof note - (size_t)body_len)
        return PH_CHECKPOINT_ERR_ARGUMENT;
    size_t total = (size_t)body_len + (size_t)sig_len;
    if (total >= out_size)
        return PH_CHECKPOINT_ERR_SPACE;
    memcpy(out, note, total + 1);
    *out_len = total;
    return PH_CHECKPOINT_OK;
}

/* A decimal size: digits only, no leading zero (but "0"), at most
 * PH_MERKLE_SIZE_MAX, without overflowing on the way. */
static bool parse_size(const char *text, size_t len, uint64_t *out)
{
    if (len == 0 || (len > 1 && text[0] == '0'))
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        uint64_t digit = (uint64_t)(text[i] - '0');
        if (value > (PH_MERKLE_SIZE_MAX - digit) / 10)
            return false;
        value = value * 10 + digit;
    }
    *out = value;
    return true;
}

/* The note text: exactly three non-empty lines, each ending in '\n'. */
static ph_checkpoint_status parse_body(const char *text, size_t len, struct ph_checkpoint *cp)
{
    const char *line[3];
    size_t line_len[3];
    size_t start = 0;
    for (size_t i = 0; i < 3; i++) {
        const char *newline = start < len ? memchr(text + start, '\n', len - start) : NULL;
        if (newline == NULL)
            return PH_CHECKPOINT_ERR_STRUCTURE;
        line[i] = text + start;
        line_len[i] = (size_t)(newline - line[i]);
        if (line_len[i] == 0)
            return PH_CHECKPOINT_ERR_STRUCTURE;
        start += line_len[i] + 1;
    }
    if (start != len)
        return PH_CHECKPOINT_ERR_STRUCTURE; /* extension lines */
    if (line_len[0] > PH_CHECKPOINT_ORIGIN_MAX)
        return PH_CHECKPOINT_ERR_TOO_LARGE;
    memcpy(cp->origin, line[0], line_len[0]);
    cp->origin[line_len[0]] = '\0';
    if (!parse_size(line[1], line_len[1], &cp->size))
        return PH_CHECKPOINT_ERR_SIZE;
    size_t root_len = 0;
    if (line_len[2] != ROOT_BASE64_SIZE ||
        !base64_decode(line[2], line_len[2], cp->root, sizeof cp->root, &root_len) ||
        root_len != PH_MERKLE_HASH_SIZE)
        return PH_CHECKPOINT_ERR_ROOT;
    return PH_CHECKPOINT_OK;
}

struct signature_line {
    const char *name;
    size_t name_len;
    uint32_t key_id;
    uint8_t blob[SIGNATURE_BLOB]; /* the first bytes of the signature */
    size_t blob_len;              /* all of its bytes */
};

/* "— <name> <base64(key ID || signature)>" (without its newline). */
static bool parse_signature_line(const char *line, size_t len, struct signature_line *sig)
{
    if (len < SIGNATURE_LINE_START_SIZE || memcmp(line, signature_line_start, SIGNATURE_LINE_START_SIZE) != 0)
        return false;
    const char *name = line + SIGNATURE_LINE_START_SIZE;
    size_t rest = len - SIGNATURE_LINE_START_SIZE;
    const char *space = memchr(name, ' ', rest);
    if (space == NULL || space == name || memchr(name, '+', (size_t)(space - name)) != NULL)
        return false;
    sig->name = name;
    sig->name_len = (size_t)(space - name);
    const char *base64 = space + 1;
    size_t base64_len = rest - sig->name_len - 1;
    if (!base64_decode(base64, base64_len, sig->blob, sizeof sig->blob, &sig->blob_len) ||
        sig->blob_len < KEY_ID_SIZE + 1)
        return false;
    sig->key_id = (uint32_t)sig->blob[0] << 24 | (uint32_t)sig->blob[1] << 16 | (uint32_t)sig->blob[2] << 8 |
                  sig->blob[3];
    return true;
}

/* Each signature line of the block [block, block + len), which ends in
 * '\n', in turn; *pos is where the next starts. */
static bool next_line(const char *block, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    if (*pos >= len)
        return false;
    const char *newline = memchr(block + *pos, '\n', len - *pos);
    *line = block + *pos;
    *line_len = (size_t)(newline - *line);
    *pos += *line_len + 1;
    return true;
}

ph_checkpoint_status ph_checkpoint_verify(const char *note, size_t note_len,
                                          const struct ph_checkpoint_verifier *verifier,
                                          const char *expected_origin, struct ph_checkpoint *out)
{
    if (note_len > PH_CHECKPOINT_NOTE_MAX)
        return PH_CHECKPOINT_ERR_TOO_LARGE;
    if (!clean_text(note, note_len, true))
        return PH_CHECKPOINT_ERR_ENCODING;
    if (note_len == 0 || note[note_len - 1] != '\n')
        return PH_CHECKPOINT_ERR_NEWLINE;
    if (sodium_init() < 0)
        return PH_CHECKPOINT_ERR_CRYPTO;

    /* The text ends at the last blank line; signature lines follow. */
    size_t blank = note_len;
    for (size_t i = note_len - 1; i > 0; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            blank = i;
            break;
        }
    }
    if (blank == note_len || blank == note_len - 1)
        return PH_CHECKPOINT_ERR_STRUCTURE;
    size_t text_len = blank; /* up to and with the newline before the blank line */
    const char *signatures = note + blank + 1;
    size_t signatures_len = note_len - blank - 1;

    struct ph_checkpoint cp;
    memset(&cp, 0, sizeof cp);
    ph_checkpoint_status st = parse_body(note, text_len, &cp);
    if (st != PH_CHECKPOINT_OK)
        return st;

    /* Every signature line must be well-formed, whoever signed it. */
    size_t lines = 0;
    size_t pos = 0;
    const char *line;
    size_t line_len;
    struct signature_line sig;
    while (next_line(signatures, signatures_len, &pos, &line, &line_len)) {
        if (++lines > PH_CHECKPOINT_SIGNATURES_MAX)
            return PH_CHECKPOINT_ERR_TOO_LARGE;
        if (!parse_signature_line(line, line_len, &sig))
            return PH_CHECKPOINT_ERR_SIGNATURE_LINE;
    }

    /* Signatures by other keys (another name or another ID) are ignored;
     * every one by this key must verify, and there must be one. */
    size_t verified = 0;
    size_t name_len = strnlen(verifier->name, sizeof verifier->name);
    pos = 0;
    while (next_line(signatures, signatures_len, &pos, &line, &line_len)) {
        parse_signature_line(line, line_len, &sig);
        if (sig.name_len != name_len || memcmp(sig.name, verifier->name, name_len) != 0 ||
            sig.key_id != verifier->key_id)
            continue;
        if (sig.blob_len != SIGNATURE_BLOB ||
            crypto_sign_verify_detached(sig.blob + KEY_ID_SIZE, (const unsigned char *)note,
                                        (unsigned long long)text_len, verifier->public_key) != 0)
            return PH_CHECKPOINT_ERR_BAD_SIGNATURE;
        verified++;
    }
    if (verified == 0)
        return PH_CHECKPOINT_ERR_UNSIGNED;
    if (expected_origin != NULL && strcmp(expected_origin, cp.origin) != 0)
        return PH_CHECKPOINT_ERR_ORIGIN;
    *out = cp;
    return PH_CHECKPOINT_OK;
}
