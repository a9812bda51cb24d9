/*
 * help: Get-Help text and the man pages, from the cmdlet entries alone.
 *
 * The text follows PowerShell's Get-Help layout, so that an admin used to
 * the Lync Management Shell reads it without thinking: upper-case section
 * names at column 0, bodies indented by four, the example banners, the
 * parameter attribute table of -Full. The man pages carry the same facts
 * in roff; the generated files (one page per cmdlet, ucsh-cmdlets(7), the
 * cmdlet list of ucsh(1), the automake list of pages and the shell
 * completion files) are written by help_generate for `ucsh --generate`.
 */
#include "config.h"
#include "help.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "complete.h"

/*
 * The date on every generated page. It is the package's release date, not
 * the day of generation, so that `ucsh --generate` is reproducible and a
 * fresh generation compares equal to the committed files. configure may
 * define it; bump it with the version otherwise.
 */
#ifndef UCSH_RELEASE_DATE
#define UCSH_RELEASE_DATE "2026-11-26"
#endif

#define HELP_INDENT 4
#define HELP_ATTR_LABEL 29 /* "Accept pipeline input?" and friends, padded as PowerShell does */
#define MAN_MARKER ".\\\" @UCSH_CMDLET_LIST@"

/* ---- text layout ---------------------------------------------------------- */

/* Columns a UTF-8 slice takes: one per code point is close enough for help text. */
static size_t text_width(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	return w;
}

static void add_spaces(struct strbuf *sb, size_t n)
{
	while (n--)
		sb_addc(sb, ' ');
}

/* One source line, filled to avail columns; its own leading spaces indent it further. */
static void wrap_line(struct strbuf *sb, const char *s, size_t n, size_t indent, size_t avail)
{
	size_t lead = 0, col = 0;
	while (lead < n && s[lead] == ' ')
		lead++;
	const char *p = s + lead, *end = s + n;
	while (p < end) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		const char *w = p;
		while (p < end && *p != ' ')
			p++;
		size_t ww = text_width(w, (size_t)(p - w));
		if (col > lead && col + 1 + ww > avail) {
			sb_addc(sb, '\n');
			col = 0;
		}
		if (col == 0) {
			add_spaces(sb, indent + lead);
			col = lead;
		} else {
			sb_addc(sb, ' ');
			col++;
		}
		sb_add(sb, w, (size_t)(p - w));
		col += ww;
	}
	sb_addc(sb, '\n');
}

/*
 * Text filled to width and indented. A blank line separates paragraphs and
 * a single newline is kept, so that lists in descriptions stay lists.
 */
static void add_wrapped(struct strbuf *sb, const char *text, size_t indent, int width)
{
	size_t avail = width > (int)indent + 20 ? (size_t)width - indent : 20;
	const char *p = text;
	while (*p) {
		size_t n = strcspn(p, "\n");
		wrap_line(sb, p, n, indent, avail);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void add_section(struct strbuf *sb, const char *title)
{
	sb_addf(sb, "\n%s\n", title);
}

/* ---- roff ------------------------------------------------------------------ */

/* Decode one UTF-8 code point; -1 for a malformed byte (it consumes one byte). */
static long utf8_decode(const unsigned char *s, size_t n, size_t *used)
{
	size_t len = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 1;
	long cp = len == 1 ? s[0] : s[0] & (0x3f >> (len - 1));
	*used = 1;
	if (s[0] >= 0x80 && len == 1)
		return -1;
	if (len > n)
		return -1;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*used = len;
	return cp <= 0x10ffff ? cp : -1;
}

/*
 * Text for a roff text line: backslashes and minus signs escaped (a '-' in
 * a man page must be \- to stay an ASCII hyphen-minus that can be copied
 * into a shell), anything beyond ASCII as a \[uXXXX] glyph so that groff
 * needs no input encoding.
 */
static void roff_escape(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		size_t used = 1;
		if (u[i] == '\\')
			sb_adds(sb, "\\e");
		else if (u[i] == '-')
			sb_adds(sb, "\\-");
		else if (u[i] < 0x80)
			sb_addc(sb, (char)u[i]);
		else {
			long cp = utf8_decode(u + i, n - i, &used);
			sb_addf(sb, "\\[u%04lX]", cp < 0 ? 0xFFFDL : cp);
		}
		i += used;
	}
}

/* One text line: a leading '.' or '\'' would make it a request; \& defuses it. */
static void roff_line(struct strbuf *sb, const char *s, size_t n)
{
	if (n && (s[0] == '.' || s[0] == '\''))
		sb_adds(sb, "\\&");
	roff_escape(sb, s, n);
	sb_addc(sb, '\n');
}

/*
 * Prose: paragraphs (blank-line separated) begin with para (".PP", or
 * ".IP" inside a tagged paragraph), kept line breaks become .br, and
 * leading blanks go, since in fill mode they would force a break.
 */
static void roff_prose(struct strbuf *sb, const char *text, const char *para)
{
	enum { START, IN_PARA, AFTER_BLANK } state = START;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n"), lead = strspn(p, " ");
		if (lead >= n) {
			if (state == IN_PARA)
				state = AFTER_BLANK;
		} else {
			if (state == AFTER_BLANK)
				sb_addf(sb, "%s\n", para);
			else if (state == IN_PARA)
				sb_adds(sb, ".br\n");
			roff_line(sb, p + lead, n - lead);
			state = IN_PARA;
		}
		p += n + (p[n] == '\n');
	}
}

