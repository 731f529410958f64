/*
 * tests/unit/test_merkle.c - registry/merkle.h: RFC 9162 tree heads,
 * inclusion and consistency proofs and their verifiers.
 *
 *  - The published RFC 6962 test vectors (roots of the trees of 0-8 leaves
 *    over the standard 8 test leaves, and inclusion and consistency proofs
 *    over them). They were first published with the certificate-transparency
 *    C++ log (merkle_tree_test.cc) and are kept, as typed here, in
 *    github.com/transparency-dev/merkle, file proof/verify_test.go
 *    (variables roots, leaves, inclusionProofs, consistencyProofs; leaf
 *    numbers there are 1-based).
 *  - Randomized trees of 1-300 leaves checked against a naive reference
 *    written here from the RFC's recursive definitions: every honest proof
 *    equals the reference and verifies; every altered proof fails.
 *  - Bounds, source failures, the O(log n) cost of a proof at huge sizes,
 *    and the in-memory tree.
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
#include <sodium.h>

#include "registry/merkle.h"

#define HASH              PH_MERKLE_HASH_SIZE
#define RANDOM_LEAVES_MAX 300

typedef uint8_t hash_t[HASH];

static void hex_to_hash(const char *hex, uint8_t out[HASH])
{
    size_t len = 0;
    assert_int_equal(strlen(hex), 2 * HASH);
    assert_int_equal(sodium_hex2bin(out, HASH, hex, 2 * HASH, NULL, &len, NULL), 0);
    assert_int_equal(len, HASH);
}

static void assert_hash_equal(const uint8_t a[HASH], const uint8_t b[HASH], const char *what)
{
    if (memcmp(a, b, HASH) != 0) {
        char ha[2 * HASH + 1];
        char hb[2 * HASH + 1];
        sodium_bin2hex(ha, sizeof ha, a, HASH);
        sodium_bin2hex(hb, sizeof hb, b, HASH);
        fail_msg("%s: %s != %s", what, ha, hb);
    }
}

static void assert_proof_equal(const struct ph_merkle_proof *a, const struct ph_merkle_proof *b,
                               const char *what)
{
    if (a->len != b->len)
        fail_msg("%s: proof length %zu != %zu", what, a->len, b->len);
    for (size_t i = 0; i < a->len; i++)
        assert_hash_equal(a->hash[i], b->hash[i], what);
}

/* --- sources ------------------------------------------------------------- */

/* Leaf hashes in an array; no stored subtrees (node_hash NULL), so every
 * perfect subtree is recomputed from its leaves. Counts reads. */
struct array_source {
    const hash_t *leaves;
    uint64_t count;
    uint64_t reads;
    uint64_t fail_at; /* a leaf index whose read fails; UINT64_MAX: none */
};

static int array_leaf_hash(void *ctx, uint64_t index, uint8_t out[HASH])
{
    struct array_source *a = ctx;
    a->reads++;
    if (index >= a->count || index == a->fail_at)
        return -1;
    memcpy(out, a->leaves[index], HASH);
    return PH_MERKLE_SOURCE_OK;
}

static struct ph_merkle_source array_source_of(struct array_source *a)
{
    struct ph_merkle_source source = {.ctx = a, .leaf_hash = array_leaf_hash, .node_hash = NULL};
    return source;
}

/* A memtree behind a node_hash that only answers odd levels (MISSING for
 * the others), as a store that keeps some levels only would. */
static int odd_levels_node_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH])
{
    struct ph_merkle_memtree *tree = ctx;
    if (level % 2 == 0)
        return PH_MERKLE_SOURCE_MISSING;
    struct ph_merkle_source inner = ph_merkle_memtree_source(tree);
    return inner.node_hash(inner.ctx, level, index, out);
}

/* A synthetic source for trees of any size: every hash it gives is made up
 * from its position, and it counts and checks what it is asked for. Proofs
 * over it are nonsense, but the number and the positions of the reads are
 * exactly those of a real tree. */
struct counting_source {
    uint64_t size;    /* the tree size the caller works at */
    uint64_t reads;   /* leaf and node reads */
    bool out_of_tree; /* set when asked for a leaf or subtree not complete at size */
};

static int counting_leaf_hash(void *ctx, uint64_t index, uint8_t out[HASH])
{
    struct counting_source *c = ctx;
    c->reads++;
    if (index >= c->size)
        c->out_of_tree = true;
    memset(out, 0, HASH);
    memcpy(out, &index, sizeof index);
    return PH_MERKLE_SOURCE_OK;
}

static int counting_node_hash(void *ctx, unsigned level, uint64_t index, uint8_t out[HASH])
{
    struct counting_source *c = ctx;
    c->reads++;
    if (level == 0 || level >= PH_MERKLE_LEVELS || index >= (c->size >> level))
        c->out_of_tree = true;
    memset(out, 0xff, HASH);
    memcpy(out, &index, sizeof index);
    out[HASH - 1] = (uint8_t)level;
    return PH_MERKLE_SOURCE_OK;
}

/* --- the reference, straight from RFC 9162 2.1 --------------------------- */

static uint64_t ref_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

static void ref_mth(const hash_t *leaves, uint64_t n, uint8_t out[HASH])
{
    if (n == 0) {
        crypto_hash_sha256(out, (const unsigned char *)"", 0);
        return;
    }
    if (n == 1) {
        memcpy(out, leaves[0], HASH);
        return;
    }
    uint64_t k = ref_split(n);
    uint8_t input[1 + 2 * HASH];
    input[0] = 0x01;
    ref_mth(leaves, k, input + 1);
    ref_mth(leaves + k, n - k, input + 1 + HASH);
    crypto_hash_sha256(out, input, sizeof input);
}

static void ref_append(struct ph_merkle_proof *proof, const uint8_t hash[HASH])
{
    assert_true(proof->len < PH_MERKLE_PROOF_MAX);
    memcpy(proof->hash[proof->len++], hash, HASH);
}

