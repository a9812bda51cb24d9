/*
 * audit: redaction of command lines and the AuditLog rows (see audit.h).
 */
#include "config.h"
#include "audit.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "lexer.h"
#include "shell.h"
#include "store.h"

/* A token that ends a command: what follows is another command's. */
static bool ends_command(enum tok_type t)
{
	return t == T_EOF || t == T_NEWLINE || t == T_SEMI || t == T_PIPE || t == T_RBRACE ||
	       t == T_LBRACE || t == T_RPAREN;
}

static int depth_change(enum tok_type t)
{
	if (t == T_LPAREN || t == T_SUBEXPR || t == T_ARRAYEXPR || t == T_LBRACE || t == T_HASH)
		return 1;
	return t == T_RPAREN || t == T_RBRACE ? -1 : 0;
}

/*
 * Copy text to out, replacing the argument written after a secret
 * parameter with AUDIT_REDACTED: one token, or a whole bracketed
 * expression (-Pin ($a + $b)).
 */
static void redact_params(const char *text, struct strbuf *out)
{
	struct lexer lx;
	struct token tok;
	struct ucsh_err err;
	const struct cmd_entry *cmd = NULL;
	size_t copied = 0, last_end = 0, len = strlen(text);
	int depth = 0, hide_depth = -1; /* hiding while >= 0: the depth it began at */
	lexer_init(&lx, text, len);
	for (;;) {
		if (lexer_next(&lx, LEX_ARG, &tok, &err) != LEX_OK) {
			/* keep what lexed; the rest could hold anything */
			if (hide_depth < 0 && last_end > copied)
				sb_add(out, text + copied, last_end - copied);
			sb_adds(out, hide_depth < 0 ? " (rest not shown)" : AUDIT_REDACTED " (rest not shown)");
			return;
		}
		if (tok.type == T_EOF) {
			token_free(&tok);
			break;
		}
		last_end = tok.end;
		depth += depth_change(tok.type);
		if (hide_depth >= 0 && depth <= hide_depth) {
			/* the hidden argument ends with this token (or an unbalanced closer) */
			bool closer = depth_change(tok.type) < 0 && depth == hide_depth;
			bool single = depth_change(tok.type) == 0;
			size_t resume = closer || single ? tok.end : tok.start;
			sb_adds(out, AUDIT_REDACTED);
			copied = resume;
			hide_depth = -1;
			if (closer || single) {
				token_free(&tok);
				continue;
			}
		}
		if (hide_depth >= 0) {
			token_free(&tok);
			continue;
		}
		bool ends = ends_command(tok.type);
		if (tok.type == T_WORD && !cmd)
			cmd = cmd_find(tok.text);
		else if (ends)
			cmd = NULL;
		const struct cmd_param *p = tok.type == T_PARAM && cmd
						    ? cmd_find_param(cmd, tok.text, NULL) : NULL;
		if (p && (p->flags & PF_SECRET)) {
			sb_add(out, text + copied, tok.end - copied);
			sb_addc(out, ' ');
			copied = tok.end;
			hide_depth = depth;
		}
		token_free(&tok);
	}
	if (hide_depth >= 0)
		sb_adds(out, AUDIT_REDACTED);
	else
		sb_adds(out, text + copied);
}

/* Replace every occurrence of the bound secret values in s. */
static char *redact_values(char *s, const json_t *secrets)
{
	size_t i;
	json_t *v;
	json_array_foreach(secrets, i, v) {
		const char *secret = json_string_value(v);
		size_t n = secret ? strlen(secret) : 0;
		if (n == 0)
			continue;
		struct strbuf sb = STRBUF_INIT;
		const char *p = s, *hit;
		while ((hit = strstr(p, secret))) {
			sb_add(&sb, p, (size_t)(hit - p));
			sb_adds(&sb, AUDIT_REDACTED);
			p = hit + n;
		}
		sb_adds(&sb, p);
		free(s);
		s = sb_detach(&sb);
	}
	return s;
}

char *audit_redact(const char *text, const json_t *secrets)
{
	struct strbuf sb = STRBUF_INIT;
	redact_params(text ? text : "", &sb);
	char *s = redact_values(sb_detach(&sb), secrets);
	/* one line in the log, whatever the statement spanned */
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		s[--n] = '\0';
	if (n > AUDIT_COMMAND_MAX)
		strcpy(s + AUDIT_COMMAND_MAX - 3, "...");
	return s;
}

int audit_record(struct shell *sh, const struct cmd_entry *e, const char *command,
		 const char *outcome, const char *message, struct ucsh_err *err)
{
	struct store *st = shell_store(sh, err);
	if (!st)
		return -1;
	char now[STORE_TIMESTAMP_LEN];
	store_timestamp(time(NULL), now);
	json_t *row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "Time", now, "Administrator",
				sh->admin ? sh->admin : "", "Source", sh->client ? sh->client : "local",
				"Command", command ? command : "", "Outcome", outcome,
				"Cmdlet", e->name);
	if (message && *message)
		json_object_set_new(row, "Message", json_string(message));
	int rc = store_insert(st, "AuditLog", row, err);
	json_decref(row);
	return rc;
}
