/*
 * registry/merkle.h - the transparency log's Merkle tree (RFC 9162 section
 * 2.1): tree heads, inclusion and consistency proofs, and their verifiers.
 *
 * Hashes (section 2.1.1):
 *     leaf hash  = SHA-256(0x00 || leaf bytes)
 *     node hash  = SHA-256(0x01 || left || right)
 *     MTH({})    = SHA-256("")             the empty tree
 *     MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of
 *                  two smaller than n (n > 1)
 *
 * Where the leaves come from. Every function that builds something reads
 * the tree through a struct ph_merkle_source: a required callback giving
 * the hash of leaf i, and an optional one giving the hash of a *perfect
 * subtree* - the 2^level leaves [index * 2^level, (index + 1) * 2^level),
 * which is a node of every tree of at least (index + 1) * 2^level leaves
 * and never changes once complete, because the log only grows. Every left
 * child in an RFC 9162 tree is such a subtree, so:
 *   - with node_hash backed by stored hashes (a table written in the same
 *     transaction as each leaf, or a ph_merkle_memtree), a root or a proof
 *     reads O(log n) hashes: at most about 2 log2(n) lookups and as many
 *     SHA-256 compressions, independent of how many leaves there are;
 *   - without node_hash (or when it answers PH_MERKLE_SOURCE_MISSING), a
 *     perfect subtree is recomputed from its leaves: correct, but O(n) for
 *     a whole tree. Fine for tests and small trees, not for serving proofs.
 * The functions only ever ask for leaves below the size they are given and
 * for perfect subtrees that are complete at that size, so a source may
 * answer from whatever it has stored as long as it holds that many leaves.
 * The source is trusted by the prover: a wrong stored hash yields a wrong
 * root or proofs that do not verify, never a crash.
 *
 * ph_merkle_append_nodes() tells a writer which perfect-subtree hashes
 * become complete when a leaf is appended (at most one per level), so that
 * it can store them with the leaf.
 *
 * Limits: trees of at most PH_MERKLE_SIZE_MAX (2^63) leaves, so a proof has
 * at most PH_MERKLE_PROOF_MAX (64) hashes. Larger sizes, indexes at or past
 * the size and proofs over 64 hashes are refused with PH_MERKLE_ERR_RANGE.
 *
 * Every function is pure (no global state, no allocation) except the
 * memtree, which owns its arrays. Nothing here needs sodium_init().
 */
#ifndef PH_REGISTRY_MERKLE_H
#define PH_REGISTRY_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#define PH_MERKLE_HASH_SIZE 32
/* The most leaves a tree may have: 2^63 (log indexes are SQLite int64). */
#define PH_MERKLE_SIZE_MAX (UINT64_C(1) << 63)
/* Levels of perfect subtrees in such a tree: 0 (leaves) to 63. */
#define PH_MERKLE_LEVELS 64
/* The longest proof for any size up to PH_MERKLE_SIZE_MAX. */
#define PH_MERKLE_PROOF_MAX 64

typedef enum ph_merkle_status {
    PH_MERKLE_OK = 0,
    PH_MERKLE_ERR_RANGE,    /* a size, index or proof length outside its bounds */
    PH_MERKLE_ERR_SOURCE,   /* the source's callback failed */
    PH_MERKLE_ERR_MISMATCH, /* a proof did not verify: wrong hash, index, size or root */
    PH_MERKLE_ERR_MEMORY    /* a memtree could not grow (or reached its size_max) */
} ph_merkle_status;

/* A short English description of a status, for logs and error messages. */
const char *ph_merkle_status_str(ph_merkle_status status);

/* What a source's callbacks return. Any other value is a failure. */
#define PH_MERKLE_SOURCE_OK      0
#define PH_MERKLE_SOURCE_MISSING 1 /* node_hash only: not stored, compute it */

