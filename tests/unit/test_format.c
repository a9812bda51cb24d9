/*
 * test_format: what users see at the end of a pipeline. Outputs are
 * compared as exact strings, because alignment, truncation and blank lines
 * are the behaviour.
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

#include "format.h"
#include "value.h"

/* The test's own views, standing in for cmds/types.c so that the expected
 * output does not change whenever the shipping views do. */
static const char *const phone_columns[] = { "Mac", "Model", "Extension", NULL };
const struct type_view format_views[] = {
	{ "TestPhone", phone_columns },
	{ NULL, NULL },
};

static json_t *phone(const char *mac, const char *model, int ext)
{
	json_t *o = value_object_new("TestPhone");
	json_object_set_new(o, "Mac", json_string(mac));
	json_object_set_new(o, "Model", json_string(model));
	json_object_set_new(o, "Extension", json_integer(ext));
	json_object_set_new(o, "Firmware", json_string("4.0.7577.4100"));
	return o;
}

/* Format every item of values (stolen) and return the text (caller frees). */
static char *render(enum output_format fmt, int width, bool color, json_t *columns,
		    json_t *values)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);
	struct formatter *f = formatter_new(fmt, fp, width, color, columns);
	size_t i;
	json_t *v;
	json_array_foreach(values, i, v)
		formatter_write(f, v);
	formatter_finish(f);
	fclose(fp);
	json_decref(values);
	json_decref(columns);
	return buf;
}

#define assert_render(expected, ...)                  \
	do {                                          \
		char *out_ = render(__VA_ARGS__);     \
		assert_string_equal(out_, expected);  \
		free(out_);                           \
	} while (0)

static void test_cell_forms(void **state)
{
	(void)state;
	struct {
		json_t *v;
		const char *text;
	} cases[] = {
		{ json_string("CX600"), "CX600" },
		{ json_integer(-42), "-42" },
		{ json_integer(9007199254740993LL), "9007199254740993" },
		{ json_real(2.5), "2.5" },
		{ json_real(3.0), "3" },
		{ json_real(0.1), "0.1" },
		{ json_true(), "True" },
		{ json_false(), "False" },
		{ json_null(), "" },
		{ json_pack("[s,i,[s,s]]", "a", 1, "b", "c"), "{a, 1, {b, c}}" },
		{ json_array(), "{}" },
		{ json_pack("{s:s,s:s}", "Name", "x", "Model", "y"), "@{Name=x; Model=y}" },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(cases); i++) {
		char *s = format_cell(cases[i].v);
		assert_string_equal(s, cases[i].text);
		free(s);
		json_decref(cases[i].v);
	}
	char *s = format_cell(NULL);
	assert_string_equal(s, "");
	free(s);
}

static void test_cell_hides_hidden_keys(void **state)
{
	(void)state;
	json_t *o = phone("m", "CX600", 1);
	char *s = format_cell(o);
	assert_string_equal(s, "@{Mac=m; Model=CX600; Extension=1; Firmware=4.0.7577.4100}");
	free(s);
	json_decref(o);
}

static void test_display_width(void **state)
{
	(void)state;
	assert_int_equal(format_display_width(""), 0);
	assert_int_equal(format_display_width("abc"), 3);
	assert_int_equal(format_display_width("\xe6\x97\xa5\xe6\x9c\xac"), 4);  /* 日本 */
	assert_int_equal(format_display_width("e\xcc\x81"), 1);                 /* e + combining acute */
	assert_int_equal(format_display_width("\xef\xbc\xa1"), 2);              /* fullwidth A */
	assert_int_equal(format_display_width("\xf0\x9f\x93\x9e"), 2);          /* 📞 */
	assert_int_equal(format_display_width("\xe2\x80\xa6"), 1);              /* … */
	/* Malformed: each bad byte counts 1 and nothing past the NUL is read. */
	assert_int_equal(format_display_width("\xff\xfe"), 2);
	assert_int_equal(format_display_width("a\xe6\x97"), 3);
	assert_int_equal(format_display_width("\xc0\xaf"), 2);                  /* overlong */
	assert_int_equal(format_display_width("\xed\xa0\x80"), 3);              /* surrogate */
	char tail[] = { 'x', (char)0xf0, (char)0x9f, 0, 'y', 'y' };
	assert_int_equal(format_display_width(tail), 3);
}

