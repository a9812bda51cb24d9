/*
 * complete: what may come next on a command line, read from the cmdlet
 * table, and the bash, zsh and fish completion files made from it.
 *
 * The line is not parsed: a line being typed is usually not valid yet. A
 * small scanner that knows quotes, escapes, comments and brackets finds the
 * pipeline element under the cursor and splits it into words; the role of
 * the last word (command name, parameter name, the value of a parameter, a
 * positional argument, a variable) then decides what to offer. Binding
 * rules mirror bind.c: named parameters by name, alias or prefix; positional
 * values fill the positions that named ones left free.
 */
#include "config.h"
#include "complete.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "help.h"

extern char **environ;

/* `ucsh --complete LINE` exits so when the word is a file name for the caller. */
#define COMPLETE_EXIT_FILE 3

/* ---- scanning the line ----------------------------------------------------- */

struct cl_word {
	size_t start;   /* byte offset of its first character in the line */
	char *text;     /* its text without quotes and escapes */
	char quote;     /* the quote it begins with, or 0 */
	bool joined;    /* follows a comma: one more item of the argument before it */
	bool redirect;  /* > or >> */
	bool block;     /* a ( ... ) or { ... }: a value, never a name */
};

struct cl_words {
	struct cl_word *w;
	size_t n, cap;
};

struct cl_scan {
	struct cl_words words;   /* finished words of the element under the cursor */
	struct cl_words *outer;  /* elements around it, saved at each ( and { */
	size_t nouter, capouter;
	struct strbuf text;      /* the word being read */
	bool in_word;
	size_t start;
	char word_quote, open_quote;
	bool joined_next;
	bool in_comment;
};

static void words_free(struct cl_words *ws)
{
	for (size_t i = 0; i < ws->n; i++)
		free(ws->w[i].text);
	free(ws->w);
	memset(ws, 0, sizeof(*ws));
}

static struct cl_word *words_add(struct cl_words *ws, size_t start, char *text)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap ? ws->cap * 2 : 8;
		ws->w = xrealloc(ws->w, ws->cap * sizeof(*ws->w));
	}
	struct cl_word *w = &ws->w[ws->n++];
	memset(w, 0, sizeof(*w));
	w->start = start;
	w->text = text;
	return w;
}

static void word_begin(struct cl_scan *sc, size_t at)
{
	if (sc->in_word)
		return;
	sc->in_word = true;
	sc->start = at;
	sc->word_quote = 0;
	sb_reset(&sc->text);
}

static void word_end(struct cl_scan *sc)
{
	if (!sc->in_word)
		return;
	struct cl_word *w = words_add(&sc->words, sc->start, xstrdup(sb_str(&sc->text)));
	w->quote = sc->word_quote;
	w->joined = sc->joined_next;
	sc->joined_next = false;
	sc->in_word = false;
}

/* A new pipeline element (after | ; or a newline): its words start afresh. */
static void element_reset(struct cl_scan *sc)
{
	word_end(sc);
	words_free(&sc->words);
	sc->joined_next = false;
}

/* ( and { open an element inside the current one; ) and } return to it. */
static void element_push(struct cl_scan *sc)
{
	word_end(sc);
	if (sc->nouter == sc->capouter) {
		sc->capouter = sc->capouter ? sc->capouter * 2 : 4;
		sc->outer = xrealloc(sc->outer, sc->capouter * sizeof(*sc->outer));
	}
	sc->outer[sc->nouter++] = sc->words;
	memset(&sc->words, 0, sizeof(sc->words));
	sc->joined_next = false;
}

static void element_pop(struct cl_scan *sc, size_t at)
{
	bool joined;
	element_reset(sc);
	if (sc->nouter == 0)
		return;
	sc->words = sc->outer[--sc->nouter];
	joined = sc->words.n && sc->joined_next;
	struct cl_word *w = words_add(&sc->words, at, xstrdup("()"));
	w->block = true;
	w->joined = joined;
	sc->joined_next = false;
}

/* Inside quotes: returns how many extra bytes it consumed. */
static size_t scan_quoted(struct cl_scan *sc, const char *line, size_t i, size_t point)
{
	char c = line[i], q = sc->open_quote;
	if (c == q) {
		if (i + 1 < point && line[i + 1] == q) { /* '' or "" is the quote itself */
			sb_addc(&sc->text, q);
			return 1;
		}
		sc->open_quote = 0;
	} else if (q == '"' && c == '`' && i + 1 < point) {
		sb_addc(&sc->text, line[i + 1]);
		return 1;
	} else {
		sb_addc(&sc->text, c);
	}
	return 0;
}

/* Outside quotes: returns how many extra bytes it consumed. */
static size_t scan_plain(struct cl_scan *sc, const char *line, size_t i, size_t point)
{
	char c = line[i];
	switch (c) {
	case ' ': case '\t': case '\r':
		word_end(sc);
		return 0;
	case '\n': case '|': case ';':
		element_reset(sc);
		return 0;
	case ',':
		word_end(sc);
		sc->joined_next = true;
		return 0;
	case '(': case '{':
		/* $( @( @{ : the sigil belongs to the bracket, not to a word */
		if (sc->in_word && !sc->word_quote && sc->text.len == 1 &&
		    (sc->text.buf[0] == '$' || sc->text.buf[0] == '@'))
			sc->in_word = false;
		element_push(sc);
		return 0;
	case ')': case '}':
		element_pop(sc, i);
		return 0;
	case '>': {
		word_end(sc);
		bool twice = i + 1 < point && line[i + 1] == '>';
		words_add(&sc->words, i, xstrdup(twice ? ">>" : ">"))->redirect = true;
		return twice;
	}
	case '\'': case '"':
		if (!sc->in_word) {
			word_begin(sc, i);
			sc->word_quote = c;
		}
		sc->open_quote = c;
		return 0;
	case '`':
		word_begin(sc, i);
		if (i + 1 < point)
			sb_addc(&sc->text, line[i + 1]);
		return i + 1 < point;
	case '#':
		if (!sc->in_word) {
			sc->in_comment = true;
			return 0;
		}
		break;
	}
	word_begin(sc, i);
	sb_addc(&sc->text, c);
	return 0;
}

