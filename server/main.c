/*
 * server/main.c - the `puhui` command: serve, admin, migrate, help.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "registry/registry.h"
#include "server/admin.h"
#include "server/server.h"
#include "server/verify.h"

#define PUHUI_VERSION "0.1.0"

static const char usage[] =
    "puhui " PUHUI_VERSION " - 普惠保险服务平台: the public registry of exclusive inclusive insurance\n"
    "\n"
    "Usage:\n"
    "  puhui serve [--db FILE] [--listen ADDR:PORT] [--demo] [--public DIR]\n"
    "              [--threads N] [--search-cache-mb MB] [--log-key FILE] [--log-origin NAME]\n"
    "              [--access-log FILE|-]\n"
    "      Creates and migrates the database if needed and serves HTTP.\n"
    "      --db FILE          SQLite database (default ./puhui.db)\n"
    "      --listen ADDR:PORT address to listen on (default 127.0.0.1:8080); plain HTTP:\n"
    "                         terminate TLS in a reverse proxy (see docs/DEPLOYMENT.md)\n"
    "      --demo             load the demo dataset into an empty database and print\n"
    "                         one API key per demo insurer\n"
    "      --public DIR       static assets and the OpenAPI document (default: the\n"
    "                         source tree's public/, else ./public)\n"
    "      --threads N        worker threads = concurrent connections (default 64, 2-1024)\n"
    "      --search-cache-mb MB  memory for answers to recent searches, reused until the\n"
    "                         registry changes (default 64; 0 turns it off)\n"
    "      --log-key FILE     the transparency log's Ed25519 signing key, created on the\n"
    "                         first start with mode 0600; back it up (default DB.log-key)\n"
    "      --log-origin NAME  the log's name in signed checkpoints, e.g. your domain\n"
    "                         plus /log (default localhost/puhui-registry)\n"
    "      --access-log FILE  one line per request, no keys or personal data\n"
    "                         (default standard error; '-' for none)\n"
    "      SIGTERM or SIGINT finish the requests in flight and close the database.\n"
    "\n"
    "  puhui verify --server http://HOST:PORT --vkey VKEY [--checkpoint FILE] [--save FILE]\n"
    "               [--product REGISTRATION_NO | --document DOCUMENT_NO [--version N]]\n"
    "      Checks a registry's transparency log from outside, trusting only VKEY (the\n"
    "      text of /log/key, kept from before): the current checkpoint's signature; with\n"
    "      --checkpoint, that the log grew from a saved checkpoint without rewriting\n"
    "      (RFC 9162 consistency proof); with --product, that the version's log leaf\n"
    "      records its body_sha256 and is in the signed tree (inclusion proof); with\n"
    "      --document, that the SHA-256 of the version's text as served is the one its\n"
    "      log leaf records, and that the leaf is in the signed tree; --save\n"
    "      writes the current checkpoint for next time. Exit 0 all held, 1 a check\n"
    "      failed, 2 usage or network error.\n"
    "\n"
    "  puhui migrate [--db FILE]\n"
    "      Creates the database or migrates it to this version's schema.\n"
    "\n"
    "  puhui admin ...   (see below)\n"
    "  puhui --help | --version\n"
    "\n";

static const char *default_public_dir(void)
{
    struct stat st;
    if (stat(PUHUI_SOURCE_PUBLIC_DIR "/api/openapi.json", &st) == 0)
        return PUHUI_SOURCE_PUBLIC_DIR;
    return "public";
}

static int print_usage(FILE *out, int rc)
{
    fputs(usage, out);
    fputs(ph_admin_usage, out);
    return rc;
}

static int serve_main(int argc, char **argv)
{
    struct ph_server_config config = {
        .db_path = "puhui.db",
        .listen = "127.0.0.1:8080",
        .public_dir = default_public_dir(),
        .access_log_path = NULL,
        .threads = 64,
        .demo = false,
        .search_cache_mb = 64,
        .log_key_path = NULL,
        .log_origin = "localhost/puhui-registry",
    };
    char key_path[4096];
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(arg, "--demo") == 0) {
            config.demo = true;
            continue;
        }
        if (strcmp(arg, "--help") == 0)
            return print_usage(stdout, 0);
        if (value == NULL) {
            fprintf(stderr, "puhui serve: unknown option or missing value: %s\n\n", arg);
            return print_usage(stderr, 2);
        }
        i++;
        if (strcmp(arg, "--db") == 0) {
            config.db_path = value;
        } else if (strcmp(arg, "--listen") == 0) {
            config.listen = value;
        } else if (strcmp(arg, "--public") == 0) {
            config.public_dir = value;
        } else if (strcmp(arg, "--access-log") == 0) {
            config.access_log_path = value;
        } else if (strcmp(arg, "--threads") == 0) {
            char *end = NULL;
            long n = strtol(value, &end, 10);
            if (*end != '\0' || n < 2 || n > 1024) {
                fprintf(stderr, "puhui serve: --threads must be 2-1024\n");
                return 2;
            }
            config.threads = (int)n;
        } else if (strcmp(arg, "--log-key") == 0) {
            config.log_key_path = value;
        } else if (strcmp(arg, "--log-origin") == 0) {
            config.log_origin = value;
        } else if (strcmp(arg, "--search-cache-mb") == 0) {
            char *end = NULL;
            long n = strtol(value, &end, 10);
            if (*end != '\0' || n < 0 || n > 4096) {
                fprintf(stderr, "puhui serve: --search-cache-mb must be 0-4096\n");
                return 2;
            }
            config.search_cache_mb = (int)n;
        } else {
            fprintf(stderr, "puhui serve: unknown option: %s\n\n", arg);
            return print_usage(stderr, 2);
        }
    }
    if (config.log_key_path == NULL) {
        snprintf(key_path, sizeof key_path, "%s.log-key", config.db_path);
        config.log_key_path = key_path;
    }
    return ph_server_run(&config);
}

static int migrate_main(int argc, char **argv)
{
    const char *db_path = "puhui.db";
    if (argc == 3 && strcmp(argv[1], "--db") == 0)
        db_path = argv[2];
    else if (argc != 1)
        return print_usage(stderr, 2);
    struct ph_problems problems;
    ph_problems_init(&problems);
    struct ph_registry *reg = NULL;
    ph_status st = ph_registry_open(db_path, PH_OPEN_READ_WRITE, &reg, &problems);
    if (st == PH_OK)
        printf("{\"database\": \"%s\", \"schema_version\": %d}\n", db_path, ph_registry_schema_version());
    else
        fprintf(stderr, "puhui migrate: %s\n", ph_problems_first_message(&problems));
    ph_registry_close(reg);
    ph_problems_release(&problems);
    return st == PH_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return print_usage(stderr, 2);
    const char *command = argv[1];
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0 || strcmp(command, "help") == 0)
        return print_usage(stdout, 0);
    if (strcmp(command, "--version") == 0) {
        printf("puhui %s (schema %d)\n", PUHUI_VERSION, ph_registry_schema_version());
        return 0;
    }
    if (strcmp(command, "serve") == 0)
        return serve_main(argc - 1, argv + 1);
    if (strcmp(command, "admin") == 0)
        return ph_admin_main(argc - 1, argv + 1);
    if (strcmp(command, "migrate") == 0)
        return migrate_main(argc - 1, argv + 1);
    if (strcmp(command, "verify") == 0)
        return ph_verify_main(argc - 1, argv + 1);
    fprintf(stderr, "puhui: unknown command '%s'\n\n", command);
    return print_usage(stderr, 2);
}
