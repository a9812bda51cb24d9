/*
 * csvfile: Export-Csv and Import-Csv, objects to and from CSV files, over
 * the csv module (src/csv.h), which owns quoting, the "#TYPE" line and the
 * bounds on hostile input. These cmdlets add the files: opening, appending
 * under an existing header, refusing to clobber, and errors that name the
 * file and the line.
 *
 * Export-Csv writes each object as it arrives, so a large export never sits
 * in memory; the first object (or, with -Append, the existing header) fixes
 * the columns.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "csv.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* -Delimiter: one character, not one that CSV itself uses. */
static int delimiter_of(struct cmd_ctx *ctx, char *out)
{
	const char *d = cmd_arg_str(ctx, "Delimiter");
	*out = ',';
	if (!d)
		return 0;
	if (strlen(d) != 1 || d[0] == '"' || d[0] == '\r' || d[0] == '\n' ||
	    (unsigned char)d[0] >= 0x80)
		return cmd_fail(ctx, "for example -Delimiter ';' or -Delimiter \"`t\"",
				"-Delimiter must be one ASCII character other than a quote or a "
				"line break (it was '%s')", d);
	*out = d[0];
	return 0;
}

/* --- Export-Csv ----------------------------------------------------------- */

struct export {
	FILE *fp;
	char delim;
	json_t *names;     /* the columns, fixed by the header or the first object */
	bool appending;    /* names came from the file's header */
	bool dry;          /* -WhatIf, or the user declined: write nothing */
};

/*
 * The header of an existing file (for -Append): its column names, or NULL
 * when the file is missing or empty. *needs_newline: the file does not end
 * with a line break, which must come before a new record.
 */
static int existing_header(struct cmd_ctx *ctx, const char *path, char delim, json_t **names,
			   bool *needs_newline)
{
	struct ucsh_err err;
	json_t *rec = NULL;
	*names = NULL;
	*needs_newline = false;
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return errno == ENOENT ? 0 : cmd_fail(ctx, NULL, "cannot read %s: %s", path,
						      strerror(errno));
	if (fseek(fp, -1, SEEK_END) == 0)
		*needs_newline = fgetc(fp) != '\n';
	rewind(fp);
	struct csv_reader *r = csv_reader_new(fp, delim);
	err_clear(&err);
	int rc = csv_read_record(r, &rec, &err);
	if (rc == 1 && str_iprefix("#TYPE", json_string_value(json_array_get(rec, 0)))) {
		json_decref(rec);
		rec = NULL;
		rc = csv_read_record(r, &rec, &err);
	}
	csv_reader_free(r);
	fclose(fp);
	if (rc < 0)
		return cmd_fail(ctx, NULL, "%s: %s", path, err.msg);
	*names = rec;
	return 0;
}

static int export_begin(struct cmd_ctx *ctx)
{
	struct export *ex = xcalloc(1, sizeof(*ex));
	const char *path = cmd_arg_str(ctx, "Path");
	bool append = cmd_arg_bool(ctx, "Append"), needs_newline = false;
	struct stat st;
	ctx->state = ex;
	if (delimiter_of(ctx, &ex->delim))
		return -1;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cmd_fail(ctx, NULL, "%s is a directory", path);
	if (cmd_arg_bool(ctx, "NoClobber") && !append && access(path, F_OK) == 0)
		return cmd_fail(ctx, "use -Append to add to it, or leave out -NoClobber to "
				     "replace it", "the file %s already exists", path);
	if (!cmd_should_process(ctx, append ? "Append to CSV file" : "Export to CSV file", path)) {
		ex->dry = true;
		return 0;
	}
	if (append && existing_header(ctx, path, ex->delim, &ex->names, &needs_newline))
		return -1;
	ex->appending = ex->names != NULL;
	ex->fp = fopen(path, append ? "ab" : "wb");
	if (!ex->fp)
		return cmd_fail(ctx, NULL, "cannot open %s: %s", path, strerror(errno));
	if (ex->appending && needs_newline)
		fputc('\n', ex->fp);
	return 0;
}

/* With -Append (and no -Force) every column of the file must be in the object. */
static int export_check_columns(struct cmd_ctx *ctx, struct export *ex, json_t *v)
{
	size_t i;
	json_t *name;
	if (!ex->appending || ctx->force)
		return 0;
	json_array_foreach(ex->names, i, name)
		if (!value_prop(v, json_string_value(name)))
			return cmd_fail(ctx, "add -Force to write empty fields for the columns "
					     "an object lacks",
					"cannot append to %s: the object has no property '%s' for the "
					"column of that name", cmd_arg_str(ctx, "Path"),
					json_string_value(name));
	return 0;
}

static int export_process(struct cmd_ctx *ctx, json_t *input)
{
	struct export *ex = ctx->state;
	json_t *v = input ? input : cmd_arg(ctx, "InputObject");
	struct strbuf sb = STRBUF_INIT;
	const char *k;
	json_t *p;
	if (!ex || ex->dry || !ex->fp || !v)
		return 0;
	if (!json_is_object(v) || value_is_scriptblock(v)) {
		char *text = value_to_string(v);
		int rc = cmd_error(ctx, "make objects first, e.g. Select-Object @{Name='Value'; "
					"Expression={ $_ }}",
				   "Export-Csv writes objects, not '%.60s' (%s)", text, value_type(v));
		free(text);
		return rc;
	}
	if (!ex->names) {
		ex->names = json_array();
		value_each_prop(v, k, p)
			json_array_append_new(ex->names, json_string(k));
		csv_add_header(&sb, ex->names, ex->delim);
	}
	if (export_check_columns(ctx, ex, v)) {
		sb_free(&sb);
		return -1;
	}
	csv_add_row(&sb, v, ex->names, ex->delim);
	fwrite(sb_str(&sb), 1, sb.len, ex->fp);
	sb_free(&sb);
	return 0;
}