static void scan_line(struct cl_scan *sc, const char *line, size_t point)
{
	memset(sc, 0, sizeof(*sc));
	for (size_t i = 0; i < point; i++) {
		if (sc->in_comment) {
			if (line[i] == '\n') {
				sc->in_comment = false;
				element_reset(sc);
			}
		} else if (sc->open_quote) {
			i += scan_quoted(sc, line, i, point);
		} else {
			i += scan_plain(sc, line, i, point);
		}
	}
}

/* The word under the cursor: what was being read, or an empty one at point. */
static struct cl_word current_word(struct cl_scan *sc, size_t point)
{
	struct cl_word w = { .start = point, .joined = sc->joined_next };
	if (sc->in_word) {
		w.start = sc->start;
		w.quote = sc->word_quote;
	}
	w.text = xstrdup(sb_str(&sc->text));
	if (!sc->in_word)
		w.text[0] = '\0';
	return w;
}

static void scan_free(struct cl_scan *sc)
{
	words_free(&sc->words);
	for (size_t i = 0; i < sc->nouter; i++)
		words_free(&sc->outer[i]);
	free(sc->outer);
	sb_free(&sc->text);
}

/* ---- candidates ------------------------------------------------------------ */

static int cmp_candidates(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	int c = strcasecmp(x, y);
	return c ? c : strcmp(x, y);
}

/* Sort a JSON array of strings and drop repeats; returns it. */
static json_t *sorted_unique(json_t *arr)
{
	size_t n = json_array_size(arr), k = 0;
	const char **v = xcalloc(n ? n : 1, sizeof(*v));
	for (size_t i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_candidates);
	json_t *out = json_array();
	for (size_t i = 0; i < n; i++)
		if (v[i] && (k == 0 || strcmp(v[i], v[k - 1]) != 0)) {
			json_array_append_new(out, json_string(v[i]));
			v[k++] = v[i];
		}
	free(v);
	json_decref(arr);
	return out;
}

static bool name_matches(const char *typed, const char *name)
{
	return wildcard_has_meta(typed) ? wildcard_match(typed, name) : str_iprefix(typed, name);
}

/* Cmdlet names and aliases: by prefix, or every match of a wildcard (Get-Cs*). */
static json_t *complete_command(const char *typed)
{
	json_t *out = json_array();
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (name_matches(typed, e->name))
			json_array_append_new(out, json_string(e->name));
		for (const char *const *a = e->aliases; a && *a; a++)
			if (name_matches(typed, *a))
				json_array_append_new(out, json_string(*a));
	}
	return sorted_unique(out);
}

/*
 * Variables are stored in lower case; a candidate keeps what the user typed
 * and adds the rest, except for the automatic variables, which have a
 * spelling of their own.
 */
static void add_variable(json_t *out, const char *typed, const char *name)
{
	static const char *const canonical[] = { "true", "false", "null", "_", "args",
						  "ErrorActionPreference", NULL };
	for (const char *const *c = canonical; *c; c++)
		if (str_ieq(*c, name)) {
			json_array_append_new(out, json_sprintf("$%s", *c));
			return;
		}
	json_array_append_new(out, json_sprintf("$%s%s", typed, name + strlen(typed)));
}

static json_t *complete_variable(struct shell *sh, const char *word)
{
	static const char *const automatic[] = { "true", "false", "null", "_", NULL };
	const char *typed = word + 1;
	json_t *out = json_array();
	if (str_iprefix("env:", typed)) {
		for (char **env = environ; env && *env; env++) {
			size_t n = strcspn(*env, "=");
			if (strncasecmp(*env, typed + 4, strlen(typed + 4)) == 0 && n >= strlen(typed + 4))
				json_array_append_new(out, json_sprintf("$env:%.*s", (int)n, *env));
		}
		return sorted_unique(out);
	}
	if (strpbrk(typed, ".[:{"))
		return out; /* a property, an index or ${...}: nothing to offer */
	for (const char *const *a = automatic; *a; a++)
		if (str_iprefix(typed, *a))
			add_variable(out, typed, *a);
	const char *key;
	json_t *v;
	if (sh)
		json_object_foreach(sh->vars, key, v)
			if (*key && str_iprefix(typed, key))
				add_variable(out, typed, key);
	return sorted_unique(out);
}

/* Parameters whose value is a file name: the caller completes those. */
static bool is_path_param(const struct cmd_param *p)
{
	static const char *const names[] = { "Path", "FilePath", "FileName", "LiteralPath",
					     "OutFile", NULL };
	for (const char *const *n = names; *n; n++)
		if (str_ieq(*n, p->name))
			return true;
	return false;
}

/* A value as a word: quoted when it holds what would end or change a word. */
static json_t *value_word(const char *v, char quote)
{
	if (!quote && !v[strcspn(v, " \t\n|;,(){}&<>'\"#`$")])
		return json_string(v);
	struct strbuf sb = STRBUF_INIT;
	char q = quote == '"' ? '"' : '\'';
	sb_addc(&sb, q);
	for (const char *p = v; *p; p++) {
		if (*p == q || (q == '"' && (*p == '`' || *p == '$')))
			sb_addc(&sb, q == '"' ? '`' : q);
		sb_addc(&sb, *p);
	}
	sb_addc(&sb, q);
	json_t *s = json_string(sb_str(&sb));
	sb_free(&sb);
	return s;
}

