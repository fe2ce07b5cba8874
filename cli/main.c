/* main.c - `wfc`: Wave Function Collapse from the command line. */
#include "cli.h"

#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: wfc <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run       generate one output from a JSON spec or a samples.xml entry\n"
    "  corpus    run every entry of a samples.xml, like the reference program\n"
    "  convert   print a samples.xml entry as a self-contained JSON spec\n"
    "  demo      generate a demo level with the built-in sample\n"
    "  train     train a GAN (dcgan, wgan-dense) on a data set\n"
    "  sample    draw outputs from a trained generator\n"
    "  dataset   generate a training set of WFC outputs (safetensors)\n"
    "  eval      score generated grids against a data set's rules and statistics\n"
    "  calibrate fit a generator's guide scales to its data set (guided WFC)\n"
    "\n"
    "`wfc <command> --help` describes each command.\n"
    "Exit codes: 0 done, 1 contradiction after all attempts, 2 bad input,\n"
    "3 I/O or memory failure.\n";

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return CLI_BAD_INPUT;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage, stdout);
		return CLI_DONE;
	}
	if (!strcmp(cmd, "run")) return cli_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "corpus")) return cli_corpus(argc - 1, argv + 1);
	if (!strcmp(cmd, "convert")) return cli_convert(argc - 1, argv + 1);
	if (!strcmp(cmd, "demo")) return cli_demo(argc - 1, argv + 1);
	if (!strcmp(cmd, "train")) return cli_train(argc - 1, argv + 1);
	if (!strcmp(cmd, "sample")) return cli_sample(argc - 1, argv + 1);
	if (!strcmp(cmd, "dataset")) return cli_dataset(argc - 1, argv + 1);
	if (!strcmp(cmd, "eval")) return cli_eval(argc - 1, argv + 1);
	if (!strcmp(cmd, "calibrate")) return cli_calibrate(argc - 1, argv + 1);
	fprintf(stderr, "wfc: unknown command '%s'\n\n%s", cmd, usage);
	return CLI_BAD_INPUT;
}
