/* bench.h - the benchmark program's parts. */
#ifndef BENCH_H
#define BENCH_H

#include "../api/spec.h"

/* Jobs per second of `entry` over 1 and 2 threads; prints one line. */
int bench_throughput(const char *samples_xml, int entry, int jobs);
/* The same for a loaded spec. */
int bench_throughput_spec(const api_spec *spec, int jobs);

#endif
