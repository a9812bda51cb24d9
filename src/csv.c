/*
 * csv: RFC 4180 reading and writing, with PowerShell's habits.
 *
 * Reader: a byte-at-a-time state machine over a fixed 4 KiB buffer, so a
 * file of any size streams through; what it holds at once is bounded by
 * CSV_MAX_FIELD bytes per field and CSV_MAX_FIELDS fields per record.
 * Records end at LF, CRLF or a lone CR; inside quotes CR and LF are data.
 * Empty lines are skipped. It is lenient where PowerShell is (a quote in
 * the middle of an unquoted field is data; text after a closing quote is
 * appended) and strict where silence would corrupt data: NUL bytes (a
 * UTF-16 file), invalid UTF-8, bounds, and an unterminated quote are
 * errors that name the line. Errors are sticky: after one, every further
 * call returns the same error, since the position in the input is lost.
 *
 * Writer: headers and rows quote every field, as PowerShell 7's Export-Csv
 * does by default; a missing or null value is written as "" (and so reads
 * back as an empty string). Arrays are written as their items joined with
 * ";" (PowerShell writes the useless "System.Object[]"); other values as
 * format_cell shows them. csv_add_field quotes only when it must.
 */
#include "config.h"
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "value.h"

#define CSV_BUF_SIZE 4096

struct csv_reader {
	FILE *fp;
	char delim;
	unsigned char buf[CSV_BUF_SIZE];
	size_t pos, len;
	bool started;            /* the BOM check is done */
	unsigned long line;      /* line of the next unread byte */
	unsigned long rec_line;  /* line the last record began on */
	unsigned long field_line;
	bool first_quoted;       /* the record's first field was quoted */
	struct strbuf field;
	bool failed;
	struct ucsh_err error;   /* the sticky error */
};

struct csv_reader *csv_reader_new(FILE *fp, char delimiter)
{
	struct csv_reader *r = xcalloc(1, sizeof(*r));
	r->fp = fp;
	/* A delimiter that is also syntax would make every file ambiguous. */
	r->delim = (delimiter == '"' || delimiter == '\r' || delimiter == '\n' || !delimiter)
		? ',' : delimiter;
	r->line = 1;
	return r;
}

void csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return;
	sb_free(&r->field);
	free(r);
}

unsigned long csv_record_line(const struct csv_reader *r)
{
	return r->rec_line;
}

static int rd_peek(struct csv_reader *r)
{
	if (r->pos == r->len) {
		r->len = r->fp ? fread(r->buf, 1, sizeof(r->buf), r->fp) : 0;
		r->pos = 0;
		if (r->len == 0)
			return EOF;
	}
	return r->buf[r->pos];
}

/* Next byte; counts lines so that CRLF, LF and a lone CR each end one. */
static int rd_get(struct csv_reader *r)
{
	int c = rd_peek(r);
	if (c == EOF)
		return EOF;
	r->pos++;
	if (c == '\n' || (c == '\r' && rd_peek(r) != '\n'))
		r->line++;
	return c;
}

/* Consume a record end (LF, CRLF or CR) when one is next; true if so. */
static bool rd_eol(struct csv_reader *r)
{
	int c = rd_peek(r);
	if (c == '\n')
		return rd_get(r), true;
	if (c != '\r')
		return false;
	rd_get(r);
	if (rd_peek(r) == '\n')
		rd_get(r);
	return true;
}

static int fail(struct csv_reader *r, struct ucsh_err *err)
{
	r->failed = true;
	if (err)
		*err = r->error;
	return -1;
}

/* A UTF-8 BOM is skipped; a UTF-16 one is an error worth explaining. */
static int check_bom(struct csv_reader *r)
{
	r->started = true;
	if (rd_peek(r) == EOF)
		return 0;
	/* The buffer holds the start of the file unless it is under 3 bytes. */
	if (r->len - r->pos >= 3 && memcmp(r->buf + r->pos, "\xef\xbb\xbf", 3) == 0) {
		r->pos += 3;
		return 0;
	}
	if (r->len - r->pos >= 2 && (memcmp(r->buf + r->pos, "\xff\xfe", 2) == 0 ||
				     memcmp(r->buf + r->pos, "\xfe\xff", 2) == 0)) {
		err_set(&r->error, "line 1: the file is UTF-16");
		err_hint(&r->error, "save it as UTF-8");
		return -1;
	}
	return 0;
}

/* Append one byte of field data, enforcing the bounds. */
static int field_add(struct csv_reader *r, int c)
{
	if (c == 0) {
		err_set(&r->error, "line %lu: NUL byte in the input", r->line);
		err_hint(&r->error, "is the file UTF-16? save it as UTF-8");
		return -1;
	}
	if (r->field.len >= CSV_MAX_FIELD) {
		err_set(&r->error, "line %lu: field longer than %d bytes", r->field_line,
			CSV_MAX_FIELD);
		return -1;
	}
	sb_addc(&r->field, (char)c);
	return 0;
}