/* ---- facts about parameters, shared by the text and the man pages --------- */

static size_t own_param_count(const struct cmd_entry *e)
{
	size_t n = 0;
	while (e->params && e->params[n].name)
		n++;
	return n;
}

/*
 * The common parameters every cmdlet has (Verbose, ErrorAction) are
 * summed up as <CommonParameters>; those that come with changing state
 * (WhatIf, Confirm, Force) are shown like the cmdlet's own. The split is
 * asked of cmd_common_params, so that it is decided in one place.
 */
static size_t common_base_count(void)
{
	static const struct cmd_entry plain = { .name = "" };
	size_t n;
	cmd_common_params(&plain, &n);
	return n;
}

static void param_type_text(const struct cmd_param *p, char *buf, size_t len)
{
	const char *t = cmd_param_type_name(p);
	bool many = (p->flags & PF_REMAINING) && !(p->flags & PF_ARRAY);
	snprintf(buf, len, "%s%s", t, many ? "[]" : "");
}

static const char *param_pipeline_text(const struct cmd_param *p)
{
	switch (p->flags & (PF_PIPE_VALUE | PF_PIPE_PROP)) {
	case PF_PIPE_VALUE: return "True (ByValue)";
	case PF_PIPE_PROP: return "True (ByPropertyName)";
	case PF_PIPE_VALUE | PF_PIPE_PROP: return "True (ByValue, ByPropertyName)";
	default: return "False";
	}
}

static const char *param_pipeline_words(const struct cmd_param *p)
{
	switch (p->flags & (PF_PIPE_VALUE | PF_PIPE_PROP)) {
	case PF_PIPE_VALUE: return "by value";
	case PF_PIPE_PROP: return "by property name";
	case PF_PIPE_VALUE | PF_PIPE_PROP: return "by value, or by property name";
	default: return "no";
	}
}

static void param_position_text(const struct cmd_param *p, char *buf, size_t len)
{
	if (p->position < 0)
		snprintf(buf, len, "named");
	else
		snprintf(buf, len, "%d", p->position);
}

/* "a, b, c" of a NULL-terminated list, or dflt when it is empty. */
static void add_list(struct strbuf *sb, const char *const *items, const char *dflt)
{
	if (!items || !*items) {
		sb_adds(sb, dflt);
		return;
	}
	for (const char *const *a = items; *a; a++)
		sb_addf(sb, "%s%s", a == items ? "" : ", ", *a);
}

/* ---- SYNTAX --------------------------------------------------------------- */

/*
 * One parameter as the syntax shows it: [-Name] <Type> inside brackets for
 * what is optional. In roff the names are bold, the types italic, and the
 * spaces unbreakable, so that a piece is never split across lines.
 */
static void add_param_syntax(struct strbuf *sb, const struct cmd_param *p, bool roff)
{
	bool mandatory = p->flags & PF_MANDATORY, positional = p->position >= 0;
	const char *sp = roff ? "\\ " : " ";
	if (!mandatory)
		sb_addc(sb, '[');
	if (positional)
		sb_addc(sb, '[');
	sb_addf(sb, roff ? "\\fB\\-%s\\fR" : "-%s", p->name);
	if (positional)
		sb_addc(sb, ']');
	if (p->type == PT_ENUM) {
		/* a list too long for one line may break after a bar */
		size_t total = 0;
		for (const char *const *v = p->values; v && *v; v++)
			total += strlen(*v) + 3;
		const char *bar = !roff ? " | " : total > 60 ? "\\ | " : "\\ |\\ ";
		sb_addf(sb, "%s{", sp);
		for (const char *const *v = p->values; v && *v; v++) {
			if (v != p->values)
				sb_adds(sb, bar);
			if (roff)
				roff_escape(sb, *v, strlen(*v));
			else
				sb_adds(sb, *v);
		}
		sb_adds(sb, (p->flags & PF_ARRAY) ? "}[]" : "}");
	} else if (p->type != PT_SWITCH) {
		char type[64];
		param_type_text(p, type, sizeof(type));
		sb_addf(sb, roff ? "%s\\fI%s\\fR" : "%s<%s>", sp, type);
	}
	if (!mandatory)
		sb_addc(sb, ']');
}

static void add_piece(json_t *pieces, struct strbuf *sb)
{
	json_array_append_new(pieces, json_string(sb_str(sb)));
	sb_reset(sb);
}

/*
 * The pieces of the syntax line after the name, each a unit that wrapping
 * keeps whole: positional parameters by position, the others in table
 * order, the state-changing common parameters, then [<CommonParameters>].
 */
