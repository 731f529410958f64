/*
 * server/verify.h - `puhui verify`: checks a running registry's
 * transparency log from outside, over HTTP (see verify.c for the checks).
 */
#ifndef PH_SERVER_VERIFY_H
#define PH_SERVER_VERIFY_H

/* argv[0] is "verify". Exit status: 0 every check held, 1 one failed,
 * 2 usage or network error. */
int ph_verify_main(int argc, char **argv);

#endif
