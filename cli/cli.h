/* Subcommands of the tenet command; each returns the process exit code. */
#ifndef TENET_CLI_H
#define TENET_CLI_H

int cli_run(int argc, char **argv);
int cli_ctl(int argc, char **argv);
int cli_gen(int argc, char **argv);
int cli_sink(int argc, char **argv);
int cli_doctor(int argc, char **argv);

#endif