/* PATH(m, D[n]) */
static void ref_path(uint64_t m, const hash_t *leaves, uint64_t n, struct ph_merkle_proof *proof)
{
    if (n <= 1)
        return;
    uint64_t k = ref_split(n);
    uint8_t sibling[HASH];
    if (m < k) {
        ref_path(m, leaves, k, proof);
        ref_mth(leaves + k, n - k, sibling);
    } else {
        ref_path(m - k, leaves + k, n - k, proof);
        ref_mth(leaves, k, sibling);
    }
    ref_append(proof, sibling);
}

/* SUBPROOF(m, D[n], b) */
static void ref_subproof(uint64_t m, const hash_t *leaves, uint64_t n, bool b, struct ph_merkle_proof *proof)
{
    uint8_t hash[HASH];
    if (m == n) {
        if (!b) {
            ref_mth(leaves, n, hash);
            ref_append(proof, hash);
        }
        return;
    }
    uint64_t k = ref_split(n);
    if (m <= k) {
        ref_subproof(m, leaves, k, b, proof);
        ref_mth(leaves + k, n - k, hash);
    } else {
        ref_subproof(m - k, leaves + k, n - k, false, proof);
        ref_mth(leaves, k, hash);
    }
    ref_append(proof, hash);
}

/* PROOF(m, D[n]); empty for m == 0 as the library defines it. */
static void ref_consistency(uint64_t m, const hash_t *leaves, uint64_t n, struct ph_merkle_proof *proof)
{
    proof->len = 0;
    if (m > 0)
        ref_subproof(m, leaves, n, true, proof);
}

/* The directions of an audit path, bottom first: for each proof hash,
 * whether it is the left sibling. Two (index, size) pairs with the same
 * directions make the verifier compute the same thing, so a proof for one
 * verifies for the other (RFC 9162 binds the size through the signed tree
 * head, not through the path). */
static size_t ref_path_shape(uint64_t m, uint64_t n, bool left[PH_MERKLE_PROOF_MAX])
{
    bool top_down[PH_MERKLE_PROOF_MAX];
    size_t depth = 0;
    while (n > 1) {
        uint64_t k = ref_split(n);
        if (m < k) {
            top_down[depth++] = false;
            n = k;
        } else {
            top_down[depth++] = true;
            m -= k;
            n -= k;
        }
    }
    for (size_t i = 0; i < depth; i++)
        left[i] = top_down[depth - 1 - i];
    return depth;
}

static bool same_path_shape(uint64_t m, uint64_t n1, uint64_t n2)
{
    bool a[PH_MERKLE_PROOF_MAX];
    bool b[PH_MERKLE_PROOF_MAX];
    size_t la = ref_path_shape(m, n1, a);
    size_t lb = ref_path_shape(m, n2, b);
    return la == lb && memcmp(a, b, la * sizeof a[0]) == 0;
}

/* --- fixtures ------------------------------------------------------------- */