/*
 * The values of parameter p that fit prefix: its allowed values, $true and
 * $false for a Boolean, and what its entry's hook finds live in the store
 * of sh (NULL: the default store). NULL for a file name. quote: the quote
 * the word was begun with, kept on the values.
 */
static json_t *param_values(struct shell *sh, const struct cmd_param *p, const char *prefix,
			    char quote)
{
	if (is_path_param(p))
		return NULL;
	json_t *out = json_array();
	for (const char *const *v = p->values; p->type == PT_ENUM && v && *v; v++)
		if (str_iprefix(prefix, *v))
			json_array_append_new(out, value_word(*v, quote));
	if (p->type == PT_BOOL || p->type == PT_SWITCH) {
		if (str_iprefix(prefix, "$true"))
			json_array_append_new(out, json_string("$true"));
		if (str_iprefix(prefix, "$false"))
			json_array_append_new(out, json_string("$false"));
	}
	if (p->complete) {
		json_t *live = p->complete(sh, prefix), *it;
		size_t i;
		json_array_foreach(live, i, it)
			if (json_is_string(it))
				json_array_append_new(out, value_word(json_string_value(it), quote));
		json_decref(live);
	}
	return sorted_unique(out);
}

/* ---- the role of the word under the cursor --------------------------------- */

static bool is_param_word(const struct cl_word *w)
{
	return !w->quote && !w->block && w->text[0] == '-' &&
	       (w->text[1] == '_' || (w->text[1] >= 'A' && w->text[1] <= 'Z') ||
		(w->text[1] >= 'a' && w->text[1] <= 'z'));
}

/* The parameter a -Name word names (without any :value), or NULL. */
static const struct cmd_param *word_param(const struct cmd_entry *e, const struct cl_word *w)
{
	char *name = xstrndup(w->text + 1, strcspn(w->text + 1, ":"));
	const struct cmd_param *p = cmd_find_param(e, name, NULL);
	free(name);
	return p;
}

enum arg_kind {
	ARG_NONE,       /* a parameter name, or nothing we know */
	ARG_VALUE,      /* the value of .param */
	ARG_POSITIONAL, /* the .index-th positional argument */
	ARG_FILE,       /* after > or >> */
};

struct arg_role {
	enum arg_kind kind;
	const struct cmd_param *param;
	size_t index;
};

/*
 * Walk the arguments after the cmdlet name as bind_args would: a -Name
 * that is not a switch takes the next word, a comma continues the argument
 * before it, everything else is positional. Returns the role of cur, and
 * fills bound (a JSON object) with the parameters named so far.
 */
static struct arg_role arg_role(const struct cmd_entry *e, const struct cl_words *ws,
				size_t first, const struct cl_word *cur, json_t *bound)
{
	struct arg_role role = { ARG_NONE, NULL, 0 }, pending = role;
	size_t npos = 0;
	for (size_t i = first; i <= ws->n; i++) {
		const struct cl_word *w = i < ws->n ? &ws->w[i] : cur;
		if (w->joined)
			continue; /* keeps the role of the argument it continues */
		if (pending.kind != ARG_NONE) {
			role = pending;
			pending.kind = ARG_NONE;
		} else if (w->redirect) {
			role.kind = ARG_NONE;
			pending.kind = ARG_FILE;
		} else if (is_param_word(w)) {
			const struct cmd_param *p = word_param(e, w);
			role.kind = ARG_NONE;
			if (p && w != cur) /* the word being typed binds nothing yet */
				json_object_set_new(bound, p->name, json_true());
			if (p && p->type != PT_SWITCH && !strchr(w->text, ':'))
				pending = (struct arg_role){ ARG_VALUE, p, 0 };
		} else {
			role = (struct arg_role){ ARG_POSITIONAL, NULL, npos++ };
		}
	}
	return role;
}

/*
 * The parameter that takes the index-th positional value: positions in
 * order, skipping parameters already named; one that takes the remaining
 * arguments takes every later value too.
 */
static const struct cmd_param *positional_param(const struct cmd_entry *e, size_t index,
						json_t *bound)
{
	size_t k = 0;
	for (int pos = 0; pos < 64; pos++)
		for (const struct cmd_param *p = e->params; p && p->name; p++) {
			if (p->position != pos || json_object_get(bound, p->name))
				continue;
			if (k == index || (p->flags & PF_REMAINING))
				return p;
			k++;
		}
	return NULL;
}

/* -Name words: own parameters then common ones, in table order, not yet given. */
static json_t *complete_param_name(const struct cmd_entry *e, const char *typed, json_t *bound)
{
	json_t *out = json_array();
	size_t n;
	const struct cmd_param *common = cmd_common_params(e, &n);
	for (const struct cmd_param *p = e->params; p && p->name; p++)
		if (str_iprefix(typed, p->name) && !json_object_get(bound, p->name))
			json_array_append_new(out, json_sprintf("-%s", p->name));
	for (size_t i = 0; i < n; i++)
		if (str_iprefix(typed, common[i].name) && !json_object_get(bound, common[i].name))
			json_array_append_new(out, json_sprintf("-%s", common[i].name));
	return out;
}

