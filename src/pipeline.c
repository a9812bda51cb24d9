/*
 * pipeline: runs Cmd-A | Cmd-B | Cmd-C. Each command becomes a stage with
 * its written arguments bound once; objects flow by cmd_emit() straight
 * into the next stage's process handler, re-bound per object, so nothing
 * is held between stages unless a cmdlet holds it itself (Sort-Object).
 * Also here: everything a running handler calls on its cmd_ctx.
 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "bind.h"
#include "eval.h"
#include "value.h"

struct pipeline {
	struct shell *sh;
	struct sink *out;
	bool stopping;    /* no more objects: a failure, Ctrl-C or a clean early stop */
	bool clean_stop;  /* the stop was asked for (Select-Object -First), not an error */
	bool stop_script; /* -ErrorAction Stop, or Ctrl-C: the script stops too */
	bool failed;      /* a terminating error was written */
};

struct pipeline_stage {
	struct cmd_ctx ctx;
	json_t *args;     /* the written arguments, bound */
	struct pipeline_stage *next;
	struct pipeline *pl;
	const struct ast *at;
	unsigned long errors;  /* written by this stage, for the audit log */
	char first_error[256];
};

/* --- what handlers call ------------------------------------------------- */

static int write_error(struct cmd_ctx *ctx, const char *msg, const char *hint, bool terminating)
{
	struct pipeline *pl = ctx->stage->pl;
	if (ctx->stage->errors++ == 0)
		snprintf(ctx->stage->first_error, sizeof(ctx->stage->first_error), "%.*s",
			 (int)sizeof(ctx->stage->first_error) - 1, msg); /* for the audit: cut is fine */
	if (ctx->error_action == EA_SILENT && !terminating)
		return 0;
	shell_write_error(ctx->shell, ctx->entry->name, msg, hint, ctx->line, ctx->column, NULL);
	if (ctx->error_action == EA_STOP) {
		pl->stop_script = true;
		pl->stopping = true;
		return -1;
	}
	if (terminating) {
		pl->failed = true;
		pl->stopping = true;
		return -1;
	}
	return 0;
}

int cmd_error(struct cmd_ctx *ctx, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return write_error(ctx, msg, hint, false);
}

int cmd_error_err(struct cmd_ctx *ctx, const struct ucsh_err *err)
{
	return write_error(ctx, err->msg, err->hint[0] ? err->hint : NULL, false);
}

int cmd_fail(struct cmd_ctx *ctx, const char *hint, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	write_error(ctx, msg, hint, true);
	return -1;
}

static void host_line(struct cmd_ctx *ctx, const char *prefix, const char *color,
		      const char *fmt, va_list ap)
{
	FILE *f = prefix ? ctx->shell->err : ctx->shell->out;
	fflush(ctx->shell->out);
	if (prefix && ctx->shell->color)
		fprintf(f, "%s%s", color, prefix);
	else if (prefix)
		fputs(prefix, f);
	vfprintf(f, fmt, ap);
	fputs(prefix && ctx->shell->color ? "\033[0m\n" : "\n", f);
	fflush(f);
}

void cmd_warning(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	host_line(ctx, "WARNING: ", "\033[33;1m", fmt, ap);
	va_end(ap);
}

void cmd_verbose(struct cmd_ctx *ctx, const char *fmt, ...)
{
	if (!ctx->verbose)
		return;
	va_list ap;
	va_start(ap, fmt);
	host_line(ctx, "VERBOSE: ", "\033[33m", fmt, ap);
	va_end(ap);
}

void cmd_host(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	host_line(ctx, NULL, NULL, fmt, ap);
	va_end(ap);
}

struct store *cmd_store(struct cmd_ctx *ctx)
{
	struct ucsh_err err;
	err_clear(&err);
	struct store *st = shell_store(ctx->shell, &err);
	if (!st)
		cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	return st;
}

bool cmd_cancelled(const struct cmd_ctx *ctx)
{
	return (ctx->shell->cancel && *ctx->shell->cancel) || ctx->stage->pl->stopping;
}

void cmd_stop_upstream(struct cmd_ctx *ctx)
{
	ctx->stage->pl->stopping = true;
	ctx->stage->pl->clean_stop = true;
}

static int stage_feed(struct pipeline_stage *st, json_t *input);

int cmd_emit(struct cmd_ctx *ctx, json_t *obj)
{
	struct pipeline_stage *st = ctx->stage;
	int rc = 0;
	if (cmd_cancelled(ctx)) {
		json_decref(obj);
		return -1;
	}
	if (st->next)
		rc = stage_feed(st->next, obj);
	else
		st->pl->out->write(st->pl->out, obj);
	json_decref(obj);
	return rc || st->pl->stopping ? -1 : 0;
}