/* The standard test leaves of RFC 6962 implementations. */
static const char *const vector_leaves_hex[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

/* MTH of the first n of those leaves, n = 0..8 (roots[n - 1] in
 * verify_test.go; the empty tree's hash is SHA-256 of nothing). */
static const char *const vector_roots_hex[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

struct vector_proof {
    uint64_t a; /* leaf index (0-based) or old size */
    uint64_t b; /* tree size or new size */
    size_t len;
    const char *hex[3];
};

static const struct vector_proof vector_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

static const struct vector_proof vector_consistency[] = {
    {1, 1, 0, {NULL}},
    {1,
     8,
     3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

/* The leaf hashes of the 8 vector leaves. */
static void vector_leaf_hashes(hash_t out[8])
{
    for (size_t i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t len = 0;
        const char *hex = vector_leaves_hex[i];
        assert_int_equal(sodium_hex2bin(data, sizeof data, hex, strlen(hex), NULL, &len, NULL), 0);
        ph_merkle_leaf_hash(data, len, out[i]);
    }
}

static void vector_proof_of(const struct vector_proof *v, struct ph_merkle_proof *proof)
{
    proof->len = v->len;
    for (size_t i = 0; i < v->len; i++)
        hex_to_hash(v->hex[i], proof->hash[i]);
}

/* A tree of up to RANDOM_LEAVES_MAX leaves of random lengths (1-64
 * bytes), distinct, the same on every run. */
struct random_tree {
    hash_t leaves[RANDOM_LEAVES_MAX];
    struct ph_merkle_memtree memtree;
};

static void random_tree_init(struct random_tree *t, uint8_t seed_byte)
{
    unsigned char seed[randombytes_SEEDBYTES] = {seed_byte};
    uint8_t data[RANDOM_LEAVES_MAX * 72];
    randombytes_buf_deterministic(data, sizeof data, seed);
    ph_merkle_memtree_init(&t->memtree, RANDOM_LEAVES_MAX);
    for (size_t i = 0; i < RANDOM_LEAVES_MAX; i++) {
        uint8_t *leaf = data + i * 72;
        size_t len = 8 + leaf[0] % 57;
        memcpy(leaf, &i, sizeof i); /* distinct */
        ph_merkle_leaf_hash(leaf, len, t->leaves[i]);
        assert_int_equal(ph_merkle_memtree_append(&t->memtree, t->leaves[i]), PH_MERKLE_OK);
    }
}

static int random_tree_setup(void **state)
{
    struct random_tree *t = malloc(sizeof *t);
    if (t == NULL)
        return -1;
    random_tree_init(t, 42);
    *state = t;
    return 0;
}

static int random_tree_teardown(void **state)
{
    struct random_tree *t = *state;
    if (t != NULL)
        ph_merkle_memtree_release(&t->memtree);
    free(t);
    *state = NULL;
    return 0;
}

/* --- altered proofs ------------------------------------------------------- */

static const uint8_t some_hash[HASH] = {0xab, 0xac, 0xab, 0xa0, 0x00, 0x60,
                                        0x06, 0x1e, 0x00, 0x12, 0x34, 0x56};

/* Every alteration of an honest inclusion proof must fail. */
static void assert_inclusion_alterations_fail(const uint8_t leaf[HASH], uint64_t index, uint64_t size,
                                              const struct ph_merkle_proof *honest, const uint8_t root[HASH])
{
    char label[96];
    snprintf(label, sizeof label, "inclusion index %llu size %llu", (unsigned long long)index,
             (unsigned long long)size);
    assert_int_equal(ph_merkle_verify_inclusion(leaf, index, size, honest, root), PH_MERKLE_OK);

    /* Wrong index: a leaf's directions are unique in a tree. */
    const uint64_t wrong_indexes[] = {index - 1, index + 1, index ^ 2, index ^ 1, UINT64_MAX};
    for (size_t i = 0; i < sizeof wrong_indexes / sizeof wrong_indexes[0]; i++) {
        if (wrong_indexes[i] == index)
            continue;
        if (ph_merkle_verify_inclusion(leaf, wrong_indexes[i], size, honest, root) == PH_MERKLE_OK)
            fail_msg("%s: verified at wrong index %llu", label, (unsigned long long)wrong_indexes[i]);
    }
    /* Wrong size: 2n and n/2 always change the path; n +- 1 only when the
     * path changes shape (otherwise the verifier cannot tell). */
    const uint64_t wrong_sizes[] = {size * 2, size / 2, size + 1, size - 1, 0, PH_MERKLE_SIZE_MAX + 1};
    for (size_t i = 0; i < sizeof wrong_sizes / sizeof wrong_sizes[0]; i++) {
        uint64_t wrong = wrong_sizes[i];
        ph_merkle_status st = ph_merkle_verify_inclusion(leaf, index, wrong, honest, root);
        bool indistinguishable =
            wrong > index && wrong <= PH_MERKLE_SIZE_MAX && same_path_shape(index, size, wrong);
        if (indistinguishable)
            assert_int_equal(st, PH_MERKLE_OK);
        else if (st == PH_MERKLE_OK)
            fail_msg("%s: verified at wrong size %llu", label, (unsigned long long)wrong);
    }
    /* Wrong leaf or root. */
    uint8_t empty[HASH];
    ph_merkle_empty_root(empty);
    assert_int_not_equal(ph_merkle_verify_inclusion(some_hash, index, size, honest, root), PH_MERKLE_OK);
    assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, honest, empty), PH_MERKLE_OK);
    assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, honest, some_hash), PH_MERKLE_OK);
    if (honest->len > 0 || memcmp(leaf, root, HASH) != 0)
        assert_int_not_equal(ph_merkle_verify_inclusion(root, index, size, honest, leaf), PH_MERKLE_OK);

    struct ph_merkle_proof altered;
    /* A flipped bit in any hash: three bits per hash, spread over it. */
    for (size_t i = 0; i < honest->len; i++) {
        const unsigned bits[] = {0, (unsigned)(i * 37 + index) % 256, 255};
        for (size_t b = 0; b < 3; b++) {
            altered = *honest;
            altered.hash[i][bits[b] / 8] ^= (uint8_t)(1u << (bits[b] % 8));
            if (ph_merkle_verify_inclusion(leaf, index, size, &altered, root) == PH_MERKLE_OK)
                fail_msg("%s: verified with bit %u of hash %zu flipped", label, bits[b], i);
        }
    }
    /* A dropped hash (last, first), an extra hash (end, front), a
     * duplicated hash, two swapped hashes. */
    if (honest->len > 0) {
        altered = *honest;
        altered.len--;
        assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_OK);
        altered = *honest;
        memmove(altered.hash[0], altered.hash[1], (altered.len - 1) * HASH);
        altered.len--;
        assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_OK);
    }
    const uint8_t *extras[] = {some_hash, root, leaf};
    for (size_t e = 0; e < 3; e++) {
        altered = *honest;
        memcpy(altered.hash[altered.len++], extras[e], HASH);
        assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_OK);
        altered = *honest;
        memmove(altered.hash[1], altered.hash[0], honest->len * HASH);
        memcpy(altered.hash[0], extras[e], HASH);
        altered.len++;
        assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_OK);
    }
    if (honest->len > 1 && memcmp(honest->hash[0], honest->hash[1], HASH) != 0) {
        altered = *honest;
        memcpy(altered.hash[0], honest->hash[1], HASH);
        memcpy(altered.hash[1], honest->hash[0], HASH);
        assert_int_not_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_OK);
    }
    /* A length past the cap is refused before anything is read. */
    altered = *honest;
    altered.len = PH_MERKLE_PROOF_MAX + 1;
    assert_int_equal(ph_merkle_verify_inclusion(leaf, index, size, &altered, root), PH_MERKLE_ERR_RANGE);
}

/* Every alteration of an honest consistency proof (0 < m < n) must fail. */
static void assert_consistency_alterations_fail(uint64_t m, uint64_t n, const uint8_t root_m[HASH],
                                                const uint8_t root_n[HASH],
                                                const struct ph_merkle_proof *honest)
{
    char label[96];
    snprintf(label, sizeof label, "consistency %llu -> %llu", (unsigned long long)m, (unsigned long long)n);
    assert_int_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, honest), PH_MERKLE_OK);

    const uint64_t wrong_m[] = {m - 1, m + 1, m ^ 2, 0, n};
    for (size_t i = 0; i < sizeof wrong_m / sizeof wrong_m[0]; i++) {
        if (wrong_m[i] == m)
            continue;
        if (ph_merkle_verify_consistency(wrong_m[i], n, root_m, root_n, honest) == PH_MERKLE_OK)
            fail_msg("%s: verified with old size %llu", label, (unsigned long long)wrong_m[i]);
    }
    const uint64_t wrong_n[] = {n * 2, n / 2, m, PH_MERKLE_SIZE_MAX + 1};
    for (size_t i = 0; i < sizeof wrong_n / sizeof wrong_n[0]; i++) {
        if (ph_merkle_verify_consistency(m, wrong_n[i], root_m, root_n, honest) == PH_MERKLE_OK)
            fail_msg("%s: verified with new size %llu", label, (unsigned long long)wrong_n[i]);
    }
    uint8_t empty[HASH];
    ph_merkle_empty_root(empty);
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_n, root_m, honest),
                         PH_MERKLE_OK); /* swapped */
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, some_hash, root_n, honest), PH_MERKLE_OK);
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, some_hash, honest), PH_MERKLE_OK);
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_m, honest), PH_MERKLE_OK);
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, empty, root_n, honest), PH_MERKLE_OK);

    struct ph_merkle_proof altered;
    altered.len = 0;
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
    for (size_t i = 0; i < honest->len; i++) {
        const unsigned bits[] = {4, (unsigned)(i * 41 + m + n) % 256, 250};
        for (size_t b = 0; b < 3; b++) {
            altered = *honest;
            altered.hash[i][bits[b] / 8] ^= (uint8_t)(1u << (bits[b] % 8));
            if (ph_merkle_verify_consistency(m, n, root_m, root_n, &altered) == PH_MERKLE_OK)
                fail_msg("%s: verified with bit %u of hash %zu flipped", label, bits[b], i);
        }
    }
    altered = *honest;
    altered.len--;
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
    altered = *honest;
    memmove(altered.hash[0], altered.hash[1], (altered.len - 1) * HASH);
    altered.len--;
    assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
    const uint8_t *extras[] = {some_hash, root_m, root_n, honest->hash[0]};
    for (size_t e = 0; e < 4; e++) {
        altered = *honest;
        memcpy(altered.hash[altered.len++], extras[e], HASH);
        assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
        altered = *honest;
        memmove(altered.hash[1], altered.hash[0], honest->len * HASH);
        memcpy(altered.hash[0], extras[e], HASH);
        altered.len++;
        assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
    }
    if (honest->len > 1 && memcmp(honest->hash[0], honest->hash[1], HASH) != 0) {
        altered = *honest;
        memcpy(altered.hash[0], honest->hash[1], HASH);
        memcpy(altered.hash[1], honest->hash[0], HASH);
        assert_int_not_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_OK);
    }
    altered = *honest;
    altered.len = PH_MERKLE_PROOF_MAX + 1;
    assert_int_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &altered), PH_MERKLE_ERR_RANGE);
}

