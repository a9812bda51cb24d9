/*
 * test_csv: the reader on every shape of record RFC 4180 and PowerShell
 * produce, each error with its message and line, the Import-Csv table on
 * top, and the writer, checked by reading its output back.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

/* All records of text (len bytes) as one JSON array of arrays; on an error
 * returns NULL with the message in err and the records so far in *partial. */
static json_t *read_all(const char *text, size_t len, char delim, struct ucsh_err *err,
			unsigned long *lines)
{
	FILE *fp = fmemopen((void *)text, len, "r");
	struct csv_reader *r = csv_reader_new(fp, delim);
	json_t *all = json_array(), *rec;
	int rc;
	size_t n = 0;
	err_clear(err);
	while ((rc = csv_read_record(r, &rec, err)) == 1) {
		if (lines)
			lines[n++] = csv_record_line(r);
		json_array_append_new(all, rec);
	}
	assert_null(rec);
	csv_reader_free(r);
	fclose(fp);
	if (rc < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

/* Compare the records of text with expected, given as JSON text. */
static void check_records(const char *text, size_t len, char delim, const char *expected)
{
	struct ucsh_err err;
	json_t *got = read_all(text, len, delim, &err, NULL);
	if (!got)
		fail_msg("unexpected error: %s", err.msg);
	json_t *want = json_loads(expected, 0, NULL);
	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_COMPACT);
		fail_msg("records %s, expected %s", s, expected);
	}
	json_decref(got);
	json_decref(want);
}

#define CHECK(text, expected) check_records(text, sizeof(text) - 1, ',', expected)

static void check_error(const char *text, size_t len, const char *message)
{
	struct ucsh_err err;
	json_t *got = read_all(text, len, ',', &err, NULL);
	assert_null(got);
	assert_string_equal(err.msg, message);
}

#define CHECK_ERROR(text, message) check_error(text, sizeof(text) - 1, message)

static void test_plain_records(void **state)
{
	(void)state;
	CHECK("a,b,c\n1,2,3\n", "[[\"a\",\"b\",\"c\"],[\"1\",\"2\",\"3\"]]");
	CHECK("a,b\n1,2", "[[\"a\",\"b\"],[\"1\",\"2\"]]"); /* no final newline */
	CHECK("", "[]");
	CHECK("x", "[[\"x\"]]");
	check_records("a;b,c\n", 6, ';', "[[\"a\",\"b,c\"]]");
	check_records("a\tb\n", 4, '\t', "[[\"a\",\"b\"]]");
}

static void test_empty_fields(void **state)
{
	(void)state;
	CHECK("a,,c\n,\n,,\n", "[[\"a\",\"\",\"c\"],[\"\",\"\"],[\"\",\"\",\"\"]]");
	CHECK("a,b,\n", "[[\"a\",\"b\",\"\"]]");
	CHECK("\"\"\n", "[[\"\"]]"); /* a quoted empty field is a record, not a blank line */
	CHECK("  ,\t\n", "[[\"  \",\"\\t\"]]");
}

static void test_quoted_fields(void **state)
{
	(void)state;
	CHECK("\"a,b\",\"say \"\"hi\"\"\",\"\"\"\"\n",
	      "[[\"a,b\",\"say \\\"hi\\\"\",\"\\\"\"]]");
	CHECK("\"line1\nline2\",x\n", "[[\"line1\\nline2\",\"x\"]]");
	CHECK("\"crlf\r\ninside\"\r\nnext\r\n", "[[\"crlf\\r\\ninside\"],[\"next\"]]");
	CHECK("\"a\"", "[[\"a\"]]");
}

static void test_lenient_quotes(void **state)
{
	(void)state;
	/* As PowerShell reads them: a quote inside an unquoted field is data,
	 * text after a closing quote is appended. */
	CHECK("5\" screen,x\n", "[[\"5\\\" screen\",\"x\"]]");
	CHECK("\"ab\"cd,e\n", "[[\"abcd\",\"e\"]]");
}

static void test_line_ends(void **state)
{
	(void)state;
	CHECK("a,b\r\nc,d\r\n", "[[\"a\",\"b\"],[\"c\",\"d\"]]");
	CHECK("a\rb\rc", "[[\"a\"],[\"b\"],[\"c\"]]");
	CHECK("a\r\n\r\n\r\nb\n\n", "[[\"a\"],[\"b\"]]");
}

static void test_blank_lines_skipped(void **state)
{
	(void)state;
	CHECK("\n\na\n\n\nb\n\n", "[[\"a\"],[\"b\"]]");
	CHECK("\n\n\n", "[]");
}