json_t *cmd_invoke_block(struct cmd_ctx *ctx, const json_t *block, json_t *input)
{
	struct sink s;
	json_t *arr = json_array();
	sink_collect_init(&s, arr);
	int status = eval_scriptblock(ctx->shell, block, input, &s);
	if (status == EV_STOP || status == EV_EXIT) {
		ctx->stage->pl->stop_script = true;
		ctx->stage->pl->stopping = true;
		json_decref(arr);
		return NULL;
	}
	return collected_value(arr);
}

/* -Confirm: ask on the terminal. Returns true to go ahead. */
static bool ask_confirm(struct cmd_ctx *ctx, const char *action, const char *target)
{
	struct shell *sh = ctx->shell;
	if (ctx->confirm_all)
		return ctx->confirm_all > 0;
	if (!sh->interactive || !sh->in) {
		cmd_error(ctx, "add -Force or -Confirm:$false to act without asking",
			  "cannot ask to confirm \"%s\" on \"%s\": no terminal", action, target);
		return false;
	}
	fprintf(sh->out, "\nConfirm\nAre you sure you want to perform this action?\n"
			 "Performing the operation \"%s\" on target \"%s\".\n"
			 "[Y] Yes  [A] Yes to All  [N] No  [L] No to All (default is \"Y\"): ",
		action, target);
	fflush(sh->out);
	char line[64];
	if (!fgets(line, sizeof(line), sh->in))
		return false;
	switch (line[0] | 0x20) {
	case 'a': ctx->confirm_all = 1; return true;
	case 'l': ctx->confirm_all = -1; return false;
	case 'n': return false;
	default: return line[0] == '\n' || (line[0] | 0x20) == 'y';
	}
}

bool cmd_should_process(struct cmd_ctx *ctx, const char *action, const char *target)
{
	if (ctx->whatif) {
		fflush(ctx->shell->out);
		fprintf(ctx->shell->out, "What if: Performing the operation \"%s\" on target \"%s\".\n",
			action, target);
		return false;
	}
	bool ask = ctx->confirm || ((ctx->entry->flags & CMD_CONFIRM_HIGH) && !ctx->force &&
				    ctx->shell->interactive);
	return ask ? ask_confirm(ctx, action, target) : true;
}

/* --- running a pipeline -------------------------------------------------- */

static int stage_feed(struct pipeline_stage *st, json_t *input)
{
	struct cmd_ctx *ctx = &st->ctx;
	struct ucsh_err err;
	json_t *bound;
	err_clear(&err);
	if (bind_pipeline(ctx->entry, st->args, input, &bound, &err) ||
	    (bind_check_mandatory(ctx->entry, bound, false, &err) && (json_decref(bound), 1)))
		return cmd_error_err(ctx, &err);
	if (!ctx->entry->process) {
		json_decref(bound);
		return 0;
	}
	json_t *saved = ctx->params;
	ctx->params = bound;
	ctx->input = input;
	int rc = ctx->entry->process(ctx, input);
	ctx->params = saved;
	ctx->input = NULL;
	json_decref(bound);
	return rc;
}

/* Evaluate a command's arguments in order; values are kept alive by *keep. */
static int eval_args(struct shell *sh, const struct ast *cmd, struct bind_arg **args,
		     size_t *n, json_t *keep)
{
	*args = xcalloc(cmd->nkids ? cmd->nkids : 1, sizeof(**args));
	*n = 0;
	for (size_t i = 0; i < cmd->nkids; i++) {
		const struct ast *a = cmd->kids[i];
		struct bind_arg *b = &(*args)[(*n)++];
		int status = EV_OK;
		const struct ast *valast = a;
		if (a->kind == AST_PARAM) {
			b->name = a->name;
			b->colon = a->nkids > 0;
			if (!a->nkids)
				continue;
			valast = a->kids[0];
		}
		json_t *v;
		/* a numeric argument with leading zeros (a PIN, an extension) stays text */
		if (valast->kind == AST_LITERAL && valast->text && valast->text[0] == '0' &&
		    valast->text[1] >= '0' && valast->text[1] <= '9')
			v = json_string(valast->text);
		else
			v = eval_expr(sh, valast, &status);
		if (!v)
			return status ? status : EV_FAIL;
		json_array_append_new(keep, v);
		b->value = v;
	}
	return EV_OK;
}

/* Levenshtein distance, bounded inputs (cmdlet names). */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 99;
	size_t d[64][64];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t cost = (a[i - 1] | 0x20) != (b[j - 1] | 0x20);
			size_t m = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < m)
				m = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < m)
				m = d[i - 1][j - 1] + cost;
			d[i][j] = m;
		}
	return d[la][lb];
}

