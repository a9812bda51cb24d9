/*
 * format: the last step of every pipeline; objects become text here.
 *
 * Shapes, and the choices behind them:
 *  - Table: PowerShell's Format-Table look (names, dashes as long as each
 *    name, rows; one space between columns; numbers right-aligned). The
 *    first 500 rows of a table are held to size the columns, the rest
 *    stream with those widths. Columns too wide for the terminal shrink,
 *    widest first, and their cells end in "…"; when even that is not enough,
 *    trailing columns are dropped. A table has no blank line before or after
 *    it (PowerShell's are noise in scripts): it ends with the newline of its
 *    last row. One blank line separates a table from any other output next
 *    to it, e.g. the next table when an object of another type arrives.
 *  - List: "Name : value", names padded to the longest; a blank line between
 *    objects; lines of a multi-line value indented under the value column.
 *  - No table or list line ends in spaces, and cells never carry control
 *    characters: data from phones must not be able to drive the terminal.
 *    Scalars are written one per line exactly as their text.
 *  - JSON mirrors ConvertTo-Json: one value is written alone, several as one
 *    array (streamed: "[" when the second value arrives), none as nothing.
 *    Reals are written in the shortest form that reads back exactly.
 *  - CSV: Export-Csv without the #TYPE line (see csv.c for quoting).
 *  - Colour: only table headers (names and dashes), bold green as in
 *    PowerShell 7; with color false no escape code is ever written.
 */
#include "config.h"
#include "format.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "value.h"

#define TABLE_HOLD_ROWS 500
#define TABLE_DEFAULT_WIDTH 80
#define TABLE_MIN_COLUMN 4 /* narrowest a column shrinks to: "ab…" still says something */
#define LIST_WHEN_MORE_THAN 5
#define CELL_MAX_DEPTH 16
#define ELLIPSIS "\xe2\x80\xa6"
#define REPLACEMENT "\xef\xbf\xbd"
#define COLOR_HEADER "\033[32;1m"
#define COLOR_RESET "\033[0m"

enum block { BLOCK_NONE, BLOCK_SCALAR, BLOCK_TABLE, BLOCK_LIST };

struct table {
	bool open;
	char *type;      /* type of the objects in it; NULL: untyped */
	json_t *names;   /* column names (strings) */
	size_t ncols;    /* columns shown: trailing ones may be dropped to fit */
	size_t *width;   /* per column, fitted */
	bool *right;     /* per column: right-aligned (numbers) */
	json_t *held;    /* rows held until the widths are known */
	bool streaming;  /* header written, widths fixed */
};

struct formatter {
	enum output_format fmt;
	FILE *out;
	size_t width;
	bool color;
	json_t *columns;    /* patterns from -Property, or NULL */
	enum block last;    /* what was written last: decides blank lines */
	struct table table;
	json_t *json_first; /* held until we know whether an array is needed */
	size_t json_count;
	json_t *csv_names;  /* CSV columns, fixed by the first object */
};

const struct type_view *format_view_find(const char *type)
{
	if (!type)
		return NULL;
	for (const struct type_view *v = format_views; v->type; v++)
		if (str_ieq(v->type, type))
			return v;
	return NULL;
}

/* ---- UTF-8 and display width ---- */

#define UTF8_BAD UINT32_MAX

/*
 * Decode one code point. A malformed byte consumes 1 byte and yields
 * UTF8_BAD. Each continuation byte is checked before the next is read, so
 * decoding stops at the terminating NUL of a truncated sequence.
 */
static size_t utf8_next(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07, min = 0x10000;
	else
		goto bad;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return n;
bad:
	*cp = UTF8_BAD;
	return 1;
}

struct cp_range {
	uint32_t lo, hi;
};

