/*
 * registry/merkle.c - RFC 9162 section 2.1 Merkle trees over a source of
 * leaf and perfect-subtree hashes (see merkle.h and
 * docs/internals/merkle.md).
 *
 * The builders walk down from the root as the RFC's recursive definitions
 * do (MTH, PATH, SUBPROOF), keeping only the current range; every hash
 * they need is the MTH of a range [start, start + count) whose start is a
 * multiple of the largest power of two in count, which splits into at most
 * 63 perfect subtrees (one per bit of count) read through the source. The
 * verifiers are RFC 9162 2.1.3.2 and 2.1.4.2 step by step, plus an exact
 * proof-length check.
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "registry/merkle.h"

#define HASH PH_MERKLE_HASH_SIZE

/* A memtree never takes more leaves than this, so that its arrays' byte
 * sizes (at most 2^40 x 32) fit a size_t on 64-bit systems. */
#define MEMTREE_SIZE_CAP       (UINT64_C(1) << 40)
#define MEMTREE_FIRST_CAPACITY 1024

const char *ph_merkle_status_str(ph_merkle_status status)
{
    switch (status) {
    case PH_MERKLE_OK:
        return "ok";
    case PH_MERKLE_ERR_RANGE:
        return "index, size or proof length out of range";
    case PH_MERKLE_ERR_SOURCE:
        return "the hash source failed";
    case PH_MERKLE_ERR_MISMATCH:
        return "the proof does not verify";
    case PH_MERKLE_ERR_MEMORY:
        return "out of memory or at the tree's size limit";
    }
    return "unknown status";
}

/* --- hashes ------------------------------------------------------------- */

void ph_merkle_leaf_hash(const void *data, size_t len, uint8_t out[HASH])
{
    static const unsigned char leaf_prefix = 0x00;
    crypto_hash_sha256_state state;
    crypto_hash_sha256_init(&state);
    crypto_hash_sha256_update(&state, &leaf_prefix, 1);
    if (len > 0)
        crypto_hash_sha256_update(&state, data, (unsigned long long)len);
    crypto_hash_sha256_final(&state, out);
}

void ph_merkle_node_hash(const uint8_t left[HASH], const uint8_t right[HASH], uint8_t out[HASH])
{
    unsigned char input[1 + 2 * HASH];
    input[0] = 0x01;
    memcpy(input + 1, left, HASH);
    memcpy(input + 1 + HASH, right, HASH);
    crypto_hash_sha256(out, input, sizeof input);
}

void ph_merkle_empty_root(uint8_t out[HASH])
{
    static const unsigned char nothing[1] = {0};
    crypto_hash_sha256(out, nothing, 0);
}

/* --- tree shape ----------------------------------------------------------- */

/* The largest power of two smaller than n, for n >= 2 (RFC 9162's k). */
static uint64_t split_point(uint64_t n)
{
    return UINT64_C(1) << (63 - __builtin_clzll(n - 1));
}

static unsigned lowest_bit(uint64_t n)
{
    return (unsigned)__builtin_ctzll(n);
}

/* --- building ---------------------------------------------------------------- */

/* The hash of the perfect subtree of 2^level leaves starting at leaf
 * index << level: the source's leaf or stored node, or its two halves. */
static ph_merkle_status perfect_hash(const struct ph_merkle_source *source, unsigned level, uint64_t index,
                                     uint8_t out[HASH])
{
    if (level == 0) {
        if (source->leaf_hash(source->ctx, index, out) != PH_MERKLE_SOURCE_OK)
            return PH_MERKLE_ERR_SOURCE;
        return PH_MERKLE_OK;
    }
    if (source->node_hash != NULL) {
        int rc = source->node_hash(source->ctx, level, index, out);
        if (rc == PH_MERKLE_SOURCE_OK)
            return PH_MERKLE_OK;
        if (rc != PH_MERKLE_SOURCE_MISSING)
            return PH_MERKLE_ERR_SOURCE;
    }
    uint8_t left[HASH];
    uint8_t right[HASH];
    ph_merkle_status st = perfect_hash(source, level - 1, index * 2, left);
    if (st == PH_MERKLE_OK)
        st = perfect_hash(source, level - 1, index * 2 + 1, right);
    if (st != PH_MERKLE_OK)
        return st;
    ph_merkle_node_hash(left, right, out);
    return PH_MERKLE_OK;
}