/* --- published vectors ------------------------------------------------------ */

static void test_hashes(void **state)
{
    (void)state;
    uint8_t expected[HASH];
    uint8_t got[HASH];
    ph_merkle_empty_root(got);
    hex_to_hash(vector_roots_hex[0], expected);
    assert_hash_equal(got, expected, "empty root");
    ph_merkle_leaf_hash(NULL, 0, got); /* the empty leaf is the 1-leaf root */
    hex_to_hash(vector_roots_hex[1], expected);
    assert_hash_equal(got, expected, "leaf hash of the empty string");

    /* node hash: output aliasing an input. */
    hash_t leaves[8];
    vector_leaf_hashes(leaves);
    uint8_t left[HASH];
    memcpy(left, leaves[0], HASH);
    ph_merkle_node_hash(left, leaves[1], left);
    hex_to_hash(vector_roots_hex[2], expected);
    assert_hash_equal(left, expected, "node hash of leaves 0 and 1");
}

static void test_vector_roots(void **state)
{
    (void)state;
    hash_t leaves[8];
    vector_leaf_hashes(leaves);
    struct ph_merkle_memtree tree;
    ph_merkle_memtree_init(&tree, 8);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(ph_merkle_memtree_append(&tree, leaves[i]), PH_MERKLE_OK);
    struct ph_merkle_source from_tree = ph_merkle_memtree_source(&tree);
    struct array_source array = {.leaves = (const hash_t *)leaves, .count = 8, .fail_at = UINT64_MAX};
    struct ph_merkle_source from_array = array_source_of(&array);

    for (uint64_t n = 0; n <= 8; n++) {
        uint8_t expected[HASH];
        uint8_t got[HASH];
        hex_to_hash(vector_roots_hex[n], expected);
        assert_int_equal(ph_merkle_root(&from_array, n, got), PH_MERKLE_OK);
        assert_hash_equal(got, expected, "root from leaves");
        assert_int_equal(ph_merkle_root(&from_tree, n, got), PH_MERKLE_OK);
        assert_hash_equal(got, expected, "root from the memtree");
        ref_mth((const hash_t *)leaves, n, got);
        assert_hash_equal(got, expected, "reference root");
    }
    ph_merkle_memtree_release(&tree);
}

static void test_vector_inclusion_proofs(void **state)
{
    (void)state;
    hash_t leaves[8];
    vector_leaf_hashes(leaves);
    struct array_source array = {.leaves = (const hash_t *)leaves, .count = 8, .fail_at = UINT64_MAX};
    struct ph_merkle_source source = array_source_of(&array);
    for (size_t v = 0; v < sizeof vector_inclusion / sizeof vector_inclusion[0]; v++) {
        const struct vector_proof *vec = &vector_inclusion[v];
        struct ph_merkle_proof expected;
        struct ph_merkle_proof got;
        vector_proof_of(vec, &expected);
        assert_int_equal(ph_merkle_inclusion_proof(&source, vec->a, vec->b, &got), PH_MERKLE_OK);
        assert_proof_equal(&got, &expected, "published inclusion proof");
        uint8_t root[HASH];
        hex_to_hash(vector_roots_hex[vec->b], root);
        assert_inclusion_alterations_fail(leaves[vec->a], vec->a, vec->b, &expected, root);
    }
}

static void test_vector_consistency_proofs(void **state)
{
    (void)state;
    hash_t leaves[8];
    vector_leaf_hashes(leaves);
    struct array_source array = {.leaves = (const hash_t *)leaves, .count = 8, .fail_at = UINT64_MAX};
    struct ph_merkle_source source = array_source_of(&array);
    for (size_t v = 0; v < sizeof vector_consistency / sizeof vector_consistency[0]; v++) {
        const struct vector_proof *vec = &vector_consistency[v];
        struct ph_merkle_proof expected;
        struct ph_merkle_proof got;
        vector_proof_of(vec, &expected);
        assert_int_equal(ph_merkle_consistency_proof(&source, vec->a, vec->b, &got), PH_MERKLE_OK);
        assert_proof_equal(&got, &expected, "published consistency proof");
        uint8_t root_m[HASH];
        uint8_t root_n[HASH];
        hex_to_hash(vector_roots_hex[vec->a], root_m);
        hex_to_hash(vector_roots_hex[vec->b], root_n);
        if (vec->a == vec->b)
            assert_int_equal(ph_merkle_verify_consistency(vec->a, vec->b, root_m, root_n, &expected),
                             PH_MERKLE_OK);
        else
            assert_consistency_alterations_fail(vec->a, vec->b, root_m, root_n, &expected);
    }
}

