/*
 * eval: runs ASTs. Statements write their output to a sink: the formatter
 * at top level, a collector inside $( ), ( ), assignments and script
 * blocks, or the next command of a pipeline. Pipelines stream: every object
 * goes through the whole pipeline before the next is made.
 */
#ifndef UCSH_EVAL_H
#define UCSH_EVAL_H

#include <jansson.h>

#include "ast.h"
#include "shell.h"

enum eval_status {
	EV_OK = 0,
	EV_FAIL = -1,   /* a terminating error: the statement stopped, the script goes on */
	EV_STOP = -2,   /* the script stops: -ErrorAction Stop, Ctrl-C */
	EV_BREAK = 1,
	EV_CONTINUE = 2,
	EV_RETURN = 3,
	EV_EXIT = 4,    /* `exit`: sh->exit_requested holds the status */
};

struct sink {
	void (*write)(struct sink *s, json_t *v); /* v borrowed */
	void *data;
};

/* A sink that gathers values into a JSON array (data). */
void sink_collect_init(struct sink *s, json_t *array);
/* PowerShell's unwrapping: nothing -> null, one -> it, more -> the array. */
json_t *collected_value(json_t *array); /* new reference; array is released */

int eval_block(struct shell *sh, const struct ast *block, struct sink *out);
/* Evaluate an expression: a new reference, or NULL after writing the error. */
json_t *eval_expr(struct shell *sh, const struct ast *a, int *status);
/* Run a script block value with $_ set to input (NULL leaves $_ alone). */
int eval_scriptblock(struct shell *sh, const json_t *block, json_t *input, struct sink *out);

/* The pipeline runner (pipeline.c). */
int pipeline_run(struct shell *sh, const struct ast *pl, struct sink *out);

/* Write an error that belongs to no cmdlet (an expression's). */
void eval_error(struct shell *sh, const struct ast *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
