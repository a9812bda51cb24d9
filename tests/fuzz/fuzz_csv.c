/*
 * fuzz_csv: Import-Csv on hostile input. Every input must end in objects or
 * one error, with nothing leaked or overrun. Two oracles on top:
 *  - each object read is written back with the Export-Csv writer and read
 *    again; it must come back equal (nulls, from short records, as ""), so
 *    reader and writer are checked against each other;
 *  - the objects are then formatted in every shape; no line of a table may
 *    be wider than the width it was given, whatever bytes the cells hold.
 *
 * The first byte is control, the rest is the file: its low two bits pick
 * the delimiter (',' ';' tab '|'; seeds start with ',' to get ','), the
 * other six the table width (1 to 64).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "format.h"

static const char delimiters[] = { ',', ';', '\t', '|' };

/* obj with nulls as "" : what the writer makes of it. */
static json_t *as_written(json_t *obj)
{
	json_t *copy = json_object(), *v;
	const char *k;
	json_object_foreach(obj, k, v)
		json_object_set_new(copy, k, json_is_null(v) ? json_string("") : json_incref(v));
	return copy;
}

static void check_round_trip(json_t *obj, char delim)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *names = json_array(), *v, *back = NULL;
	const char *k;
	struct ucsh_err err;
	json_object_foreach(obj, k, v)
		json_array_append_new(names, json_string(k));
	csv_add_header(&sb, names, delim);
	csv_add_row(&sb, obj, names, delim);
	FILE *fp = fmemopen(sb.buf, sb.len, "r");
	if (!fp)
		abort();
	struct csv_table *t = csv_table_new(fp, delim, NULL);
	json_t *want = as_written(obj);
	if (csv_table_next(t, &back, &err) != 1 || !json_equal(back, want)) {
		fprintf(stderr, "round trip failed: %s\n%s\n", back ? "" : err.msg, sb.buf);
		abort();
	}
	json_decref(back);
	json_decref(want);
	csv_table_free(t);
	fclose(fp);
	json_decref(names);
	sb_free(&sb);
}

/* Every line of a table fits the width it was given. */
static void check_table_width(json_t *objs, int width)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	if (!out)
		abort();
	struct formatter *f = formatter_new(OUT_TABLE, out, width, false, NULL);
	formatter_write(f, objs);
	formatter_finish(f);
	fclose(out);
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (format_display_width(line) > (size_t)width) {
			fprintf(stderr, "table line wider than %d: %s\n", width, line);
			abort();
		}
	}
	free(buf);
}

static void format_all_shapes(json_t *objs)
{
	static const enum output_format shapes[] = { OUT_DEFAULT, OUT_LIST, OUT_JSON, OUT_CSV };
	FILE *out = fopen("/dev/null", "w");
	if (!out)
		abort();
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct formatter *f = formatter_new(shapes[i], out, 0, i == 0, NULL);
		formatter_write(f, objs);
		formatter_finish(f);
	}
	fclose(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char delim = delimiters[data[0] & 3];
	int width = 1 + (data[0] >> 2);
	/* fmemopen refuses a zero-sized buffer. */
	FILE *fp = size > 1 ? fmemopen((void *)(data + 1), size - 1, "r") : fopen("/dev/null", "r");
	if (!fp)
		return 0;
	struct csv_table *t = csv_table_new(fp, delim, NULL);
	struct ucsh_err err;
	json_t *objs = json_array(), *obj;
	while (csv_table_next(t, &obj, &err) == 1) {
		check_round_trip(obj, delim);
		json_array_append_new(objs, obj);
	}
	csv_table_free(t);
	fclose(fp);
	check_table_width(objs, width);
	format_all_shapes(objs);
	json_decref(objs);
	return 0;
}
