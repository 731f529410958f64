/* i18n/collate.c - pinyin order through one shared ICU collator. See collate.h. */
#include "i18n/collate.h"

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucol.h>
#include <unicode/ustring.h>

/* Written once under pthread_once, then only read. */
static UCollator *shared_collator;
static enum ph_i18n_status shared_status = PH_I18N_ICU_ERROR;
static pthread_once_t shared_once = PTHREAD_ONCE_INIT;
static bool released;

static void open_collator(void)
{
    UErrorCode err = U_ZERO_ERROR;
    UCollator *collator = ucol_open("zh", &err);
    if (U_FAILURE(err)) {
        ucol_close(collator);
        return;
    }
    /* Numbers inside names sort by value: 惠民保2号 before 惠民保10号. */
    ucol_setAttribute(collator, UCOL_NUMERIC_COLLATION, UCOL_ON, &err);
    if (U_FAILURE(err)) {
        ucol_close(collator);
        return;
    }
    shared_collator = collator;
    shared_status = PH_I18N_OK;
}

enum ph_i18n_status ph_collate_init(void)
{
    pthread_once(&shared_once, open_collator);
    if (released)
        return PH_I18N_ICU_ERROR;
    return shared_status;
}

static int compare_bytes(const char *a, size_t a_len, const char *b, size_t b_len)
{
    size_t common = a_len < b_len ? a_len : b_len;
    int order = memcmp(a, b, common);
    if (order != 0 || a_len == b_len)
        return order;
    return a_len < b_len ? -1 : 1;
}

int ph_collate_compare_utf8(const char *a, size_t a_len_bytes, const char *b, size_t b_len_bytes)
{
    if (ph_collate_init() != PH_I18N_OK || a_len_bytes > INT32_MAX || b_len_bytes > INT32_MAX)
        return compare_bytes(a, a_len_bytes, b, b_len_bytes);
    UErrorCode err = U_ZERO_ERROR;
    UCollationResult order =
        ucol_strcollUTF8(shared_collator, a, (int32_t)a_len_bytes, b, (int32_t)b_len_bytes, &err);
    if (U_FAILURE(err))
        return compare_bytes(a, a_len_bytes, b, b_len_bytes);
    if (order == UCOL_LESS)
        return -1;
    return order == UCOL_GREATER ? 1 : 0;
}

size_t ph_collate_sort_key(const char *utf8, size_t len_bytes, uint8_t *key, size_t cap)
{
    if (ph_collate_init() != PH_I18N_OK || utf8 == NULL || len_bytes > INT32_MAX / 2)
        return 0;
    /* UTF-16 never needs more units than UTF-8 has bytes. */
    UChar *wide = malloc((len_bytes + 1) * sizeof(UChar));
    if (wide == NULL)
        return 0;
    UErrorCode err = U_ZERO_ERROR;
    int32_t wide_len = 0;
    u_strFromUTF8(wide, (int32_t)len_bytes + 1, &wide_len, utf8, (int32_t)len_bytes, &err);
    if (U_FAILURE(err)) {
        free(wide);
        return 0;
    }
    int32_t capacity = cap > INT32_MAX ? INT32_MAX : (int32_t)cap;
    int32_t needed = ucol_getSortKey(shared_collator, wide, wide_len, key, capacity);
    free(wide);
    return needed > 0 ? (size_t)needed : 0;
}

void ph_collate_release(void)
{
    pthread_once(&shared_once, open_collator);
    if (released)
        return;
    released = true;
    ucol_close(shared_collator);
    shared_collator = NULL;
}
