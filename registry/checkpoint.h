/*
 * registry/checkpoint.h - signed tree heads of the transparency log, as
 * C2SP checkpoints (c2sp.org/tlog-checkpoint) in C2SP signed notes
 * (c2sp.org/signed-note) with Ed25519 signatures (libsodium), so that
 * existing transparency-log tooling (golang.org/x/mod/sumdb/note, the
 * transparency-dev witnesses) can verify them.
 *
 * A signed checkpoint, byte for byte:
 *
 *     <origin>\n                      the log's identity, e.g. puhui.example.cn/log
 *     <size>\n                        leaves, decimal, no leading zeros
 *     <root>\n                        base64 of the RFC 9162 root (32 bytes)
 *     \n
 *     — <key name> <base64(key ID || Ed25519 signature of the 3 lines)>\n
 *
 * where "—" is U+2014 and the key ID is the first 4 bytes (big-endian) of
 * SHA-256(key name || 0x0A || 0x01 || 32-byte public key). A verifier key
 * ("vkey") is the text "<key name>+<key ID, 8 hex digits>+<base64(0x01 ||
 * public key)>", and a key file holds the signing key as
 * "PRIVATE+KEY+<key name>+<key ID hex>+<base64(0x01 || 32-byte seed)>\n",
 * both exactly as the Go note package writes them.
 *
 * Our own key names and origins are stricter than the spec allows: a key
 * name is 1-128 printable ASCII characters other than space and '+'; an
 * origin is 1-256 bytes of UTF-8 without control characters. Verification
 * is strict about structure (exactly three body lines, one blank line, then
 * signature lines; no extension lines), numbers (no leading zeros, no
 * overflow, at most 2^63) and base64 (padded, canonical), ignores signatures
 * by other keys, and requires one valid signature by the given key; a
 * signature that claims to be by that key but does not verify rejects the
 * note.
 *
 * All functions are thread-safe and keep no state; structs are the
 * caller's. Functions that use libsodium call sodium_init() themselves.
 */
#ifndef PH_REGISTRY_CHECKPOINT_H
#define PH_REGISTRY_CHECKPOINT_H

#include <stddef.h>
#include <stdint.h>

#include "registry/merkle.h"

#define PH_CHECKPOINT_NAME_MAX       128    /* bytes of a key name */
#define PH_CHECKPOINT_ORIGIN_MAX     256    /* bytes of an origin */
#define PH_CHECKPOINT_NOTE_MAX       262144 /* bytes of a note ph_checkpoint_verify reads */
#define PH_CHECKPOINT_SIGNATURES_MAX 100    /* signature lines in such a note (C2SP: at least 16) */
/* A buffer that holds any note ph_checkpoint_sign writes, with its NUL. */
#define PH_CHECKPOINT_SIGNED_MAX 1024
/* A buffer that holds any vkey string, with its NUL. */
#define PH_CHECKPOINT_VKEY_MAX (PH_CHECKPOINT_NAME_MAX + 64)
/* The most bytes a key file may have. */
#define PH_CHECKPOINT_KEY_FILE_MAX 512

typedef enum ph_checkpoint_status {
    PH_CHECKPOINT_OK = 0,
    PH_CHECKPOINT_ERR_ARGUMENT,    /* a key name, origin or size the format cannot carry */
    PH_CHECKPOINT_ERR_SPACE,       /* the output buffer is too small */
    PH_CHECKPOINT_ERR_CRYPTO,      /* libsodium could not be initialised */
    PH_CHECKPOINT_ERR_IO,          /* the key file could not be created, read or written (see errno) */
    PH_CHECKPOINT_ERR_EXISTS,      /* save: the key file exists already; nothing was written */
    PH_CHECKPOINT_ERR_PERMISSIONS, /* load: not a regular file, or group or others have access */
    PH_CHECKPOINT_ERR_KEY,         /* a malformed key file or vkey, or its key ID does not match */
    PH_CHECKPOINT_ERR_TOO_LARGE,   /* a note, origin or signature count over its PH_CHECKPOINT_*_MAX */
    PH_CHECKPOINT_ERR_ENCODING,    /* not UTF-8, or a control character other than newline */
    PH_CHECKPOINT_ERR_NEWLINE,     /* the note does not end with a newline */
    PH_CHECKPOINT_ERR_STRUCTURE,   /* not 3 non-empty lines, one blank line, signature lines */
    PH_CHECKPOINT_ERR_SIZE,        /* the size line is not a decimal number <= 2^63 without leading zeros */
    PH_CHECKPOINT_ERR_ROOT,        /* the root line is not canonical base64 of 32 bytes */
    PH_CHECKPOINT_ERR_SIGNATURE_LINE, /* a malformed signature line (em dash, name, base64, length) */
    PH_CHECKPOINT_ERR_UNSIGNED,       /* no signature by the verifier's key */
    PH_CHECKPOINT_ERR_BAD_SIGNATURE,  /* a signature by the verifier's key that does not verify */
    PH_CHECKPOINT_ERR_ORIGIN          /* validly signed, but not the expected origin */
} ph_checkpoint_status;