static int export_end(struct cmd_ctx *ctx)
{
	struct export *ex = ctx->state;
	if (!ex || !ex->fp)
		return 0;
	int failed = ferror(ex->fp);
	failed |= fclose(ex->fp);
	ex->fp = NULL;
	if (failed)
		return cmd_fail(ctx, NULL, "cannot write %s: %s", cmd_arg_str(ctx, "Path"),
				strerror(errno));
	return 0;
}

static void export_cleanup(struct cmd_ctx *ctx)
{
	struct export *ex = ctx->state;
	if (!ex)
		return;
	if (ex->fp)
		fclose(ex->fp);
	json_decref(ex->names);
	free(ex);
	ctx->state = NULL;
}

static const struct cmd_param export_params[] = {
	{ .name = "Path", .type = PT_STRING, .position = 0, .flags = PF_MANDATORY,
	  .aliases = ALIASES("FilePath"), .help = "The CSV file to write." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to write, one record each, usually from the pipeline." },
	{ .name = "Delimiter", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The character between fields (default a comma)." },
	{ .name = "Append", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Adds records to the end of the file. The file's header decides the "
		  "columns and their order; a header is written only when the file is new or "
		  "empty." },
	{ .name = "NoClobber", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Refuses to replace an existing file." },
	{ .name = "NoTypeInformation", .type = PT_SWITCH, .position = POS_NAMED,
	  .aliases = ALIASES("NTI"),
	  .help = "Accepted for PowerShell scripts: no #TYPE line is ever written." },
	{ 0 },
};

const struct cmd_entry cmd_export_csv_entry = {
	.name = "Export-Csv",
	.synopsis = "Writes objects to a CSV file.",
	.description =
		"Writes a header of property names, then one record per object, every field in "
		"double quotes (quotes inside doubled), so that commas, quotes and line breaks "
		"in values survive. The first object decides the columns: later objects' "
		"properties of other names are left out, and missing ones are empty. A list is "
		"written as its items joined with \";\".\n\n"
		"With -Append the existing header decides the columns; an object that lacks "
		"one of them is an error unless -Force is given. Import-Csv reads the file "
		"back; every value comes back as text.",
	.params = export_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Where-Object Site -eq HQ | Export-Csv hq.csv",
		  "Saves the phones of site HQ to a file of their own." },
		{ "Import-Csv phones.csv | Select-Object MacAddress, Model | Export-Csv models.csv -Delimiter ';'",
		  "Two columns, separated by semicolons." },
		{ "Import-Csv new.csv | Export-Csv phones.csv -Append",
		  "Adds records under the existing header." },
		{ 0 } },
	.outputs = "None",
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_CHANGES_STATE | CMD_LOCAL_FILES | CMD_NOT_AUDITED,
	.begin = export_begin,
	.process = export_process,
	.end = export_end,
	.cleanup = export_cleanup,
};

/* --- Import-Csv ----------------------------------------------------------- */

/* Write the records of one file as objects. -1 when the pipeline stopped. */
static int import_file(struct cmd_ctx *ctx, const char *path, char delim, json_t *header)
{
	struct ucsh_err err;
	struct stat st;
	json_t *obj;
	int rc;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return cmd_error(ctx, NULL, "%s is a directory", path);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return cmd_error(ctx, NULL, "cannot open %s: %s", path, strerror(errno));
	struct csv_table *t = csv_table_new(fp, delim, header);
	err_clear(&err);
	while ((rc = csv_table_next(t, &obj, &err)) == 1)
		if (cmd_emit(ctx, obj)) {
			rc = 2; /* the pipeline stopped taking objects */
			break;
		}
	csv_table_free(t);
	fclose(fp);
	if (rc < 0)
		return cmd_error(ctx, NULL, "%s: %s", path, err.msg);
	return rc == 2 ? -1 : 0;
}

static int import_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *paths = cmd_arg(ctx, "Path");
	char delim;
	(void)input;
	if (delimiter_of(ctx, &delim))
		return -1;
	for (size_t i = 0; i < value_count(paths); i++)
		if (import_file(ctx, json_string_value(value_item(paths, i)), delim,
				cmd_arg(ctx, "Header")))
			return -1;
	return 0;
}

static const struct cmd_param import_params[] = {
	{ .name = "Path", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_ARRAY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .aliases = ALIASES("FullName"), .help = "The CSV files to read, one after another." },
	{ .name = "Delimiter", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The character between fields (default a comma)." },
	{ .name = "Header", .type = PT_STRING, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Property names to use instead of the file's first line, which is then "
		  "read as a record." },
	{ 0 },
};

const struct cmd_entry cmd_import_csv_entry = {
	.name = "Import-Csv",
	.synopsis = "Reads objects from a CSV file.",
	.description =
		"Makes one object per record: the header (the first line, after an optional "
		"#TYPE line, or -Header) names the properties, and every value is text. A "
		"record with fewer fields than the header leaves the rest empty; one with more "
		"is an error. Errors name the file and the line. Files of any size are read one "
		"record at a time.",
	.params = import_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Where-Object Model -eq CX600", "Reads phones back and "
		  "keeps the CX600s." },
		{ "Import-Csv export.txt -Delimiter \"`t\" -Header Mac, Model, Site",
		  "A tab-separated file without a header line." },
		{ 0 } },
	.outputs = "PSCustomObject",
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_LOCAL_FILES,
	.process = import_process,
};