/* verify_test.go's TestVerifyConsistency edge cases, with this library's
 * stricter m == 0 rule (root_m must be the empty-tree hash). */
static void test_consistency_edge_cases(void **state)
{
    (void)state;
    uint8_t empty[HASH];
    uint8_t root1[HASH];
    uint8_t root2[HASH];
    ph_merkle_empty_root(empty);
    memset(root1, 1, HASH);
    memset(root2, 2, HASH);
    struct ph_merkle_proof none = {.len = 0};
    struct ph_merkle_proof one = {.len = 1};
    memcpy(one.hash[0], empty, HASH);

    assert_int_equal(ph_merkle_verify_consistency(0, 0, empty, empty, &none), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_consistency(0, 1, empty, root2, &none), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_consistency(0, 5, empty, root1, &none), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_consistency(1, 1, root2, root2, &none), PH_MERKLE_OK);
    /* m == 0 with a root that is not the empty tree's. */
    assert_int_equal(ph_merkle_verify_consistency(0, 1, root1, root2, &none), PH_MERKLE_ERR_MISMATCH);
    /* Equal sizes, different roots. */
    assert_int_equal(ph_merkle_verify_consistency(0, 0, root1, root2, &none), PH_MERKLE_ERR_MISMATCH);
    assert_int_equal(ph_merkle_verify_consistency(1, 1, root1, root2, &none), PH_MERKLE_ERR_MISMATCH);
    assert_int_equal(ph_merkle_verify_consistency(1, 1, empty, root2, &none), PH_MERKLE_ERR_MISMATCH);
    /* Going back in time. */
    assert_int_equal(ph_merkle_verify_consistency(1, 0, root1, root2, &none), PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_verify_consistency(2, 1, root1, root2, &none), PH_MERKLE_ERR_RANGE);
    /* An empty proof where one is needed. */
    assert_int_equal(ph_merkle_verify_consistency(1, 2, root1, root2, &none), PH_MERKLE_ERR_MISMATCH);
    /* Roots match but the proof is not empty. */
    assert_int_equal(ph_merkle_verify_consistency(0, 0, empty, empty, &one), PH_MERKLE_ERR_MISMATCH);
    assert_int_equal(ph_merkle_verify_consistency(0, 1, empty, empty, &one), PH_MERKLE_ERR_MISMATCH);
    assert_int_equal(ph_merkle_verify_consistency(1, 1, empty, empty, &one), PH_MERKLE_ERR_MISMATCH);
}

/* verify_test.go's TestVerifyInclusion probes and single-entry cases. */
static void test_inclusion_edge_cases(void **state)
{
    (void)state;
    uint8_t empty[HASH];
    uint8_t leaf[HASH];
    ph_merkle_empty_root(empty);
    ph_merkle_leaf_hash("data", 4, leaf);
    struct ph_merkle_proof none = {.len = 0};
    /* The root of a 1-leaf tree is its leaf hash. */
    assert_int_equal(ph_merkle_verify_inclusion(leaf, 0, 1, &none, leaf), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_inclusion(leaf, 0, 1, &none, empty), PH_MERKLE_ERR_MISMATCH);
    assert_int_equal(ph_merkle_verify_inclusion(empty, 0, 1, &none, leaf), PH_MERKLE_ERR_MISMATCH);
    const uint64_t probes[][2] = {{0, 0}, {1, 0}, {2, 1}, {1, 1}, {UINT64_MAX, 5}};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
        assert_int_equal(ph_merkle_verify_inclusion(leaf, probes[i][0], probes[i][1], &none, leaf),
                         PH_MERKLE_ERR_RANGE);
    /* 1 leaf is at depth 1 in a tree of 2: an empty proof is too short. */
    assert_int_equal(ph_merkle_verify_inclusion(leaf, 0, 2, &none, leaf), PH_MERKLE_ERR_MISMATCH);
}

/* --- randomized trees ---------------------------------------------------------- */

static void test_random_roots(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_source from_tree = ph_merkle_memtree_source(&t->memtree);
    struct array_source array = {
        .leaves = (const hash_t *)t->leaves, .count = RANDOM_LEAVES_MAX, .fail_at = UINT64_MAX};
    struct ph_merkle_source from_array = array_source_of(&array);
    struct ph_merkle_source odd_levels = {
        .ctx = &t->memtree, .leaf_hash = from_tree.leaf_hash, .node_hash = odd_levels_node_hash};
    for (uint64_t n = 0; n <= RANDOM_LEAVES_MAX; n++) {
        uint8_t expected[HASH];
        uint8_t got[HASH];
        ref_mth((const hash_t *)t->leaves, n, expected);
        assert_int_equal(ph_merkle_root(&from_tree, n, got), PH_MERKLE_OK);
        assert_hash_equal(got, expected, "memtree root");
        assert_int_equal(ph_merkle_root(&from_array, n, got), PH_MERKLE_OK);
        assert_hash_equal(got, expected, "leaf-only root");
        assert_int_equal(ph_merkle_root(&odd_levels, n, got), PH_MERKLE_OK);
        assert_hash_equal(got, expected, "odd-levels root");
    }
}

/* The memtree's invariant: level L holds size >> L hashes, each the MTH
 * of its 2^L leaves. Checked after every append of a fresh tree. */
static void test_memtree_invariant(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_memtree tree;
    ph_merkle_memtree_init(&tree, RANDOM_LEAVES_MAX);
    for (uint64_t n = 1; n <= 130; n++) {
        assert_int_equal(ph_merkle_memtree_append(&tree, t->leaves[n - 1]), PH_MERKLE_OK);
        assert_int_equal(tree.size, n);
        for (unsigned level = 0; (UINT64_C(1) << level) <= n; level++) {
            uint64_t width = UINT64_C(1) << level;
            assert_true(tree.capacity[level] >= n >> level);
            for (uint64_t j = 0; j < (n >> level); j++) {
                uint8_t expected[HASH];
                ref_mth((const hash_t *)t->leaves + j * width, width, expected);
                assert_hash_equal(tree.level[level] + j * HASH, expected, "memtree subtree");
            }
        }
    }
    ph_merkle_memtree_release(&tree);
}

