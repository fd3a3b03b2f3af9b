/*
 * The reporter (see report.h): rows of typed values under declared
 * columns, printed as a table, a JSON array, CSV, and gnuplot plots.
 */
#include <errno.h>
#include <math.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "bench/report.h"

extern char **environ;

struct value {
	bool set;
	union {
		uint64_t u;
		double d;
		bool b;
		char *s;
	};
};

struct report {
	const struct report_col *cols;
	unsigned int nb_cols, nb_rows, cap;
	unsigned int cur; /* the row the setters write */
	struct value *v;  /* nb_rows x nb_cols */
};

unsigned int report_cols_cat(struct report_col *cols, unsigned int n, const struct report_col *add,
                             unsigned int nb)
{
	memcpy(cols + n, add, nb * sizeof(*add));
	return n + nb;
}

struct report *report_create(const struct report_col *cols, unsigned int nb_cols)
{
	struct report *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->cols = cols;
	r->nb_cols = nb_cols;
	return r;
}

void report_destroy(struct report *r)
{
	if (!r)
		return;
	for (unsigned int i = 0; i < r->nb_rows * r->nb_cols; i++)
		if (r->v[i].set && r->cols[i % r->nb_cols].type == REP_STR)
			free(r->v[i].s);
	free(r->v);
	free(r);
}

int report_row(struct report *r)
{
	if (r->nb_rows == r->cap) {
		unsigned int cap = r->cap ? 2 * r->cap : 16;
		struct value *v = realloc(r->v, (size_t)cap * r->nb_cols * sizeof(*v));

		if (!v)
			return -ENOMEM;
		r->v = v;
		r->cap = cap;
	}
	memset(&r->v[(size_t)r->nb_rows * r->nb_cols], 0, r->nb_cols * sizeof(*r->v));
	r->cur = r->nb_rows++;
	return 0;
}

void report_select(struct report *r, unsigned int row)
{
	if (row < r->nb_rows)
		r->cur = row;
}

static int col_of(const struct report *r, const char *key)
{
	for (unsigned int i = 0; i < r->nb_cols; i++)
		if (!strcmp(r->cols[i].key, key))
			return (int)i;
	return -1;
}

static struct value *cell(struct report *r, const char *key, enum report_type type)
{
	int c = col_of(r, key);

	if (c < 0 || r->cols[c].type != type || !r->nb_rows) {
		fprintf(stderr, "report: no %s column '%s'\n",
		        type == REP_STR ? "string" : "number", key);
		abort();
	}
	return &r->v[(size_t)r->cur * r->nb_cols + (unsigned int)c];
}

void report_set_uint(struct report *r, const char *key, uint64_t v)
{
	struct value *x = cell(r, key, REP_UINT);

	x->set = true;
	x->u = v;
}

void report_set_dbl(struct report *r, const char *key, double v)
{
	struct value *x = cell(r, key, REP_DBL);

	x->set = isfinite(v);
	x->d = v;
}

void report_set_str(struct report *r, const char *key, const char *v)
{
	struct value *x = cell(r, key, REP_STR);
	char *s = v ? strdup(v) : NULL;

	if (x->set)
		free(x->s);
	x->set = s != NULL;
	x->s = s;
}

void report_set_bool(struct report *r, const char *key, bool v)
{
	struct value *x = cell(r, key, REP_BOOL);

	x->set = true;
	x->b = v;
}

unsigned int report_rows(const struct report *r)
{
	return r->nb_rows;
}

static const struct value *get(const struct report *r, unsigned int row, int c)
{
	return &r->v[(size_t)row * r->nb_cols + (unsigned int)c];
}

double report_get(const struct report *r, unsigned int row, const char *key)
{
	int c = col_of(r, key);
	const struct value *v;

	if (c < 0 || row >= r->nb_rows)
		return NAN;
	v = get(r, row, c);
	if (!v->set)
		return NAN;
	switch (r->cols[c].type) {
	case REP_UINT:
		return (double)v->u;
	case REP_DBL:
		return v->d;
	case REP_BOOL:
		return v->b;
	default:
		return NAN;
	}
}

const char *report_get_str(const struct report *r, unsigned int row, const char *key)
{
	int c = col_of(r, key);

	if (c < 0 || row >= r->nb_rows || r->cols[c].type != REP_STR || !get(r, row, c)->set)
		return NULL;
	return get(r, row, c)->s;
}