static void unknown_command(struct shell *sh, const struct ast *cmd)
{
	const struct cmd_entry *best = NULL;
	size_t best_d = 4;
	for (size_t i = 0; i < cmd_table_len; i++) {
		size_t d = edit_distance(cmd->name, cmd_table[i]->name);
		if (d < best_d) {
			best_d = d;
			best = cmd_table[i];
		}
	}
	char msg[300], hint[200];
	snprintf(msg, sizeof(msg), "'%s' is not the name of a cmdlet", cmd->name);
	if (best)
		snprintf(hint, sizeof(hint), "did you mean %s? Get-Command lists every cmdlet",
			 best->name);
	else
		snprintf(hint, sizeof(hint), "Get-Command lists every cmdlet");
	shell_write_error(sh, cmd->name, msg, hint, cmd->line, cmd->col, NULL);
}

static enum error_action error_action_of(struct shell *sh, json_t *params)
{
	json_t *v = json_object_get(params, "ErrorAction");
	if (!v)
		v = shell_var_get(sh, "ErrorActionPreference");
	const char *s = json_string_value(v);
	if (s && str_ieq(s, "Stop"))
		return EA_STOP;
	if (s && str_ieq(s, "SilentlyContinue"))
		return EA_SILENT;
	return EA_CONTINUE;
}

/* Write one audit row for e; a row that cannot be written is an error in a
 * remote session (the admin must know the record is missing) and a warning
 * in a local one. */
static void audit_write(struct shell *sh, const struct cmd_entry *e, const json_t *secrets,
			const char *outcome, const char *message)
{
	struct ucsh_err err;
	err_clear(&err);
	char *command = audit_redact(sh->statement ? sh->statement : e->name, secrets);
	if (audit_record(sh, e, command, outcome, message, &err) != 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), "the audit log could not be written: %s", err.msg);
		if (sh->remote) {
			shell_write_error(sh, e->name, msg, NULL, 0, 0, NULL);
		} else {
			fflush(sh->out);
			fprintf(sh->err, "WARNING: %s\n", msg);
		}
	}
	free(command);
}

/*
 * May this session run e at all? Checked before its arguments are even
 * evaluated, so that a denied cmdlet has no effect and reveals nothing.
 */
static bool stage_allowed(struct shell *sh, const struct cmd_entry *e, const struct ast *cmd)
{
	char msg[300];
	const char *hint = NULL;
	if (sh->role < e->role) {
		snprintf(msg, sizeof(msg), "access denied: %s needs the role %s", e->name,
			 cmd_role_name(e->role));
		hint = "Get-CsAdministrator shows the roles; a CsAdministrator can change yours";
	} else if (sh->remote && (e->flags & CMD_LOCAL_FILES)) {
		snprintf(msg, sizeof(msg), "access denied: %s works on files, and a remote session "
			 "has no access to the files of the server", e->name);
		hint = "run it in a local ucsh, e.g. ucsh --host ... -o csv -c 'Get-CsPhone' >phones.csv";
	} else {
		return true;
	}
	shell_write_error(sh, e->name, msg, hint, cmd->line, cmd->col, NULL);
	audit_write(sh, e, NULL, AUDIT_DENIED, msg);
	return false;
}

/* Set up stage st for command AST cmd. */
static int stage_init(struct shell *sh, struct pipeline_stage *st, const struct ast *cmd)
{
	const struct cmd_entry *e = cmd_find(cmd->name);
	if (!e) {
		unknown_command(sh, cmd);
		return EV_FAIL;
	}
	if (!stage_allowed(sh, e, cmd))
		return EV_FAIL;
	struct cmd_ctx *ctx = &st->ctx;
	ctx->entry = e;
	ctx->shell = sh;
	ctx->stage = st;
	ctx->line = cmd->line;
	ctx->column = cmd->col;
	st->at = cmd;
	struct bind_arg *args;
	size_t n;
	json_t *keep = json_array();
	struct ucsh_err err;
	err_clear(&err);
	int status = eval_args(sh, cmd, &args, &n, keep);
	if (status == EV_OK && bind_args(e, args, n, &st->args, &err)) {
		shell_write_error(sh, e->name, err.msg, err.hint[0] ? err.hint : NULL, cmd->line,
				  cmd->col, NULL);
		status = EV_FAIL;
	}
	free(args);
	json_decref(keep);
	if (status != EV_OK)
		return status;
	ctx->params = st->args;
	ctx->error_action = error_action_of(sh, st->args);
	ctx->verbose = json_is_true(json_object_get(st->args, "Verbose"));
	ctx->whatif = json_is_true(json_object_get(st->args, "WhatIf"));
	ctx->force = json_is_true(json_object_get(st->args, "Force"));
	json_t *cf = json_object_get(st->args, "Confirm");
	ctx->confirm = json_is_true(cf);
	ctx->confirm_all = json_is_false(cf) ? 1 : 0;
	return EV_OK;
}