/* MTH(D[start : start + count]), count >= 1, where start is a multiple of
 * the largest power of two in count (true of every range the RFC's
 * recursions reach). The range is the perfect subtrees of count's bits,
 * largest first; MTH folds them from the right:
 * node(P1, node(P2, ... node(Pk-1, Pk))). */
static ph_merkle_status range_hash(const struct ph_merkle_source *source, uint64_t start, uint64_t count,
                                   uint8_t out[HASH])
{
    uint8_t acc[HASH];
    bool have_acc = false;
    uint64_t rest = count;
    while (rest != 0) {
        unsigned level = lowest_bit(rest);
        uint64_t piece = UINT64_C(1) << level;
        uint64_t piece_start = start + (rest - piece);
        if ((piece_start & (piece - 1)) != 0)
            return PH_MERKLE_ERR_RANGE; /* not a range the RFC builds on */
        uint8_t piece_hash[HASH];
        ph_merkle_status st = perfect_hash(source, level, piece_start >> level, piece_hash);
        if (st != PH_MERKLE_OK)
            return st;
        if (have_acc)
            ph_merkle_node_hash(piece_hash, acc, acc);
        else
            memcpy(acc, piece_hash, HASH);
        have_acc = true;
        rest -= piece;
    }
    memcpy(out, acc, HASH);
    return PH_MERKLE_OK;
}

static bool source_usable(const struct ph_merkle_source *source)
{
    return source != NULL && source->leaf_hash != NULL;
}

ph_merkle_status ph_merkle_root(const struct ph_merkle_source *source, uint64_t size, uint8_t out[HASH])
{
    if (size > PH_MERKLE_SIZE_MAX)
        return PH_MERKLE_ERR_RANGE;
    if (size == 0) {
        ph_merkle_empty_root(out);
        return PH_MERKLE_OK;
    }
    if (!source_usable(source))
        return PH_MERKLE_ERR_SOURCE;
    return range_hash(source, 0, size, out);
}

/* Writes the siblings gathered on the way down (top first) into a proof,
 * bottom first, after `base` hashes already in it. */
static void proof_fill(struct ph_merkle_proof *proof, const uint8_t (*base)[HASH], size_t base_len,
                       const uint8_t (*siblings)[HASH], size_t sibling_count)
{
    for (size_t i = 0; i < base_len; i++)
        memcpy(proof->hash[i], base[i], HASH);
    for (size_t i = 0; i < sibling_count; i++)
        memcpy(proof->hash[base_len + i], siblings[sibling_count - 1 - i], HASH);
    proof->len = base_len + sibling_count;
}

ph_merkle_status ph_merkle_inclusion_proof(const struct ph_merkle_source *source, uint64_t index,
                                           uint64_t size, struct ph_merkle_proof *proof)
{
    if (size > PH_MERKLE_SIZE_MAX || index >= size)
        return PH_MERKLE_ERR_RANGE;
    if (!source_usable(source))
        return PH_MERKLE_ERR_SOURCE;
    /* PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n])          for m < k
     *               = PATH(m - k, D[k:n]) : MTH(D[0:k])      for m >= k */
    uint8_t siblings[PH_MERKLE_PROOF_MAX][HASH];
    size_t depth = 0;
    uint64_t start = 0;
    uint64_t count = size;
    uint64_t m = index;
    while (count > 1) {
        uint64_t k = split_point(count);
        ph_merkle_status st;
        if (m < k) {
            st = range_hash(source, start + k, count - k, siblings[depth]);
            count = k;
        } else {
            st = range_hash(source, start, k, siblings[depth]);
            start += k;
            m -= k;
            count -= k;
        }
        if (st != PH_MERKLE_OK)
            return st;
        depth++;
    }
    proof_fill(proof, NULL, 0, (const uint8_t(*)[HASH])siblings, depth);
    return PH_MERKLE_OK;
}

