/*
 * format: the last step of every pipeline. Objects become text here and
 * nowhere else: tables sized to the terminal, lists, JSON and CSV. A
 * formatter streams: JSON and CSV and lists write as objects arrive; a table
 * holds its first rows to size the columns, then streams with those widths.
 *
 * Each object type declares its default view (the columns a table shows)
 * once, in format_views[] (cmds/types.c); objects of a type without a view
 * show every property, as a list when they have more than five.
 */
#ifndef UCSH_FORMAT_H
#define UCSH_FORMAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "shell.h"
#include "util.h"

struct type_view {
	const char *type;
	const char *const *columns; /* NULL-terminated property names */
};
extern const struct type_view format_views[]; /* terminated by type NULL */
const struct type_view *format_view_find(const char *type);

struct formatter;

/*
 * columns: NULL for the default view, or a JSON array of property names
 * (borrowed) as given to Format-Table -Property / Format-List -Property.
 * width: terminal columns for tables (0: 80). Writes to out.
 */
struct formatter *formatter_new(enum output_format fmt, FILE *out, int width, bool color,
				json_t *columns);
/* Write one value (borrowed). Arrays are written item by item. */
void formatter_write(struct formatter *f, json_t *v);
/* Flush what is held and free the formatter. */
void formatter_finish(struct formatter *f);

/* Text of one cell: strings as they are, numbers in short form, arrays as
 * {a, b}, objects as @{k=v; ...}, null as empty. Caller frees. */
char *format_cell(const json_t *v);
/* The digits the reals in v (searched through arrays and objects) need to
 * read back exactly, for JSON_REAL_PRECISION: 0.1 is written "0.1", not
 * with Jansson's 17 digits. */
int format_real_precision(const json_t *v);

/* Display width of a UTF-8 string (code points; wide East Asian = 2). */
size_t format_display_width(const char *s);

#endif
