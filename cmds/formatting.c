/*
 * formatting: Format-Table and Format-List. Both render their input through
 * the formatter (src/format.h), the same code that draws the shell's own
 * output, into a memory stream, and write the lines of text down the
 * pipeline as strings. So what they show on screen is what the shell would
 * show, and `Format-Table | Out-File x` writes the same table to a file.
 *
 * The text streams: after each input the complete lines the formatter has
 * produced are written on at once (a table holds its first rows to size its
 * columns, then gives a line per row), and the memory stream is rewound so
 * that memory does not grow with the length of the output.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cmds.h"
#include "format.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

struct formatting {
	FILE *mem;
	char *buf;
	size_t len;
	struct formatter *fmt;
	bool hide_headers;
	bool wrote;       /* some line has been written */
};

/* Columns for a table: as the shell decides for its own output. */
static int formatting_begin(struct cmd_ctx *ctx, enum output_format kind)
{
	struct formatting *fs = xcalloc(1, sizeof(*fs));
	ctx->state = fs;
	fs->mem = open_memstream(&fs->buf, &fs->len);
	if (!fs->mem)
		return cmd_fail(ctx, NULL, "cannot make a buffer for the formatted text");
	fs->hide_headers = cmd_arg_bool(ctx, "HideTableHeaders");
	fs->fmt = formatter_new(kind, fs->mem, shell_output_width(ctx->shell), false,
				cmd_arg(ctx, "Property"));
	return 0;
}

static bool is_dash_line(const char *s, size_t n)
{
	bool dash = false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '-' && s[i] != ' ')
			return false;
		dash |= s[i] == '-';
	}
	return dash;
}

/*
 * -HideTableHeaders: the formatter writes a table's header (names, then
 * dashes) only at the start of the text one input produces, after the blank
 * line that separates it from earlier output. Sets [*from, *to) to the bytes
 * to drop: those two lines, and the blank line when nothing came before it.
 */
static void header_range(const struct formatting *fs, const char *text, size_t n,
			 size_t *from, size_t *to)
{
	const char *p = text, *end = text + n;
	bool blank = p < end && *p == '\n';
	if (blank)
		p++;
	const char *l1 = memchr(p, '\n', (size_t)(end - p));
	const char *l2 = l1 ? memchr(l1 + 1, '\n', (size_t)(end - l1 - 1)) : NULL;
	if (!l2 || l1 == p || !is_dash_line(l1 + 1, (size_t)(l2 - l1 - 1)))
		return;
	*from = blank && fs->wrote ? 1 : 0;
	*to = (size_t)(l2 + 1 - text);
}

/* Write the complete lines produced so far (all of it when final). */
static int formatting_flush(struct cmd_ctx *ctx, struct formatting *fs, bool final)
{
	fflush(fs->mem);
	const char *text = fs->buf;
	size_t n = fs->len, at = 0, from = 0, to = 0;
	int rc = 0;
	if (fs->hide_headers)
		header_range(fs, text, n, &from, &to);
	while (at < n && rc == 0) {
		const char *nl = memchr(text + at, '\n', n - at);
		if (!nl && !final)
			break;
		size_t len = nl ? (size_t)(nl - text - at) : n - at;
		if (at < from || at >= to) {
			rc = cmd_emit(ctx, json_stringn(text + at, len));
			fs->wrote = true;
		}
		at += len + (nl != NULL);
	}
	/* keep an unfinished line at the start, and write on after it */
	memmove(fs->buf, fs->buf + at, n - at);
	fseek(fs->mem, (long)(n - at), SEEK_SET);
	return rc;
}

static int formatting_process(struct cmd_ctx *ctx, json_t *input)
{
	struct formatting *fs = ctx->state;
	json_t *v = input ? input : cmd_arg(ctx, "InputObject");
	if (!fs || !fs->fmt || !v)
		return 0;
	formatter_write(fs->fmt, v);
	return formatting_flush(ctx, fs, false);
}

