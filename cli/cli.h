/*
 * cli.h - the `wfc` command-line tool: shared helpers of its subcommands.
 *
 * Exit codes: 0 done, 1 contradiction after all attempts, 2 bad input
 * (including usage errors), 3 an I/O or memory failure. Errors go to
 * stderr, results and progress lines to stdout.
 */
#ifndef CLI_H
#define CLI_H

#include "../api/error.h"
#include "../api/spec.h"

#include <stdbool.h>
#include <stdint.h>

enum { CLI_DONE = 0, CLI_CONTRADICTION = 1, CLI_BAD_INPUT = 2, CLI_FAILURE = 3 };

int cli_run(int argc, char **argv);
int cli_corpus(int argc, char **argv);
int cli_convert(int argc, char **argv);
int cli_demo(int argc, char **argv);

/* Prints "wfc: <message>" (and the JSON pointer when set) to stderr and
 * returns the exit code that matches the api status. */
int cli_report(const char *what, int api_status, const api_error *err);
/* Loads a spec from --xml FILE --entry K or a JSON file. */
int cli_load_spec(const char *xml, int entry, const char *json_path, api_spec *out, api_error *err);
/* Parses "WxH" or "N" (square). */
bool cli_parse_size(const char *text, int *w, int *h);
/* Parses a decimal int within [lo, hi]. */
bool cli_parse_int(const char *text, long lo, long hi, long *out);
double cli_now_ms(void);
/* Writes text to path ("-" = stdout). */
int cli_write_text(const char *path, const char *text, api_error *err);

#endif