/* The quoted part of a field, opening quote already consumed. */
static int read_quoted(struct csv_reader *r)
{
	for (;;) {
		int c = rd_get(r);
		if (c == EOF) {
			err_set(&r->error, "line %lu: unterminated quoted field", r->rec_line);
			err_hint(&r->error, "a field that starts with \" must end with \"");
			return -1;
		}
		if (c == '"') {
			if (rd_peek(r) != '"')
				return 0;
			rd_get(r);
		}
		if (field_add(r, c) < 0)
			return -1;
	}
}

/*
 * Read one field into r->field. *last is set when the record ends after it
 * (at a line end or at the end of input); otherwise the delimiter has been
 * consumed. *quoted: the field began with a quote.
 */
static int read_field(struct csv_reader *r, bool *last, bool *quoted)
{
	sb_reset(&r->field);
	r->field_line = r->line;
	*quoted = rd_peek(r) == '"';
	if (*quoted) {
		rd_get(r);
		if (read_quoted(r) < 0)
			return -1;
	}
	for (;;) {
		int c = rd_peek(r);
		if (c == EOF || rd_eol(r)) {
			*last = true;
			return 0;
		}
		rd_get(r);
		if (c == r->delim) {
			*last = false;
			return 0;
		}
		if (field_add(r, c) < 0)
			return -1;
	}
}

/* Skip empty lines; false at the end of input. */
static bool skip_blank_lines(struct csv_reader *r)
{
	while (rd_eol(r))
		;
	return rd_peek(r) != EOF;
}

static int read_fields(struct csv_reader *r, json_t *fields)
{
	for (bool last = false; !last;) {
		if (json_array_size(fields) == CSV_MAX_FIELDS) {
			err_set(&r->error, "line %lu: more than %d fields", r->line, CSV_MAX_FIELDS);
			return -1;
		}
		bool quoted;
		if (read_field(r, &last, &quoted) < 0)
			return -1;
		if (json_array_size(fields) == 0)
			r->first_quoted = quoted;
		json_t *s = json_stringn(sb_str(&r->field), r->field.len);
		if (!s) {
			err_set(&r->error, "line %lu: invalid UTF-8 in field %zu", r->field_line,
				json_array_size(fields) + 1);
			err_hint(&r->error, "save the file as UTF-8");
			return -1;
		}
		json_array_append_new(fields, s);
	}
	return 0;
}

int csv_read_record(struct csv_reader *r, json_t **fields, struct ucsh_err *err)
{
	*fields = NULL;
	if (r->failed)
		return fail(r, err);
	if (!r->started && check_bom(r) < 0)
		return fail(r, err);
	if (!skip_blank_lines(r))
		return 0;
	r->rec_line = r->line;
	json_t *rec = json_array();
	if (read_fields(r, rec) < 0) {
		json_decref(rec);
		return fail(r, err);
	}
	*fields = rec;
	return 1;
}

/* ---- Import-Csv ---- */

struct csv_table {
	struct csv_reader *r;
	json_t *header;   /* column names, strings */
	bool started;
	bool failed;
	struct ucsh_err error;
};

struct csv_table *csv_table_new(FILE *fp, char delimiter, json_t *header)
{
	struct csv_table *t = xcalloc(1, sizeof(*t));
	t->r = csv_reader_new(fp, delimiter);
	if (json_is_array(header)) {
		size_t i;
		json_t *it;
		/* Names as text, whatever the caller gave; checked on first use. */
		t->header = json_array();
		json_array_foreach(header, i, it) {
			char *name = format_cell(it);
			json_array_append_new(t->header, json_string(name));
			free(name);
		}
	}
	return t;
}

void csv_table_free(struct csv_table *t)
{
	if (!t)
		return;
	csv_reader_free(t->r);
	json_decref(t->header);
	free(t);
}

unsigned long csv_table_line(const struct csv_table *t)
{
	return csv_record_line(t->r);
}

const json_t *csv_table_header(const struct csv_table *t)
{
	return t->started ? t->header : NULL;
}

/* where: "line 3" for a header from the file, "header" for one given. */
static int check_header(const json_t *names, const char *where, struct ucsh_err *err)
{
	size_t i, j;
	json_t *it;
	if (json_array_size(names) == 0)
		return err_set(err, "%s: the header has no columns", where);
	json_array_foreach(names, i, it) {
		const char *name = json_string_value(it);
		if (!*name)
			return err_set(err, "%s: column %zu of the header has no name", where, i + 1);
		if (value_is_hidden_key(name))
			return err_set(err, "%s: column %zu of the header has an invalid name",
				       where, i + 1);
		for (j = 0; j < i; j++)
			if (str_ieq(json_string_value(json_array_get(names, j)), name))
				return err_set(err, "%s: duplicate column name '%s' in the header "
					       "(columns %zu and %zu)", where, name, j + 1, i + 1);
	}
	return 0;
}

