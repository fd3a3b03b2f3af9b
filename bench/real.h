/*
 * tenet-bench steer --real and tenet-bench scan --real: the paper's Fig. 5
 * and Fig. 6 on real interfaces (veth pairs between network namespaces,
 * the afxdp port with its XDP programs), as opposed to the in-process
 * software-NIC model of bench_steer.c and bench_scan.c. Root only.
 */
#ifndef TENET_BENCH_REAL_H
#define TENET_BENCH_REAL_H

/* Entry points; argv as given to tenet-bench steer / scan (with --real). */
int bench_steer_real(int argc, char **argv);
int bench_scan_real(int argc, char **argv);

#endif