static int formatting_end(struct cmd_ctx *ctx)
{
	struct formatting *fs = ctx->state;
	if (!fs || !fs->fmt)
		return 0;
	formatter_finish(fs->fmt);
	fs->fmt = NULL;
	return formatting_flush(ctx, fs, true);
}

static void formatting_cleanup(struct cmd_ctx *ctx)
{
	struct formatting *fs = ctx->state;
	if (!fs)
		return;
	if (fs->fmt)
		formatter_finish(fs->fmt);
	if (fs->mem)
		fclose(fs->mem);
	free(fs->buf);
	free(fs);
	ctx->state = NULL;
}

/* --- Format-Table --------------------------------------------------------- */

static int format_table_begin(struct cmd_ctx *ctx)
{
	return formatting_begin(ctx, OUT_TABLE);
}

static const struct cmd_param format_table_params[] = {
	{ .name = "Property", .type = PT_STRING, .flags = PF_ARRAY, .position = 0,
	  .help = "The columns, in this order; names may hold wildcards (*, ?). Without it, "
		  "the default view of the objects' type, or every property." },
	{ .name = "AutoSize", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Accepted for PowerShell scripts: columns are always as wide as their "
		  "contents, within the width of the terminal." },
	{ .name = "HideTableHeaders", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Leaves out the line of column names and the line of dashes." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to show, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_format_table_entry = {
	.name = "Format-Table",
	.aliases = ALIASES("ft"),
	.synopsis = "Formats objects as a table, one row per object.",
	.description =
		"Shows each object as a row and each property as a column: the columns of the "
		"type's default view, or those named by -Property. Columns are as wide as their "
		"contents; when the table is wider than the terminal, the widest columns are "
		"cut, ending in \"…\". A new table starts when an object of another type "
		"arrives.\n\n"
		"The result is text, one string per line, written down the pipeline: put "
		"Format-Table last, or before Out-File. To keep objects for later commands, use "
		"Select-Object instead.",
	.params = format_table_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Format-Table MacAddress, Model, FirmwareVersion",
		  "Three columns for each phone." },
		{ "Import-Csv phones.csv | Format-Table Mac*, *Version", "Columns chosen by wildcard." },
		{ "Import-Csv phones.csv | Format-Table -HideTableHeaders | Out-File phones.txt",
		  "Writes the rows, without headers, to a file." },
		{ 0 } },
	.outputs = "String",
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_FORMATTER,
	.begin = format_table_begin,
	.process = formatting_process,
	.end = formatting_end,
	.cleanup = formatting_cleanup,
};

/* --- Format-List ---------------------------------------------------------- */

static int format_list_begin(struct cmd_ctx *ctx)
{
	return formatting_begin(ctx, OUT_LIST);
}

static const struct cmd_param format_list_params[] = {
	{ .name = "Property", .type = PT_STRING, .flags = PF_ARRAY, .position = 0,
	  .help = "The properties to show, in this order; names may hold wildcards (*, ?). "
		  "Without it, every property." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to show, usually from the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_format_list_entry = {
	.name = "Format-List",
	.aliases = ALIASES("fl"),
	.synopsis = "Formats objects as lists of properties, one line per property.",
	.description =
		"Shows each object as \"Name : value\" lines, names padded to the longest, with "
		"a blank line between objects. Suits objects with many or long properties, "
		"which a table would cut.\n\n"
		"The result is text, one string per line, written down the pipeline: put "
		"Format-List last, or before Out-File.",
	.params = format_list_params,
	.examples = (const struct cmd_example[]){
		{ "Import-Csv phones.csv | Where-Object MacAddress -eq 0004f2abcdef | Format-List",
		  "Every property of one phone." },
		{ "Import-Csv phones.csv | Format-List MacAddress, *Version", "Chosen properties of each phone." },
		{ 0 } },
	.outputs = "String",
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_FORMATTER,
	.begin = format_list_begin,
	.process = formatting_process,
	.end = formatting_end,
	.cleanup = formatting_cleanup,
};
