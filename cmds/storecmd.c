/*
 * storecmd: the shared half of every store-backed cmdlet.
 */
#include "config.h"
#include "storecmd.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eval.h"
#include "filter.h"
#include "shell.h"
#include "value.h"

int storecmd_error(struct cmd_ctx *ctx, struct store *st, const struct ucsh_err *err)
{
	enum store_error e = store_last_error(st);
	if (e == STORE_E_BUSY || e == STORE_E_IO)
		return cmd_fail(ctx, err->hint[0] ? err->hint : NULL, "%s", err->msg);
	return cmd_error_err(ctx, err);
}

int storecmd_emit(struct cmd_ctx *ctx, const char *kind, json_t *obj)
{
	value_set_type(obj, kind);
	return cmd_emit(ctx, json_incref(obj));
}

/* Does the -Filter block hold for obj, evaluated in the shell? */
static int block_holds(struct cmd_ctx *ctx, const json_t *script, json_t *obj, bool *holds)
{
	json_t *r = cmd_invoke_block(ctx, script, obj);
	if (!r)
		return -1;
	*holds = value_truthy(r);
	json_decref(r);
	return 0;
}

/* A wildcard the shell checks on each object the store's coarser filter let through. */
struct post_match {
	const char *prop, *pattern;
};

/* When the shell filters too (script, pm), opts' limit and offset count
 * the objects that pass, not the rows the store reads. */
static int stream(struct cmd_ctx *ctx, struct store *st, const char *kind, const json_t *filter,
		  const struct store_query_opts *opts, const json_t *script,
		  const struct post_match *pm, void (*map)(json_t *obj))
{
	struct store_cursor *cur;
	struct ucsh_err err;
	struct store_query_opts rows = { 0 };
	long long skip = 0, left = -1;
	if ((script || pm) && opts) {
		rows = *opts;
		skip = rows.offset;
		left = rows.limit > 0 ? rows.limit : -1;
		rows.offset = rows.limit = 0;
		opts = &rows;
	}
	if (store_query(st, kind, filter, opts, &cur, &err))
		return cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	json_t *obj;
	int rc = 0, status = 0;
	while (status == 0 && left != 0 && (rc = store_cursor_next(cur, &obj, &err)) == 1) {
		bool holds = true;
		if (map)
			map(obj);
		if (pm) {
			const char *v = json_string_value(json_object_get(obj, pm->prop));
			holds = v && wildcard_match(pm->pattern, v);
		}
		if (holds && script && block_holds(ctx, script, obj, &holds))
			status = -1;
		else if (holds && skip > 0)
			skip--;
		else if (holds && (left < 0 || left-- > 0))
			status = storecmd_emit(ctx, kind, obj);
		json_decref(obj);
	}
	if (status == 0 && rc < 0)
		status = cmd_fail(ctx, NULL, "%s", err.msg);
	store_cursor_free(cur);
	return status;
}

static int query(struct cmd_ctx *ctx, const char *kind, const json_t *filter,
		 const struct store_query_opts *opts, const json_t *script,
		 const struct post_match *pm, void (*map)(json_t *obj))
{
	struct store *st = cmd_store(ctx);
	if (!st)
		return -1;
	if (!script)
		return stream(ctx, st, kind, filter, opts, NULL, pm, map);
	json_t *translated = NULL;
	struct ucsh_err why;
	err_clear(&why);
	enum filter_status fs = filter_from_scriptblock(ctx->shell, script, &translated, &why);
	if (fs == FILTER_ERROR)
		return cmd_fail(ctx, NULL, "-Filter: %s", why.msg);
	json_t *all = filter ? json_deep_copy(filter) : json_array();
	if (fs == FILTER_OK) {
		json_array_extend(all, translated);
		script = NULL;
	} else {
		cmd_verbose(ctx, "-Filter runs in the shell, object by object: %s", why.msg);
	}
	int rc = stream(ctx, st, kind, all, opts, script, pm, map);
	json_decref(translated);
	json_decref(all);
	return rc;
}

int storecmd_query(struct cmd_ctx *ctx, const char *kind, const json_t *filter,
		   const struct store_query_opts *opts, const json_t *script)
{
	return query(ctx, kind, filter, opts, script, NULL, NULL);
}