ph_merkle_status ph_merkle_consistency_proof(const struct ph_merkle_source *source, uint64_t m, uint64_t n,
                                             struct ph_merkle_proof *proof)
{
    if (n > PH_MERKLE_SIZE_MAX || m > n)
        return PH_MERKLE_ERR_RANGE;
    if (m == 0 || m == n) {
        proof->len = 0;
        return PH_MERKLE_OK;
    }
    if (!source_usable(source))
        return PH_MERKLE_ERR_SOURCE;
    /* SUBPROOF(m, D[m], true) = {}; SUBPROOF(m, D[m], false) = {MTH(D[m])}
     * SUBPROOF(m, D[n], b) = SUBPROOF(m, D[0:k], b) : MTH(D[k:n])      m <= k
     *                      = SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])  m > k */
    uint8_t siblings[PH_MERKLE_PROOF_MAX][HASH];
    size_t depth = 0;
    uint64_t start = 0;
    uint64_t count = n;
    uint64_t old_size = m;
    bool whole_old_tree = true; /* the RFC's b */
    while (old_size != count) {
        uint64_t k = split_point(count);
        ph_merkle_status st;
        if (old_size <= k) {
            st = range_hash(source, start + k, count - k, siblings[depth]);
            count = k;
        } else {
            st = range_hash(source, start, k, siblings[depth]);
            start += k;
            old_size -= k;
            count -= k;
            whole_old_tree = false;
        }
        if (st != PH_MERKLE_OK)
            return st;
        depth++;
    }
    uint8_t base[1][HASH];
    size_t base_len = 0;
    if (!whole_old_tree) {
        ph_merkle_status st = range_hash(source, start, count, base[0]);
        if (st != PH_MERKLE_OK)
            return st;
        base_len = 1;
    }
    proof_fill(proof, (const uint8_t(*)[HASH])base, base_len, (const uint8_t(*)[HASH])siblings, depth);
    return PH_MERKLE_OK;
}

ph_merkle_status ph_merkle_append_nodes(const struct ph_merkle_source *source, uint64_t index,
                                        const uint8_t leaf_hash[HASH],
                                        struct ph_merkle_node nodes[PH_MERKLE_LEVELS - 1], size_t *count)
{
    *count = 0;
    if (index >= PH_MERKLE_SIZE_MAX)
        return PH_MERKLE_ERR_RANGE;
    if (!source_usable(source))
        return PH_MERKLE_ERR_SOURCE;
    /* Subtree j at level L completes when leaf (j + 1) 2^L - 1 arrives: the
     * new leaf is the last of one subtree per trailing 1 bit of index, each
     * the parent of the one below it and of its complete left sibling. */
    struct ph_merkle_node found[PH_MERKLE_LEVELS - 1];
    size_t found_count = 0;
    uint8_t right[HASH];
    memcpy(right, leaf_hash, HASH);
    unsigned level = 0;
    uint64_t position = index;
    while ((position & 1) != 0) {
        uint8_t left[HASH];
        ph_merkle_status st = perfect_hash(source, level, position - 1, left);
        if (st != PH_MERKLE_OK)
            return st;
        level++;
        position >>= 1;
        struct ph_merkle_node *node = &found[found_count++];
        node->level = level;
        node->index = position;
        ph_merkle_node_hash(left, right, node->hash);
        memcpy(right, node->hash, HASH);
    }
    memcpy(nodes, found, found_count * sizeof found[0]);
    *count = found_count;
    return PH_MERKLE_OK;
}

/* --- verifying ------------------------------------------------------------ */

/* The number of hashes PATH(index, D[size]) has: the depth of the leaf. */
static size_t inclusion_proof_len(uint64_t index, uint64_t size)
{
    size_t len = 0;
    uint64_t count = size;
    uint64_t m = index;
    while (count > 1) {
        uint64_t k = split_point(count);
        if (m < k) {
            count = k;
        } else {
            m -= k;
            count -= k;
        }
        len++;
    }
    return len;
}

