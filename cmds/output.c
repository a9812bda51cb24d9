/*
 * output: the cmdlets that write: Write-Output (objects down the pipeline),
 * Write-Host (text to the terminal, not the pipeline), Write-Warning,
 * Write-Error, Out-File (formatted text to a file) and Out-Null.
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "format.h"
#include "shell.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* --- Write-Output --------------------------------------------------------- */

static int write_output_process(struct cmd_ctx *ctx, json_t *input)
{
	if (input)
		return cmd_emit(ctx, json_incref(input));
	json_t *objs = cmd_arg(ctx, "InputObject");
	for (size_t i = 0; i < value_count(objs); i++)
		if (cmd_emit(ctx, json_incref(value_item(objs, i))))
			return -1;
	return 0;
}

static const struct cmd_param write_output_params[] = {
	{ .name = "InputObject", .type = PT_OBJECT, .position = 0,
	  .flags = PF_PIPE_VALUE | PF_REMAINING,
	  .help = "The objects to write down the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_write_output_entry = {
	.name = "Write-Output",
	.aliases = ALIASES("echo", "write"),
	.synopsis = "Writes objects down the pipeline.",
	.description = "Sends each object to the next command of the pipeline or, at the end "
		       "of the pipeline, to the output. Arrays are written item by item.",
	.params = write_output_params,
	.examples = (const struct cmd_example[]){
		{ "Write-Output 'first' 'second'", "Writes two strings, one per line." },
		{ "Write-Output 1,2,3 | Measure-Object -Sum", "Sends three numbers to Measure-Object." },
		{ 0 } },
	.outputs = "Object",
	.role = ROLE_VIEW_ONLY,
	.process = write_output_process,
};

/* --- Write-Host ----------------------------------------------------------- */

static int write_host_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *objs = input ? input : cmd_arg(ctx, "Object");
	const char *sep = cmd_arg_str(ctx, "Separator");
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < value_count(objs); i++) {
		char *s = value_to_string(value_item(objs, i));
		sb_addf(&sb, "%s%s", i ? (sep ? sep : " ") : "", s);
		free(s);
	}
	FILE *out = ctx->shell->out;
	fflush(out);
	fputs(sb_str(&sb), out);
	if (!cmd_arg_bool(ctx, "NoNewline"))
		fputc('\n', out);
	fflush(out);
	sb_free(&sb);
	return 0;
}