static void test_table_type_view(void **state)
{
	(void)state;
	assert_render("Mac               Model  Extension\n"
		      "---               -----  ---------\n"
		      "00:04:f2:00:00:01 CX600       1001\n"
		      "00:04:f2:00:00:02 CX3000        42\n",
		      OUT_DEFAULT, 0, false, NULL,
		      json_pack("[o,o]", phone("00:04:f2:00:00:01", "CX600", 1001),
				phone("00:04:f2:00:00:02", "CX3000", 42)));
}

static void test_table_numbers_right_aligned(void **state)
{
	(void)state;
	/* Count: all numbers, right-aligned with its header; Mixed: not. */
	assert_render("Name    Count Mixed\n"
		      "----    ----- -----\n"
		      "a           5 1\n"
		      "bbbbbbb 12345 x\n"
		      "c\n",
		      OUT_TABLE, 0, false, NULL,
		      json_pack("[{s:s,s:i,s:i},{s:s,s:i,s:s},{s:s,s:n,s:n}]",
				"Name", "a", "Count", 5, "Mixed", 1,
				"Name", "bbbbbbb", "Count", 12345, "Mixed", "x",
				"Name", "c", "Count", "Mixed"));
}

static void test_table_width_fitting(void **state)
{
	(void)state;
	/* Natural widths 2 + 40 + 30 + 2 spaces = 74 > 40: the two wide columns
	 * shrink to equal caps (18 each) and their cells end in "…". */
	const char *a40 = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	const char *b30 = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
	assert_render("Id Description        Location\n"
		      "-- -----------        --------\n"
		      " 1 aaaaaaaaaaaaaaaaa… bbbbbbbbbbbbbbbbb…\n"
		      " 2 short              here\n",
		      OUT_TABLE, 40, false, NULL,
		      json_pack("[{s:i,s:s,s:s},{s:i,s:s,s:s}]",
				"Id", 1, "Description", a40, "Location", b30,
				"Id", 2, "Description", "short", "Location", "here"));
}

static void test_table_fits_default_80(void **state)
{
	(void)state;
	char long_text[200];
	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	char *out = render(OUT_TABLE, 0, false, NULL,
			   json_pack("[{s:s,s:s}]", "Name", "n", "Text", long_text));
	const char *row = strchr(strchr(out, '\n') + 1, '\n') + 1;
	/* "n" padded to 4, a space, then 74 x and "…" (3 bytes): 80 columns. */
	assert_int_equal(strlen(row), 4 + 1 + 74 + 3 + 1);
	assert_string_equal(row + 4 + 1 + 74, "\xe2\x80\xa6\n");
	free(out);
}

static void test_table_drops_columns_that_cannot_fit(void **state)
{
	(void)state;
	assert_render("Alpha Bravo\n"
		      "----- -----\n"
		      "1111… 2222…\n",
		      OUT_TABLE, 11, false, NULL,
		      json_pack("[{s:s,s:s,s:s}]", "Alpha", "111111111", "Bravo", "222222222",
				"Charlie", "333"));
}

static void test_table_header_truncated(void **state)
{
	(void)state;
	/* Widths 10 and 11 into 12: both capped at 5, the one column left over
	 * goes to the leftmost cut column. Dashes as long as the header shown. */
	assert_render("Ident… Desc…\n"
		      "------ -----\n"
		      "ab     cdef…\n",
		      OUT_TABLE, 12, false, NULL,
		      json_pack("[{s:s,s:s}]", "Identifier", "ab", "Description", "cdefghijkl"));
}