/* The number of hashes PROOF(m, D[n]) has, 0 < m < n. */
static size_t consistency_proof_len(uint64_t m, uint64_t n)
{
    size_t len = 0;
    uint64_t count = n;
    bool whole_old_tree = true;
    while (m != count) {
        uint64_t k = split_point(count);
        if (m <= k) {
            count = k;
        } else {
            m -= k;
            count -= k;
            whole_old_tree = false;
        }
        len++;
    }
    return whole_old_tree ? len : len + 1;
}

static bool same_hash(const uint8_t a[HASH], const uint8_t b[HASH])
{
    return sodium_memcmp(a, b, HASH) == 0;
}

ph_merkle_status ph_merkle_verify_inclusion(const uint8_t leaf_hash[HASH], uint64_t index, uint64_t size,
                                            const struct ph_merkle_proof *proof, const uint8_t root[HASH])
{
    if (size > PH_MERKLE_SIZE_MAX || index >= size || proof->len > PH_MERKLE_PROOF_MAX)
        return PH_MERKLE_ERR_RANGE;
    if (proof->len != inclusion_proof_len(index, size))
        return PH_MERKLE_ERR_MISMATCH;
    /* RFC 9162 2.1.3.2, steps 2 to 5. */
    uint64_t fn = index;
    uint64_t sn = size - 1;
    uint8_t r[HASH];
    memcpy(r, leaf_hash, HASH);
    for (size_t i = 0; i < proof->len; i++) {
        const uint8_t *p = proof->hash[i];
        if (sn == 0)
            return PH_MERKLE_ERR_MISMATCH;
        if ((fn & 1) != 0 || fn == sn) {
            ph_merkle_node_hash(p, r, r);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ph_merkle_node_hash(r, p, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0 || !same_hash(r, root))
        return PH_MERKLE_ERR_MISMATCH;
    return PH_MERKLE_OK;
}

ph_merkle_status ph_merkle_verify_consistency(uint64_t m, uint64_t n, const uint8_t root_m[HASH],
                                              const uint8_t root_n[HASH], const struct ph_merkle_proof *proof)
{
    if (n > PH_MERKLE_SIZE_MAX || m > n || proof->len > PH_MERKLE_PROOF_MAX)
        return PH_MERKLE_ERR_RANGE;
    if (m == 0) {
        uint8_t empty[HASH];
        ph_merkle_empty_root(empty);
        if (proof->len != 0 || !same_hash(root_m, empty))
            return PH_MERKLE_ERR_MISMATCH;
        return PH_MERKLE_OK;
    }
    if (m == n) {
        if (proof->len != 0 || !same_hash(root_m, root_n))
            return PH_MERKLE_ERR_MISMATCH;
        return PH_MERKLE_OK;
    }
    /* RFC 9162 2.1.4.2. Step 1: an empty proof fails (the length check
     * covers it: a proof for 0 < m < n has at least one hash). */
    if (proof->len != consistency_proof_len(m, n))
        return PH_MERKLE_ERR_MISMATCH;
    /* Step 2: when m is a power of two, root_m is the proof's implicit
     * first element; it is read from root_m instead of being copied in. */
    bool m_is_power_of_two = (m & (m - 1)) == 0;
    size_t next = 0;
    uint8_t fr[HASH];
    uint8_t sr[HASH];
    /* Steps 3 and 4. */
    uint64_t fn = m - 1;
    uint64_t sn = n - 1;
    while ((fn & 1) != 0) {
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 5. */
    if (m_is_power_of_two) {
        memcpy(fr, root_m, HASH);
    } else {
        memcpy(fr, proof->hash[0], HASH);
        next = 1;
    }
    memcpy(sr, fr, HASH);
    /* Step 6. */
    for (; next < proof->len; next++) {
        const uint8_t *c = proof->hash[next];
        if (sn == 0)
            return PH_MERKLE_ERR_MISMATCH;
        if ((fn & 1) != 0 || fn == sn) {
            ph_merkle_node_hash(c, fr, fr);
            ph_merkle_node_hash(c, sr, sr);
            while ((fn & 1) == 0 && fn != 0) {
                fn >>= 1;
                sn >>= 1;
            }
        } else {
            ph_merkle_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    /* Step 7. */
    if (sn != 0 || !same_hash(fr, root_m) || !same_hash(sr, root_n))
        return PH_MERKLE_ERR_MISMATCH;
    return PH_MERKLE_OK;
}

/* --- the in-memory tree -------------------------------------------------- */

void ph_merkle_memtree_init(struct ph_merkle_memtree *tree, uint64_t size_max)
{
    memset(tree, 0, sizeof *tree);
    tree->size_max = size_max < MEMTREE_SIZE_CAP ? size_max : MEMTREE_SIZE_CAP;
}

void ph_merkle_memtree_release(struct ph_merkle_memtree *tree)
{
    uint64_t size_max = tree->size_max;
    for (unsigned level = 0; level < PH_MERKLE_LEVELS; level++)
        free(tree->level[level]);
    ph_merkle_memtree_init(tree, size_max);
}

static int memtree_leaf_hash(void *ctx, uint64_t index, uint8_t out[HASH])
{
    const struct ph_merkle_memtree *tree = ctx;
    if (index >= tree->size)
        return -1;
    memcpy(out, tree->level[0] + index * HASH, HASH);
    return PH_MERKLE_SOURCE_OK;
}

static int memtree_node_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH])
{
    const struct ph_merkle_memtree *tree = ctx;
    if (level >= PH_MERKLE_LEVELS || index >= (tree->size >> level))
        return -1;
    memcpy(out, tree->level[level] + index * HASH, HASH);
    return PH_MERKLE_SOURCE_OK;
}

struct ph_merkle_source ph_merkle_memtree_source(struct ph_merkle_memtree *tree)
{
    struct ph_merkle_source source = {
        .ctx = tree,
        .leaf_hash = memtree_leaf_hash,
        .node_hash = memtree_node_hash,
    };
    return source;
}

/* Makes room for `needed` hashes at a level, doubling, at most the level's
 * share of size_max. Growing changes no hash, so a later failure leaves
 * the tree as it was. */
static bool memtree_reserve(struct ph_merkle_memtree *tree, unsigned level, uint64_t needed)
{
    if (tree->capacity[level] >= needed)
        return true;
    uint64_t limit = tree->size_max >> level;
    uint64_t capacity = tree->capacity[level] == 0 ? MEMTREE_FIRST_CAPACITY : tree->capacity[level] * 2;
    if (capacity > limit)
        capacity = limit;
    if (capacity < needed)
        return false;
    if (capacity > SIZE_MAX / HASH)
        return false;
    uint8_t *grown = realloc(tree->level[level], (size_t)capacity * HASH);
    if (grown == NULL)
        return false;
    tree->level[level] = grown;
    tree->capacity[level] = capacity;
    return true;
}

ph_merkle_status ph_merkle_memtree_append(struct ph_merkle_memtree *tree, const uint8_t leaf_hash[HASH])
{
    if (tree->size >= tree->size_max)
        return PH_MERKLE_ERR_MEMORY;
    struct ph_merkle_source source = ph_merkle_memtree_source(tree);
    struct ph_merkle_node nodes[PH_MERKLE_LEVELS - 1];
    size_t count = 0;
    ph_merkle_status st = ph_merkle_append_nodes(&source, tree->size, leaf_hash, nodes, &count);
    if (st != PH_MERKLE_OK)
        return st;
    uint64_t new_size = tree->size + 1;
    for (unsigned level = 0; level <= count; level++) {
        if (!memtree_reserve(tree, level, new_size >> level))
            return PH_MERKLE_ERR_MEMORY;
    }
    memcpy(tree->level[0] + tree->size * HASH, leaf_hash, HASH);
    for (size_t i = 0; i < count; i++)
        memcpy(tree->level[nodes[i].level] + nodes[i].index * HASH, nodes[i].hash, HASH);
    tree->size = new_size;
    return PH_MERKLE_OK;
}
