/*
 * tests/tools/check_html.c - runs the structural accessibility checker
 * (a11y/html_check.h) over HTML files, for people and for the integration
 * tests that check every page the server renders.
 *
 *     check_html [--json] FILE...      ("-" reads standard input)
 *     check_html --rules               the rules, one per line
 *
 * Prints each finding as "FILE:LINE: code: message" (or, with --json, one
 * JSON array of {file, code, line, message} for all files). Exit status:
 * 0 when every file is clean, 1 when there is any finding, 2 on a usage,
 * I/O or parse error (a file that could not be checked at all: too big, too
 * deep, nothing to parse); the error goes to standard error, and the other
 * files are still checked.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "a11y/html_check.h"

#define EXIT_CLEAN    0
#define EXIT_FINDINGS 1
#define EXIT_TROUBLE  2

/* Reads a whole file (or stdin for "-"), one byte past the checker's cap at
 * most, so that a bigger file is reported as too big without reading it all. */
static bool read_input(const char *path, char **data_out, size_t *len_out)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "check_html: %s: %s\n", path, strerror(errno));
        return false;
    }
    size_t cap = PH_HTML_CHECK_MAX_BYTES + 1;
    char *data = malloc(cap);
    if (data == NULL) {
        fprintf(stderr, "check_html: %s: out of memory\n", path);
        if (f != stdin)
            fclose(f);
        return false;
    }
    size_t len = fread(data, 1, cap, f);
    bool failed = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (failed) {
        fprintf(stderr, "check_html: %s: read error\n", path);
        free(data);
        return false;
    }
    *data_out = data;
    *len_out = len;
    return true;
}

static void usage(FILE *out)
{
    fputs("usage: check_html [--json] FILE...   (\"-\" reads standard input)\n"
          "       check_html --rules\n"
          "Exit status: 0 clean, 1 findings, 2 usage, I/O or parse error.\n",
          out);
}

static int print_rules(void)
{
    size_t count;
    const struct ph_html_check_rule *rules = ph_html_check_rules(&count);
    for (size_t i = 0; i < count; i++)
        printf("%-26s %2d  %s\n", rules[i].code, rules[i].point, rules[i].summary);
    return EXIT_CLEAN;
}

/* Checks one file; adds its findings to `all` (JSON mode) or prints them.
 * Returns the exit status for this file alone. */
static int check_file(const char *path, json_t *all)
{
    char *data;
    size_t len;
    if (!read_input(path, &data, &len))
        return EXIT_TROUBLE;
    struct ph_html_report report;
    ph_html_report_init(&report, PH_HTML_REPORT_MAX_FINDINGS);
    enum ph_html_check_status st = ph_html_check(data, len, &report);
    free(data);
    if (st != PH_HTML_CHECK_OK) {
        fprintf(stderr, "check_html: %s: %s: %s\n", path, ph_html_check_status_code(st),
                ph_html_check_status_message(st));
        ph_html_report_release(&report);
        return EXIT_TROUBLE;
    }
    int result = report.count > 0 ? EXIT_FINDINGS : EXIT_CLEAN;
    if (all != NULL) {
        json_t *items = ph_html_report_to_json(&report);
        size_t i;
        json_t *item;
        bool ok = items != NULL;
        json_array_foreach (items, i, item) {
            /* {file, code, line, message}: the file first, for people reading it. */
            json_t *entry = json_pack("{s:s}", "file", path);
            if (entry == NULL || json_object_update(entry, item) != 0 ||
                json_array_append_new(all, entry) != 0) {
                json_decref(entry);
                ok = false;
            }
        }
        json_decref(items);
        if (!ok) {
            fprintf(stderr, "check_html: %s: out of memory (or a file name that is not UTF-8)\n", path);
            result = EXIT_TROUBLE;
        }
    } else {
        size_t text_len;
        char *text = ph_html_report_to_text(&report, path, &text_len);
        if (text == NULL) {
            fprintf(stderr, "check_html: %s: out of memory\n", path);
            result = EXIT_TROUBLE;
        } else {
            fwrite(text, 1, text_len, stdout);
            free(text);
        }
    }
    ph_html_report_release(&report);
    return result;
}

int main(int argc, char **argv)
{
    bool json = false;
    int first_file = 1;
    for (; first_file < argc; first_file++) {
        const char *arg = argv[first_file];
        if (strcmp(arg, "--json") == 0) {
            json = true;
        } else if (strcmp(arg, "--rules") == 0) {
            return print_rules();
        } else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return EXIT_CLEAN;
        } else if (strcmp(arg, "--") == 0) {
            first_file++;
            break;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            fprintf(stderr, "check_html: unknown option %s\n", arg);
            usage(stderr);
            return EXIT_TROUBLE;
        } else {
            break;
        }
    }
    if (first_file >= argc) {
        usage(stderr);
        return EXIT_TROUBLE;
    }
    ph_html_check_init();

    json_t *all = json ? json_array() : NULL;
    if (json && all == NULL) {
        fputs("check_html: out of memory\n", stderr);
        return EXIT_TROUBLE;
    }
    int status = EXIT_CLEAN;
    for (int i = first_file; i < argc; i++) {
        int st = check_file(argv[i], all);
        if (st > status)
            status = st;
    }
    if (all != NULL) {
        char *text = json_dumps(all, JSON_INDENT(2));
        json_decref(all);
        if (text == NULL) {
            fputs("check_html: out of memory\n", stderr);
            return EXIT_TROUBLE;
        }
        puts(text);
        free(text);
    }
    if (fflush(stdout) != 0) {
        perror("check_html: stdout");
        return EXIT_TROUBLE;
    }
    return status;
}