static void test_table_wide_characters(void **state)
{
	(void)state;
	/* 日本語 is 6 columns; padding counts columns, not bytes. */
	assert_render("Name   Site\n"
		      "----   ----\n"
		      "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e HQ\n"
		      "ab     Branch\n",
		      OUT_TABLE, 0, false, NULL,
		      json_pack("[{s:s,s:s},{s:s,s:s}]", "Name", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
				"Site", "HQ", "Name", "ab", "Site", "Branch"));
}

static void test_table_truncates_at_code_points(void **state)
{
	(void)state;
	/* Name gets 4 columns: 3 for text, then "…". 日 takes 2 and 本 would
	 * need 2 more, so the cut falls between them, not inside 本. */
	assert_render("Id Name\n"
		      "-- ----\n"
		      " 1 \xe6\x97\xa5\xe2\x80\xa6\n",
		      OUT_TABLE, 7, false, NULL,
		      json_pack("[{s:i,s:s}]", "Id", 1, "Name", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e"));
}

static void test_table_type_change_breaks(void **state)
{
	(void)state;
	assert_render("Mac Model Extension\n"
		      "--- ----- ---------\n"
		      "m   CX600         7\n"
		      "\n"
		      "Name Site\n"
		      "---- ----\n"
		      "bob  HQ\n"
		      "\n"
		      "Mac Model Extension\n"
		      "--- ----- ---------\n"
		      "n   CX700         8\n",
		      OUT_DEFAULT, 0, false, NULL,
		      json_pack("[o,{s:s,s:s},o]", phone("m", "CX600", 7), "Name", "bob", "Site", "HQ",
				phone("n", "CX700", 8)));
}

static void test_table_untyped_objects_share_a_table(void **state)
{
	(void)state;
	/* Like PowerShell: the first object's properties decide the columns. */
	assert_render("a b\n"
		      "- -\n"
		      "1 2\n"
		      "3\n",
		      OUT_TABLE, 0, false, NULL,
		      json_pack("[{s:i,s:i},{s:i,s:i}]", "a", 1, "b", 2, "a", 3, "c", 4));
}

static void test_table_property_patterns(void **state)
{
	(void)state;
	assert_render("MacAddress MacVendor Model\n"
		      "---------- --------- -----\n"
		      "m          Polycom   CX600\n",
		      OUT_TABLE, 0, false, json_pack("[s,s,s]", "mac*", "Model", "MacVendor"),
		      json_pack("[{s:s,s:s,s:s,s:s}]", "Model", "CX600", "MacAddress", "m",
				"Site", "HQ", "MacVendor", "Polycom"));
}

static void test_table_streams_after_500_rows(void **state)
{
	(void)state;
	json_t *rows = json_array();
	for (int i = 0; i < 500; i++)
		json_array_append_new(rows, json_pack("{s:s}", "Name", "abc"));
	json_array_append_new(rows, json_pack("{s:s}", "Name", "abcdefgh"));
	char *out = render(OUT_TABLE, 0, false, NULL, rows);
	const char *last = out + strlen(out) - 1;
	while (last > out && last[-1] != '\n')
		last--;
	/* Widths came from the first 500 rows: the late long value is cut. */
	assert_string_equal(last, "abc\xe2\x80\xa6\n");
	assert_memory_equal(out, "Name\n----\nabc\n", 14);
	free(out);
}

static void test_table_color(void **state)
{
	(void)state;
	assert_render("\033[32;1mName\033[0m \033[32;1mN\033[0m\n"
		      "\033[32;1m----\033[0m \033[32;1m-\033[0m\n"
		      "x    1\n",
		      OUT_TABLE, 0, true, NULL, json_pack("[{s:s,s:i}]", "Name", "x", "N", 1));
}

static void test_no_escape_codes_without_color(void **state)
{
	(void)state;
	/* Neither from us nor from the data: control characters become U+FFFD. */
	char *out = render(OUT_DEFAULT, 0, false, NULL,
			   json_pack("[o,{s:s},{s:s,s:s,s:s,s:s,s:s,s:s}]", phone("m", "CX600", 1),
				     "Name", "\033[31mred\ttab",
				     "a", "\033]0;title\007", "b", "", "c", "", "d", "", "e", "", "f", ""));
	assert_null(strchr(out, '\033'));
	assert_null(strchr(out, '\007'));
	assert_non_null(strstr(out, "\xef\xbf\xbd[31mred tab\n"));
	free(out);
}

static void test_newlines_in_table_cells(void **state)
{
	(void)state;
	assert_render("Note\n"
		      "----\n"
		      "two lines\n",
		      OUT_TABLE, 0, false, NULL, json_pack("[{s:s}]", "Note", "two\r\nlines"));
}

static void test_list_alignment(void **state)
{
	(void)state;
	assert_render("Name       : x\n"
		      "LongerName : 42\n"
		      "Empty      :\n"
		      "Multi      : first\n"
		      "             second\n"
		      "\n"
		      "Name       : y\n"
		      "LongerName : 43\n"
		      "Empty      :\n"
		      "Multi      : z\n",
		      OUT_LIST, 0, false, NULL,
		      json_pack("[{s:s,s:i,s:n,s:s},{s:s,s:i,s:s,s:s}]",
				"Name", "x", "LongerName", 42, "Empty", "Multi", "first\r\nsecond",
				"Name", "y", "LongerName", 43, "Empty", "", "Multi", "z"));
}

static void test_list_property_patterns(void **state)
{
	(void)state;
	assert_render("Model : CX600\n"
		      "Mac   : m\n",
		      OUT_LIST, 0, false, json_pack("[s,s]", "model", "M?c"),
		      json_pack("[o]", phone("m", "CX600", 1)));
}

static void test_default_wide_object_is_a_list(void **state)
{
	(void)state;
	/* Six properties and no view: a list. Five: a table. A view: a table. */
	assert_render("a : 1\nb : 2\nc : 3\nd : 4\ne : 5\nf : 6\n"
		      "\n"
		      "a b c d e\n"
		      "- - - - -\n"
		      "1 2 3 4 5\n",
		      OUT_DEFAULT, 0, false, NULL,
		      json_pack("[{s:i,s:i,s:i,s:i,s:i,s:i},{s:i,s:i,s:i,s:i,s:i}]",
				"a", 1, "b", 2, "c", 3, "d", 4, "e", 5, "f", 6,
				"a", 1, "b", 2, "c", 3, "d", 4, "e", 5));
}

static void test_scalars(void **state)
{
	(void)state;
	/* One per line; a blank line between them and a table; arrays are
	 * written item by item; $null writes nothing. */
	assert_render("one\n2\nTrue\n"
		      "\n"
		      "a\n"
		      "-\n"
		      "1\n"
		      "\n"
		      "3.5\n",
		      OUT_DEFAULT, 0, false, NULL,
		      json_pack("[s,[i,b],n,{s:i},f]", "one", 2, 1, "a", 1, 3.5));
}

static void test_json_single_value(void **state)
{
	(void)state;
	assert_render("{\n"
		      "  \"Mac\": \"m\",\n"
		      "  \"Model\": \"CX600\",\n"
		      "  \"Extension\": 1,\n"
		      "  \"Firmware\": \"4.0.7577.4100\"\n"
		      "}\n",
		      OUT_JSON, 0, false, NULL, json_pack("[o]", phone("m", "CX600", 1)));
	assert_render("\"text\"\n", OUT_JSON, 0, false, NULL, json_pack("[s]", "text"));
	assert_render("", OUT_JSON, 0, false, NULL, json_array());
}

static void test_json_several_values(void **state)
{
	(void)state;
	json_t *nested = json_pack("{s:i,s:{s:f}}", "a", 1, "b", "c", 0.1);
	value_set_type(json_object_get(nested, "b"), "Inner");
	assert_render("[\n"
		      "  {\n"
		      "    \"a\": 1,\n"
		      "    \"b\": {\n"
		      "      \"c\": 0.1\n"
		      "    }\n"
		      "  },\n"
		      "  [\n"
		      "    1,\n"
		      "    2.0\n"
		      "  ],\n"
		      "  null\n"
		      "]\n",
		      OUT_JSON, 0, false, NULL, json_pack("[o,[[i,f]],n]", nested, 1, 2.0));
}

static void test_json_hidden_keys_stripped(void **state)
{
	(void)state;
	char *out = render(OUT_JSON, 0, false, NULL,
			   json_pack("[o,o]", phone("m", "CX600", 1), phone("n", "CX700", 2)));
	assert_null(strchr(out, VALUE_HIDDEN));
	assert_null(strstr(out, "TestPhone"));
	json_error_t jerr;
	json_t *back = json_loads(out, 0, &jerr);
	assert_non_null(back);
	assert_int_equal(json_array_size(back), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(back, 1), "Model")),
			    "CX700");
	json_decref(back);
	free(out);
}

