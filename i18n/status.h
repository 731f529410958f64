/*
 * i18n/status.h - the one status enum of i18n/'s fallible functions
 * (collate.h, format.h, breaks.h). PH_I18N_OK is 0; on any other status the
 * function has changed nothing the caller can see except where it says so.
 */
#ifndef PH_I18N_STATUS_H
#define PH_I18N_STATUS_H

enum ph_i18n_status {
    PH_I18N_OK = 0,
    PH_I18N_BAD_INPUT, /* malformed UTF-8, not a date, a number that is not finite */
    PH_I18N_TOO_SMALL, /* the caller's buffer cannot hold the result */
    PH_I18N_ICU_ERROR, /* ICU could not open its data or failed */
    PH_I18N_NO_MEMORY,
};

/* A short English name of the status, for logs ("bad input"). */
const char *ph_i18n_status_name(enum ph_i18n_status status);

#endif