/* A short English description of a status, for logs and error messages. */
const char *ph_checkpoint_status_str(ph_checkpoint_status status);

/* A signing key. Caller-owned; _release zeroes it (sodium_memzero). */
struct ph_checkpoint_key {
    char name[PH_CHECKPOINT_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t public_key[32];
    uint8_t secret_key[64]; /* libsodium's Ed25519 secret key: seed || public key */
};

/* What a verifier needs: a key name, its ID and its public key. */
struct ph_checkpoint_verifier {
    char name[PH_CHECKPOINT_NAME_MAX + 1];
    uint32_t key_id;
    uint8_t public_key[32];
};

/* The three lines of a checkpoint. */
struct ph_checkpoint {
    char origin[PH_CHECKPOINT_ORIGIN_MAX + 1];
    uint64_t size;
    uint8_t root[PH_MERKLE_HASH_SIZE];
};

/* --- keys ------------------------------------------------------------------ */

/* An empty key (all zero). */
void ph_checkpoint_key_init(struct ph_checkpoint_key *key);
/* Zeroes every byte of the key, secret included. */
void ph_checkpoint_key_release(struct ph_checkpoint_key *key);

/* A new random key pair named `name`. PH_CHECKPOINT_ERR_ARGUMENT for a
 * name that is not 1-128 printable ASCII characters other than space and
 * '+'. On error *key is zeroed. */
ph_checkpoint_status ph_checkpoint_key_generate(struct ph_checkpoint_key *key, const char *name);

/* Writes the key to a new file at path, mode 0600, and syncs it and its
 * directory. Never overwrites: PH_CHECKPOINT_ERR_EXISTS when path exists
 * (a symbolic link included). PH_CHECKPOINT_ERR_IO (errno set) when the file
 * cannot be written; a partly written file is removed. */
ph_checkpoint_status ph_checkpoint_key_save(const struct ph_checkpoint_key *key, const char *path);

/* Reads a key file written by _save (or by Go's note.GenerateKey).
 * PH_CHECKPOINT_ERR_IO (errno set) when it cannot be opened or read, a
 * symbolic link included; PH_CHECKPOINT_ERR_PERMISSIONS when it is not a
 * regular file or its mode gives group or others any access;
 * PH_CHECKPOINT_ERR_KEY when the text is malformed, over
 * PH_CHECKPOINT_KEY_FILE_MAX bytes, or its key ID does not match its name
 * and key. On error *key is zeroed. Every copy of the secret read is zeroed
 * before returning. */
ph_checkpoint_status ph_checkpoint_key_load(struct ph_checkpoint_key *key, const char *path);

/* The vkey string of a key into out (out_size bytes, NUL-terminated;
 * PH_CHECKPOINT_VKEY_MAX is always enough). PH_CHECKPOINT_ERR_SPACE when
 * it does not fit; out is then unchanged. */
ph_checkpoint_status ph_checkpoint_key_vkey(const struct ph_checkpoint_key *key, char *out, size_t out_size);

/* The verifier of a key (no secret). */
void ph_checkpoint_key_verifier(const struct ph_checkpoint_key *key, struct ph_checkpoint_verifier *out);

/* Parses a vkey string. PH_CHECKPOINT_ERR_KEY when it is malformed, is not
 * an Ed25519 key (type byte 0x01), or its key ID does not match. On error
 * *out is zeroed. */
ph_checkpoint_status ph_checkpoint_verifier_parse(const char *vkey, struct ph_checkpoint_verifier *out);

/* --- checkpoints ------------------------------------------------------------ */

/* Signs the checkpoint (origin, size, root) with key into out as a signed
 * note, NUL-terminated, its length (without the NUL) in *out_len.
 * PH_CHECKPOINT_SIGNED_MAX bytes are always enough.
 * PH_CHECKPOINT_ERR_ARGUMENT for an origin that is not 1-256 bytes of UTF-8
 * without control characters, or a size over PH_MERKLE_SIZE_MAX;
 * PH_CHECKPOINT_ERR_SPACE when out is too small. On error out and *out_len
 * are unchanged. */
ph_checkpoint_status ph_checkpoint_sign(const struct ph_checkpoint_key *key, const char *origin,
                                        uint64_t size, const uint8_t root[PH_MERKLE_HASH_SIZE], char *out,
                                        size_t out_size, size_t *out_len);

/* Parses a signed checkpoint of note_len bytes (no NUL needed; a NUL byte
 * in it is an encoding error) and verifies it against verifier. When
 * expected_origin is not NULL the origin must equal it
 * (PH_CHECKPOINT_ERR_ORIGIN otherwise, reported only for a validly signed
 * note). PH_CHECKPOINT_OK only when the note is well-formed and carries a
 * valid signature by the verifier's key; *out is written only then. The
 * statuses say what is wrong first, in the order: size, encoding, final
 * newline, structure, body lines, signature lines, signatures, origin. */
ph_checkpoint_status ph_checkpoint_verify(const char *note, size_t note_len,
                                          const struct ph_checkpoint_verifier *verifier,
                                          const char *expected_origin, struct ph_checkpoint *out);

#endif