static json_t *syntax_pieces(const struct cmd_entry *e, bool roff)
{
	json_t *pieces = json_array();
	struct strbuf sb = STRBUF_INIT;
	size_t own = own_param_count(e), ncommon, nbase = common_base_count();
	for (int pos = 0; pos < 64; pos++)
		for (size_t i = 0; i < own; i++)
			if (e->params[i].position == pos) {
				add_param_syntax(&sb, &e->params[i], roff);
				add_piece(pieces, &sb);
			}
	for (size_t i = 0; i < own; i++)
		if (e->params[i].position < 0) {
			add_param_syntax(&sb, &e->params[i], roff);
			add_piece(pieces, &sb);
		}
	const struct cmd_param *common = cmd_common_params(e, &ncommon);
	for (size_t i = nbase; i < ncommon; i++) {
		sb_addf(&sb, roff ? "[\\fB\\-%s\\fR]" : "[-%s]", common[i].name);
		add_piece(pieces, &sb);
	}
	sb_adds(&sb, roff ? "[\\fI<CommonParameters>\\fR]" : "[<CommonParameters>]");
	add_piece(pieces, &sb);
	sb_free(&sb);
	return pieces;
}

char *help_syntax(const struct cmd_entry *e)
{
	json_t *pieces = syntax_pieces(e, false), *it;
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	sb_adds(&sb, e->name);
	json_array_foreach(pieces, i, it)
		sb_addf(&sb, " %s", json_string_value(it));
	json_decref(pieces);
	return sb_detach(&sb);
}

/* The syntax wrapped at width, continuation lines under the first parameter. */
static void add_syntax_wrapped(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	json_t *pieces = syntax_pieces(e, false), *it;
	size_t hang = HELP_INDENT + strlen(e->name) + 1, col, i;
	if (hang > 40)
		hang = HELP_INDENT * 2;
	add_spaces(sb, HELP_INDENT);
	sb_adds(sb, e->name);
	col = HELP_INDENT + text_width(e->name, strlen(e->name));
	json_array_foreach(pieces, i, it) {
		const char *s = json_string_value(it);
		size_t w = text_width(s, strlen(s));
		if (col + 1 + w > (size_t)width && col > hang) {
			sb_addc(sb, '\n');
			add_spaces(sb, hang);
			col = hang;
		} else {
			sb_addc(sb, ' ');
			col++;
		}
		sb_adds(sb, s);
		col += w;
	}
	sb_addc(sb, '\n');
	json_decref(pieces);
}

/* ---- sections of the text ------------------------------------------------- */

/* "Label?        value", the value wrapped under itself when it is long. */
static void add_attr(struct strbuf *sb, size_t indent, const char *label, const char *value,
		     int width)
{
	size_t at = sb->len;
	add_wrapped(sb, *value ? value : "none", indent + HELP_ATTR_LABEL, width);
	/* the first line's indentation makes room for the label: write it there */
	memcpy(sb->buf + at + indent, label, strlen(label));
}

/* The attribute table of -Full and -Parameter. */
static void add_param_attrs(struct strbuf *sb, const struct cmd_param *p, size_t indent,
			    int width)
{
	char buf[32];
	struct strbuf list = STRBUF_INIT;
	add_attr(sb, indent, "Required?", (p->flags & PF_MANDATORY) ? "true" : "false", width);
	param_position_text(p, buf, sizeof(buf));
	add_attr(sb, indent, "Position?", buf, width);
	add_attr(sb, indent, "Accept pipeline input?", param_pipeline_text(p), width);
	add_list(&list, p->aliases, "none");
	add_attr(sb, indent, "Aliases", sb_str(&list), width);
	if (p->type == PT_ENUM) {
		sb_reset(&list);
		add_list(&list, p->values, "");
		add_attr(sb, indent, "Accepted values", sb_str(&list), width);
	}
	sb_free(&list);
}

/* One parameter: "-Name <Type>", its help, and with full its attributes. */
static void add_param_text(struct strbuf *sb, const struct cmd_param *p, size_t indent,
			   bool full, int width)
{
	char type[64];
	param_type_text(p, type, sizeof(type));
	add_spaces(sb, indent);
	if (p->type == PT_SWITCH)
		sb_addf(sb, "-%s [<SwitchParameter>]\n", p->name);
	else
		sb_addf(sb, "-%s <%s>\n", p->name, type);
	if (p->help)
		add_wrapped(sb, p->help, indent + HELP_INDENT, width);
	if (full) {
		sb_addc(sb, '\n');
		add_param_attrs(sb, p, indent + HELP_INDENT, width);
	}
	sb_addc(sb, '\n');
}

static void add_common_text(struct strbuf *sb, const struct cmd_entry *e, bool full, int width)
{
	size_t nbase = common_base_count(), n;
	const struct cmd_param *common = cmd_common_params(e, &n);
	struct strbuf para = STRBUF_INIT;
	sb_adds(&para, "This cmdlet supports the common parameters:");
	for (size_t i = 0; i < nbase; i++)
		sb_addf(&para, "%s -%s", i ? "," : "", common[i].name);
	sb_adds(&para, ".");
	add_spaces(sb, HELP_INDENT);
	sb_adds(sb, "<CommonParameters>\n");
	add_wrapped(sb, sb_str(&para), HELP_INDENT * 2, width);
	for (size_t i = 0; full && i < nbase; i++) {
		sb_reset(&para);
		sb_addf(&para, "-%s: %s", common[i].name, common[i].help);
		if (common[i].type == PT_ENUM) {
			sb_adds(&para, " Accepted values: ");
			add_list(&para, common[i].values, "");
			sb_adds(&para, ".");
		}
		add_wrapped(sb, sb_str(&para), HELP_INDENT * 2, width);
	}
	sb_free(&para);
}