/*
 * Where a tree's hashes come from. ctx is passed to the callbacks as is and
 * is not owned.
 *  leaf_hash  (required) writes the leaf hash of leaf `index` into out
 *             (log_leaves.leaf_hash, already SHA-256(0x00 || data)).
 *  node_hash  (optional, may be NULL) writes the hash of the perfect
 *             subtree of 2^level leaves starting at leaf index << level
 *             (1 <= level <= 63), or returns PH_MERKLE_SOURCE_MISSING to
 *             have it computed from its two halves.
 * Callbacks return PH_MERKLE_SOURCE_OK, PH_MERKLE_SOURCE_MISSING or any
 * other value for a failure, which the caller reports as
 * PH_MERKLE_ERR_SOURCE.
 */
struct ph_merkle_source {
    void *ctx;
    int (*leaf_hash)(void *ctx, uint64_t index, uint8_t out[PH_MERKLE_HASH_SIZE]);
    int (*node_hash)(void *ctx, unsigned level, uint64_t index, uint8_t out[PH_MERKLE_HASH_SIZE]);
};

/* A proof: len hashes, in the order RFC 9162 lists them (from the leaf or
 * the old tree upwards). Caller-owned, usually on the stack (2 KiB). */
struct ph_merkle_proof {
    size_t len;
    uint8_t hash[PH_MERKLE_PROOF_MAX][PH_MERKLE_HASH_SIZE];
};

/* A perfect subtree's hash, as ph_merkle_append_nodes reports it. */
struct ph_merkle_node {
    unsigned level; /* 1..63: the subtree has 2^level leaves */
    uint64_t index; /* its leaves start at index << level */
    uint8_t hash[PH_MERKLE_HASH_SIZE];
};

/* --- hashes ------------------------------------------------------------- */

/* SHA-256(0x00 || data). data may be NULL when len is 0. */
void ph_merkle_leaf_hash(const void *data, size_t len, uint8_t out[PH_MERKLE_HASH_SIZE]);
/* SHA-256(0x01 || left || right). out may alias left or right. */
void ph_merkle_node_hash(const uint8_t left[PH_MERKLE_HASH_SIZE], const uint8_t right[PH_MERKLE_HASH_SIZE],
                         uint8_t out[PH_MERKLE_HASH_SIZE]);
/* SHA-256 of the empty string: the root of the empty tree. */
void ph_merkle_empty_root(uint8_t out[PH_MERKLE_HASH_SIZE]);

/* --- building (through a source) ----------------------------------------- */

/* MTH of the first `size` leaves (the empty-tree hash for 0).
 * PH_MERKLE_ERR_RANGE when size > PH_MERKLE_SIZE_MAX, PH_MERKLE_ERR_SOURCE
 * when a callback fails; on error *out is unchanged. */
ph_merkle_status ph_merkle_root(const struct ph_merkle_source *source, uint64_t size,
                                uint8_t out[PH_MERKLE_HASH_SIZE]);

/* The inclusion proof (audit path) of leaf `index` in the tree of the first
 * `size` leaves, RFC 9162 2.1.3.1 PATH(index, D[size]).
 * PH_MERKLE_ERR_RANGE unless index < size <= PH_MERKLE_SIZE_MAX.
 * On error *proof is unchanged. */
ph_merkle_status ph_merkle_inclusion_proof(const struct ph_merkle_source *source, uint64_t index,
                                           uint64_t size, struct ph_merkle_proof *proof);

/* The consistency proof between the trees of the first m and the first n
 * leaves, RFC 9162 2.1.4.1 PROOF(m, D[n]). Empty when m == 0 or m == n.
 * PH_MERKLE_ERR_RANGE unless m <= n <= PH_MERKLE_SIZE_MAX.
 * On error *proof is unchanged. */
ph_merkle_status ph_merkle_consistency_proof(const struct ph_merkle_source *source, uint64_t m, uint64_t n,
                                             struct ph_merkle_proof *proof);

/* The perfect subtrees completed by appending leaf `index` (so that the
 * tree grows from index to index + 1 leaves), lowest level first, with
 * their hashes: one per trailing 1 bit of index, at most 63. The source
 * must hold leaves (and may hold perfect subtrees) below index; leaf_hash
 * is the new leaf's hash. A writer stores each node with the leaf, in the
 * same transaction, and serves them back through node_hash.
 * PH_MERKLE_ERR_RANGE when index >= PH_MERKLE_SIZE_MAX; on error *count is
 * 0. */
