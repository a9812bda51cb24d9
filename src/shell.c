/*
 * shell: a session's state, running source text, and the error record.
 */
#include "config.h"
#include "shell.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "eval.h"
#include "format.h"
#include "parser.h"
#include "store.h"
#include "value.h"

void shell_init(struct shell *sh)
{
	memset(sh, 0, sizeof(*sh));
	sh->vars = json_object();
	sh->in = stdin;
	sh->out = stdout;
	sh->err = stderr;
	sh->role = ROLE_ADMIN;
	sh->exit_requested = -1;
	shell_var_set(sh, "ErrorActionPreference", json_string("Continue"));
}

void shell_free(struct shell *sh)
{
	store_close(sh->store);
	sh->store = NULL;
	json_decref(sh->vars);
	for (size_t i = 0; i < sh->nprograms; i++)
		ast_free(sh->programs[i]);
	free(sh->programs);
	sh->vars = NULL;
	sh->programs = NULL;
}

struct store *shell_store(struct shell *sh, struct ucsh_err *err)
{
	if (!sh->store)
		sh->store = store_open(sh->store_uri ? sh->store_uri : store_default_uri(), err);
	return sh->store;
}

static char *lower(const char *name)
{
	char *k = xstrdup(name);
	for (char *p = k; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return k;
}

json_t *shell_var_get(struct shell *sh, const char *name)
{
	char *k = lower(name);
	json_t *v = json_object_get(sh->vars, k);
	free(k);
	return v;
}

void shell_var_set(struct shell *sh, const char *name, json_t *value)
{
	char *k = lower(name);
	json_object_set_new(sh->vars, k, value ? value : json_null());
	free(k);
}

void shell_write_error(struct shell *sh, const char *cmdlet, const char *msg, const char *hint,
		       int line, int column, const char *input_line)
{
	FILE *f = sh->err;
	const char *red = sh->color ? "\033[31;1m" : "", *off = sh->color ? "\033[0m" : "";
	fflush(sh->out);
	fprintf(f, "%s%s : %s%s\n", red, cmdlet ? cmdlet : "ucsh", msg, off);
	if (line > 0)
		fprintf(f, "    at %s, line %d, column %d\n", sh->source ? sh->source : "<input>",
			line, column);
	if (input_line) {
		fprintf(f, "    %s\n", input_line);
		if (column > 0)
			fprintf(f, "    %*s^\n", column - 1, "");
	}
	if (hint)
		fprintf(f, "    hint: %s\n", hint);
	fflush(f);
	sh->errors++;
}

/* The top-level sink: the session's formatter, made at the first object. */
struct format_sink {
	struct sink sink;
	struct shell *sh;
	struct formatter *fmt;
};

int shell_terminal_width(const struct shell *sh)
{
	struct winsize ws;
	if (sh->width > 0)
		return sh->width;
	if (isatty(fileno(sh->out)) && ioctl(fileno(sh->out), TIOCGWINSZ, &ws) == 0 && ws.ws_col)
		return ws.ws_col;
	const char *cols = getenv("COLUMNS");
	return cols && atoi(cols) > 20 ? atoi(cols) : 0;
}

int shell_output_width(const struct shell *sh)
{
	int cols = shell_terminal_width(sh);
	if (cols)
		return cols;
	return isatty(fileno(sh->out)) ? 80 : 4096; /* a file or pipe gets whole lines */
}

static void format_write(struct sink *s, json_t *v)
{
	struct format_sink *fs = (struct format_sink *)s;
	if (!fs->fmt)
		fs->fmt = formatter_new(fs->sh->format, fs->sh->out, shell_output_width(fs->sh),
					fs->sh->color, NULL);
	formatter_write(fs->fmt, v);
}

/* Copy of the source line (1-based) for error display. */
static char *source_line(const char *text, int line)
{
	const char *p = text;
	for (int i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return NULL;
	size_t n = strcspn(p, "\r\n");
	return n > 200 ? NULL : xstrndup(p, n);
}

static void keep_program(struct shell *sh, struct ast *prog)
{
	if (sh->nprograms == sh->capprograms) {
		sh->capprograms = sh->capprograms ? sh->capprograms * 2 : 8;
		sh->programs = xrealloc(sh->programs, sh->capprograms * sizeof(*sh->programs));
	}
	sh->programs[sh->nprograms++] = prog;
}

int shell_run(struct shell *sh, const char *text, const char *source)
{
	struct ast *prog;
	struct ucsh_err err;
	int line = 0, col = 0;
	sh->source = source;
	enum parse_status ps = parse_program(text, strlen(text), &prog, &err, &line, &col);
	if (ps != PARSE_OK) {
		char *src = source_line(text, line);
		char msg[600];
		snprintf(msg, sizeof(msg), "syntax error: %s", err.msg);
		shell_write_error(sh, NULL, msg, NULL, 0, 0, NULL);
		if (src) {
			fprintf(sh->err, "    %s\n    %*s^\n", src, col > 0 ? col - 1 : 0, "");
			free(src);
		}
		return -1;
	}
	keep_program(sh, prog);
	struct format_sink fs = { { format_write, NULL }, sh, NULL };
	int status = eval_block(sh, prog, &fs.sink);
	if (fs.fmt)
		formatter_finish(fs.fmt);
	fflush(sh->out);
	(void)status;
	return 0;
}

int shell_is_incomplete(const char *text)
{
	struct ast *prog;
	struct ucsh_err err;
	enum parse_status ps = parse_program(text, strlen(text), &prog, &err, NULL, NULL);
	if (ps == PARSE_OK)
		ast_free(prog);
	return ps == PARSE_INCOMPLETE;
}