/* The sizes whose every proof is compared with the reference and altered:
 * all small trees, both sides of each power of two, and the largest. */
static bool sample_size(uint64_t n)
{
    static const uint64_t larger[] = {31,  32,  33,  63,  64,  65,  97,  127,
                                      128, 129, 191, 255, 256, 257, 299, 300};
    if (n <= 17)
        return true;
    for (size_t i = 0; i < sizeof larger / sizeof larger[0]; i++) {
        if (larger[i] == n)
            return true;
    }
    return false;
}

static void test_random_inclusion_proofs(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_source source = ph_merkle_memtree_source(&t->memtree);
    struct array_source array = {
        .leaves = (const hash_t *)t->leaves, .count = RANDOM_LEAVES_MAX, .fail_at = UINT64_MAX};
    struct ph_merkle_source from_array = array_source_of(&array);
    size_t proofs = 0;
    for (uint64_t n = 1; n <= RANDOM_LEAVES_MAX; n++) {
        uint8_t root[HASH];
        ref_mth((const hash_t *)t->leaves, n, root);
        /* Every size: every honest proof verifies against the reference
         * root. Sampled sizes: each also equals the reference path, and
         * every alteration of it fails. */
        bool sampled = sample_size(n);
        for (uint64_t index = 0; index < n; index++) {
            struct ph_merkle_proof got;
            assert_int_equal(ph_merkle_inclusion_proof(&source, index, n, &got), PH_MERKLE_OK);
            assert_int_equal(ph_merkle_verify_inclusion(t->leaves[index], index, n, &got, root),
                             PH_MERKLE_OK);
            proofs++;
            if (!sampled)
                continue;
            struct ph_merkle_proof expected = {.len = 0};
            ref_path(index, (const hash_t *)t->leaves, n, &expected);
            assert_proof_equal(&got, &expected, "inclusion proof");
            if (n % 2 == 1) {
                assert_int_equal(ph_merkle_inclusion_proof(&from_array, index, n, &got), PH_MERKLE_OK);
                assert_proof_equal(&got, &expected, "inclusion proof from leaves only");
            }
            assert_inclusion_alterations_fail(t->leaves[index], index, n, &got, root);
        }
    }
    assert_int_equal(proofs, RANDOM_LEAVES_MAX * (RANDOM_LEAVES_MAX + 1) / 2);
}

static void test_random_consistency_proofs(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_source source = ph_merkle_memtree_source(&t->memtree);
    for (uint64_t n = 1; n <= RANDOM_LEAVES_MAX; n++) {
        if (!sample_size(n))
            continue;
        uint8_t root_n[HASH];
        ref_mth((const hash_t *)t->leaves, n, root_n);
        for (uint64_t m = 0; m <= n; m++) {
            uint8_t root_m[HASH];
            ref_mth((const hash_t *)t->leaves, m, root_m);
            struct ph_merkle_proof got;
            struct ph_merkle_proof expected;
            ref_consistency(m, (const hash_t *)t->leaves, n, &expected);
            assert_int_equal(ph_merkle_consistency_proof(&source, m, n, &got), PH_MERKLE_OK);
            assert_proof_equal(&got, &expected, "consistency proof");
            assert_int_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &got), PH_MERKLE_OK);
            if (m > 0 && m < n)
                assert_consistency_alterations_fail(m, n, root_m, root_n, &got);
        }
    }
    /* And random pairs over every size. */
    unsigned char seed[randombytes_SEEDBYTES] = {7};
    uint32_t picks[2 * 2000];
    randombytes_buf_deterministic(picks, sizeof picks, seed);
    for (size_t i = 0; i < 2000; i++) {
        uint64_t n = 1 + picks[2 * i] % RANDOM_LEAVES_MAX;
        uint64_t m = picks[2 * i + 1] % (n + 1);
        uint8_t root_m[HASH];
        uint8_t root_n[HASH];
        assert_int_equal(ph_merkle_root(&source, m, root_m), PH_MERKLE_OK);
        assert_int_equal(ph_merkle_root(&source, n, root_n), PH_MERKLE_OK);
        struct ph_merkle_proof got;
        assert_int_equal(ph_merkle_consistency_proof(&source, m, n, &got), PH_MERKLE_OK);
        assert_int_equal(ph_merkle_verify_consistency(m, n, root_m, root_n, &got), PH_MERKLE_OK);
    }
}

/* A proof that a different tree (another leaf at one place) does not pass
 * for this one: inclusion of a leaf that is not there, consistency with a
 * tree whose history was rewritten. */
static void test_rewritten_history_is_detected(void **state)
{
    struct random_tree *t = *state;
    struct random_tree *forged = malloc(sizeof *forged);
    assert_non_null(forged);
    memcpy(forged->leaves, t->leaves, sizeof t->leaves);
    ph_merkle_leaf_hash("rewritten", 9, forged->leaves[100]);
    ph_merkle_memtree_init(&forged->memtree, RANDOM_LEAVES_MAX);
    for (size_t i = 0; i < RANDOM_LEAVES_MAX; i++)
        assert_int_equal(ph_merkle_memtree_append(&forged->memtree, forged->leaves[i]), PH_MERKLE_OK);
    struct ph_merkle_source honest_source = ph_merkle_memtree_source(&t->memtree);
    struct ph_merkle_source forged_source = ph_merkle_memtree_source(&forged->memtree);

    uint8_t honest_root[HASH];
    uint8_t forged_root[HASH];
    assert_int_equal(ph_merkle_root(&honest_source, 200, honest_root), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_root(&forged_source, 200, forged_root), PH_MERKLE_OK);
    assert_memory_not_equal(honest_root, forged_root, HASH);

    /* The forged leaf against the signed (honest) root. */
    struct ph_merkle_proof proof;
    assert_int_equal(ph_merkle_inclusion_proof(&forged_source, 100, 200, &proof), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_inclusion(forged->leaves[100], 100, 200, &proof, honest_root),
                     PH_MERKLE_ERR_MISMATCH);
    /* A tree of 250 built on the forged history is not consistent with the
     * honest tree of 200, nor of 101; it is with the common prefix of 100. */
    uint8_t forged_250[HASH];
    assert_int_equal(ph_merkle_root(&forged_source, 250, forged_250), PH_MERKLE_OK);
    const uint64_t old_sizes[] = {200, 101};
    for (size_t i = 0; i < 2; i++) {
        uint8_t honest_old[HASH];
        assert_int_equal(ph_merkle_root(&honest_source, old_sizes[i], honest_old), PH_MERKLE_OK);
        assert_int_equal(ph_merkle_consistency_proof(&forged_source, old_sizes[i], 250, &proof),
                         PH_MERKLE_OK);
        assert_int_equal(ph_merkle_verify_consistency(old_sizes[i], 250, honest_old, forged_250, &proof),
                         PH_MERKLE_ERR_MISMATCH);
    }
    uint8_t honest_100[HASH];
    assert_int_equal(ph_merkle_root(&honest_source, 100, honest_100), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_consistency_proof(&forged_source, 100, 250, &proof), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_verify_consistency(100, 250, honest_100, forged_250, &proof), PH_MERKLE_OK);
    ph_merkle_memtree_release(&forged->memtree);
    free(forged);
}

