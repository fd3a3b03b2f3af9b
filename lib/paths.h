/*
 * Where tenet's own files are, for a program run from the build tree or
 * from an installed prefix: one rule, used for the BPF objects (by the
 * afxdp port and tenet doctor) and for the example NFs (by the supervisor).
 *
 * DIR (bpf or nf) is looked for
 *   1. beside the running binary: build/bpf and build/nf for build/tenet;
 *   2. in PREFIX/lib/tenet/DIR, PREFIX being the parent of the binary's
 *      directory: /usr/local/lib/tenet/bpf for /usr/local/bin/tenet (the
 *      layout of make install; it moves with the tree, DESTDIR included);
 * and the first that is a directory wins. When neither is, the answer is
 * the one beside the binary, so that messages name the build tree.
 */
#ifndef TENET_PATHS_H
#define TENET_PATHS_H

#include <stddef.h>

/*
 * Where the BPF objects (*.bpf.o) are: $TENET_BPF_DIR if set, else by the
 * rule above, else (no /proc/self/exe) "build/bpf". Returns env, buf
 * (filled) or a literal.
 */
const char *tenet_bpf_dir(char *buf, size_t len);

/* Where the example NFs are: $TENET_NF_DIR if set, else as tenet_bpf_dir ("build/nf"). */
const char *tenet_nf_dir(char *buf, size_t len);

/*
 * The program to execute for an NF command whose first word is name: name
 * itself when it contains a '/' (a path, relative to the working
 * directory); else tenet_nf_dir()/name when that is an executable file
 * (written into buf); else name, for a search of $PATH.
 */
const char *tenet_nf_program(const char *name, char *buf, size_t len);

#endif