/* -Name:value: the values, each with the "-Name:" in front. */
static json_t *complete_colon_value(struct shell *sh, const struct cmd_entry *e,
				    const struct cl_word *cur)
{
	const char *colon = strchr(cur->text, ':');
	const struct cmd_param *p = word_param(e, cur);
	json_t *vals = p ? param_values(sh, p, colon + 1, 0) : NULL, *it, *out = json_array();
	size_t i;
	json_array_foreach(vals, i, it)
		json_array_append_new(out, json_sprintf("-%s:%s", p->name, json_string_value(it)));
	json_decref(vals);
	return out;
}

/* The index of the cmdlet name in the element: after `$x =` it is the third word. */
static size_t command_index(const struct cl_words *ws)
{
	if (ws->n >= 2 && ws->w[0].text[0] == '$' && !ws->w[0].quote &&
	    (strcmp(ws->w[1].text, "=") == 0 || strcmp(ws->w[1].text, "+=") == 0))
		return 2;
	return 0;
}

static json_t *complete_argument(struct shell *sh, const struct cmd_entry *e,
				 const struct cl_words *ws, size_t first, const struct cl_word *cur)
{
	json_t *bound = json_object(), *out;
	struct arg_role role = arg_role(e, ws, first, cur, bound);
	bool dash_only = !cur->quote && strcmp(cur->text, "-") == 0;
	if ((is_param_word(cur) || dash_only) && !cur->joined) {
		out = strchr(cur->text, ':') ? complete_colon_value(sh, e, cur)
					     : complete_param_name(e, cur->text + 1, bound);
	} else if (role.kind == ARG_FILE) {
		out = NULL;
	} else {
		const struct cmd_param *p = role.kind == ARG_VALUE ? role.param
					  : role.kind == ARG_POSITIONAL
						  ? positional_param(e, role.index, bound)
						  : NULL;
		out = p ? param_values(sh, p, cur->text, cur->quote) : json_array();
	}
	json_decref(bound);
	return out;
}

static json_t *complete_word(struct shell *sh, struct cl_scan *sc, const struct cl_word *cur)
{
	const struct cl_words *ws = &sc->words;
	size_t at = command_index(ws);
	if (sc->in_comment)
		return json_array();
	if (!cur->quote && cur->text[0] == '$')
		return complete_variable(sh, cur->text);
	if (ws->n == at && !cur->joined)
		return cur->quote ? json_array() : complete_command(cur->text);
	if (ws->n < at || ws->w[at].quote || ws->w[at].block)
		return json_array();
	const struct cmd_entry *e = cmd_find(ws->w[at].text);
	return e ? complete_argument(sh, e, ws, at + 1, cur) : json_array();
}

json_t *complete_line(struct shell *sh, const char *line, size_t point, size_t *word_start)
{
	struct cl_scan sc;
	size_t len = strlen(line);
	scan_line(&sc, line, point < len ? point : len);
	struct cl_word cur = current_word(&sc, point < len ? point : len);
	json_t *out = complete_word(sh, &sc, &cur);
	*word_start = cur.start;
	free(cur.text);
	scan_free(&sc);
	return out;
}

/* ---- ucsh --complete ---------------------------------------------------------- */

static void print_candidates(json_t *cands)
{
	json_t *it;
	size_t i;
	json_array_foreach(cands, i, it)
		printf("%s\n", json_string_value(it));
}

/* CMDLET PARAM PREFIX: the values of one parameter, for the shell completion files. */
static int complete_values_main(const char *cmdlet, const char *param, const char *prefix)
{
	struct ucsh_err err;
	const struct cmd_entry *e = cmd_find(cmdlet);
	if (!e) {
		fprintf(stderr, "ucsh: --complete: '%s' is not the name of a cmdlet\n", cmdlet);
		return 1;
	}
	err_clear(&err);
	const struct cmd_param *p = cmd_find_param(e, param[0] == '-' ? param + 1 : param, &err);
	if (!p) {
		fprintf(stderr, "ucsh: --complete: %s\n", err.msg);
		return 1;
	}
	json_t *vals = param_values(NULL, p, prefix, 0);
	print_candidates(vals);
	json_decref(vals);
	return 0;
}

int complete_main(int argc, char **argv)
{
	if (argc == 3)
		return complete_values_main(argv[0], argv[1], argv[2]);
	if (argc != 1) {
		fprintf(stderr, "usage: ucsh --complete CMDLET PARAM PREFIX\n"
				"       ucsh --complete [--] LINE\n");
		return 2;
	}
	size_t start;
	json_t *cands = complete_line(NULL, argv[0], strlen(argv[0]), &start);
	if (!cands)
		return COMPLETE_EXIT_FILE;
	print_candidates(cands);
	json_decref(cands);
	return 0;
}

/* ---- the generated completion files ------------------------------------------ */

static char *lower_dup(const char *s)
{
	char *l = xstrdup(s);
	for (char *p = l; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return l;
}

/* A word for sh/bash/zsh/fish source: as it is when plain, else in '...'. */
static void sh_word(struct strbuf *sb, const char *s)
{
	if (*s && !s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			       "0123456789-_.:/+@,")]) {
		sb_adds(sb, s);
		return;
	}
	sb_addc(sb, '\'');
	for (const char *p = s; *p; p++)
		sb_adds(sb, *p == '\'' ? "'\\''" : (char[]){ *p, 0 });
	sb_addc(sb, '\'');
}

/* Visit own then common parameters of e, as cmd_find_param sees them. */
static const struct cmd_param *param_nth(const struct cmd_entry *e, size_t i)
{
	size_t own = 0, n;
	while (e->params && e->params[own].name)
		own++;
	const struct cmd_param *common = cmd_common_params(e, &n);
	return i < own ? &e->params[i] : i - own < n ? &common[i - own] : NULL;
}