/* --- bounds, failures, cost -------------------------------------------------- */

static void test_bounds(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_source source = ph_merkle_memtree_source(&t->memtree);
    struct ph_merkle_proof proof = {.len = 7};
    uint8_t out[HASH];
    memset(out, 0x5a, HASH);
    assert_int_equal(ph_merkle_root(&source, PH_MERKLE_SIZE_MAX + 1, out), PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_root(&source, UINT64_MAX, out), PH_MERKLE_ERR_RANGE);
    assert_int_equal(out[0], 0x5a); /* unchanged */
    assert_int_equal(ph_merkle_inclusion_proof(&source, 0, 0, &proof), PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_inclusion_proof(&source, 5, 5, &proof), PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_inclusion_proof(&source, 0, PH_MERKLE_SIZE_MAX + 1, &proof),
                     PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_consistency_proof(&source, 6, 5, &proof), PH_MERKLE_ERR_RANGE);
    assert_int_equal(ph_merkle_consistency_proof(&source, 1, PH_MERKLE_SIZE_MAX + 1, &proof),
                     PH_MERKLE_ERR_RANGE);
    assert_int_equal(proof.len, 7); /* unchanged */
    /* Past what the source holds: the source refuses. */
    assert_int_equal(ph_merkle_root(&source, RANDOM_LEAVES_MAX + 1, out), PH_MERKLE_ERR_SOURCE);
    assert_int_equal(ph_merkle_inclusion_proof(&source, 0, RANDOM_LEAVES_MAX + 1, &proof),
                     PH_MERKLE_ERR_SOURCE);
    assert_int_equal(out[0], 0x5a);
    assert_int_equal(proof.len, 7);
    /* No usable source. */
    struct ph_merkle_source no_leaves = {.ctx = NULL, .leaf_hash = NULL, .node_hash = NULL};
    assert_int_equal(ph_merkle_root(&no_leaves, 3, out), PH_MERKLE_ERR_SOURCE);
    assert_int_equal(ph_merkle_root(NULL, 0, out), PH_MERKLE_OK); /* the empty tree needs no source */
    for (int s = PH_MERKLE_OK; s <= PH_MERKLE_ERR_MEMORY; s++)
        assert_true(strlen(ph_merkle_status_str((ph_merkle_status)s)) > 0);
}

static void test_source_failure(void **state)
{
    struct random_tree *t = *state;
    struct array_source array = {
        .leaves = (const hash_t *)t->leaves, .count = RANDOM_LEAVES_MAX, .fail_at = 77};
    struct ph_merkle_source source = array_source_of(&array);
    uint8_t out[HASH] = {0};
    struct ph_merkle_proof proof = {.len = 3};
    assert_int_equal(ph_merkle_root(&source, 100, out), PH_MERKLE_ERR_SOURCE);
    assert_int_equal(ph_merkle_inclusion_proof(&source, 3, 100, &proof), PH_MERKLE_ERR_SOURCE);
    assert_int_equal(ph_merkle_consistency_proof(&source, 50, 100, &proof), PH_MERKLE_ERR_SOURCE);
    assert_int_equal(proof.len, 3);
    /* Below the failing leaf everything works. */
    assert_int_equal(ph_merkle_root(&source, 77, out), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_inclusion_proof(&source, 3, 77, &proof), PH_MERKLE_OK);
    /* A node_hash failure (not MISSING) is a source failure too. */
    struct ph_merkle_source broken = {.ctx = &array, .leaf_hash = array_leaf_hash, .node_hash = NULL};
    array.fail_at = UINT64_MAX;
    assert_int_equal(ph_merkle_root(&broken, 64, out), PH_MERKLE_OK);
    struct ph_merkle_memtree empty_tree;
    ph_merkle_memtree_init(&empty_tree, 10);
    struct ph_merkle_source empty_source = ph_merkle_memtree_source(&empty_tree);
    broken.node_hash = empty_source.node_hash;
    broken.ctx = &empty_tree;
    assert_int_equal(ph_merkle_root(&broken, 64, out), PH_MERKLE_ERR_SOURCE);
    ph_merkle_memtree_release(&empty_tree);
}

/* A proof at any size reads O(log n) hashes, all of them complete at that
 * size; the leaf-only source shows what that saves. */
