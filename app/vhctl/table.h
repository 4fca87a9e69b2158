/* SPDX-License-Identifier: BSD-3-Clause */
/* vhctl: aligned text tables. */
#ifndef VHCTL_TABLE_H
#define VHCTL_TABLE_H

#include <stdio.h>

struct table;

/*
 * A table with @p ncols columns; @p align has one letter per column, 'l'
 * or 'r'. Headers are given with table_cell() on the first row.
 */
struct table *table_new(unsigned int ncols, const char *align);
/* Start a new row. */
void table_row(struct table *t);
/* Append a printf-formatted cell to the current row. */
void table_cell(struct table *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print with two spaces between columns, each line prefixed by @p indent; frees @p t. */
void table_print(struct table *t, FILE *f, const char *indent);

/* Free without printing. */
void table_free(struct table *t);

#endif /* VHCTL_TABLE_H */