enum bash_kind {
	BK_SWITCH, /* takes no value: the next word is another argument */
	BK_NONE,   /* takes a value, but nothing can be offered */
	BK_VALUES, /* its own reply: values, @file or @live */
};

static enum bash_kind bash_kind_of(const struct cmd_param *p)
{
	if (p->type == PT_SWITCH)
		return BK_SWITCH;
	if (is_path_param(p) || p->complete || p->type == PT_BOOL || p->type == PT_ENUM)
		return BK_VALUES;
	return BK_NONE;
}

/* `"cmd -name"|"cmd -alias"` for every spelling of p; cmd NULL: any cmdlet. */
static void bash_param_patterns(struct strbuf *sb, const char *cmd, const struct cmd_param *p,
				bool first)
{
	const char *const *a = p->aliases;
	for (const char *name = p->name; name; name = a && *a ? *a++ : NULL) {
		char *low = lower_dup(name);
		sb_addf(sb, "%s%s\"%s -%s\"", first ? "\t" : "|\\\n\t", cmd ? "" : "*",
			cmd ? cmd : "", low);
		free(low);
		first = false;
	}
}

/* What the completion does with the value of p: its words, or a @-directive. */
static void bash_param_reply(struct strbuf *sb, const struct cmd_param *p)
{
	sb_adds(sb, ") _ucsh_reply=(");
	if (p->type == PT_SWITCH)
		sb_adds(sb, "@switch");
	else if (is_path_param(p))
		sb_adds(sb, "@file");
	else if (p->complete)
		sb_adds(sb, "@live");
	else if (p->type == PT_BOOL)
		sb_adds(sb, "'$true' '$false'");
	else if (p->type == PT_ENUM)
		for (const char *const *v = p->values; v && *v; v++) {
			sb_adds(sb, v == p->values ? "" : " ");
			sh_word(sb, *v);
		}
	else
		sb_adds(sb, "@none");
	sb_adds(sb, ") ;;\n");
}

/* One case arm for the parameters of a kind that share their reply. */
static void bash_shared_arm(struct strbuf *sb, const char *cmd, const struct cmd_param *params,
			    size_t n, enum bash_kind kind)
{
	const struct cmd_param *last = NULL;
	for (size_t i = 0; i < n; i++)
		if (bash_kind_of(&params[i]) == kind) {
			bash_param_patterns(sb, cmd, &params[i], last == NULL);
			last = &params[i];
		}
	if (last)
		bash_param_reply(sb, last);
}

static void bash_cmdlet_values(struct strbuf *sb, const struct cmd_entry *e)
{
	char *cmd = lower_dup(e->name);
	const struct cmd_param *remaining = NULL;
	size_t n = 0;
	int k = 0;
	while (e->params && e->params[n].name)
		n++;
	bash_shared_arm(sb, cmd, e->params, n, BK_SWITCH);
	bash_shared_arm(sb, cmd, e->params, n, BK_NONE);
	for (size_t i = 0; i < n; i++)
		if (bash_kind_of(&e->params[i]) == BK_VALUES) {
			bash_param_patterns(sb, cmd, &e->params[i], true);
			bash_param_reply(sb, &e->params[i]);
		}
	/* positional arguments: "#k" is the k-th, as if no parameter were named */
	for (int pos = 0; pos < 64 && !remaining; pos++)
		for (size_t i = 0; i < n; i++) {
			const struct cmd_param *p = &e->params[i];
			if (p->position != pos)
				continue;
			if (p->flags & PF_REMAINING)
				remaining = p;
			else
				sb_addf(sb, "\t\"%s #%d\") _ucsh_reply=(@param -%s) ;;\n", cmd, k++,
					p->name);
			break;
		}
	if (remaining)
		sb_addf(sb, "\t\"%s #\"*) _ucsh_reply=(@param -%s) ;;\n", cmd, remaining->name);
	free(cmd);
}

/* The names bash offers for the first word, aliases included. */
static void bash_cmdlet_names(struct strbuf *sb)
{
	sb_adds(sb, "_ucsh_cmdlets=(");
	for (size_t i = 0; i < cmd_table_len; i++) {
		sb_adds(sb, "\n\t");
		sh_word(sb, cmd_table[i]->name);
		for (const char *const *a = cmd_table[i]->aliases; a && *a; a++) {
			sb_addc(sb, ' ');
			sh_word(sb, *a);
		}
	}
	sb_adds(sb, "\n)\n\n");
}

static void bash_canon(struct strbuf *sb)
{
	sb_adds(sb, "# _ucsh_canon NAME: the cmdlet's name in lower case, for an alias too.\n"
		    "_ucsh_canon()\n{\n\tcase ${1,,} in\n");
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmd_entry *e = cmd_table[i];
		if (!e->aliases || !*e->aliases)
			continue;
		char *cmd = lower_dup(e->name);
		sb_adds(sb, "\t");
		for (const char *const *a = e->aliases; *a; a++) {
			char *alias = lower_dup(*a);
			sb_adds(sb, a == e->aliases ? "" : "|");
			sh_word(sb, alias);
			free(alias);
		}
		sb_addf(sb, ") _ucsh_cmd=%s ;;\n", cmd);
		free(cmd);
	}
	sb_adds(sb, "\t*) _ucsh_cmd=${1,,} ;;\n\tesac\n}\n\n");
}