static void test_proofs_read_logarithmically(void **state)
{
    (void)state;
    const uint64_t sizes[] = {
        1000000, 1048576, 1048577, (UINT64_C(1) << 40) + 12345, PH_MERKLE_SIZE_MAX - 1, PH_MERKLE_SIZE_MAX};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint64_t n = sizes[s];
        struct counting_source counter = {.size = n};
        struct ph_merkle_source source = {
            .ctx = &counter, .leaf_hash = counting_leaf_hash, .node_hash = counting_node_hash};
        const uint64_t indexes[] = {0, 1, n / 3, n / 2, n - 2, n - 1};
        for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++) {
            struct ph_merkle_proof proof;
            counter.reads = 0;
            assert_int_equal(ph_merkle_inclusion_proof(&source, indexes[i], n, &proof), PH_MERKLE_OK);
            assert_true(proof.len <= 63);
            assert_true(counter.reads <= 2 * 64);
            uint64_t m = indexes[i] + 1;
            counter.reads = 0;
            assert_int_equal(ph_merkle_consistency_proof(&source, m, n, &proof), PH_MERKLE_OK);
            assert_true(proof.len <= PH_MERKLE_PROOF_MAX);
            assert_true(counter.reads <= 3 * 64);
            counter.reads = 0;
            uint8_t root[HASH];
            assert_int_equal(ph_merkle_root(&source, n, root), PH_MERKLE_OK);
            assert_true(counter.reads <= 64);
        }
        assert_false(counter.out_of_tree);
    }
    /* The same proof with leaves only reads every leaf of the other half. */
    hash_t *leaves = calloc(4096, sizeof *leaves);
    assert_non_null(leaves);
    struct array_source array = {.leaves = (const hash_t *)leaves, .count = 4096, .fail_at = UINT64_MAX};
    struct ph_merkle_source leaf_only = array_source_of(&array);
    struct ph_merkle_proof proof;
    assert_int_equal(ph_merkle_inclusion_proof(&leaf_only, 0, 4096, &proof), PH_MERKLE_OK);
    assert_int_equal(array.reads, 4095);
    free(leaves);
}

static void test_append_nodes(void **state)
{
    (void)state;
    struct counting_source counter = {.size = UINT64_C(1) << 40};
    struct ph_merkle_source source = {
        .ctx = &counter, .leaf_hash = counting_leaf_hash, .node_hash = counting_node_hash};
    uint8_t leaf[HASH] = {1};
    struct ph_merkle_node nodes[PH_MERKLE_LEVELS - 1];
    size_t count = 99;
    assert_int_equal(ph_merkle_append_nodes(&source, 0, leaf, nodes, &count), PH_MERKLE_OK);
    assert_int_equal(count, 0);
    assert_int_equal(ph_merkle_append_nodes(&source, 6, leaf, nodes, &count), PH_MERKLE_OK);
    assert_int_equal(count, 0);
    /* Leaf 7 completes [6,8) at level 1, [4,8) at level 2, [0,8) at 3. */
    assert_int_equal(ph_merkle_append_nodes(&source, 7, leaf, nodes, &count), PH_MERKLE_OK);
    assert_int_equal(count, 3);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(nodes[i].level, i + 1);
        assert_int_equal(nodes[i].index, 7u >> (i + 1));
    }
    /* Leaf 2^40 - 1 completes 40 subtrees, reading 40 left siblings. */
    counter.reads = 0;
    assert_int_equal(ph_merkle_append_nodes(&source, (UINT64_C(1) << 40) - 1, leaf, nodes, &count),
                     PH_MERKLE_OK);
    assert_int_equal(count, 40);
    assert_int_equal(counter.reads, 40);
    assert_false(counter.out_of_tree);
    assert_int_equal(nodes[39].level, 40);
    assert_int_equal(nodes[39].index, 0);
    /* The largest index there can be. */
    counter.size = PH_MERKLE_SIZE_MAX;
    assert_int_equal(ph_merkle_append_nodes(&source, PH_MERKLE_SIZE_MAX - 1, leaf, nodes, &count),
                     PH_MERKLE_OK);
    assert_int_equal(count, 63);
    assert_int_equal(ph_merkle_append_nodes(&source, PH_MERKLE_SIZE_MAX, leaf, nodes, &count),
                     PH_MERKLE_ERR_RANGE);
    assert_int_equal(count, 0);
}

static void test_memtree_cap(void **state)
{
    struct random_tree *t = *state;
    struct ph_merkle_memtree tree;
    ph_merkle_memtree_init(&tree, 3);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(ph_merkle_memtree_append(&tree, t->leaves[i]), PH_MERKLE_OK);
    assert_int_equal(ph_merkle_memtree_append(&tree, t->leaves[3]), PH_MERKLE_ERR_MEMORY);
    assert_int_equal(tree.size, 3);
    struct ph_merkle_source source = ph_merkle_memtree_source(&tree);
    uint8_t root[HASH];
    uint8_t expected[HASH];
    assert_int_equal(ph_merkle_root(&source, 3, root), PH_MERKLE_OK);
    ref_mth((const hash_t *)t->leaves, 3, expected);
    assert_hash_equal(root, expected, "capped tree root");
    ph_merkle_memtree_release(&tree);
    assert_int_equal(tree.size, 0);
    assert_int_equal(tree.size_max, 3);
    /* Released trees are reusable. */
    assert_int_equal(ph_merkle_memtree_append(&tree, t->leaves[0]), PH_MERKLE_OK);
    ph_merkle_memtree_release(&tree);
    /* Caps past 2^40 are lowered. */
    ph_merkle_memtree_init(&tree, UINT64_MAX);
    assert_int_equal(tree.size_max, UINT64_C(1) << 40);
    ph_merkle_memtree_release(&tree);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes),
        cmocka_unit_test(test_vector_roots),
        cmocka_unit_test(test_vector_inclusion_proofs),
        cmocka_unit_test(test_vector_consistency_proofs),
        cmocka_unit_test(test_consistency_edge_cases),
        cmocka_unit_test(test_inclusion_edge_cases),
        cmocka_unit_test_setup_teardown(test_random_roots, random_tree_setup, random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_memtree_invariant, random_tree_setup, random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_random_inclusion_proofs, random_tree_setup,
                                        random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_random_consistency_proofs, random_tree_setup,
                                        random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_rewritten_history_is_detected, random_tree_setup,
                                        random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_bounds, random_tree_setup, random_tree_teardown),
        cmocka_unit_test_setup_teardown(test_source_failure, random_tree_setup, random_tree_teardown),
        cmocka_unit_test(test_proofs_read_logarithmically),
        cmocka_unit_test(test_append_nodes),
        cmocka_unit_test_setup_teardown(test_memtree_cap, random_tree_setup, random_tree_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
