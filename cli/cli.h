/* Subcommands of the tenet command; each returns the process exit code. */
#ifndef TENET_CLI_H
#define TENET_CLI_H

#include <stddef.h>
#include <stdint.h>

int cli_run(int argc, char **argv);
int cli_ctl(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_sink(int argc, char **argv);
int cli_doctor(int argc, char **argv);

/* tenet ctl tap (cli/ctl_tap.c): argv[0] is "tap"; path is the ctl socket. */
int ctl_tap(const char *path, double timeout, int argc, char **argv);

/*
 * The next item of a tap stream (mgr/tap.h) in buf[0..len): a packet (its
 * record header in *h, caplen bytes at *data), the end (*data: the end
 * line, newline included), or MORE (an incomplete item) or BAD (caplen
 * beyond snaplen or len, a bad timestamp, an end line too long). *used:
 * the bytes the item takes, 0 for MORE and BAD.
 */
struct tap_wire;
enum tap_item { TAP_ITEM_MORE, TAP_ITEM_PACKET, TAP_ITEM_END, TAP_ITEM_BAD };
enum tap_item ctl_tap_next(const uint8_t *buf, size_t len, uint32_t snaplen, struct tap_wire *h,
                           const uint8_t **data, size_t *used);

#endif
