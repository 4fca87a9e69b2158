/* SPDX-License-Identifier: BSD-3-Clause */
/* vhctl: aligned text tables, widths computed over all rows before printing. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

#define TABLE_MAX_COLS 16

struct table {
	unsigned int ncols;
	char align[TABLE_MAX_COLS];
	char **cells; /* rows * ncols, row-major; NULL = empty */
	unsigned int rows, cap, col;
};

struct table *
table_new(unsigned int ncols, const char *align)
{
	struct table *t = calloc(1, sizeof(*t));

	if (t == NULL || ncols == 0 || ncols > TABLE_MAX_COLS) {
		free(t);
		return NULL;
	}
	t->ncols = ncols;
	for (unsigned int i = 0; i < ncols; i++)
		t->align[i] = align != NULL && i < strlen(align) ? align[i] : 'l';
	return t;
}

void
table_row(struct table *t)
{
	if (t == NULL)
		return;
	if (t->rows == t->cap) {
		unsigned int cap = t->cap ? t->cap * 2 : 16;
		char **n = realloc(t->cells, (size_t)cap * t->ncols * sizeof(*n));

		if (n == NULL)
			return;
		t->cells = n;
		t->cap = cap;
	}
	memset(&t->cells[(size_t)t->rows * t->ncols], 0, t->ncols * sizeof(*t->cells));
	t->rows++;
	t->col = 0;
}

void
table_cell(struct table *t, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;

	if (t == NULL || t->rows == 0 || t->col >= t->ncols)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	t->cells[(size_t)(t->rows - 1) * t->ncols + t->col++] = s;
}

void
table_print(struct table *t, FILE *f, const char *indent)
{
	size_t w[TABLE_MAX_COLS] = {0};

	if (t == NULL)
		return;
	for (unsigned int r = 0; r < t->rows; r++)
		for (unsigned int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[(size_t)r * t->ncols + c];

			if (s != NULL && strlen(s) > w[c])
				w[c] = strlen(s);
		}
	for (unsigned int r = 0; r < t->rows; r++) {
		fputs(indent, f);
		for (unsigned int c = 0; c < t->ncols; c++) {
			char *s = t->cells[(size_t)r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			const char *v = s != NULL ? s : "";

			if (t->align[c] == 'r')
				fprintf(f, "%*s", (int)w[c], v);
			else if (last)
				fputs(v, f); /* no trailing blanks */
			else
				fprintf(f, "%-*s", (int)w[c], v);
			fputs(last ? "\n" : "  ", f);
			free(s);
		}
	}
	free(t->cells);
	free(t);
}

void
table_free(struct table *t)
{
	if (t == NULL)
		return;
	for (size_t i = 0; i < (size_t)t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