static void add_params_section(struct strbuf *sb, const struct cmd_entry *e, bool full,
			       int width)
{
	size_t n, nbase = common_base_count();
	const struct cmd_param *common = cmd_common_params(e, &n);
	add_section(sb, "PARAMETERS");
	for (const struct cmd_param *p = e->params; p && p->name; p++)
		add_param_text(sb, p, HELP_INDENT, full, width);
	for (size_t i = nbase; i < n; i++)
		add_param_text(sb, &common[i], HELP_INDENT, full, width);
	add_common_text(sb, e, full, width);
}

/* INPUTS: what the pipeline can bind, read from the parameter flags. */
static void add_inputs_section(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	struct strbuf line = STRBUF_INIT;
	bool any = false;
	add_section(sb, "INPUTS");
	for (const struct cmd_param *p = e->params; p && p->name; p++) {
		if (p->flags & PF_PIPE_VALUE) {
			char type[64];
			param_type_text(p, type, sizeof(type));
			sb_addf(sb, "    %s\n", type);
			sb_reset(&line);
			sb_addf(&line, "You can pipe values to this cmdlet; each binds to -%s.", p->name);
			add_wrapped(sb, sb_str(&line), HELP_INDENT * 2, width);
			any = true;
		}
		if (p->flags & PF_PIPE_PROP) {
			sb_addf(sb, "    Any object with a %s property\n", p->name);
			sb_reset(&line);
			sb_addf(&line, "The property binds by name to -%s.", p->name);
			add_wrapped(sb, sb_str(&line), HELP_INDENT * 2, width);
			any = true;
		}
	}
	if (!any)
		sb_adds(sb, "    None. You cannot pipe objects to this cmdlet.\n");
	sb_free(&line);
}

static void add_examples(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	int n = 0;
	for (const struct cmd_example *x = e->examples; x && x->code; x++) {
		sb_addf(sb, "\n    -------------------------- EXAMPLE %d --------------------------\n\n",
			++n);
		/* code is shown as written: wrapping it would change what it says */
		const char *p = x->code;
		for (bool first = true; *p; first = false) {
			size_t len = strcspn(p, "\n");
			sb_addf(sb, "    %s%.*s\n", first ? "PS> " : "", (int)len, p);
			p += len;
			if (*p)
				p++;
		}
		if (x->text) {
			sb_addc(sb, '\n');
			add_wrapped(sb, x->text, HELP_INDENT, width);
		}
	}
}

/* Noun of Verb-Noun: what RELATED LINKS and the man pages group by. */
static const char *noun_of(const char *name)
{
	const char *dash = strchr(name, '-');
	return dash ? dash + 1 : name;
}

static bool same_noun(const struct cmd_entry *a, const struct cmd_entry *b)
{
	return str_ieq(noun_of(a->name), noun_of(b->name));
}

static void add_related(struct strbuf *sb, const struct cmd_entry *e)
{
	add_section(sb, "RELATED LINKS");
	for (size_t i = 0; i < cmd_table_len; i++)
		if (cmd_table[i] != e && same_noun(cmd_table[i], e))
			sb_addf(sb, "    %s\n", cmd_table[i]->name);
	const char *page = help_man_name(e);
	sb_addf(sb, "    %.*s(1)\n", (int)strlen(page) - 2, page);
}

static void add_remarks(struct strbuf *sb, const struct cmd_entry *e)
{
	add_section(sb, "REMARKS");
	sb_addf(sb, "    To see the examples, type: \"Get-Help %s -Examples\".\n", e->name);
	sb_addf(sb, "    For more information, type: \"Get-Help %s -Detailed\".\n", e->name);
	sb_addf(sb, "    For technical information, type: \"Get-Help %s -Full\".\n", e->name);
}

static void add_head(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	add_section(sb, "NAME");
	sb_addf(sb, "    %s\n", e->name);
	add_section(sb, "SYNOPSIS");
	add_wrapped(sb, e->synopsis, HELP_INDENT, width);
}

static void add_body(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	add_section(sb, "SYNTAX");
	add_syntax_wrapped(sb, e, width);
	add_section(sb, "DESCRIPTION");
	add_wrapped(sb, e->description ? e->description : e->synopsis, HELP_INDENT, width);
	if (e->aliases && *e->aliases) {
		struct strbuf list = STRBUF_INIT;
		add_list(&list, e->aliases, "");
		add_section(sb, "ALIASES");
		sb_addf(sb, "    %s\n", sb_str(&list));
		sb_free(&list);
	}
}

static void add_full_tail(struct strbuf *sb, const struct cmd_entry *e, int width)
{
	add_inputs_section(sb, e, width);
	add_section(sb, "OUTPUTS");
	sb_addf(sb, "    %s\n", e->outputs ? e->outputs : "None");
	if (e->notes) {
		add_section(sb, "NOTES");
		add_wrapped(sb, e->notes, HELP_INDENT, width);
	}
}