/* The values bound to secret parameters in any stage, to keep out of the
 * audit log wherever they appear. New array. */
static json_t *bound_secrets(struct pipeline_stage *stages, size_t n)
{
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct cmd_param *p = stages[i].ctx.entry->params;
		for (; p && p->name; p++) {
			json_t *v = json_object_get(stages[i].args, p->name);
			if ((p->flags & PF_SECRET) && json_is_string(v))
				json_array_append(out, v);
		}
	}
	return out;
}

/* One row per state-changing stage of a pipeline that ran. */
static void audit_stages(struct shell *sh, struct pipeline_stage *stages, size_t n)
{
	json_t *secrets = NULL;
	for (size_t i = 0; i < n; i++) {
		struct pipeline_stage *st = &stages[i];
		unsigned flags = st->ctx.entry->flags;
		if (!(flags & CMD_CHANGES_STATE) || (flags & CMD_NOT_AUDITED))
			continue;
		if (!secrets)
			secrets = bound_secrets(stages, n);
		const char *outcome = st->errors ? AUDIT_FAILED
				      : st->ctx.whatif ? AUDIT_WHATIF : AUDIT_SUCCESS;
		audit_write(sh, st->ctx.entry, secrets, outcome, st->errors ? st->first_error : NULL);
	}
	json_decref(secrets);
}

static void stages_free(struct pipeline_stage *stages, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cmd_ctx *ctx = &stages[i].ctx;
		if (ctx->entry && ctx->entry->cleanup)
			ctx->entry->cleanup(ctx);
		json_decref(stages[i].args);
	}
	free(stages);
}

/* Feed the first element: a command with no input, or an expression's items. */
static int run_first(struct pipeline *pl, struct pipeline_stage *stages, size_t first,
		     const struct ast *head, size_t nstages)
{
	struct shell *sh = pl->sh;
	if (first == 0) {
		struct cmd_ctx *ctx = &stages[0].ctx;
		struct ucsh_err err;
		err_clear(&err);
		if (bind_check_mandatory(ctx->entry, stages[0].args, false, &err))
			return cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
		return ctx->entry->process ? ctx->entry->process(ctx, NULL) : 0;
	}
	int status = EV_OK;
	json_t *v = eval_expr(sh, head, &status);
	if (!v) {
		pl->failed = true;
		if (status == EV_STOP || status == EV_EXIT)
			pl->stop_script = true;
		return -1;
	}
	/* $null | Cmd feeds one null, as PowerShell does; @() | Cmd feeds nothing */
	size_t n = json_is_null(v) ? 1 : value_count(v);
	for (size_t i = 0; i < n && !pl->stopping; i++) {
		json_t *item = json_is_null(v) ? v : value_item(v, i);
		if (nstages == 0)
			pl->out->write(pl->out, item);
		else if (stage_feed(&stages[0], item) && pl->stopping)
			break;
		if (sh->cancel && *sh->cancel)
			break;
	}
	json_decref(v);
	return 0;
}

int pipeline_run(struct shell *sh, const struct ast *ast, struct sink *out)
{
	struct pipeline pl = { .sh = sh, .out = out };
	size_t first = ast->kids[0]->kind == AST_COMMAND ? 0 : 1;
	size_t n = ast->nkids - first;
	struct pipeline_stage *stages = xcalloc(n ? n : 1, sizeof(*stages));
	int status = EV_OK;
	for (size_t i = 0; i < n && status == EV_OK; i++) {
		stages[i].pl = &pl;
		stages[i].next = i + 1 < n ? &stages[i + 1] : NULL;
		status = stage_init(sh, &stages[i], ast->kids[first + i]);
	}
	if (status != EV_OK) {
		stages_free(stages, n);
		return status;
	}
	for (size_t i = 0; i < n && !pl.stopping; i++)
		if (stages[i].ctx.entry->begin)
			stages[i].ctx.entry->begin(&stages[i].ctx);
	if (!pl.stopping)
		run_first(&pl, stages, first, ast->kids[0], n);
	/*
	 * Every stage ends in order, unless an error stopped the pipeline. A
	 * clean stop (Select-Object -First) only ended the producing phase:
	 * the stages still end, and a handler that emits after it is told -1.
	 */
	for (size_t i = 0; i < n && !pl.failed && !pl.stop_script; i++) {
		if (pl.clean_stop)
			pl.stopping = false;
		if (stages[i].ctx.entry->end)
			stages[i].ctx.entry->end(&stages[i].ctx);
	}
	audit_stages(sh, stages, n);
	stages_free(stages, n);
	if (pl.stop_script || (sh->cancel && *sh->cancel))
		return EV_STOP;
	return pl.failed ? EV_FAIL : EV_OK;
}