void report_table_header(const struct report *r, FILE *f)
{
	for (unsigned int i = 0; i < r->nb_cols; i++)
		if (r->cols[i].head)
			fprintf(f, "%s%*s", i ? " " : "", r->cols[i].width, r->cols[i].head);
	fprintf(f, "\n");
	fflush(f);
}

/* One value as text: table (prec), JSON/CSV (prec + 2); "" when absent. */
static void fmt(const struct report_col *c, const struct value *v, bool exact, char *b, size_t len)
{
	if (!v->set) {
		snprintf(b, len, "%s", "");
		return;
	}
	switch (c->type) {
	case REP_UINT:
		snprintf(b, len, "%llu", (unsigned long long)v->u);
		break;
	case REP_DBL:
		snprintf(b, len, "%.*f", c->prec + (exact ? 2 : 0), v->d);
		break;
	case REP_BOOL:
		snprintf(b, len, "%s", v->b ? "true" : "false");
		break;
	case REP_STR:
		snprintf(b, len, "%s", v->s);
		break;
	}
}

void report_table_row(const struct report *r, unsigned int row, FILE *f, const char *note)
{
	char b[128];

	for (unsigned int i = 0; i < r->nb_cols; i++) {
		const struct report_col *c = &r->cols[i];

		if (!c->head)
			continue;
		fmt(c, get(r, row, (int)i), false, b, sizeof(b));
		if (c->type == REP_BOOL && get(r, row, (int)i)->set)
			snprintf(b, sizeof(b), "%s", get(r, row, (int)i)->b ? "yes" : "no");
		fprintf(f, "%s%*s", i ? " " : "", c->width, *b ? b : "-");
	}
	fprintf(f, "%s%s\n", note ? "  " : "", note ? note : "");
	fflush(f);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

void report_json(const struct report *r, FILE *f)
{
	char b[128];

	fprintf(f, "[");
	for (unsigned int row = 0; row < r->nb_rows; row++) {
		fprintf(f, "%s\n  {", row ? "," : "");
		for (unsigned int i = 0; i < r->nb_cols; i++) {
			const struct report_col *c = &r->cols[i];
			const struct value *v = get(r, row, (int)i);

			fprintf(f, "%s\"%s\": ", i ? ", " : "", c->key);
			if (!v->set) {
				fprintf(f, "null");
			} else if (c->type == REP_STR) {
				json_str(f, v->s);
			} else {
				fmt(c, v, true, b, sizeof(b));
				fprintf(f, "%s", b);
			}
		}
		fprintf(f, "}");
	}
	fprintf(f, "\n]\n");
	fflush(f);
}

int report_csv(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "w");
	char b[128];

	if (!f)
		return -errno;
	for (unsigned int i = 0; i < r->nb_cols; i++)
		fprintf(f, "%s%s", i ? "," : "", r->cols[i].key);
	fprintf(f, "\n");
	for (unsigned int row = 0; row < r->nb_rows; row++) {
		for (unsigned int i = 0; i < r->nb_cols; i++) {
			fmt(&r->cols[i], get(r, row, (int)i), true, b, sizeof(b));
			/* strings here are names: no commas or quotes */
			fprintf(f, "%s%s", i ? "," : "", b);
		}
		fprintf(f, "\n");
	}
	return fclose(f) ? -errno : 0;
}

/* The distinct values of series_key among the rows that pass the filter. */
static unsigned int series_of(const struct report *r, const struct report_plot *p,
                              const char **names, unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int row = 0; row < r->nb_rows; row++) {
		const char *s = p->series_key ? report_get_str(r, row, p->series_key) : "";
		const char *fv = p->filter_key ? report_get_str(r, row, p->filter_key) : NULL;
		unsigned int k;

		if (!s || (p->filter_key && (!fv || strcmp(fv, p->filter_val))))
			continue;
		for (k = 0; k < n && strcmp(names[k], s); k++)
			;
		if (k == n && n < max)
			names[n++] = s;
	}
	return n;
}