/* Combining marks and invisible format characters: no column of their own. */
static const struct cp_range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x05bf, 0x05c7 },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0670, 0x0670 }, { 0x06d6, 0x06ed },
	{ 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x0e47, 0x0e4e }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 },
	{ 0x20d0, 0x20ff }, { 0x302a, 0x302f }, { 0x3099, 0x309a }, { 0xfe00, 0xfe0f },
	{ 0xfe20, 0xfe2f }, { 0xfeff, 0xfeff }, { 0xe0100, 0xe01ef },
};

/* East Asian Wide and Fullwidth, and emoji shown two columns wide. */
static const struct cp_range double_width[] = {
	{ 0x1100, 0x115f }, { 0x231a, 0x231b }, { 0x2329, 0x232a }, { 0x23e9, 0x23ec },
	{ 0x23f0, 0x23f0 }, { 0x23f3, 0x23f3 }, { 0x25fd, 0x25fe }, { 0x2614, 0x2615 },
	{ 0x2648, 0x2653 }, { 0x26a1, 0x26a1 }, { 0x26bd, 0x26be }, { 0x26c4, 0x26c5 },
	{ 0x26d4, 0x26d4 }, { 0x26ea, 0x26ea }, { 0x26f5, 0x26f5 }, { 0x26fd, 0x26fd },
	{ 0x2705, 0x2705 }, { 0x2728, 0x2728 }, { 0x274c, 0x274c }, { 0x2753, 0x2755 },
	{ 0x2757, 0x2757 }, { 0x2795, 0x2797 }, { 0x2b1b, 0x2b1c }, { 0x2b50, 0x2b50 },
	{ 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff },
	{ 0xa000, 0xa4cf }, { 0xa960, 0xa97f }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
	{ 0xfe10, 0xfe19 }, { 0xfe30, 0xfe6f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 },
	{ 0x1f300, 0x1f64f }, { 0x1f680, 0x1f6ff }, { 0x1f900, 0x1f9ff },
	{ 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

static bool in_ranges(uint32_t cp, const struct cp_range *r, size_t n)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cp < r[mid].lo)
			hi = mid;
		else if (cp > r[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

static size_t cp_width(uint32_t cp)
{
	if (cp == UTF8_BAD)
		return 1;
	if (in_ranges(cp, zero_width, UCSH_ARRAY_LEN(zero_width)))
		return 0;
	if (in_ranges(cp, double_width, UCSH_ARRAY_LEN(double_width)))
		return 2;
	return 1;
}

size_t format_display_width(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	uint32_t cp;
	while (*p) {
		p += utf8_next(p, &cp);
		w += cp_width(cp);
	}
	return w;
}

/* Bytes of the longest prefix of s no wider than max columns; its width in
 * *used. Cuts only between code points, and keeps combining marks with
 * their base character. */
static size_t prefix_fitting(const char *s, size_t max, size_t *used)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t w = 0;
	uint32_t cp;
	while (*p) {
		size_t n = utf8_next(p, &cp), cw = cp_width(cp);
		if (w + cw > max)
			break;
		w += cw;
		p += n;
	}
	*used = w;
	return (size_t)(p - (const unsigned char *)s);
}

/* ---- cells ---- */

static void cell_append(struct strbuf *sb, const json_t *v, int depth);

static void cell_append_array(struct strbuf *sb, const json_t *v, int depth)
{
	size_t i;
	json_t *it;
	sb_addc(sb, '{');
	json_array_foreach(v, i, it) {
		if (i)
			sb_adds(sb, ", ");
		cell_append(sb, it, depth + 1);
	}
	sb_addc(sb, '}');
}

static void cell_append_object(struct strbuf *sb, const json_t *v, int depth)
{
	const char *k;
	json_t *p;
	bool first = true;
	if (value_is_scriptblock(v)) {
		sb_adds(sb, value_scriptblock_text(v));
		return;
	}
	sb_adds(sb, "@{");
	value_each_prop((json_t *)v, k, p) {
		sb_addf(sb, "%s%s=", first ? "" : "; ", k);
		cell_append(sb, p, depth + 1);
		first = false;
	}
	sb_addc(sb, '}');
}

static void cell_append(struct strbuf *sb, const json_t *v, int depth)
{
	char num[64];
	if (!v)
		return;
	if (depth > CELL_MAX_DEPTH) { /* bounded recursion; nobody reads that deep */
		sb_adds(sb, ELLIPSIS);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_STRING: sb_adds(sb, json_string_value(v)); break;
	case JSON_INTEGER: sb_addf(sb, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL:
		/* One definition of how a number reads, shared with "$x". */
		value_format_number(json_real_value(v), num, sizeof(num));
		sb_adds(sb, num);
		break;
	case JSON_TRUE: sb_adds(sb, "True"); break;
	case JSON_FALSE: sb_adds(sb, "False"); break;
	case JSON_NULL: break;
	case JSON_ARRAY: cell_append_array(sb, v, depth); break;
	case JSON_OBJECT: cell_append_object(sb, v, depth); break;
	}
}

char *format_cell(const json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	cell_append(&sb, v, 0);
	return sb_detach(&sb);
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
}

/*
 * The text of a cell as tables and lists show it. Control characters and
 * malformed bytes become U+FFFD so that a phone's data cannot move the
 * cursor or recolour the terminal. In a table (multiline false) line breaks
 * and tabs become spaces, one row being one line; a list keeps "\n".
 */
static char *display_text(const json_t *v, bool multiline)
{
	char *raw = format_cell(v);
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)raw;
	uint32_t cp;
	while (*p) {
		size_t n = utf8_next(p, &cp);
		if (multiline && cp == '\n')
			sb_addc(&sb, '\n');
		else if (cp == '\r' && p[1] == '\n')
			; /* CRLF: the LF alone makes the break (or the space) */
		else if (cp == '\n' || cp == '\r' || cp == '\t')
			sb_addc(&sb, ' ');
		else if (cp == UTF8_BAD || is_control(cp))
			sb_adds(&sb, REPLACEMENT);
		else
			sb_add(&sb, (const char *)p, n);
		p += n;
	}
	free(raw);
	return sb_detach(&sb);
}

/* ---- column names ---- */

static bool names_contain(const json_t *names, const char *name)
{
	size_t i;
	json_t *it;
	json_array_foreach(names, i, it)
		if (str_ieq(json_string_value(it), name))
			return true;
	return false;
}

static void names_add(json_t *names, const char *name)
{
	if (!names_contain(names, name))
		json_array_append_new(names, json_string(name));
}

static json_t *names_all(const json_t *obj)
{
	json_t *names = json_array();
	const char *k;
	json_t *v;
	value_each_prop((json_t *)obj, k, v)
		json_array_append_new(names, json_string(k));
	return names;
}

/* -Property patterns against one object: a wildcard adds every matching
 * property in the object's order, a plain name adds itself (spelled as the
 * object spells it) whether or not the object has it. Caller owns. */
static json_t *names_from_patterns(const json_t *patterns, const json_t *obj)
{
	json_t *names = json_array();
	size_t i;
	json_t *it;
	json_array_foreach(patterns, i, it) {
		const char *pat = json_string_value(it), *k;
		json_t *v;
		if (!pat || value_is_hidden_key(pat))
			continue;
		if (!wildcard_has_meta(pat)) {
			const char *key = value_prop_key(obj, pat);
			names_add(names, key ? key : pat);
			continue;
		}
		value_each_prop((json_t *)obj, k, v)
			if (wildcard_match(pat, k))
				names_add(names, k);
	}
	return names;
}

static json_t *names_for_table(const struct formatter *f, const json_t *obj)
{
	if (f->columns)
		return names_from_patterns(f->columns, obj);
	const struct type_view *view = format_view_find(value_object_type(obj));
	if (!view)
		return names_all(obj);
	json_t *names = json_array();
	for (const char *const *c = view->columns; *c; c++)
		json_array_append_new(names, json_string(*c));
	return names;
}

/* ---- output helpers ---- */

/* One blank line between blocks; none between consecutive scalars. */
static void start_block(struct formatter *f, enum block kind)
{
	if (f->last != BLOCK_NONE && !(kind == BLOCK_SCALAR && f->last == BLOCK_SCALAR))
		fputc('\n', f->out);
	f->last = kind;
}

static void write_line(struct formatter *f, struct strbuf *line)
{
	size_t n = line->len;
	while (n && line->buf[n - 1] == ' ')
		n--;
	if (n)
		fwrite(line->buf, 1, n, f->out);
	fputc('\n', f->out);
	sb_reset(line);
}

static void add_spaces(struct strbuf *sb, size_t n)
{
	while (n--)
		sb_addc(sb, ' ');
}

/* ---- tables ---- */

/* The narrowest a column of natural width w may become. */
static size_t column_floor(size_t w)
{
	return w < TABLE_MIN_COLUMN ? w : TABLE_MIN_COLUMN;
}

/* Width of a column of natural width w when no column may exceed cap. */
static size_t column_capped(size_t w, size_t cap)
{
	size_t c = w < cap ? w : cap;
	return c > column_floor(w) ? c : column_floor(w);
}

static size_t columns_sum(const size_t *w, size_t n, size_t cap)
{
	size_t sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += column_capped(w[i], cap);
	return sum;
}

/*
 * Fit natural widths w[0..n) into avail columns (one space between
 * columns): find the largest cap C such that, with every column wider than
 * C shrunk to C (but not below its floor), the table fits; then give the
 * columns that were cut one more each while room is left, leftmost first.
 * Trailing columns are dropped when even their floors do not fit. Returns
 * the number of columns kept.
 */
static size_t fit_columns(size_t *w, size_t n, size_t avail)
{
	size_t kept = 0, floors = 0, maxw = 0;
	while (kept < n && (!kept || floors + column_floor(w[kept]) + kept <= avail))
		floors += column_floor(w[kept++]);
	n = kept;
	for (size_t i = 0; i < n; i++)
		maxw = w[i] > maxw ? w[i] : maxw;
	if (n == 0 || columns_sum(w, n, maxw) + n - 1 <= avail)
		return n;
	if (n == 1) {
		w[0] = avail ? avail : 1;
		return 1;
	}
	size_t room = avail - (n - 1), lo = 0, hi = maxw;
	while (lo + 1 < hi) { /* cap lo fits, cap hi does not */
		size_t cap = lo + (hi - lo) / 2;
		if (columns_sum(w, n, cap) <= room)
			lo = cap;
		else
			hi = cap;
	}
	size_t left = room - columns_sum(w, n, lo);
	for (size_t i = 0; i < n; i++) {
		size_t c = column_capped(w[i], lo);
		if (left && c == lo && w[i] > lo) {
			c++;
			left--;
		}
		w[i] = c;
	}
	return n;
}

static const char *col_name(const struct table *t, size_t i)
{
	return json_string_value(json_array_get(t->names, i));
}

/* Widths from the header and the held rows; a column is right-aligned when
 * every non-empty value held in it is a number. */
static void table_layout(struct formatter *f)
{
	struct table *t = &f->table;
	size_t n = json_array_size(t->names), r;
	size_t *numbers = xcalloc(n, sizeof(*numbers)), *others = xcalloc(n, sizeof(*others));
	json_t *row;
	t->width = xcalloc(n, sizeof(*t->width));
	t->right = xcalloc(n, sizeof(*t->right));
	for (size_t i = 0; i < n; i++)
		t->width[i] = format_display_width(col_name(t, i));
	json_array_foreach(t->held, r, row) {
		for (size_t i = 0; i < n; i++) {
			json_t *v = value_prop(row, col_name(t, i));
			char *cell = display_text(v, false);
			size_t w = format_display_width(cell);
			t->width[i] = w > t->width[i] ? w : t->width[i];
			if (json_is_number(v))
				numbers[i]++;
			else if (v && !json_is_null(v))
				others[i]++;
			free(cell);
		}
	}
	for (size_t i = 0; i < n; i++)
		t->right[i] = numbers[i] && !others[i];
	t->ncols = fit_columns(t->width, n, f->width);
	free(numbers);
	free(others);
}

/* Append text in a column of the given width, cut with "…" when too wide.
 * Padding stays outside the colour codes so they never count as width. */
static void put_cell(struct strbuf *line, const char *text, size_t width, bool right,
		     bool last, bool color)
{
	size_t used = format_display_width(text), len = strlen(text);
	bool cut = used > width;
	if (cut && width) {
		len = prefix_fitting(text, width - 1, &used);
		used++; /* the ellipsis */
	} else if (cut) {
		len = used = 0;
	}
	if (right)
		add_spaces(line, width - used);
	if (color && used)
		sb_adds(line, COLOR_HEADER);
	sb_add(line, text, len);
	if (cut && width)
		sb_adds(line, ELLIPSIS);
	if (color && used)
		sb_adds(line, COLOR_RESET);
	if (!right && !last)
		add_spaces(line, width - used);
}

static void table_write_header(struct formatter *f)
{
	struct table *t = &f->table;
	struct strbuf names = STRBUF_INIT, dashes = STRBUF_INIT, dash = STRBUF_INIT;
	start_block(f, BLOCK_TABLE);
	for (size_t i = 0; i < t->ncols; i++) {
		bool last = i + 1 == t->ncols;
		size_t w = format_display_width(col_name(t, i));
		if (i) {
			sb_addc(&names, ' ');
			sb_addc(&dashes, ' ');
		}
		put_cell(&names, col_name(t, i), t->width[i], t->right[i], last, f->color);
		sb_reset(&dash);
		for (size_t d = w < t->width[i] ? w : t->width[i]; d; d--)
			sb_addc(&dash, '-');
		put_cell(&dashes, sb_str(&dash), t->width[i], t->right[i], last, f->color);
	}
	write_line(f, &names);
	write_line(f, &dashes);
	sb_free(&names);
	sb_free(&dashes);
	sb_free(&dash);
}

static void table_write_row(struct formatter *f, const json_t *obj)
{
	struct table *t = &f->table;
	struct strbuf line = STRBUF_INIT;
	for (size_t i = 0; i < t->ncols; i++) {
		char *cell = display_text(value_prop(obj, col_name(t, i)), false);
		if (i)
			sb_addc(&line, ' ');
		put_cell(&line, cell, t->width[i], t->right[i], i + 1 == t->ncols, false);
		free(cell);
	}
	write_line(f, &line);
	sb_free(&line);
}

/* Size the columns from the rows held, write them, and stream from now on. */
static void table_flush_held(struct formatter *f)
{
	struct table *t = &f->table;
	size_t r;
	json_t *row;
	if (t->streaming)
		return;
	table_layout(f);
	t->streaming = true;
	if (t->ncols == 0)
		return; /* no columns: PowerShell shows nothing for such objects */
	table_write_header(f);
	json_array_foreach(t->held, r, row)
		table_write_row(f, row);
	json_array_clear(t->held);
}

static void table_end(struct formatter *f)
{
	struct table *t = &f->table;
	if (!t->open)
		return;
	table_flush_held(f);
	free(t->type);
	free(t->width);
	free(t->right);
	json_decref(t->names);
	json_decref(t->held);
	memset(t, 0, sizeof(*t));
}

static bool same_type(const char *a, const char *b)
{
	return (!a && !b) || (a && b && str_ieq(a, b));
}

static void table_add(struct formatter *f, json_t *obj)
{
	struct table *t = &f->table;
	const char *type = value_object_type(obj);
	if (t->open && !same_type(t->type, type))
		table_end(f);
	if (!t->open) {
		t->open = true;
		t->type = type ? xstrdup(type) : NULL;
		t->names = names_for_table(f, obj);
		t->held = json_array();
	}
	if (t->streaming) {
		if (t->ncols)
			table_write_row(f, obj);
		return;
	}
	json_array_append(t->held, obj);
	if (json_array_size(t->held) >= TABLE_HOLD_ROWS)
		table_flush_held(f);
}

/* ---- lists ---- */

static void list_write_value(struct strbuf *line, const char *text, size_t indent)
{
	for (const char *p = text; *p; p++) {
		sb_addc(line, *p);
		if (*p == '\n' && p[1])
			add_spaces(line, indent);
	}
}

static void list_write(struct formatter *f, const json_t *obj)
{
	json_t *names = f->columns ? names_from_patterns(f->columns, obj) : names_all(obj);
	struct strbuf line = STRBUF_INIT;
	size_t i, namew = 0;
	json_t *it;
	json_array_foreach(names, i, it) {
		size_t w = format_display_width(json_string_value(it));
		namew = w > namew ? w : namew;
	}
	if (json_array_size(names))
		start_block(f, BLOCK_LIST);
	json_array_foreach(names, i, it) {
		const char *name = json_string_value(it);
		char *text = display_text(value_prop(obj, name), true);
		sb_adds(&line, name);
		add_spaces(&line, namew - format_display_width(name));
		sb_adds(&line, " : ");
		list_write_value(&line, text, namew + 3);
		write_line(f, &line);
		free(text);
	}
	sb_free(&line);
	json_decref(names);
}

/* ---- display (table, list, scalars) ---- */

static bool wants_list(const struct formatter *f, const json_t *obj)
{
	if (f->fmt == OUT_LIST)
		return true;
	if (f->fmt == OUT_TABLE || f->columns)
		return false;
	if (format_view_find(value_object_type(obj)))
		return false;
	return value_prop_count(obj) > LIST_WHEN_MORE_THAN;
}

static void display_write(struct formatter *f, json_t *v)
{
	if (json_is_null(v))
		return; /* $null writes nothing, as in PowerShell */
	if (json_is_object(v) && !value_is_scriptblock(v)) {
		if (!wants_list(f, v)) {
			table_add(f, v);
			return;
		}
		table_end(f);
		list_write(f, v);
		return;
	}
	table_end(f);
	char *text = format_cell(v);
	start_block(f, BLOCK_SCALAR);
	fputs(text, f->out);
	fputc('\n', f->out);
	free(text);
}

/* ---- JSON ---- */

/* A copy without hidden keys, recursively; script blocks become their text. */
static json_t *json_visible_copy(json_t *v)
{
	if (json_is_object(v)) {
		if (value_is_scriptblock(v))
			return json_string(value_scriptblock_text(v));
		json_t *o = json_object(), *p;
		const char *k;
		value_each_prop(v, k, p)
			json_object_set_new(o, k, json_visible_copy(p));
		return o;
	}
	if (json_is_array(v)) {
		json_t *a = json_array(), *it;
		size_t i;
		json_array_foreach(v, i, it)
			json_array_append_new(a, json_visible_copy(it));
		return a;
	}
	return json_incref(v);
}

/* Digits needed for d to read back exactly: 0.1 needs 1, not Jansson's 17. */
static int real_digits(double d)
{
	char buf[40];
	for (int p = 1; p < 17; p++) {
		snprintf(buf, sizeof(buf), "%.*g", p, d);
		if (strtod(buf, NULL) == d)
			return p;
	}
	return 17;
}

int format_real_precision(const json_t *v)
{
	int most = 1;
	size_t i;
	const char *k;
	json_t *it;
	if (json_is_real(v))
		return real_digits(json_real_value(v));
	if (json_is_array(v))
		json_array_foreach(v, i, it) {
			int d = format_real_precision(it);
			most = d > most ? d : most;
		}
	if (json_is_object(v))
		json_object_foreach((json_t *)v, k, it) {
			int d = format_real_precision(it);
			most = d > most ? d : most;
		}
	return most;
}

/* Write one value; inside the array every line is indented two more, which
 * is safe because JSON strings never hold a raw newline. */
static void json_dump_value(struct formatter *f, const json_t *v, bool in_array)
{
	size_t flags = JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
		       JSON_REAL_PRECISION(format_real_precision(v));
	char *s = json_dumps(v, flags);
	if (!s)
		return;
	if (!in_array) {
		fputs(s, f->out);
	} else {
		fputs("  ", f->out);
		for (const char *p = s; *p; p++) {
			fputc(*p, f->out);
			if (*p == '\n')
				fputs("  ", f->out);
		}
	}
	free(s);
}

static void json_write(struct formatter *f, json_t *v)
{
	json_t *copy = json_visible_copy(v);
	if (f->json_count == 0) {
		f->json_first = copy;
		f->json_count = 1;
		return;
	}
	if (f->json_count == 1) {
		fputs("[\n", f->out);
		json_dump_value(f, f->json_first, true);
		json_decref(f->json_first);
		f->json_first = NULL;
	}
	fputs(",\n", f->out);
	json_dump_value(f, copy, true);
	json_decref(copy);
	f->json_count++;
}

static void json_finish(struct formatter *f)
{
	if (f->json_count == 1) {
		json_dump_value(f, f->json_first, false);
		fputc('\n', f->out);
	} else if (f->json_count > 1) {
		fputs("\n]\n", f->out);
	}
}

/* ---- CSV ---- */

/* The first object fixes the columns; a scalar becomes a one-field record. */
static void csv_write(struct formatter *f, json_t *v)
{
	struct strbuf sb = STRBUF_INIT;
	if (json_is_null(v))
		return;
	if (json_is_object(v) && !value_is_scriptblock(v)) {
		if (!f->csv_names) {
			json_t *names = f->columns ? names_from_patterns(f->columns, v) : names_all(v);
			if (!json_array_size(names)) {
				json_decref(names);
				return;
			}
			f->csv_names = names;
			csv_add_header(&sb, names, ',');
		}
		csv_add_row(&sb, v, f->csv_names, ',');
	} else {
		json_t *one = json_array();
		json_array_append(one, v);
		csv_add_header(&sb, one, ',');
		json_decref(one);
	}
	fwrite(sb_str(&sb), 1, sb.len, f->out);
	sb_free(&sb);
}

/* ---- the formatter ---- */

struct formatter *formatter_new(enum output_format fmt, FILE *out, int width, bool color,
				json_t *columns)
{
	struct formatter *f = xcalloc(1, sizeof(*f));
	f->fmt = fmt;
	f->out = out;
	f->width = width > 0 ? (size_t)width : TABLE_DEFAULT_WIDTH;
	f->color = color;
	f->columns = json_is_array(columns) ? json_incref(columns) : NULL;
	return f;
}

void formatter_write(struct formatter *f, json_t *v)
{
	if (!f || !v)
		return;
	if (json_is_array(v)) {
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it) {
			if (f->fmt == OUT_JSON)
				json_write(f, it); /* nested arrays stay arrays in JSON */
			else
				formatter_write(f, it);
		}
		return;
	}
	switch (f->fmt) {
	case OUT_JSON: json_write(f, v); break;
	case OUT_CSV: csv_write(f, v); break;
	default: display_write(f, v); break;
	}
}

void formatter_finish(struct formatter *f)
{
	if (!f)
		return;
	if (f->fmt == OUT_JSON)
		json_finish(f);
	table_end(f);
	fflush(f->out);
	json_decref(f->json_first);
	json_decref(f->csv_names);
	json_decref(f->columns);
	free(f);
}