char *help_text(const struct cmd_entry *e, enum help_level level, int width)
{
	struct strbuf sb = STRBUF_INIT;
	if (width <= 0)
		width = 80;
	add_head(&sb, e, width);
	if (level == HELP_EXAMPLES) {
		add_examples(&sb, e, width);
		return sb_detach(&sb);
	}
	add_body(&sb, e, width);
	if (level >= HELP_DETAILED)
		add_params_section(&sb, e, level == HELP_FULL, width);
	if (level == HELP_FULL)
		add_full_tail(&sb, e, width);
	if (level >= HELP_DETAILED)
		add_examples(&sb, e, width);
	if (level == HELP_FULL) {
		add_section(&sb, "REQUIRED ROLE");
		sb_addf(&sb, "    %s, or any role above it\n", cmd_role_name(e->role));
	}
	if (level != HELP_DETAILED)
		add_related(&sb, e);
	if (level != HELP_FULL)
		add_remarks(&sb, e);
	return sb_detach(&sb);
}

char *help_parameter(const struct cmd_entry *e, const char *param, struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name = param[0] == '-' ? param + 1 : param;
	if (wildcard_has_meta(name)) {
		size_t n;
		const struct cmd_param *common = cmd_common_params(e, &n);
		for (const struct cmd_param *p = e->params; p && p->name; p++)
			if (wildcard_match(name, p->name))
				add_param_text(&sb, p, 0, true, 80);
		for (size_t i = 0; i < n; i++)
			if (wildcard_match(name, common[i].name))
				add_param_text(&sb, &common[i], 0, true, 80);
		if (sb.len == 0) {
			sb_free(&sb);
			err_set(err, "%s has no parameter matching -%s", e->name, name);
			err_hint(err, "Get-Help %s -Full lists its parameters", e->name);
			return NULL;
		}
		return sb_detach(&sb);
	}
	const struct cmd_param *p = cmd_find_param(e, name, err);
	if (!p) {
		sb_free(&sb);
		return NULL;
	}
	add_param_text(&sb, p, 0, true, 80);
	return sb_detach(&sb);
}

/* ---- man pages ------------------------------------------------------------- */

