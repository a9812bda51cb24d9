/*
 * repl: the interactive loop over libedit's readline interface.
 */
#include "config.h"
#include "repl.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <editline/readline.h>

#include "cmd.h"
#include "complete.h"
#include "lexer.h"

#define HISTORY_MAX 2000

static struct shell *repl_shell;
static json_t *candidates; /* of the completion under way */

static char *history_path(void)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir;
	if (state && *state == '/')
		dir = xasprintf("%s/ucsh", state);
	else if (home && *home)
		dir = xasprintf("%s/.local/state/ucsh", home);
	else
		return NULL;
	/* create each missing level, private to the user: history can hold secrets */
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(dir, 0700);
		*p = '/';
	}
	if (mkdir(dir, 0700) && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	char *path = xasprintf("%s/history", dir);
	free(dir);
	return path;
}

/*
 * Does stmt give a value to a secret parameter (Set-CsClientPin -Pin)?
 * Such a statement is kept out of the history, in memory and on disk, as
 * PowerShell's PSReadLine does with lines that look sensitive: otherwise
 * every PIN typed at the prompt would sit in clear in the history file.
 */
static bool binds_secret(const char *stmt)
{
	struct lexer lx;
	struct token tok;
	struct ucsh_err err;
	const struct cmd_entry *cmd = NULL;
	bool secret = false;
	lexer_init(&lx, stmt, strlen(stmt));
	while (!secret && lexer_next(&lx, LEX_ARG, &tok, &err) == LEX_OK && tok.type != T_EOF) {
		const struct cmd_entry *named = tok.type == T_WORD ? cmd_find(tok.text) : NULL;
		const struct cmd_param *p = tok.type == T_PARAM && cmd
						    ? cmd_find_param(cmd, tok.text, NULL) : NULL;
		cmd = named ? named : cmd;
		secret = p && (p->flags & PF_SECRET);
		token_free(&tok);
	}
	token_free(&tok); /* the token an error or the end left */
	return secret;
}

static char *candidate_generator(const char *text, int state)
{
	static size_t idx;
	(void)text;
	if (!state)
		idx = 0;
	while (candidates && idx < json_array_size(candidates))
		return strdup(json_string_value(json_array_get(candidates, idx++)));
	return NULL;
}

static char **attempt_completion(const char *text, int start, int end)
{
	size_t word_start;
	(void)start;
	json_decref(candidates);
	candidates = complete_line(repl_shell, rl_line_buffer, (size_t)end, &word_start);
	if (!candidates)
		return NULL; /* a path: libedit completes file names */
	rl_attempted_completion_over = 1;
	if (json_array_size(candidates) == 0)
		return NULL;
	(void)text;
	return rl_completion_matches(text, candidate_generator);
}

/* The prompt names the store, so that an admin knows what they change. */
static char *make_prompt(const struct shell *sh, bool continuation)
{
	if (continuation)
		return xstrdup(">> ");
	const char *uri = sh->store_uri ? sh->store_uri : "default store";
	/* a PostgreSQL URI: its database, never what follows '?' (a password=) */
	size_t n = str_iprefix("postgres", uri) ? strcspn(uri, "?") : strlen(uri);
	const char *base = uri + n;
	while (base > uri && base[-1] != '/')
		base--;
	if (base == uri + n || base == uri)
		return xasprintf("ucsh %.*s> ", (int)(str_iprefix("postgres", uri) ? strcspn(uri, ":") : n),
				 uri);
	return xasprintf("ucsh %.*s> ", (int)(uri + n - base), base);
}

/* Read one whole statement, over several lines while it is unfinished. */
static char *read_statement(struct shell *sh)
{
	struct strbuf sb = STRBUF_INIT;
	for (;;) {
		char *prompt = make_prompt(sh, sb.len > 0);
		*sh->cancel = 0;
		char *line = readline(prompt);
		free(prompt);
		if (!line && *sh->cancel) {
			/* Ctrl-C at the prompt: libedit gives up the line; start afresh */
			fputc('\n', sh->out);
			sb_reset(&sb);
			continue;
		}
		if (!line) {
			if (sb.len == 0) {
				sb_free(&sb);
				return NULL;
			}
			break;
		}
		if (*sh->cancel) {
			/* Ctrl-C at the prompt drops what was typed */
			free(line);
			sb_reset(&sb);
			continue;
		}
		sb_adds(&sb, line);
		free(line);
		if (!shell_is_incomplete(sb_str(&sb)))
			break;
		sb_addc(&sb, '\n');
	}
	return sb_detach(&sb);
}

int repl_run(struct shell *sh)
{
	char *hist = history_path();
	repl_shell = sh;
	rl_readline_name = "ucsh";
	rl_attempted_completion_function = attempt_completion;
	/* the characters that end a word for complete_line too, so that both
	 * agree where the word under the cursor begins (as after `>file`) */
	rl_basic_word_break_characters = " \t\n|;(){},>";
	using_history();
	stifle_history(HISTORY_MAX);
	if (hist)
		read_history(hist);
	char *stmt;
	while ((stmt = read_statement(sh))) {
		const char *p = stmt + strspn(stmt, " \t\n");
		if (*p) {
			if (!binds_secret(stmt)) {
				add_history(stmt);
				if (hist)
					write_history(hist);
			}
			*sh->cancel = 0;
			shell_run(sh, stmt, "<interactive>");
			if (*sh->cancel)
				fputc('\n', sh->out); /* after the ^C the terminal echoed */
		}
		free(stmt);
		if (sh->exit_requested >= 0)
			break;
	}
	if (hist) {
		write_history(hist);
		chmod(hist, 0600);
	}
	free(hist);
	json_decref(candidates);
	candidates = NULL;
	if (sh->exit_requested < 0)
		fputc('\n', sh->out);
	return sh->exit_requested >= 0 ? sh->exit_requested : 0;
}