/* As PowerShell decides it, on the raw line: a quoted "#TYPE" is a name. */
static bool is_type_line(const struct csv_table *t, const json_t *rec)
{
	return !t->r->first_quoted &&
	       str_iprefix("#TYPE", json_string_value(json_array_get(rec, 0)));
}

/*
 * The first record: skip a "#TYPE" line, then take the header from the
 * file unless one was given. Leaves a data record in *pending, or NULL.
 */
static int table_start(struct csv_table *t, json_t **pending)
{
	char where[32];
	json_t *rec;
	int rc;
	t->started = true;
	*pending = NULL;
	if (t->header && check_header(t->header, "header", &t->error) < 0)
		return -1;
	rc = csv_read_record(t->r, &rec, &t->error);
	if (rc == 1 && is_type_line(t, rec)) {
		json_decref(rec);
		rc = csv_read_record(t->r, &rec, &t->error);
	}
	if (rc <= 0)
		return rc;
	if (t->header) {
		*pending = rec;
		return 1;
	}
	snprintf(where, sizeof(where), "line %lu", csv_record_line(t->r));
	if (check_header(rec, where, &t->error) < 0) {
		json_decref(rec);
		return -1;
	}
	t->header = rec;
	return 1;
}

static json_t *record_to_object(struct csv_table *t, json_t *rec)
{
	size_t n = json_array_size(rec), cols = json_array_size(t->header), i;
	json_t *name;
	if (n > cols) {
		err_set(&t->error, "line %lu: %zu fields, but the header has %zu columns",
			csv_record_line(t->r), n, cols);
		return NULL;
	}
	json_t *obj = json_object();
	json_array_foreach(t->header, i, name) {
		json_t *v = i < n ? json_incref(json_array_get(rec, i)) : json_null();
		json_object_set_new(obj, json_string_value(name), v);
	}
	return obj;
}

int csv_table_next(struct csv_table *t, json_t **obj, struct ucsh_err *err)
{
	json_t *rec = NULL;
	int rc = 1;
	*obj = NULL;
	if (!t->failed && !t->started)
		rc = table_start(t, &rec);
	if (!t->failed && rc == 1 && !rec)
		rc = csv_read_record(t->r, &rec, &t->error);
	if (!t->failed && rc == 1) {
		*obj = record_to_object(t, rec);
		json_decref(rec);
		rc = *obj ? 1 : -1;
	}
	if (rc < 0)
		t->failed = true;
	if (t->failed) {
		if (err)
			*err = t->error;
		return -1;
	}
	return rc;
}

/* ---- writing ---- */

static void add_quoted(struct strbuf *sb, const char *s)
{
	sb_addc(sb, '"');
	for (; *s; s++) {
		if (*s == '"')
			sb_addc(sb, '"');
		sb_addc(sb, *s);
	}
	sb_addc(sb, '"');
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void csv_add_field(struct strbuf *sb, const char *field, char delimiter)
{
	size_t n = strlen(field);
	bool quote = n && (is_blank(field[0]) || is_blank(field[n - 1]));
	for (const char *p = field; *p && !quote; p++)
		quote = *p == delimiter || *p == '"' || *p == '\r' || *p == '\n';
	if (quote)
		add_quoted(sb, field);
	else
		sb_add(sb, field, n);
}

/* A value as one field: arrays as their items joined with ";". */
static char *field_text(const json_t *v)
{
	if (!json_is_array(v))
		return format_cell(v);
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	json_t *it;
	json_array_foreach(v, i, it) {
		char *s = format_cell(it);
		if (i)
			sb_addc(&sb, ';');
		sb_adds(&sb, s);
		free(s);
	}
	return sb_detach(&sb);
}

void csv_add_header(struct strbuf *sb, json_t *names, char delimiter)
{
	size_t i;
	json_t *it;
	json_array_foreach(names, i, it) {
		char *s = field_text(it);
		if (i)
			sb_addc(sb, delimiter);
		add_quoted(sb, s);
		free(s);
	}
	sb_addc(sb, '\n');
}

void csv_add_row(struct strbuf *sb, json_t *obj, json_t *names, char delimiter)
{
	size_t i;
	json_t *it;
	json_array_foreach(names, i, it) {
		const char *name = json_string_value(it);
		char *s = field_text(name ? value_prop(obj, name) : NULL);
		if (i)
			sb_addc(sb, delimiter);
		add_quoted(sb, s);
		free(s);
	}
	sb_addc(sb, '\n');
}