static void bash_params(struct strbuf *sb)
{
	sb_adds(sb, "# _ucsh_params CMD: the parameters of a cmdlet, in the order of its table.\n"
		    "_ucsh_params()\n{\n\tcase $1 in\n");
	for (size_t i = 0; i < cmd_table_len; i++) {
		char *cmd = lower_dup(cmd_table[i]->name);
		sb_addf(sb, "\t%s) _ucsh_reply=(", cmd);
		for (size_t j = 0; param_nth(cmd_table[i], j); j++)
			sb_addf(sb, "%s-%s", j ? " " : "", param_nth(cmd_table[i], j)->name);
		sb_adds(sb, ") ;;\n");
		free(cmd);
	}
	sb_adds(sb, "\t*) _ucsh_reply=() ;;\n\tesac\n}\n\n");
}

static void bash_values(struct strbuf *sb)
{
	size_t n;
	const struct cmd_param *common = cmd_common_params(&(struct cmd_entry){
		.flags = CMD_CHANGES_STATE }, &n);
	sb_adds(sb, "# _ucsh_values \"CMD -PARAM\" or \"CMD #N\" (the N-th positional argument):\n"
		    "# the values, or @switch (takes none), @file, @live (ask ucsh), @none,\n"
		    "# @param -NAME (the parameter that takes it). Nothing: ask ucsh.\n"
		    "_ucsh_values()\n{\n\tcase $1 in\n");
	for (size_t i = 0; i < cmd_table_len; i++)
		bash_cmdlet_values(sb, cmd_table[i]);
	/* the common parameters, after every cmdlet's own */
	bash_shared_arm(sb, NULL, common, n, BK_SWITCH);
	bash_shared_arm(sb, NULL, common, n, BK_NONE);
	for (size_t i = 0; i < n; i++)
		if (bash_kind_of(&common[i]) == BK_VALUES) {
			bash_param_patterns(sb, NULL, &common[i], true);
			bash_param_reply(sb, &common[i]);
		}
	sb_adds(sb, "\t*) _ucsh_reply=() ;;\n\tesac\n}\n");
}
static const char bash_functions[] =
	"\n"
	"# _ucsh_filter WORD CANDIDATE...: into _ucsh_found, those that begin with\n"
	"# WORD in any case, or match it when it is a wildcard such as Get-Cs*.\n"
	"_ucsh_filter()\n"
	"{\n"
	"\tlocal w=${1,,} c\n"
	"\tshift\n"
	"\t_ucsh_found=()\n"
	"\tfor c; do\n"
	"\t\tif [[ $w == *[\\*\\?\\[]* ]]; then\n"
	"\t\t\t[[ ${c,,} == $w ]] && _ucsh_found+=(\"$c\")\n"
	"\t\telse\n"
	"\t\t\t[[ ${c,,} == \"$w\"* ]] && _ucsh_found+=(\"$c\")\n"
	"\t\tfi\n"
	"\tdone\n"
	"\treturn 0\n"
	"}\n"
	"\n"
	"# _ucsh_line TEXT BIN: candidates for the last word of the ucsh command\n"
	"# TEXT into _ucsh_found (@file: complete a file name), that word into\n"
	"# _ucsh_word. The pipeline element under the cursor is what follows the\n"
	"# last | ; ( or {; in it, the first word names the cmdlet.\n"
	"_ucsh_line()\n"
	"{\n"
	"\tlocal elem=${1##*[|;(\\{]} w before i x role= pending= pos=0 at=0\n"
	"\tw=${elem##*[[:space:],]}\n"
	"\t_ucsh_word=$w\n"
	"\t_ucsh_found=()\n"
	"\tbefore=${elem:0:${#elem}-${#w}}\n"
	"\tlocal -a words\n"
	"\tread -ra words <<<\"$before\"\n"
	"\t[[ ${words[0]-} == \\$* && ${words[1]-} == = ]] && at=2\n"
	"\tif ((${#words[@]} == at)); then\n"
	"\t\t_ucsh_filter \"$w\" \"${_ucsh_cmdlets[@]}\"\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t_ucsh_canon \"${words[at]}\"\n"
	"\tif [[ $w == - || $w == -[[:alpha:]]* ]]; then\n"
	"\t\t_ucsh_params \"$_ucsh_cmd\"\n"
	"\t\t_ucsh_filter \"$w\" \"${_ucsh_reply[@]}\"\n"
	"\t\t# leave out the parameters already given\n"
	"\t\tlocal -a left=()\n"
	"\t\tfor x in \"${_ucsh_found[@]}\"; do\n"
	"\t\t\t[[ \" ${words[*],,} \" == *\" ${x,,} \"* ]] || left+=(\"$x\")\n"
	"\t\tdone\n"
	"\t\t_ucsh_found=(\"${left[@]}\")\n"
	"\t\treturn\n"
	"\tfi\n"
	"\t# which parameter takes the word: walk the arguments as ucsh binds them\n"
	"\tfor ((i = at + 1; i < ${#words[@]}; i++)); do\n"
	"\t\tx=${words[i]}\n"
	"\t\tif [[ -n $pending ]]; then\n"
	"\t\t\trole=$pending pending=\n"
	"\t\telif [[ $x == -[[:alpha:]]* ]]; then\n"
	"\t\t\trole=\n"
	"\t\t\t_ucsh_values \"$_ucsh_cmd ${x,,}\"\n"
	"\t\t\t[[ $x == *:* || ${_ucsh_reply[0]-} == @switch ]] || pending=$x\n"
	"\t\telse\n"
	"\t\t\trole=\"#$pos\" pos=$((pos + 1))\n"
	"\t\tfi\n"
	"\tdone\n"
	"\t# after a comma the word is one more item of the argument before it\n"
	"\tif [[ $before != *, ]]; then\n"
	"\t\trole=${pending:-#$pos}\n"
	"\tfi\n"
	"\t[[ -n $role ]] || return\n"
	"\t_ucsh_values \"$_ucsh_cmd ${role,,}\"\n"
	"\tif [[ ${_ucsh_reply[0]-} == @param ]]; then\n"
	"\t\trole=${_ucsh_reply[1]}\n"
	"\t\t_ucsh_values \"$_ucsh_cmd ${role,,}\"\n"
	"\tfi\n"
	"\tcase ${_ucsh_reply[0]-@live} in\n"
	"\t@switch|@none) ;;\n"
	"\t@file) _ucsh_found=(@file) ;;\n"
	"\t@live)\n"
	"\t\t[[ $role == -* ]] &&\n"
	"\t\t\tmapfile -t _ucsh_found < <(\"$2\" --complete \"${words[at]}\" \"$role\" \"$w\" 2>/dev/null)\n"
	"\t\t;;\n"
	"\t*) _ucsh_filter \"$w\" \"${_ucsh_reply[@]}\" ;;\n"
	"\tesac\n"
	"}\n"
	"\n"
	"# The argument of -c: the words are those of the command text. When it is\n"
	"# quoted, bash hands over the whole text typed so far, so each candidate\n"
	"# keeps what comes before the word.\n"
	"_ucsh_command()\n"
	"{\n"
	"\tlocal text=$1 keep c\n"
	"\t_ucsh_line \"$text\" \"$2\"\n"
	"\tkeep=${text:0:${#text}-${#_ucsh_word}}\n"
	"\tCOMPREPLY=()\n"
	"\tif [[ ${_ucsh_found[0]-} == @file ]]; then\n"
	"\t\tcompopt -o filenames 2>/dev/null\n"
	"\t\tmapfile -t _ucsh_found < <(compgen -f -- \"$_ucsh_word\")\n"
	"\tfi\n"
	"\tfor c in \"${_ucsh_found[@]}\"; do\n"
	"\t\tCOMPREPLY+=(\"$keep$c\")\n"
	"\tdone\n"
	"}\n"
	"\n"
	"_ucsh()\n"
	"{\n"
	"\tlocal cur=$2 prev=${COMP_WORDS[COMP_CWORD - 1]} i bin=${COMP_WORDS[0]}\n"
	"\t[[ $bin == */* && -x $bin ]] || bin=ucsh\n"
	"\tCOMPREPLY=()\n"
	"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	"\t\tcase ${COMP_WORDS[i]} in\n"
	"\t\t-c)\n"
	"\t\t\t((i + 1 == COMP_CWORD)) && _ucsh_command \"$cur\" \"$bin\"\n"
	"\t\t\treturn\n"
	"\t\t\t;;\n"
	"\t\t-o | --store | --host) ((i++)) ;;\n"
	"\t\t-*) ;;\n"
	"\t\t*)\n"
	"\t\t\t# after the script's name come its own arguments\n"
	"\t\t\tcompopt -o default 2>/dev/null\n"
	"\t\t\treturn\n"
	"\t\t\t;;\n"
	"\t\tesac\n"
	"\tdone\n"
	"\tcase $prev in\n"
	"\t-o)\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -W 'table list json csv' -- \"$cur\")\n"
	"\t\treturn\n"
	"\t\t;;\n"
	"\t--store | --host) return ;;\n"
	"\tesac\n"
	"\tif [[ $cur == -* ]]; then\n"
	"\t\tmapfile -t COMPREPLY < <(compgen -W '-c -o --store --host --no-color --version --help' -- \"$cur\")\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcompopt -o filenames 2>/dev/null\n"
	"\tmapfile -t COMPREPLY < <(compgen -f -- \"$cur\")\n"
	"}\n"
	"\n"
	"complete -F _ucsh ucsh\n";