static void test_json_reals_round_trip(void **state)
{
	(void)state;
	double d = 0.1 + 0.2;
	char *out = render(OUT_JSON, 0, false, NULL, json_pack("[f]", d));
	assert_string_equal(out, "0.30000000000000004\n");
	free(out);
}

static void test_csv_output(void **state)
{
	(void)state;
	assert_render("\"Mac\",\"Model\",\"Extension\",\"Firmware\"\n"
		      "\"m\",\"CX600\",\"1\",\"4.0.7577.4100\"\n"
		      "\"n\",\"CX\"\"7\"\"\",\"2\",\"4.0.7577.4100\"\n",
		      OUT_CSV, 0, false, NULL,
		      json_pack("[o,o]", phone("m", "CX600", 1), phone("n", "CX\"7\"", 2)));
	/* Columns from -Property; arrays joined with ";"; null as "". */
	assert_render("\"Name\",\"Lines\",\"Gone\"\n"
		      "\"a\",\"1;2;x\",\"\"\n",
		      OUT_CSV, 0, false, json_pack("[s,s,s]", "Name", "L*", "Gone"),
		      json_pack("[{s:s,s:[i,i,s],s:i}]", "Name", "a", "Lines", 1, 2, "x", "Other", 9));
}

static void test_view_lookup(void **state)
{
	(void)state;
	assert_non_null(format_view_find("testphone"));
	assert_null(format_view_find("Nothing"));
	assert_null(format_view_find(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cell_forms),
		cmocka_unit_test(test_cell_hides_hidden_keys),
		cmocka_unit_test(test_display_width),
		cmocka_unit_test(test_table_type_view),
		cmocka_unit_test(test_table_numbers_right_aligned),
		cmocka_unit_test(test_table_width_fitting),
		cmocka_unit_test(test_table_fits_default_80),
		cmocka_unit_test(test_table_drops_columns_that_cannot_fit),
		cmocka_unit_test(test_table_header_truncated),
		cmocka_unit_test(test_table_wide_characters),
		cmocka_unit_test(test_table_truncates_at_code_points),
		cmocka_unit_test(test_table_type_change_breaks),
		cmocka_unit_test(test_table_untyped_objects_share_a_table),
		cmocka_unit_test(test_table_property_patterns),
		cmocka_unit_test(test_table_streams_after_500_rows),
		cmocka_unit_test(test_table_color),
		cmocka_unit_test(test_no_escape_codes_without_color),
		cmocka_unit_test(test_newlines_in_table_cells),
		cmocka_unit_test(test_list_alignment),
		cmocka_unit_test(test_list_property_patterns),
		cmocka_unit_test(test_default_wide_object_is_a_list),
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_json_single_value),
		cmocka_unit_test(test_json_several_values),
		cmocka_unit_test(test_json_hidden_keys_stripped),
		cmocka_unit_test(test_json_reals_round_trip),
		cmocka_unit_test(test_csv_output),
		cmocka_unit_test(test_view_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