const char *help_man_name(const struct cmd_entry *e)
{
	static char buf[128];
	snprintf(buf, sizeof(buf), "ucsh-%s.1", e->name);
	for (char *p = buf; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return buf;
}

static void roff_str(struct strbuf *sb, const char *s)
{
	roff_escape(sb, s, strlen(s));
}

/* "ucsh-get-command" from the page's file name, escaped. */
static void roff_page_ref(struct strbuf *sb, const struct cmd_entry *e, const char *section)
{
	const char *file = help_man_name(e);
	sb_adds(sb, "\\fB");
	roff_escape(sb, file, strlen(file) - 2);
	sb_addf(sb, "\\fR(%s)", section);
}

static void man_head(struct strbuf *sb, const char *title, const char *section,
		     const char *manual)
{
	sb_addf(sb, ".\\\" %s\n.TH ", HELP_GENERATED_MARK);
	roff_str(sb, title);
	sb_addf(sb, " %s ", section);
	roff_str(sb, UCSH_RELEASE_DATE);
	sb_addf(sb, " \"ucsh %s\" \"%s\"\n", PACKAGE_VERSION, manual);
	/* cmdlet and parameter names are full of hyphens: never break a line at one */
	sb_adds(sb, ".nh\n");
}

static void man_synopsis(struct strbuf *sb, const struct cmd_entry *e)
{
	json_t *pieces = syntax_pieces(e, true), *it;
	size_t i;
	sb_adds(sb, ".SH SYNOPSIS\n.SY ");
	roff_str(sb, e->name);
	sb_addc(sb, '\n');
	json_array_foreach(pieces, i, it)
		sb_addf(sb, "%s\n", json_string_value(it));
	sb_adds(sb, ".YS\n");
	json_decref(pieces);
}

static void man_param(struct strbuf *sb, const struct cmd_param *p)
{
	char type[64], pos[32];
	struct strbuf list = STRBUF_INIT;
	param_type_text(p, type, sizeof(type));
	param_position_text(p, pos, sizeof(pos));
	sb_addf(sb, ".TP\n\\fB\\-%s\\fR", p->name);
	if (p->type != PT_SWITCH)
		sb_addf(sb, " \\fI%s\\fR", type);
	sb_addc(sb, '\n');
	roff_prose(sb, p->help ? p->help : "", ".IP");
	sb_addf(sb, ".IP\nRequired: %s.\n.br\nPosition: %s.\n.br\nPipeline input: %s.\n",
		(p->flags & PF_MANDATORY) ? "yes" : "no", pos, param_pipeline_words(p));
	if (p->aliases && *p->aliases) {
		add_list(&list, p->aliases, "");
		sb_adds(sb, ".br\nAliases: ");
		roff_line(sb, sb_str(&list), list.len);
	}
	if (p->type == PT_ENUM) {
		sb_reset(&list);
		add_list(&list, p->values, "");
		sb_adds(sb, ".br\nAccepted values: ");
		roff_line(sb, sb_str(&list), list.len);
	}
	sb_free(&list);
}

static void man_params(struct strbuf *sb, const struct cmd_entry *e)
{
	size_t n, nbase = common_base_count();
	const struct cmd_param *common = cmd_common_params(e, &n);
	sb_adds(sb, ".SH PARAMETERS\n");
	for (const struct cmd_param *p = e->params; p && p->name; p++)
		man_param(sb, p);
	for (size_t i = nbase; i < n; i++)
		man_param(sb, &common[i]);
	sb_adds(sb, ".TP\n.I <CommonParameters>\nThis cmdlet supports the common parameters:\n");
	for (size_t i = 0; i < nbase; i++) {
		sb_addf(sb, ".IP\n\\fB\\-%s\\fR: ", common[i].name);
		roff_line(sb, common[i].help, strlen(common[i].help));
	}
}

static void man_inputs_outputs(struct strbuf *sb, const struct cmd_entry *e)
{
	char type[64];
	bool any = false;
	sb_adds(sb, ".SH INPUTS\n");
	for (const struct cmd_param *p = e->params; p && p->name; p++) {
		param_type_text(p, type, sizeof(type));
		if (p->flags & PF_PIPE_VALUE)
			sb_addf(sb, ".TP\n.I %s\nBinds by value to \\fB\\-%s\\fR.\n", type, p->name);
		if (p->flags & PF_PIPE_PROP)
			sb_addf(sb, ".TP\nAny object with a \\fI%s\\fR property\n"
				    "Binds by property name to \\fB\\-%s\\fR.\n", p->name, p->name);
		any = any || (p->flags & (PF_PIPE_VALUE | PF_PIPE_PROP));
	}
	if (!any)
		sb_adds(sb, "None: this cmdlet takes no pipeline input.\n");
	sb_adds(sb, ".SH OUTPUTS\n");
	roff_line(sb, e->outputs ? e->outputs : "None.", strlen(e->outputs ? e->outputs : "None."));
	if (e->notes) {
		sb_adds(sb, ".SH NOTES\n");
		roff_prose(sb, e->notes, ".PP");
	}
}

static void man_examples(struct strbuf *sb, const struct cmd_entry *e)
{
	int n = 0;
	sb_adds(sb, ".SH EXAMPLES\n");
	for (const struct cmd_example *x = e->examples; x && x->code; x++) {
		sb_addf(sb, ".SS \"Example %d\"\n.EX\n", ++n);
		const char *p = x->code;
		for (bool first = true; *p; first = false) {
			size_t len = strcspn(p, "\n");
			if (first)
				sb_adds(sb, "PS> ");
			roff_line(sb, p, len);
			p += len + (p[len] == '\n');
		}
		sb_adds(sb, ".EE\n");
		if (x->text) {
			sb_adds(sb, ".PP\n");
			roff_prose(sb, x->text, ".PP");
		}
	}
}

static void man_see_also(struct strbuf *sb, const struct cmd_entry *e)
{
	sb_adds(sb, ".SH SEE ALSO\n");
	for (size_t i = 0; i < cmd_table_len; i++)
		if (cmd_table[i] != e && same_noun(cmd_table[i], e)) {
			roff_page_ref(sb, cmd_table[i], "1");
			sb_adds(sb, ",\n");
		}
	sb_adds(sb, "\\fBucsh\\fR(1),\n\\fBucsh\\-cmdlets\\fR(7)\n");
}

char *help_man_page(const struct cmd_entry *e)
{
	struct strbuf sb = STRBUF_INIT, title = STRBUF_INIT;
	const char *file = help_man_name(e);
	for (size_t i = 0; i + 2 < strlen(file); i++)
		sb_addc(&title, (char)toupper((unsigned char)file[i]));
	man_head(&sb, sb_str(&title), "1", "ucsh Cmdlets");
	sb_free(&title);
	sb_adds(&sb, ".SH NAME\n");
	roff_escape(&sb, file, strlen(file) - 2);
	sb_adds(&sb, ", ");
	roff_str(&sb, e->name);
	sb_adds(&sb, " \\- ");
	roff_line(&sb, e->synopsis, strlen(e->synopsis) - str_has_suffix(e->synopsis, "."));
	man_synopsis(&sb, e);
	sb_adds(&sb, ".SH DESCRIPTION\n");
	roff_prose(&sb, e->description ? e->description : e->synopsis, ".PP");
	if (e->aliases && *e->aliases) {
		struct strbuf list = STRBUF_INIT;
		add_list(&list, e->aliases, "");
		sb_adds(&sb, ".PP\nAliases: ");
		roff_line(&sb, sb_str(&list), list.len);
		sb_free(&list);
	}
	man_params(&sb, e);
	man_inputs_outputs(&sb, e);
	man_examples(&sb, e);
	sb_addf(&sb, ".SH REQUIRED ROLE\n\\fB%s\\fR, or any role above it.\n",
		cmd_role_name(e->role));
	man_see_also(&sb, e);
	return sb_detach(&sb);
}

/* ---- the lists of every cmdlet, grouped by noun ----------------------------- */

/* The distinct nouns, sorted: a new JSON array of strings. */
static json_t *nouns_sorted(void)
{
	json_t *nouns = json_array();
	for (size_t i = 0; i < cmd_table_len; i++) {
		const char *noun = noun_of(cmd_table[i]->name);
		size_t at = json_array_size(nouns), j;
		bool seen = false;
		for (j = 0; j < json_array_size(nouns); j++) {
			int c = strcasecmp(noun, json_string_value(json_array_get(nouns, j)));
			seen = seen || c == 0;
			if (c < 0 && at == json_array_size(nouns))
				at = j;
		}
		if (!seen)
			json_array_insert_new(nouns, at, json_string(noun));
	}
	return nouns;
}

static char *cmdlets_page(void)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *nouns = nouns_sorted(), *noun;
	size_t i;
	man_head(&sb, "UCSH-CMDLETS", "7", "ucsh Manual");
	sb_adds(&sb, ".SH NAME\nucsh\\-cmdlets \\- the cmdlets of ucsh, by noun\n"
		     ".SH DESCRIPTION\n"
		     "Every cmdlet of \\fBucsh\\fR(1), grouped by the noun it acts on. Each has\n"
		     "its own page, named \\fBucsh\\-\\fIverb\\fB\\-\\fInoun\\fR(1) in lower case,\n"
		     "and the same text inside the shell from \\fBGet\\-Help\\fR \\fIName\\fR "
		     "\\fB\\-Full\\fR.\n");
	json_array_foreach(nouns, i, noun) {
		sb_adds(&sb, ".SS ");
		roff_str(&sb, json_string_value(noun));
		sb_addc(&sb, '\n');
		for (size_t j = 0; j < cmd_table_len; j++) {
			const struct cmd_entry *e = cmd_table[j];
			if (!str_ieq(noun_of(e->name), json_string_value(noun)))
				continue;
			sb_adds(&sb, ".TP\n\\fB");
			roff_str(&sb, e->name);
			sb_adds(&sb, "\\fR \\(em ");
			roff_page_ref(&sb, e, "1");
			sb_addc(&sb, '\n');
			roff_line(&sb, e->synopsis, strlen(e->synopsis));
		}
	}
	sb_adds(&sb, ".SH SEE ALSO\n\\fBucsh\\fR(1)\n");
	json_decref(nouns);
	return sb_detach(&sb);
}