static void test_bom(void **state)
{
	(void)state;
	CHECK("\xef\xbb\xbfName,Site\nx,y\n", "[[\"Name\",\"Site\"],[\"x\",\"y\"]]");
	CHECK("\xef\xbb\xbf", "[]");
	/* Only at the start: later it is data. */
	CHECK("a\n\xef\xbb\xbf" "b\n", "[[\"a\"],[\"\xef\xbb\xbf" "b\"]]");
	CHECK_ERROR("\xff\xfeN\0a\0", "line 1: the file is UTF-16");
}

static void test_record_lines(void **state)
{
	(void)state;
	const char text[] = "\nh1,h2\n\"multi\nline\",x\n\nlast,y\r\n";
	unsigned long lines[8];
	struct ucsh_err err;
	json_t *all = read_all(text, sizeof(text) - 1, ',', &err, lines);
	assert_non_null(all);
	assert_int_equal(json_array_size(all), 3);
	assert_int_equal(lines[0], 2);
	assert_int_equal(lines[1], 3);
	assert_int_equal(lines[2], 6);
	json_decref(all);
}

static void test_unterminated_quote(void **state)
{
	(void)state;
	/* Named by the line the record began on, not where the input ran out. */
	CHECK_ERROR("a,b\n1,2\n3,\"open\nmore\nlines\n", "line 3: unterminated quoted field");
	CHECK_ERROR("\"", "line 1: unterminated quoted field");
	CHECK_ERROR("\"a\"\"", "line 1: unterminated quoted field");
}

/* "x,<n bytes>\n" with the long field on line 2, optionally quoted. */
static char *long_field_text(size_t n, bool quoted, size_t *len)
{
	char *s = xmalloc(n + 16);
	size_t k = 0;
	memcpy(s, "h\nx,", 4);
	k = 4;
	if (quoted)
		s[k++] = '"';
	memset(s + k, 'f', n);
	k += n;
	if (quoted)
		s[k++] = '"';
	s[k++] = '\n';
	*len = k;
	return s;
}

static void test_field_bound(void **state)
{
	(void)state;
	struct ucsh_err err;
	size_t len;
	for (int quoted = 0; quoted < 2; quoted++) {
		char *ok = long_field_text(CSV_MAX_FIELD, quoted, &len);
		json_t *all = read_all(ok, len, ',', &err, NULL);
		assert_non_null(all);
		assert_int_equal(strlen(json_string_value(json_array_get(json_array_get(all, 1), 1))),
				 CSV_MAX_FIELD);
		json_decref(all);
		free(ok);
		char *big = long_field_text(CSV_MAX_FIELD + 1, quoted, &len);
		check_error(big, len, "line 2: field longer than 65536 bytes");
		free(big);
	}
}

static void test_fields_bound(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	struct ucsh_err err;
	sb_adds(&sb, "one\n");
	for (int i = 0; i < CSV_MAX_FIELDS; i++)
		sb_adds(&sb, i ? ",f" : "f");
	sb_addc(&sb, '\n');
	json_t *all = read_all(sb.buf, sb.len, ',', &err, NULL);
	assert_non_null(all);
	assert_int_equal(json_array_size(json_array_get(all, 1)), CSV_MAX_FIELDS);
	json_decref(all);
	sb.len--; /* one field more */
	sb_adds(&sb, ",f\n");
	check_error(sb.buf, sb.len, "line 2: more than 1024 fields");
	sb_free(&sb);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	CHECK_ERROR("ok\nNa\0me\n", "line 2: NUL byte in the input");
	CHECK_ERROR("ok\nok,\"x\xff\"\n", "line 2: invalid UTF-8 in field 2");
	CHECK("\xc3\xa9t\xc3\xa9,\xe6\x97\xa5\n", "[[\"\xc3\xa9t\xc3\xa9\",\"\xe6\x97\xa5\"]]");
}

static void test_errors_are_sticky(void **state)
{
	(void)state;
	const char text[] = "a\n\"open";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct csv_reader *r = csv_reader_new(fp, ',');
	struct ucsh_err err;
	json_t *rec;
	assert_int_equal(csv_read_record(r, &rec, &err), 1);
	json_decref(rec);
	assert_int_equal(csv_read_record(r, &rec, &err), -1);
	assert_null(rec);
	err_clear(&err);
	assert_int_equal(csv_read_record(r, &rec, &err), -1);
	assert_string_equal(err.msg, "line 2: unterminated quoted field");
	csv_reader_free(r);
	fclose(fp);
}

/* ---- csv_table ---- */

