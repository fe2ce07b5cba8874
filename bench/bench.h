/* bench.h - the benchmark program's parts. */
#ifndef BENCH_H
#define BENCH_H

/* Jobs per second of `entry` over 1 and 2 threads; prints one line. */
int bench_throughput(const char *samples_xml, int entry, int jobs);

#endif