int storecmd_query_map(struct cmd_ctx *ctx, const char *kind, const json_t *filter,
		       const struct store_query_opts *opts, const json_t *script,
		       void (*map)(json_t *obj))
{
	return query(ctx, kind, filter, opts, script, NULL, map);
}

int storecmd_query_like(struct cmd_ctx *ctx, const char *kind, const char *prop,
			const char *pattern, const json_t *filter,
			const struct store_query_opts *opts, const json_t *script)
{
	/* The store takes * and ?; a [set] is checked here, after the store has
	 * narrowed the rows with the pattern up to the first '['. */
	size_t plain = strcspn(pattern, "[");
	char *coarse = pattern[plain] ? xasprintf("%.*s*", (int)plain, pattern) : xstrdup(pattern);
	json_t *all = filter ? json_deep_copy(filter) : json_array();
	json_array_append_new(all, json_pack("{s:s,s:s,s:s}", "Property", prop, "Op", "like",
					     "Value", coarse));
	struct post_match pm = { prop, pattern };
	int rc = query(ctx, kind, all, opts, script, pattern[plain] ? &pm : NULL, NULL);
	json_decref(all);
	free(coarse);
	return rc;
}

/* A condition "the key is like pattern", appended to conds. */
static void add_key_like(json_t *conds, const char *kind, const char *pattern)
{
	const char *key = store_kind_find(kind)->columns[0].name;
	json_array_append_new(conds, json_pack("{s:s,s:s,s:s}", "Property", key, "Op", "like",
					       "Value", pattern));
}

int storecmd_query_identity(struct cmd_ctx *ctx, const char *kind, const char *pattern,
			    const json_t *filter)
{
	json_t *conds = json_array();
	const json_t *script = NULL;
	if (pattern)
		add_key_like(conds, kind, pattern);
	if (json_is_string(filter))
		add_key_like(conds, kind, json_string_value(filter));
	else if (value_is_scriptblock(filter))
		script = filter;
	else if (filter && !json_is_null(filter)) {
		json_decref(conds);
		return cmd_fail(ctx, "e.g. -Filter 'site:*' or -Filter { $_.Identity -like 'site:*' }",
				"-Filter takes a wildcard on the identity or a script block");
	}
	int rc = storecmd_query(ctx, kind, json_array_size(conds) ? conds : NULL, NULL, script);
	json_decref(conds);
	return rc;
}

json_t *storecmd_get(struct cmd_ctx *ctx, const char *kind, const char *key, const char *what)
{
	struct store *st = cmd_store(ctx);
	if (!st)
		return NULL;
	json_t *obj = NULL;
	struct ucsh_err err;
	int rc = store_get(st, kind, key, &obj, &err);
	if (rc < 0) {
		storecmd_error(ctx, st, &err);
		return NULL;
	}
	if (rc == 0) {
		char hint[160];
		snprintf(hint, sizeof(hint), "Get-Command -Noun %s lists the cmdlets that show them",
			 kind);
		cmd_error(ctx, hint, "no %s '%s' was found", what, key);
		return NULL;
	}
	value_set_type(obj, kind);
	return obj;
}

static bool in_list(const char *name, const char *const *list)
{
	for (; list && *list; list++)
		if (str_ieq(*list, name))
			return true;
	return false;
}

json_t *storecmd_props(struct cmd_ctx *ctx, const char *kind, const char *const *skip)
{
	const struct store_kind *k = store_kind_find(kind);
	json_t *obj = json_object();
	const char *name;
	json_t *v;
	json_object_foreach(ctx->params, name, v) {
		const struct cmd_param *p = cmd_find_param(ctx->entry, name, NULL);
		if (!p || cmd_param_is_common(p) || in_list(name, skip))
			continue;
		const struct store_column *col = k ? store_column_find(k, name) : NULL;
		if (col)
			json_object_set(obj, col->name, v);
	}
	return obj;
}

static bool write_begin(struct cmd_ctx *ctx, struct store **st, const char *action,
			const char *target)
{
	if (!cmd_should_process(ctx, action, target))
		return false;
	*st = cmd_store(ctx);
	return *st != NULL;
}

