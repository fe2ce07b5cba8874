/* cmd_convert.c - `wfc convert`: a samples.xml entry as self-contained JSON. */
#include "cli.h"

#include "../api/json_spec.h"
#include "../api/xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: wfc convert --xml samples.xml --entry K [-o FILE]\n"
    "\n"
    "Prints entry K (counting from 1 in document order) as a self-contained\n"
    "JSON spec, images inline as base64 PNG: the format `wfc run` and the HTTP\n"
    "service accept (docs/spec-format.md).\n";

int cli_convert(int argc, char **argv)
{
	const char *xml = NULL, *out = "-";
	long entry = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage, stdout);
			return CLI_DONE;
		} else if (!strcmp(argv[i], "--xml") && i + 1 < argc) {
			xml = argv[++i];
		} else if (!strcmp(argv[i], "--entry") && i + 1 < argc) {
			if (!cli_parse_int(argv[++i], 1, 1000000, &entry)) {
				fprintf(stderr, "wfc convert: invalid entry '%s'\n", argv[i]);
				return CLI_BAD_INPUT;
			}
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			out = argv[++i];
		} else {
			fprintf(stderr, "wfc convert: unexpected argument '%s'\n%s", argv[i],
			        usage);
			return CLI_BAD_INPUT;
		}
	}
	if (!xml || !entry) {
		fputs(usage, stderr);
		return CLI_BAD_INPUT;
	}
	api_spec spec;
	api_error err = {0};
	int rc = api_xml_load_entry(xml, (int)entry, &spec, &err);
	if (rc != API_OK) /* unreadable input files are bad input too */
		return cli_report(xml, rc == API_ERR_NOMEM ? rc : API_ERR_INPUT, &err);
	char *json = api_spec_to_json(&spec, &err);
	api_spec_free(&spec);
	if (!json) return cli_report("convert", API_ERR_NOMEM, &err);
	size_t n = strlen(json);
	char *line = malloc(n + 2);
	if (!line) {
		free(json);
		return CLI_FAILURE;
	}
	memcpy(line, json, n);
	line[n] = '\n';
	line[n + 1] = '\0';
	free(json);
	rc = cli_write_text(out, line, &err);
	free(line);
	return rc == API_OK ? CLI_DONE : cli_report(out, rc, &err);
}