ph_merkle_status ph_merkle_append_nodes(const struct ph_merkle_source *source, uint64_t index,
                                        const uint8_t leaf_hash[PH_MERKLE_HASH_SIZE],
                                        struct ph_merkle_node nodes[PH_MERKLE_LEVELS - 1], size_t *count);

/* --- verifying (no source: everything comes from the proof) -------------- */

/* RFC 9162 2.1.3.2: PH_MERKLE_OK when `proof` proves that the leaf with
 * hash leaf_hash is leaf `index` of the tree of `size` leaves whose root is
 * `root`. PH_MERKLE_ERR_RANGE when index >= size, size >
 * PH_MERKLE_SIZE_MAX or proof->len > PH_MERKLE_PROOF_MAX;
 * PH_MERKLE_ERR_MISMATCH for any other failure (a proof of the wrong
 * length, a wrong hash, a wrong root). */
ph_merkle_status ph_merkle_verify_inclusion(const uint8_t leaf_hash[PH_MERKLE_HASH_SIZE], uint64_t index,
                                            uint64_t size, const struct ph_merkle_proof *proof,
                                            const uint8_t root[PH_MERKLE_HASH_SIZE]);

/* RFC 9162 2.1.4.2: PH_MERKLE_OK when `proof` proves that the tree of m
 * leaves with root root_m is a prefix of the tree of n leaves with root
 * root_n. Edge cases, which RFC 9162 leaves to the caller:
 *   m == 0:  the proof must be empty and root_m the empty-tree hash;
 *   m == n:  the proof must be empty and root_m == root_n.
 * PH_MERKLE_ERR_RANGE when m > n, n > PH_MERKLE_SIZE_MAX or proof->len >
 * PH_MERKLE_PROOF_MAX; PH_MERKLE_ERR_MISMATCH for any other failure. */
ph_merkle_status ph_merkle_verify_consistency(uint64_t m, uint64_t n,
                                              const uint8_t root_m[PH_MERKLE_HASH_SIZE],
                                              const uint8_t root_n[PH_MERKLE_HASH_SIZE],
                                              const struct ph_merkle_proof *proof);

/* --- an in-memory tree ---------------------------------------------------- */

/*
 * Every leaf hash and every complete perfect-subtree hash, in memory: about
 * 2 x 32 bytes per leaf (64 MB for a million leaves). For tests, benchmarks
 * and tools that rebuild a log from its leaves (an auditor recomputing every
 * hash); the registry itself stores the same hashes in SQLite.
 * Invariant: level L holds exactly size >> L hashes, hash j being the
 * perfect subtree of leaves [j << L, (j + 1) << L).
 */
struct ph_merkle_memtree {
    uint64_t size;     /* leaves appended */
    uint64_t size_max; /* the cap set by _init */
    uint8_t *level[PH_MERKLE_LEVELS];
    uint64_t capacity[PH_MERKLE_LEVELS]; /* hashes allocated per level */
};

/* An empty tree that will take at most size_max leaves (<= 2^40, so that
 * its arrays can be addressed; larger caps are lowered to that). */
void ph_merkle_memtree_init(struct ph_merkle_memtree *tree, uint64_t size_max);
/* Frees every array; the tree is empty (and usable) afterwards. */
void ph_merkle_memtree_release(struct ph_merkle_memtree *tree);
/* Appends one leaf hash and the perfect subtrees it completes.
 * PH_MERKLE_ERR_MEMORY when out of memory or at size_max; on error the tree
 * is unchanged. */
ph_merkle_status ph_merkle_memtree_append(struct ph_merkle_memtree *tree,
                                          const uint8_t leaf_hash[PH_MERKLE_HASH_SIZE]);
/* A source reading the tree (both callbacks). Valid while the tree is. */
struct ph_merkle_source ph_merkle_memtree_source(struct ph_merkle_memtree *tree);

#endif