static const struct cmd_param write_host_params[] = {
	{ .name = "Object", .type = PT_OBJECT, .position = 0, .flags = PF_PIPE_VALUE | PF_REMAINING,
	  .help = "What to show; several values are joined with -Separator." },
	{ .name = "NoNewline", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Ends without a new line." },
	{ .name = "Separator", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Put between values (default: a space)." },
	{ 0 },
};

const struct cmd_entry cmd_write_host_entry = {
	.name = "Write-Host",
	.synopsis = "Writes text to the terminal rather than down the pipeline.",
	.description = "Shows values as text to the person at the shell. Nothing goes down the "
		       "pipeline, so Write-Host never changes what a script returns.",
	.params = write_host_params,
	.examples = (const struct cmd_example[]){
		{ "Write-Host 'Import finished'", "Tells the user something without returning it." },
		{ "Write-Host 'a' 'b' -Separator ', '", "Shows \"a, b\"." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.process = write_host_process,
};

/* --- Write-Warning / Write-Error ------------------------------------------- */

static int write_warning_process(struct cmd_ctx *ctx, json_t *input)
{
	char *s = value_to_string(input ? input : cmd_arg(ctx, "Message"));
	cmd_warning(ctx, "%s", s);
	free(s);
	return 0;
}

static const struct cmd_param message_params[] = {
	{ .name = "Message", .type = PT_STRING, .position = 0, .flags = PF_MANDATORY | PF_PIPE_VALUE,
	  .aliases = ALIASES("Msg"), .help = "The text of the message." },
	{ 0 },
};

const struct cmd_entry cmd_write_warning_entry = {
	.name = "Write-Warning",
	.synopsis = "Writes a warning message.",
	.description = "Writes WARNING: and the message to the error stream. A warning is not an "
		       "error: it does not change the exit status.",
	.params = message_params,
	.examples = (const struct cmd_example[]){
		{ "Write-Warning 'The store is on a network file system'", "Warns without failing." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.process = write_warning_process,
};

static int write_error_process(struct cmd_ctx *ctx, json_t *input)
{
	char *s = value_to_string(input ? input : cmd_arg(ctx, "Message"));
	int rc = cmd_error(ctx, NULL, "%s", s);
	free(s);
	return rc;
}

const struct cmd_entry cmd_write_error_entry = {
	.name = "Write-Error",
	.synopsis = "Writes a non-terminating error.",
	.description = "Writes the message as an error record, as a cmdlet's own error would be. "
		       "The pipeline goes on unless -ErrorAction Stop is in force; the exit "
		       "status of ucsh becomes 1.",
	.params = message_params,
	.examples = (const struct cmd_example[]){
		{ "if (-not $phone) { Write-Error 'no such phone' }", "Reports a failure in a script." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.process = write_error_process,
};

/* --- Out-File ------------------------------------------------------------ */

struct out_file {
	FILE *fp;
	struct formatter *fmt;
};

static int out_file_begin(struct cmd_ctx *ctx)
{
	const char *path = cmd_arg_str(ctx, "FilePath");
	bool append = cmd_arg_bool(ctx, "Append");
	if (cmd_arg_bool(ctx, "NoClobber") && !append && access(path, F_OK) == 0)
		return cmd_fail(ctx, "use -Append, or remove -NoClobber to overwrite",
				"%s already exists", path);
	if (!cmd_should_process(ctx, append ? "Append to file" : "Write file", path))
		return 0;
	struct out_file *of = xcalloc(1, sizeof(*of));
	ctx->state = of;
	of->fp = fopen(path, append ? "a" : "w");
	if (!of->fp)
		return cmd_fail(ctx, NULL, "cannot open %s: %s", path, strerror(errno));
	int width = (int)cmd_arg_int(ctx, "Width", 4096);
	of->fmt = formatter_new(ctx->shell->format, of->fp, width, false, NULL);
	return 0;
}

static int out_file_process(struct cmd_ctx *ctx, json_t *input)
{
	struct out_file *of = ctx->state;
	if (of && of->fmt && input)
		formatter_write(of->fmt, input);
	return 0;
}

static int out_file_end(struct cmd_ctx *ctx)
{
	struct out_file *of = ctx->state;
	if (!of || !of->fp)
		return 0;
	formatter_finish(of->fmt);
	of->fmt = NULL;
	int failed = ferror(of->fp) | fclose(of->fp);
	of->fp = NULL;
	if (failed)
		return cmd_fail(ctx, NULL, "cannot write %s: %s", cmd_arg_str(ctx, "FilePath"),
				strerror(errno));
	return 0;
}

static void out_file_cleanup(struct cmd_ctx *ctx)
{
	struct out_file *of = ctx->state;
	if (!of)
		return;
	if (of->fmt)
		formatter_finish(of->fmt);
	if (of->fp)
		fclose(of->fp);
	free(of);
	ctx->state = NULL;
}

static const struct cmd_param out_file_params[] = {
	{ .name = "FilePath", .type = PT_STRING, .position = 0, .flags = PF_MANDATORY,
	  .aliases = ALIASES("Path"), .help = "The file to write." },
	{ .name = "Append", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Adds to the end of the file instead of replacing it." },
	{ .name = "NoClobber", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Refuses to replace an existing file." },
	{ .name = "Width", .type = PT_INT, .position = POS_NAMED,
	  .help = "Line width for tables (default 4096: nothing is cut)." },
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to write, formatted as they would be on screen." },
	{ 0 },
};

const struct cmd_entry cmd_out_file_entry = {
	.name = "Out-File",
	.synopsis = "Writes the formatted output of a pipeline to a file.",
	.description = "Formats the objects it receives as the shell would show them (or as "
		       "-o chooses) and writes that text to a file. `> file` and `>> file` at the "
		       "end of a pipeline are short for Out-File and Out-File -Append.",
	.params = out_file_params,
	.examples = (const struct cmd_example[]){
		{ "Get-Command | Out-File commands.txt", "Saves the list of cmdlets as a table." },
		{ "Get-Command > commands.txt", "The same, with redirection." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.flags = CMD_CHANGES_STATE | CMD_LOCAL_FILES | CMD_NOT_AUDITED,
	.begin = out_file_begin,
	.process = out_file_process,
	.end = out_file_end,
	.cleanup = out_file_cleanup,
};

/* --- Out-Null ------------------------------------------------------------ */

static int out_null_process(struct cmd_ctx *ctx, json_t *input)
{
	(void)ctx;
	(void)input;
	return 0;
}

static const struct cmd_param out_null_params[] = {
	{ .name = "InputObject", .type = PT_OBJECT, .position = POS_NAMED, .flags = PF_PIPE_VALUE,
	  .help = "The objects to discard." },
	{ 0 },
};

const struct cmd_entry cmd_out_null_entry = {
	.name = "Out-Null",
	.synopsis = "Discards its input.",
	.description = "Takes objects and writes nothing, for commands whose output is not wanted.",
	.params = out_null_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsPhone -MacAddress 0004f2abcdef -Model CX600 | Out-Null",
		  "Creates a phone without showing it." },
		{ 0 } },
	.role = ROLE_VIEW_ONLY,
	.process = out_null_process,
};
