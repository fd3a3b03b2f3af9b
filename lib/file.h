/*
 * Files named by a config or a command line (configs, pattern files, rule
 * files, capture files): opened so that no such name can hurt the process
 * that reads it. The open cannot block (O_NONBLOCK: a FIFO would wait for
 * a writer for ever), the fd never reaches a child (O_CLOEXEC), the opened
 * file - not the name, which can change under us - must be a regular file
 * (fstat on the fd: no FIFO, device, directory or socket), and a read is
 * bounded (/dev/zero or a huge file cannot exhaust memory).
 */
#ifndef TENET_LIB_FILE_H
#define TENET_LIB_FILE_H

#include <stddef.h>

#define TENET_FILE_MAX (16u << 20) /* default bound for text files: 16 MiB */

/*
 * Open path read-only, close-on-exec and non-blocking, and check that it
 * is a regular file of at most max bytes (0: no bound). Returns the fd
 * (still O_NONBLOCK: no effect on a regular file, but a procfs file that
 * waits for data fails with EAGAIN instead), or -errno with one line
 * "PATH: what is wrong; expected a regular file ..." in err.
 */
int tenet_file_open(const char *path, size_t max, char *err, size_t errlen);

/*
 * Read the whole of path (checked as by tenet_file_open) into a malloc'd,
 * NUL-terminated buffer: *buf and *len on success (0). On error -errno,
 * *buf NULL, and one line in err. A file that grows past max while it is
 * read is refused too (-EFBIG).
 */
int tenet_file_read(const char *path, size_t max, char **buf, size_t *len, char *err,
                    size_t errlen);

/* "a FIFO", "a directory", ... for the file type in st_mode (messages). */
const char *tenet_file_type(unsigned int st_mode);

#endif /* TENET_LIB_FILE_H */
