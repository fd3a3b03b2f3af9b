/*
 * The one reporter of tenet-bench: a scenario declares its columns once
 * (JSON key, table heading, type, format) and adds rows; the reporter
 * prints the human table (row by row, as results come), the JSON array
 * (one object per row), the CSV file, and plots through gnuplot.
 *
 * A value may be absent (not measured): the table shows '-', JSON null,
 * CSV an empty field. Strings are copied into the report.
 */
#ifndef TENET_BENCH_REPORT_H
#define TENET_BENCH_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum report_type { REP_UINT, REP_DBL, REP_STR, REP_BOOL };

struct report_col {
	const char *key;  /* JSON key and CSV heading */
	const char *head; /* table heading, NULL: not in the table */
	enum report_type type;
	int width; /* table width */
	int prec;  /* decimals (REP_DBL) in the table; JSON/CSV use prec + 2 */
};

struct report;

/* Copy nb columns after the n in cols (the caller makes room); returns n + nb. */
unsigned int report_cols_cat(struct report_col *cols, unsigned int n, const struct report_col *add,
                             unsigned int nb);

/* A report with these columns (the array must outlive it). NULL with errno on error. */
struct report *report_create(const struct report_col *cols, unsigned int nb_cols);
void report_destroy(struct report *r);

/* Start a new row; its values are absent until set. 0 or -ENOMEM. */
int report_row(struct report *r);
/* Make an earlier row the current one (to set a value found later). */
void report_select(struct report *r, unsigned int row);
/* Set a value of the current row by key (an unknown key is a programming error: abort). */
void report_set_uint(struct report *r, const char *key, uint64_t v);
void report_set_dbl(struct report *r, const char *key, double v);
void report_set_str(struct report *r, const char *key, const char *v);
void report_set_bool(struct report *r, const char *key, bool v);

unsigned int report_rows(const struct report *r);
/* A value of row 'row' as a number (REP_STR: NAN), or NAN if absent. */
double report_get(const struct report *r, unsigned int row, const char *key);
/* A string value, or NULL. */
const char *report_get_str(const struct report *r, unsigned int row, const char *key);

void report_table_header(const struct report *r, FILE *f);
/* The table line of a row (note, if not NULL, after it). */
void report_table_row(const struct report *r, unsigned int row, FILE *f, const char *note);
void report_json(const struct report *r, FILE *f);
/* 0, or -errno. */
int report_csv(const struct report *r, const char *path);

/*
 * Plot with gnuplot into DIR/NAME.png and DIR/NAME.svg: one panel per
 * y key, x = xkey, one line per distinct value of series_key (NULL: one
 * line), rows where filter_key equals filter_val only (NULL: all). The data
 * and the script go to tmpdir. Returns 0, 1 if gnuplot is not installed
 * (said on err), or -1 when it failed.
 */
struct report_plot {
	const char *name, *title, *xkey, *xlabel, *series_key, *filter_key, *filter_val;
	const char *ykeys[4], *ylabels[4];
	bool xlog;
};
int report_plot(const struct report *r, const struct report_plot *p, const char *tmpdir,
                const char *dir, FILE *err);

#endif
