/*
 * shell: one ucsh session. It owns the variables, every parsed program (so
 * that script blocks stay valid as long as values refer to them), the output
 * settings and the error count that decides the exit status. Local,
 * scripted and remote (SSH) sessions are all one of these, with their own
 * output and error streams.
 */
#ifndef UCSH_SHELL_H
#define UCSH_SHELL_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cmd.h"
#include "util.h"

enum output_format {
	OUT_DEFAULT, /* the type's default view: table, or list for wide objects */
	OUT_TABLE,
	OUT_LIST,
	OUT_JSON,
	OUT_CSV,
};

struct shell {
	json_t *vars;          /* name (lower case) -> value */
	struct ast **programs; /* every parsed program, freed with the shell */
	size_t nprograms, capprograms;
	FILE *in, *out, *err;  /* the session's streams */
	enum output_format format;
	bool color;            /* ANSI colour on errors and headers */
	bool interactive;      /* a person is at a terminal: prompts allowed */
	int width;             /* columns for tables; 0 = from the terminal */
	unsigned long errors;  /* errors written so far: exit status 1 when nonzero */
	enum cmd_role role;    /* the highest role the session holds */
	bool remote;           /* an SSH session: no access to this machine's files */
	const char *admin;     /* who runs it, for the audit log: an administrator's
				* Name, or the local user */
	const char *client;    /* where from: "203.0.113.5:50022", or NULL (local) */
	const char *statement; /* source of the statement running (audit) */
	const char *store_uri; /* which store this session works on */
	const char *source;    /* "<command line>", a file name, or "<stdin>" */
	volatile sig_atomic_t *cancel; /* set by SIGINT: stop the running pipeline */
	int exit_requested;    /* -1, or the status given to `exit` */
	struct store *store;   /* opened at first use by shell_store(); owned */
};

struct store;

void shell_init(struct shell *sh);
void shell_free(struct shell *sh);

/* The session's store, opened (and migrated) at first use, so that cmdlets
 * that never touch it cost nothing. Borrowed; NULL with err filled. */
struct store *shell_store(struct shell *sh, struct ucsh_err *err);

/* Variables are case-insensitive. shell_var_get: borrowed or NULL. */
json_t *shell_var_get(struct shell *sh, const char *name);
void shell_var_set(struct shell *sh, const char *name, json_t *value); /* steals */

/*
 * Parse and run source text. Returns 0 when it parsed and ran (errors inside
 * cmdlets are counted in sh->errors), -1 on a syntax error (written to
 * sh->err with line and column), 1 when the text is incomplete (an open
 * block or string: the interactive shell asks for more).
 */
int shell_run(struct shell *sh, const char *text, const char *source);
/* 1 when text is an unfinished statement, 0 otherwise (syntax errors included). */
int shell_is_incomplete(const char *text);

/* Columns for tables: the terminal's, $COLUMNS, or unlimited (4096) for a
 * file or pipe, so that redirected output is never cut. */
int shell_output_width(const struct shell *sh);
/* The width the user set or the terminal has (-width, the tty, $COLUMNS); 0 if none. */
int shell_terminal_width(const struct shell *sh);

/* Write an error record in the form `Cmdlet-Name : message`. */
void shell_write_error(struct shell *sh, const char *cmdlet, const char *msg,
		       const char *hint, int line, int column, const char *input_line);

#endif