/* Objects of text as a JSON array; NULL on error (message in err). */
static json_t *table_all(const char *text, json_t *header, struct ucsh_err *err)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	struct csv_table *t = csv_table_new(fp, ',', header);
	json_t *all = json_array(), *obj;
	int rc;
	err_clear(err);
	while ((rc = csv_table_next(t, &obj, err)) == 1)
		json_array_append_new(all, obj);
	assert_null(obj);
	csv_table_free(t);
	fclose(fp);
	if (rc < 0) {
		json_decref(all);
		return NULL;
	}
	return all;
}

static void check_table(const char *text, json_t *header, const char *expected)
{
	struct ucsh_err err;
	json_t *got = table_all(text, header, &err);
	if (!got)
		fail_msg("unexpected error: %s", err.msg);
	json_t *want = json_loads(expected, 0, NULL);
	assert_non_null(want);
	if (!json_equal(got, want)) {
		char *s = json_dumps(got, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fail_msg("objects %s, expected %s", s, expected);
	}
	/* Property order follows the header. */
	const char *first = json_object_iter_key(json_object_iter(json_array_get(got, 0)));
	const char *want_first = json_object_iter_key(json_object_iter(json_array_get(want, 0)));
	if (first || want_first)
		assert_string_equal(first, want_first);
	json_decref(got);
	json_decref(want);
}

static void check_table_error(const char *text, json_t *header, const char *message)
{
	struct ucsh_err err;
	json_t *got = table_all(text, header, &err);
	assert_null(got);
	assert_string_equal(err.msg, message);
}

static void test_table_objects(void **state)
{
	(void)state;
	check_table("Name,Site\nbob,HQ\nann,\"Branch, 2\"\n", NULL,
		    "[{\"Name\":\"bob\",\"Site\":\"HQ\"},{\"Name\":\"ann\",\"Site\":\"Branch, 2\"}]");
	check_table("Name,Site\n", NULL, "[]");
	check_table("", NULL, "[]");
}

static void test_table_type_line(void **state)
{
	(void)state;
	check_table("#TYPE Microsoft.Rtc.Management.ADConnect.Schema.OCSADUser\n"
		    "\"Name\",\"Site\"\n\"bob\",\"HQ\"\n", NULL,
		    "[{\"Name\":\"bob\",\"Site\":\"HQ\"}]");
	check_table("\xef\xbb\xbf#TYPE x\r\na\r\n1\r\n", NULL, "[{\"a\":\"1\"}]");
	/* Quoted, it is a column name (the writer quotes every name). */
	check_table("\"#TYPE\",b\n1,2\n", NULL, "[{\"#TYPE\":\"1\",\"b\":\"2\"}]");
}

static void test_table_short_and_long_records(void **state)
{
	(void)state;
	check_table("a,b,c\n1\n1,2\n", NULL,
		    "[{\"a\":\"1\",\"b\":null,\"c\":null},{\"a\":\"1\",\"b\":\"2\",\"c\":null}]");
	check_table_error("a,b\n1,2\n1,2,3\n", NULL, "line 3: 3 fields, but the header has 2 columns");
}

static void test_table_bad_headers(void **state)
{
	(void)state;
	check_table_error("\nName,name\n", NULL,
			  "line 2: duplicate column name 'name' in the header (columns 1 and 2)");
	check_table_error("a,,c\n", NULL, "line 1: column 2 of the header has no name");
	check_table_error("#TYPE T\nok,\"\x1ftype\"\n1,2\n", NULL,
			  "line 2: column 2 of the header has an invalid name");
	check_table_error("a\n\"1\n", NULL, "line 2: unterminated quoted field");
}

static void test_table_given_header(void **state)
{
	(void)state;
	json_t *h = json_pack("[s,s]", "Mac", "Model");
	/* The first line is data when the header is given. */
	check_table("00:04,CX600\n00:05\n", h,
		    "[{\"Mac\":\"00:04\",\"Model\":\"CX600\"},{\"Mac\":\"00:05\",\"Model\":null}]");
	json_decref(h);
	h = json_pack("[s,s]", "Mac", "MAC");
	check_table_error("1,2\n", h, "header: duplicate column name 'MAC' in the header "
			  "(columns 1 and 2)");
	json_decref(h);
	h = json_array();
	check_table_error("1\n", h, "header: the header has no columns");
	json_decref(h);
}

static void test_table_line(void **state)
{
	(void)state;
	const char text[] = "a\n\n1\n\"2\n\"\n3\n";
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");
	struct csv_table *t = csv_table_new(fp, ',', NULL);
	struct ucsh_err err;
	json_t *obj;
	unsigned long want[] = { 3, 4, 6 };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(want); i++) {
		assert_int_equal(csv_table_next(t, &obj, &err), 1);
		assert_int_equal(csv_table_line(t), want[i]);
		json_decref(obj);
	}
	assert_int_equal(csv_table_next(t, &obj, &err), 0);
	csv_table_free(t);
	fclose(fp);
}