static const char zsh_functions[] =
	"\n"
	"# The text of -c. Its first word (or the first after | ; ( {) is a cmdlet;\n"
	"# for the words after it, ucsh itself knows the parameters and values.\n"
	"_ucsh_command()\n"
	"{\n"
	"\tlocal text=$PREFIX bin=${words[1]} elem out\n"
	"\tlocal -i rc\n"
	"\tlocal -a cands\n"
	"\telem=${text##*[|;(\\{]}\n"
	"\telem=${elem##[[:space:]]#}\n"
	"\tif [[ $elem != *[[:space:]]* ]]; then\n"
	"\t\tcompset -P '*[|;(\\{][[:space:]]#'\n"
	"\t\t_describe -t cmdlets cmdlet _ucsh_cmdlets -M 'm:{a-zA-Z}={A-Za-z}'\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tout=$($bin --complete -- \"$text\" 2>/dev/null)\n"
	"\trc=$?\n"
	"\tcompset -P '*[[:space:],|;(\\{]'\n"
	"\tif ((rc == 3)); then\n"
	"\t\t_files\n"
	"\t\treturn\n"
	"\tfi\n"
	"\tcands=(${(f)out})\n"
	"\tcompadd -M 'm:{a-zA-Z}={A-Za-z}' -a cands\n"
	"}\n"
	"\n"
	"_arguments -s -S \\\n"
	"\t'(1 *)-c+[run the commands and exit]:commands:_ucsh_command' \\\n"
	"\t'-o+[output format]:format:(table list json csv)' \\\n"
	"\t'--store=[the store to work on]:store URI: ' \\\n"
	"\t'--host=[run the commands on a remote ucshd]:ssh URI: ' \\\n"
	"\t'--no-color[no colour, even on a terminal]' \\\n"
	"\t'(- 1 *)--version[print the version and exit]' \\\n"
	"\t'(- 1 *)--help[print the help and exit]' \\\n"
	"\t'1:script:_files' \\\n"
	"\t'*::script argument:_files'\n";

