/*
 * cli.h - the `wfc` command-line tool: shared helpers of its subcommands.
 *
 * Exit codes: 0 done, 1 contradiction after all attempts, 2 bad input
 * (including usage errors), 3 an I/O or memory failure. Errors go to
 * stderr, results and progress lines to stdout.
 */
#ifndef CLI_H
#define CLI_H

#include "../api/dataset.h"
#include "../api/error.h"
#include "../api/spec.h"
#include "../nn/eval.h"

#include <stdbool.h>
#include <stdint.h>

enum { CLI_DONE = 0, CLI_CONTRADICTION = 1, CLI_BAD_INPUT = 2, CLI_FAILURE = 3 };

int cli_run(int argc, char **argv);
int cli_corpus(int argc, char **argv);
int cli_convert(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_train(int argc, char **argv);
int cli_sample(int argc, char **argv);
int cli_dataset(int argc, char **argv);
int cli_eval(int argc, char **argv);
int cli_calibrate(int argc, char **argv);

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

/* `wfc dataset` helpers (cmd_dataset.c), shared with `wfc eval`: the spec
 * from --xml/--entry, --spec or --library NAME (lib_dir NULL: WFCD_LIBRARY,
 * else library/), its name for metadata into source; a PNG of the first 16
 * examples of a data set (api/dataset.h). */
int cli_dataset_load_spec(const char *xml, int entry, const char *json, const char *lib,
                          const char *lib_dir, api_spec *spec, char *source, size_t source_len,
                          api_error *err);
int cli_dataset_preview(const api_dataset *ds, const char *path, api_error *err);

/* `wfc eval` (cmd_eval.c): scores count generated grids (count, size,
 * size) of train's vocabulary, or RGB images (count, 3, size, size) in
 * [-1, 1] at the colour level, against train; prints the table to stdout
 * under label, writes JSON to json_path when not NULL, copies the metrics
 * to out when not NULL. Returns a CLI exit code. For the checkpoint
 * sampler. */
int cli_eval_grids(const api_dataset *train, const int32_t *grids, int count, const char *label,
                   const char *json_path, nn_eval_metrics *out);
int cli_eval_images(const api_dataset *train, const float *images, int count, const char *label,
                    const char *json_path, nn_eval_metrics *out);

#endif