/* The CMDLETS list inside ucsh(1): one tagged paragraph per noun. */
static void add_cmdlet_list(struct strbuf *sb)
{
	json_t *nouns = nouns_sorted(), *noun;
	size_t i;
	json_array_foreach(nouns, i, noun) {
		bool first = true;
		sb_adds(sb, ".TP\n.B ");
		roff_str(sb, json_string_value(noun));
		sb_addc(sb, '\n');
		for (size_t j = 0; j < cmd_table_len; j++) {
			if (!str_ieq(noun_of(cmd_table[j]->name), json_string_value(noun)))
				continue;
			sb_adds(sb, first ? "" : ",\n");
			sb_adds(sb, "\\fB");
			roff_str(sb, cmd_table[j]->name);
			sb_adds(sb, "\\fR");
			first = false;
		}
		sb_addc(sb, '\n');
	}
	json_decref(nouns);
}

/* Replace every "@NAME@" in s; a new string. */
static char *substitute(const char *s, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	size_t nlen = strlen(name);
	for (const char *hit; (hit = strstr(s, name)); s = hit + nlen) {
		sb_add(&sb, s, (size_t)(hit - s));
		sb_adds(&sb, value);
	}
	sb_adds(&sb, s);
	return sb_detach(&sb);
}

/* ---- writing the generated files ----------------------------------------- */

/* A whole file, or NULL (errno set) when it cannot be read. */
static char *read_text_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		sb_free(&sb);
		errno = EIO;
		return NULL;
	}
	return sb_detach(&sb);
}