int report_plot(const struct report *r, const struct report_plot *p, const char *tmpdir,
                const char *dir, FILE *err)
{
	static const char *const color[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
	                                    "#66a61e", "#e6ab02", "#a6761d", "#666666"};
	const char *names[8];
	char dat[512], gp[512];
	char *args[] = {"gnuplot", gp, NULL};
	unsigned int nb_series = series_of(r, p, names, 8), nb_y = 0, nb_x;
	double xs[16];
	FILE *f;
	pid_t pid;
	int st, e;

	while (nb_y < 4 && p->ykeys[nb_y])
		nb_y++;
	snprintf(dat, sizeof(dat), "%s/%s.dat", tmpdir, p->name);
	snprintf(gp, sizeof(gp), "%s/%s.gp", tmpdir, p->name);
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(err, "tenet-bench: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	f = fopen(dat, "w");
	if (!f)
		goto err_write;
	for (unsigned int k = 0; k < nb_series; k++) {
		fprintf(f, "# %s\n", names[k]);
		for (unsigned int row = 0; row < r->nb_rows; row++) {
			const char *s = p->series_key ? report_get_str(r, row, p->series_key) : "";
			const char *fv =
			        p->filter_key ? report_get_str(r, row, p->filter_key) : NULL;

			if (!s || strcmp(s, names[k]) ||
			    (p->filter_key && (!fv || strcmp(fv, p->filter_val))))
				continue;
			fprintf(f, "%g", report_get(r, row, p->xkey));
			for (unsigned int y = 0; y < nb_y; y++) {
				double v = report_get(r, row, p->ykeys[y]);

				if (isnan(v))
					fprintf(f, " NaN");
				else
					fprintf(f, " %g", v);
			}
			fprintf(f, "\n");
		}
		fprintf(f, "\n\n");
	}
	if (fclose(f))
		goto err_write;

	/* tics at the x values measured (sizes, hops), not in between */
	nb_x = 0;
	for (unsigned int row = 0; row < r->nb_rows && nb_x < 16; row++) {
		double x = report_get(r, row, p->xkey);
		unsigned int k;

		for (k = 0; k < nb_x && xs[k] != x; k++)
			;
		if (k == nb_x && !isnan(x))
			xs[nb_x++] = x;
	}
	f = fopen(gp, "w");
	if (!f)
		goto err_write;
	for (int svg = 0; svg < 2; svg++) {
		fprintf(f,
		        "reset\nset terminal %s size %u,%u font 'sans,11'\nset output '%s/%s.%s'\n"
		        "set grid\nset key outside bottom center horizontal\n%s"
		        "set xlabel '%s'\nset yrange [0:*]\nset multiplot layout 1,%u title "
		        "\"%s\"\n",
		        svg ? "svg" : "pngcairo", 480 * nb_y + 160, 560, dir, p->name,
		        svg ? "svg" : "png", p->xlog ? "set logscale x 2\n" : "", p->xlabel, nb_y,
		        p->title);
		if (nb_x) {
			fprintf(f, "set offsets graph 0.05, graph 0.05, 0, 0\nset xtics (");
			for (unsigned int k = 0; k < nb_x; k++)
				fprintf(f, "%s%g", k ? ", " : "", xs[k]);
			fprintf(f, ")\n");
		}
		for (unsigned int y = 0; y < nb_y; y++) {
			fprintf(f, "set ylabel '%s'\nplot ", p->ylabels[y]);
			for (unsigned int k = 0; k < nb_series; k++)
				fprintf(f,
				        "%s'%s' index %u using 1:%u with linespoints lw 2 pt 7 lc "
				        "rgb "
				        "'%s' title '%s'",
				        k ? ", " : "", dat, k, y + 2, color[k % 8], names[k]);
			fprintf(f, "\n");
		}
		fprintf(f, "unset multiplot\n");
	}
	if (fclose(f))
		goto err_write;
	if (!nb_series) {
		fprintf(err, "tenet-bench: nothing to plot for %s\n", p->name);
		return -1;
	}
	fflush(stdout);
	e = posix_spawnp(&pid, "gnuplot", NULL, NULL, args, environ);
	if (e == ENOENT) {
		fprintf(err, "tenet-bench: gnuplot not found (apt-get install gnuplot-nox); "
		             "no plots written\n");
		return 1;
	}
	if (e) {
		fprintf(err, "tenet-bench: cannot run gnuplot: %s\n", strerror(e));
		return -1;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(err, "tenet-bench: gnuplot failed on %s; no plot written\n", gp);
		return -1;
	}
	fprintf(err, "tenet-bench: wrote %s/%s.png and %s/%s.svg\n", dir, p->name, dir, p->name);
	return 0;

err_write:
	fprintf(err, "tenet-bench: cannot write plot data in %s: %s\n", tmpdir, strerror(errno));
	if (f)
		fclose(f);
	return -1;
}
