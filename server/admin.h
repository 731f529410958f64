/*
 * server/admin.h - `puhui admin ...`: the operator's commands. Each prints
 * one JSON document on standard output and exits 0, or prints the standard
 * error body {"error": {...}} on standard error and exits 1 (rejected, with
 * nothing changed) or 2 (usage).
 */
#ifndef PH_SERVER_ADMIN_H
#define PH_SERVER_ADMIN_H

/* argv[0] is "admin". */
int ph_admin_main(int argc, char **argv);

/* The usage text of the admin commands (part of `puhui --help`). */
extern const char ph_admin_usage[];

#endif
