/*
 * tenet-bench: the benchmark scenarios. Each entry point takes the
 * scenario's argv (argv[0] is the scenario name) and returns the process
 * exit code: 0, 1 when a run failed or did not conserve packets, 2 on a
 * usage error.
 */
#ifndef TENET_BENCH_H
#define TENET_BENCH_H

int bench_ring(int argc, char **argv);
int bench_chain(int argc, char **argv);
int bench_steer(int argc, char **argv);
int bench_scan(int argc, char **argv);

#endif
