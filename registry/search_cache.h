/*
 * registry/search_cache.h - answers to recent searches, kept for as long as
 * the registry has not changed.
 *
 * A search over 50,000 products ranks and counts every match (exact total,
 * exact facet counts, bm25 over all candidates): tens of milliseconds for a
 * broad query. People ask the same things again and again (意外险, 惠民保,
 * 老人 医疗), and the registry changes a few thousand times a day, so most
 * searches can be answered from a previous identical search. This is the
 * same idea as Solr's queryResultCache, dropped on every commit.
 *
 * Correctness rule: an entry is used only when it was computed at the same
 * registry state (the transparency log's size, which grows with every
 * registry change, in every process that writes) and on the same China
 * date (whether a withdrawn product is still on sale depends on the date).
 * The caller reads the state inside the same read transaction as the
 * search, so an answer is never stored under a state it was not computed
 * at. The key is every field of the query (ph_search_cache_key).
 *
 * One cache is shared by all the threads of a process (a mutex guards it).
 * Answers are kept as their compact JSON text, exactly the bytes the API
 * sends, so that a hit costs one copy: no JSON is built or serialised.
 * It is per process by design: nothing in it must be shared between
 * instances (DESIGN.md, "Past one machine"). Bounded by entry count and by
 * bytes (the compact JSON size of each answer); least recently used
 * entries go first.
 */
#ifndef PH_REGISTRY_SEARCH_CACHE_H
#define PH_REGISTRY_SEARCH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ph_search_cache;
struct ph_search_query;

#define PH_SEARCH_CACHE_KEY_MAX 1024

struct ph_search_cache_stats {
    uint64_t hits;
    uint64_t misses; /* lookups that found nothing usable, stale entries included */
    uint64_t stores;
    uint64_t evictions;
    size_t entries;
    size_t bytes; /* answer text and keys */
};

/* A cache of at most max_entries answers and max_bytes bytes of JSON.
 * Returns NULL when out of memory or when either bound is 0. Caller frees
 * with ph_search_cache_free (after every thread has stopped using it). */
struct ph_search_cache *ph_search_cache_new(size_t max_entries, size_t max_bytes);
void ph_search_cache_free(struct ph_search_cache *cache);

/* Writes the cache key of a query (every field that changes the answer)
 * into key[PH_SEARCH_CACHE_KEY_MAX]. Returns false when the key would not
 * fit (such a query is simply not cached). */
bool ph_search_cache_key(const struct ph_search_query *query, char key[PH_SEARCH_CACHE_KEY_MAX]);

/* A copy of the answer text stored for key at (log_size, china_date)
 * (NUL-terminated; *len_out gets its length), or NULL. The caller frees
 * the copy with free(). */
char *ph_search_cache_get(struct ph_search_cache *cache, const char *key, int64_t log_size,
                          const char *china_date, size_t *len_out);

/* Stores a copy of the answer text for key at (log_size, china_date),
 * replacing an older one; answers larger than the byte bound are not
 * stored. Evicts the least recently used entries to stay within bounds.
 * Out of memory leaves the cache as it was. */
void ph_search_cache_put(struct ph_search_cache *cache, const char *key, int64_t log_size,
                         const char *china_date, const char *text, size_t len);

void ph_search_cache_get_stats(struct ph_search_cache *cache, struct ph_search_cache_stats *out);

#endif