/* ucsh(1): the hand-written man/ucsh.1.in around the generated cmdlet list. */
static char *ucsh_page(const char *dir, struct ucsh_err *err)
{
	char *path = xasprintf("%s/man/ucsh.1.in", dir);
	char *in = read_text_file(path);
	if (!in) {
		err_set(err, "cannot read %s: %s", path, strerror(errno));
		free(path);
		return NULL;
	}
	char *marker = strstr(in, MAN_MARKER "\n");
	if (!marker || (marker != in && marker[-1] != '\n')) {
		err_set(err, "%s has no line \"%s\" for the cmdlet list", path, MAN_MARKER);
		free(path);
		free(in);
		return NULL;
	}
	free(path);
	struct strbuf sb = STRBUF_INIT;
	sb_addf(&sb, ".\\\" %s Edit man/ucsh.1.in.\n", HELP_GENERATED_MARK);
	sb_add(&sb, in, (size_t)(marker - in));
	add_cmdlet_list(&sb);
	sb_adds(&sb, marker + strlen(MAN_MARKER) + 1);
	free(in);
	char *dated = substitute(sb_str(&sb), "@UCSH_DATE@", UCSH_RELEASE_DATE);
	char *out = substitute(dated, "@UCSH_VERSION@", PACKAGE_VERSION);
	free(dated);
	sb_free(&sb);
	return out;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Write dir/rel only when its content changes, through a temporary file
 * renamed over it: make sees no new timestamp when nothing changed, and a
 * reader never sees half a file.
 */
static int write_if_changed(const char *dir, const char *rel, const char *content,
			    struct ucsh_err *err)
{
	char *path = xasprintf("%s/%s", dir, rel);
	char *old = read_text_file(path);
	int rc = 0;
	if (old && strcmp(old, content) == 0)
		goto out;
	char *tmp = xasprintf("%s.tmpXXXXXX", path);
	int fd = mkstemp(tmp);
	if (fd < 0) {
		rc = err_set(err, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		goto out;
	}
	bool ok = write_all(fd, content, strlen(content)) == 0 && fchmod(fd, 0644) == 0;
	int saved = errno;
	ok = close(fd) == 0 && ok;
	if (ok && rename(tmp, path) == 0) {
		free(tmp);
		goto out;
	}
	rc = err_set(err, "cannot write %s: %s", path, strerror(ok ? errno : saved));
	unlink(tmp);
	free(tmp);
out:
	free(old);
	free(path);
	return rc;
}

static int ensure_dir(const char *dir, const char *sub, struct ucsh_err *err)
{
	char *path = xasprintf("%s/%s", dir, sub);
	int rc = 0;
	if (mkdir(path, 0755) && errno != EEXIST)
		rc = err_set(err, "cannot create %s: %s", path, strerror(errno));
	free(path);
	return rc;
}

/* Does the page at path say that the generator wrote it? Only those are ours to remove. */
static bool generated_by_us(const char *path)
{
	char line[256] = "";
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	bool ours = fgets(line, sizeof(line), f) && strstr(line, HELP_GENERATED_MARK);
	fclose(f);
	return ours;
}

/* Remove man/ucsh-*.1 pages of cmdlets that are gone; keep is the set of current names. */
static int remove_stale_pages(const char *dir, json_t *keep, struct ucsh_err *err)
{
	char *mandir = xasprintf("%s/man", dir);
	DIR *d = opendir(mandir);
	int rc = 0;
	if (!d) {
		rc = err_set(err, "cannot read %s: %s", mandir, strerror(errno));
		free(mandir);
		return rc;
	}
	for (struct dirent *de; (de = readdir(d));) {
		if (strncmp(de->d_name, "ucsh-", 5) || !str_has_suffix(de->d_name, ".1") ||
		    json_object_get(keep, de->d_name))
			continue;
		char *path = xasprintf("%s/%s", mandir, de->d_name);
		if (generated_by_us(path) && unlink(path) && errno != ENOENT)
			rc = err_set(err, "cannot remove %s: %s", path, strerror(errno));
		free(path);
	}
	closedir(d);
	free(mandir);
	return rc;
}

static int generate_pages(const char *dir, struct ucsh_err *err)
{
	json_t *keep = json_object();
	struct strbuf am = STRBUF_INIT;
	int rc = 0;
	sb_addf(&am, "# %s\n# The cmdlet pages that Makefile.am installs.\nUCSH_CMDLET_PAGES =",
		HELP_GENERATED_MARK);
	for (size_t i = 0; i < cmd_table_len && rc == 0; i++) {
		char *page = help_man_page(cmd_table[i]);
		char *rel = xasprintf("man/%s", help_man_name(cmd_table[i]));
		rc = write_if_changed(dir, rel, page, err);
		sb_addf(&am, " \\\n\t%s", rel);
		json_object_set_new(keep, rel + 4, json_true());
		free(rel);
		free(page);
	}
	sb_addc(&am, '\n');
	if (rc == 0)
		rc = write_if_changed(dir, "man/pages.am", sb_str(&am), err);
	if (rc == 0)
		rc = remove_stale_pages(dir, keep, err);
	sb_free(&am);
	json_decref(keep);
	return rc;
}

int help_generate(const char *dir, struct ucsh_err *err)
{
	static const struct { const char *file; enum complete_shell shell; } scripts[] = {
		{ "completions/ucsh.bash", COMPLETE_BASH },
		{ "completions/_ucsh", COMPLETE_ZSH },
		{ "completions/ucsh.fish", COMPLETE_FISH },
	};
	char *ucsh = ucsh_page(dir, err);
	if (!ucsh)
		return -1;
	int rc = ensure_dir(dir, "completions", err);
	if (rc == 0)
		rc = write_if_changed(dir, "man/ucsh.1", ucsh, err);
	free(ucsh);
	if (rc == 0)
		rc = generate_pages(dir, err);
	if (rc == 0) {
		char *page = cmdlets_page();
		rc = write_if_changed(dir, "man/ucsh-cmdlets.7", page, err);
		free(page);
	}
	for (size_t i = 0; i < UCSH_ARRAY_LEN(scripts) && rc == 0; i++) {
		char *text = complete_script(scripts[i].shell);
		rc = write_if_changed(dir, scripts[i].file, text, err);
		free(text);
	}
	return rc;
}
