/*
 * registry/search_cache.c - see search_cache.h. A hash table (SipHash with
 * a random key from libsodium, so that chosen query texts cannot pile up in
 * one bucket) over a doubly linked list in recency order.
 */
#include "registry/search_cache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "registry/search.h"

struct entry {
    struct entry *next_in_bucket;
    struct entry *newer, *older; /* recency list */
    uint64_t hash;
    char *key;
    int64_t log_size;
    char china_date[16];
    char *text; /* the answer's compact JSON */
    size_t text_len;
    size_t bytes; /* counted against max_bytes: text and key */
};

struct ph_search_cache {
    pthread_mutex_t lock;
    unsigned char hash_key[crypto_shorthash_KEYBYTES];
    struct entry **buckets;
    size_t bucket_count; /* a power of two */
    struct entry *newest, *oldest;
    size_t max_entries, max_bytes;
    struct ph_search_cache_stats stats;
};

struct ph_search_cache *ph_search_cache_new(size_t max_entries, size_t max_bytes)
{
    if (max_entries == 0 || max_bytes == 0 || max_entries > (1u << 24) || sodium_init() < 0)
        return NULL;
    struct ph_search_cache *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->bucket_count = 16;
    while (c->bucket_count < max_entries * 2)
        c->bucket_count *= 2;
    c->buckets = calloc(c->bucket_count, sizeof *c->buckets);
    if (c->buckets == NULL || pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    randombytes_buf(c->hash_key, sizeof c->hash_key);
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    return c;
}

static void entry_free(struct entry *e)
{
    free(e->text);
    free(e->key);
    free(e);
}

void ph_search_cache_free(struct ph_search_cache *c)
{
    if (c == NULL)
        return;
    struct entry *e = c->newest;
    while (e != NULL) {
        struct entry *older = e->older;
        entry_free(e);
        e = older;
    }
    pthread_mutex_destroy(&c->lock);
    free(c->buckets);
    free(c);
}

static uint64_t key_hash(const struct ph_search_cache *c, const char *key)
{
    unsigned char out[crypto_shorthash_BYTES];
    crypto_shorthash(out, (const unsigned char *)key, strlen(key), c->hash_key);
    uint64_t h = 0;
    memcpy(&h, out, sizeof h);
    return h;
}

/* Appends "name=value;" to the key; false when it does not fit. */
static bool key_add(char *key, size_t *used, const char *name, const char *value)
{
    int n = snprintf(key + *used, PH_SEARCH_CACHE_KEY_MAX - *used, "%s=%s;", name, value ? value : "");
    if (n < 0 || (size_t)n >= PH_SEARCH_CACHE_KEY_MAX - *used)
        return false;
    *used += (size_t)n;
    return true;
}

bool ph_search_cache_key(const struct ph_search_query *q, char key[PH_SEARCH_CACHE_KEY_MAX])
{
    char numbers[160];
    /* %.17g round-trips a double exactly, so two premiums never share a key. */
    snprintf(numbers, sizeof numbers, "%d|%.17g|%d|%lld|%d|%d|%d|%d", q->age_years, q->premium_max_yuan,
             q->questionnaire, (long long)q->insurer_id, q->on_sale, (int)q->sort, q->page, q->per_page);
    size_t used = 0;
    key[0] = '\0';
    /* The text goes last and its length first, so no text can imitate
     * another field ("a;category=x"). */
    char text_len[24];
    snprintf(text_len, sizeof text_len, "%zu", q->text ? strlen(q->text) : (size_t)-1);
    return key_add(key, &used, "n", numbers) && key_add(key, &used, "c", q->category) &&
           key_add(key, &used, "g", q->group) && key_add(key, &used, "r", q->region) &&
           key_add(key, &used, "p", q->preexisting) && key_add(key, &used, "ql", text_len) &&
           key_add(key, &used, "q", q->text);
}

static struct entry **find_slot(struct ph_search_cache *c, const char *key, uint64_t hash)
{
    struct entry **slot = &c->buckets[hash & (c->bucket_count - 1)];
    while (*slot != NULL && ((*slot)->hash != hash || strcmp((*slot)->key, key) != 0))
        slot = &(*slot)->next_in_bucket;
    return slot;
}

static void list_unlink(struct ph_search_cache *c, struct entry *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void list_push_newest(struct ph_search_cache *c, struct entry *e)
{
    e->newer = NULL;
    e->older = c->newest;
    if (c->newest != NULL)
        c->newest->newer = e;
    c->newest = e;
    if (c->oldest == NULL)
        c->oldest = e;
}

/* Unlinks e from its bucket and the list, and frees it. */
static void remove_entry(struct ph_search_cache *c, struct entry *e)
{
    struct entry **slot = find_slot(c, e->key, e->hash);
    *slot = e->next_in_bucket;
    list_unlink(c, e);
    c->stats.entries--;
    c->stats.bytes -= e->bytes;
    entry_free(e);
}

char *ph_search_cache_get(struct ph_search_cache *c, const char *key, int64_t log_size, const char *china_date,
                          size_t *len_out)
{
    uint64_t hash = key_hash(c, key);
    char *copy = NULL;
    pthread_mutex_lock(&c->lock);
    struct entry *e = *find_slot(c, key, hash);
    if (e != NULL && e->log_size == log_size && strcmp(e->china_date, china_date) == 0) {
        list_unlink(c, e);
        list_push_newest(c, e);
        copy = malloc(e->text_len + 1);
        if (copy != NULL) {
            memcpy(copy, e->text, e->text_len + 1);
            *len_out = e->text_len;
        }
    }
    if (copy != NULL)
        c->stats.hits++;
    else
        c->stats.misses++;
    pthread_mutex_unlock(&c->lock);
    return copy;
}

void ph_search_cache_put(struct ph_search_cache *c, const char *key, int64_t log_size, const char *china_date,
                         const char *text, size_t len)
{
    size_t bytes = len + strlen(key);
    if (bytes > c->max_bytes || strlen(china_date) >= sizeof ((struct entry *)NULL)->china_date)
        return;
    struct entry *e = calloc(1, sizeof *e);
    if (e == NULL)
        return;
    e->key = strdup(key);
    e->text = malloc(len + 1);
    if (e->key == NULL || e->text == NULL) {
        entry_free(e);
        return;
    }
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->text_len = len;
    e->hash = key_hash(c, key);
    e->log_size = log_size;
    snprintf(e->china_date, sizeof e->china_date, "%s", china_date);
    e->bytes = bytes;

    pthread_mutex_lock(&c->lock);
    struct entry *old = *find_slot(c, key, e->hash);
    if (old != NULL)
        remove_entry(c, old);
    while (c->oldest != NULL &&
           (c->stats.entries + 1 > c->max_entries || c->stats.bytes + bytes > c->max_bytes)) {
        remove_entry(c, c->oldest);
        c->stats.evictions++;
    }
    struct entry **slot = &c->buckets[e->hash & (c->bucket_count - 1)];
    e->next_in_bucket = *slot;
    *slot = e;
    list_push_newest(c, e);
    c->stats.entries++;
    c->stats.bytes += bytes;
    c->stats.stores++;
    pthread_mutex_unlock(&c->lock);
}

void ph_search_cache_get_stats(struct ph_search_cache *c, struct ph_search_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}