static const char fish_functions[] =
	"\n"
	"# The text of -c. Its first word (or the first after | ; ( {) is a cmdlet;\n"
	"# for the words after it, ucsh itself knows the parameters and values.\n"
	"# Each candidate is the whole text, as fish replaces the whole token.\n"
	"function __ucsh_command\n"
	"    set -l text (string replace -r -- '^[\\'\"]' '' (commandline -ct))\n"
	"    set -l elem (string replace -r -- '.*[|;({]' '' \"$text\")\n"
	"    set -l w (string replace -r -- '.*[\\s,]' '' \"$elem\")\n"
	"    set -l keep (string sub -l (math (string length -- \"$text\") - (string length -- \"$w\")) -- \"$text\")\n"
	"    if not string match -qr -- '\\S\\s' \"$elem\"\n"
	"        for c in (__ucsh_cmdlets)\n"
	"            printf '%s%s\\n' \"$keep\" \"$c\"\n"
	"        end\n"
	"        return\n"
	"    end\n"
	"    set -l bin (commandline -opc)[1]\n"
	"    set -l what value\n"
	"    set -l cands ($bin --complete -- \"$text\" 2>/dev/null)\n"
	"    if test $status -eq 3\n"
	"        set cands (__fish_complete_path \"$w\")\n"
	"        set what file\n"
	"    end\n"
	"    # each with a description of its own, or fish would show that of -c\n"
	"    for c in $cands\n"
	"        set -l desc $what\n"
	"        string match -q -- '-*' \"$c\"; and set desc parameter\n"
	"        string match -q -- '$*' \"$c\"; and set desc variable\n"
	"        printf '%s%s\\t%s\\n' \"$keep\" (string split -m1 \\t -- \"$c\")[1] $desc\n"
	"    end\n"
	"end\n"
	"\n"
	"complete -c ucsh -f\n"
	"complete -c ucsh -s c -x -a '(__ucsh_command)' -d 'run the commands and exit'\n"
	"complete -c ucsh -s o -x -a 'table list json csv' -d 'output format'\n"
	"complete -c ucsh -l store -x -d 'the store to work on'\n"
	"complete -c ucsh -l host -x -d 'run the commands on a remote ucshd'\n"
	"complete -c ucsh -l no-color -d 'no colour, even on a terminal'\n"
	"complete -c ucsh -l version -d 'print the version and exit'\n"
	"complete -c ucsh -l help -d 'print the help and exit'\n"
	"complete -c ucsh -n 'not __fish_seen_argument -s c' -F\n";

static void script_head(struct strbuf *sb, const char *first, const char *what,
			const char *how)
{
	sb_addf(sb, "%s# %s\n", first, HELP_GENERATED_MARK);
	sb_addf(sb, "# %s completion for ucsh(1): its options and, in the text of -c,\n%s\n", what,
		how);
}

/*
 * Every name a cmdlet answers to, with its synopsis, one line each: a zsh
 * array item "Name:Synopsis" for _describe, or a fish printf of
 * "Name<TAB>Synopsis", which fish shows as the description.
 */
static void add_named_synopsis(struct strbuf *sb, enum complete_shell shell, const char *name,
			       const char *synopsis)
{
	struct strbuf item = STRBUF_INIT;
	if (shell == COMPLETE_ZSH) {
		sb_addf(&item, "%s:%s", name, synopsis);
		sb_adds(sb, "\t");
		sh_word(sb, sb_str(&item));
	} else {
		sb_adds(sb, "    printf '%s\\t%s\\n' ");
		sh_word(sb, name);
		sb_addc(sb, ' ');
		sh_word(sb, synopsis);
	}
	sb_addc(sb, '\n');
	sb_free(&item);
}

static void named_synopses(struct strbuf *sb, enum complete_shell shell)
{
	for (size_t i = 0; i < cmd_table_len; i++) {
		const struct cmd_entry *e = cmd_table[i];
		add_named_synopsis(sb, shell, e->name, e->synopsis);
		for (const char *const *a = e->aliases; a && *a; a++)
			add_named_synopsis(sb, shell, *a, e->synopsis);
	}
}

char *complete_script(enum complete_shell shell)
{
	struct strbuf sb = STRBUF_INIT;
	switch (shell) {
	case COMPLETE_BASH:
		script_head(&sb, "", "bash",
			    "# the cmdlet names, parameters and values of the cmdlet table. Live\n"
			    "# values (identities, MAC addresses) come from `ucsh --complete`.\n");
		bash_cmdlet_names(&sb);
		bash_canon(&sb);
		bash_params(&sb);
		bash_values(&sb);
		sb_adds(&sb, bash_functions);
		break;
	case COMPLETE_ZSH:
		script_head(&sb, "#compdef ucsh\n", "zsh",
			    "# the cmdlet names with their synopses, and for the words after a\n"
			    "# cmdlet what `ucsh --complete` offers: parameters, values, identities.\n");
		sb_adds(&sb, "local -a _ucsh_cmdlets\n_ucsh_cmdlets=(\n");
		named_synopses(&sb, shell);
		sb_adds(&sb, ")\n");
		sb_adds(&sb, zsh_functions);
		break;
	case COMPLETE_FISH:
		script_head(&sb, "", "fish",
			    "# the cmdlet names with their synopses, and for the words after a\n"
			    "# cmdlet what `ucsh --complete` offers: parameters, values, identities.\n");
		sb_adds(&sb, "function __ucsh_cmdlets\n");
		named_synopses(&sb, shell);
		sb_adds(&sb, "end\n");
		sb_adds(&sb, fish_functions);
		break;
	}
	return sb_detach(&sb);
}