int storecmd_insert(struct cmd_ctx *ctx, const char *kind, const char *key, json_t *obj,
		    const char *what)
{
	struct store *st;
	char action[80];
	struct ucsh_err err;
	snprintf(action, sizeof(action), "New %s", what);
	if (!write_begin(ctx, &st, action, key))
		return cmd_cancelled(ctx) ? -1 : 0;
	if (store_insert(st, kind, obj, &err))
		return storecmd_error(ctx, st, &err);
	json_t *stored = NULL;
	if (store_get(st, kind, key, &stored, &err) != 1)
		return cmd_fail(ctx, NULL, "%s '%s' was created but cannot be read back: %s", what, key,
				err.msg);
	int rc = storecmd_emit(ctx, kind, stored);
	json_decref(stored);
	return rc;
}

int storecmd_update(struct cmd_ctx *ctx, const char *kind, const char *key, json_t *changes,
		    const char *what, bool passthru)
{
	struct store *st;
	char action[80];
	struct ucsh_err err;
	snprintf(action, sizeof(action), "Set %s", what);
	if (!write_begin(ctx, &st, action, key))
		return cmd_cancelled(ctx) ? -1 : 0;
	int rc = store_update(st, kind, key, changes, &err);
	if (rc < 0)
		return storecmd_error(ctx, st, &err);
	if (rc == 0)
		return cmd_error(ctx, NULL, "no %s '%s' was found", what, key);
	if (!passthru)
		return 0;
	json_t *stored = NULL;
	const json_t *nkey = json_object_get(changes, store_kind_find(kind)->columns[0].name);
	if (store_get(st, kind, nkey ? json_string_value(nkey) : key, &stored, &err) != 1)
		return cmd_fail(ctx, NULL, "%s '%s' cannot be read back: %s", what, key, err.msg);
	rc = storecmd_emit(ctx, kind, stored);
	json_decref(stored);
	return rc;
}

int storecmd_delete(struct cmd_ctx *ctx, const char *kind, const char *key, const char *what)
{
	struct store *st;
	char action[80];
	struct ucsh_err err;
	snprintf(action, sizeof(action), "Remove %s", what);
	if (!write_begin(ctx, &st, action, key))
		return cmd_cancelled(ctx) ? -1 : 0;
	int rc = store_delete(st, kind, key, &err);
	if (rc < 0)
		return storecmd_error(ctx, st, &err);
	if (rc == 0)
		return cmd_error(ctx, NULL, "no %s '%s' was found", what, key);
	cmd_verbose(ctx, "removed %s '%s'", what, key);
	return 0;
}

/* The default store, opened only when its file exists. */
static struct store *open_existing_default(struct ucsh_err *err)
{
	const char *uri = store_default_uri();
	const char *path = str_iprefix("sqlite://", uri) ? uri + 9 : uri;
	if (!str_iprefix("postgresql://", uri) && access(path, F_OK) != 0)
		return NULL;
	return store_open(uri, err);
}

json_t *storecmd_complete_keys(struct shell *sh, const char *kind, const char *prop,
			       const char *prefix)
{
	json_t *out = json_array();
	struct ucsh_err err;
	struct store *own = sh ? NULL : open_existing_default(&err);
	struct store *st = sh ? shell_store(sh, &err) : own;
	if (!st)
		return out;
	/* prefix match: escape the wildcards the user may have typed */
	struct strbuf pat = STRBUF_INIT;
	for (const char *p = prefix; *p; p++) {
		if (strchr("*?[`", *p))
			sb_addc(&pat, '`');
		sb_addc(&pat, *p);
	}
	sb_addc(&pat, '*');
	json_t *filter = json_pack("[{s:s,s:s,s:s}]", "Property", prop, "Op", "like", "Value",
				   sb_str(&pat));
	struct store_query_opts opts = { .sort = prop, .limit = 200 };
	struct store_cursor *cur;
	json_t *obj;
	if (store_query(st, kind, filter, &opts, &cur, &err) == 0) {
		while (store_cursor_next(cur, &obj, &err) == 1) {
			json_t *v = json_object_get(obj, prop);
			if (json_is_string(v))
				json_array_append(out, v);
			json_decref(obj);
		}
		store_cursor_free(cur);
	}
	json_decref(filter);
	sb_free(&pat);
	store_close(own);
	return out;
}
