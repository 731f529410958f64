/* i18n/status.c - names of i18n statuses. See status.h. */
#include "i18n/status.h"

const char *ph_i18n_status_name(enum ph_i18n_status status)
{
    switch (status) {
    case PH_I18N_OK:
        return "ok";
    case PH_I18N_BAD_INPUT:
        return "bad input";
    case PH_I18N_TOO_SMALL:
        return "buffer too small";
    case PH_I18N_ICU_ERROR:
        return "ICU error";
    case PH_I18N_NO_MEMORY:
        return "out of memory";
    }
    return "unknown status";
}