/* ---- writer ---- */

static void check_field(const char *field, char delim, const char *expected)
{
	struct strbuf sb = STRBUF_INIT;
	csv_add_field(&sb, field, delim);
	assert_string_equal(sb_str(&sb), expected);
	sb_free(&sb);
}

static void test_add_field(void **state)
{
	(void)state;
	check_field("plain", ',', "plain");
	check_field("", ',', "");
	check_field("a,b", ',', "\"a,b\"");
	check_field("a,b", ';', "a,b");
	check_field("a;b", ';', "\"a;b\"");
	check_field("say \"hi\"", ',', "\"say \"\"hi\"\"\"");
	check_field("two\nlines", ',', "\"two\nlines\"");
	check_field("cr\r", ',', "\"cr\r\"");
	check_field(" lead", ',', "\" lead\"");
	check_field("trail ", ',', "\"trail \"");
	check_field("in side", ',', "in side");
}

static void test_header_and_row(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	json_t *names = json_pack("[s,s,s,s,s,s]", "Name", "Lines", "On", "Gone", "Null", "N");
	json_t *obj = json_pack("{s:s,s:[s,i,s],s:b,s:n,s:f}", "name", "a\"b", "Lines", "x", 2,
				"y;z", "On", 1, "Null", "N", 2.5);
	csv_add_header(&sb, names, ',');
	csv_add_row(&sb, obj, names, ',');
	/* Every field quoted; property lookup is case-insensitive. */
	assert_string_equal(sb_str(&sb), "\"Name\",\"Lines\",\"On\",\"Gone\",\"Null\",\"N\"\n"
			    "\"a\"\"b\",\"x;2;y;z\",\"True\",\"\",\"\",\"2.5\"\n");
	sb_reset(&sb);
	csv_add_header(&sb, names, ';');
	assert_string_equal(sb_str(&sb), "\"Name\";\"Lines\";\"On\";\"Gone\";\"Null\";\"N\"\n");
	sb_free(&sb);
	json_decref(names);
	json_decref(obj);
}

static void test_round_trip(void **state)
{
	(void)state;
	const char *tricky[] = {
		"", " ", "plain", "a,b", "\"", "\"\"", "say \"hi\"", "two\nlines", "crlf\r\nx",
		"cr\r", "\r\n", " lead", "trail ", "\xe6\x97\xa5\xe6\x9c\xac", "#TYPE x", ",,,",
		"\xef\xbb\xbf!bom", "tab\there", "semi;colon",
	};
	struct strbuf sb = STRBUF_INIT;
	json_t *names = json_array(), *obj = json_object();
	for (size_t i = 0; i < UCSH_ARRAY_LEN(tricky); i++) {
		char name[16];
		snprintf(name, sizeof(name), "c%zu", i);
		json_array_append_new(names, json_string(name));
		json_object_set_new(obj, name, json_string(tricky[i]));
	}
	for (int delim = 0; delim < 2; delim++) {
		char d = delim ? ';' : ',';
		sb_reset(&sb);
		csv_add_header(&sb, names, d);
		csv_add_row(&sb, obj, names, d);
		csv_add_row(&sb, obj, names, d);
		FILE *fp = fmemopen(sb.buf, sb.len, "r");
		struct csv_table *t = csv_table_new(fp, d, NULL);
		struct ucsh_err err;
		json_t *back;
		for (int row = 0; row < 2; row++) {
			assert_int_equal(csv_table_next(t, &back, &err), 1);
			assert_true(json_equal(back, obj));
			json_decref(back);
		}
		assert_int_equal(csv_table_next(t, &back, &err), 0);
		csv_table_free(t);
		fclose(fp);
	}
	sb_free(&sb);
	json_decref(names);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_records),
		cmocka_unit_test(test_empty_fields),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_lenient_quotes),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_blank_lines_skipped),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_record_lines),
		cmocka_unit_test(test_unterminated_quote),
		cmocka_unit_test(test_field_bound),
		cmocka_unit_test(test_fields_bound),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_errors_are_sticky),
		cmocka_unit_test(test_table_objects),
		cmocka_unit_test(test_table_type_line),
		cmocka_unit_test(test_table_short_and_long_records),
		cmocka_unit_test(test_table_bad_headers),
		cmocka_unit_test(test_table_given_header),
		cmocka_unit_test(test_table_line),
		cmocka_unit_test(test_add_field),
		cmocka_unit_test(test_header_and_row),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
