/*
 * deviceupdate: Import-CsDeviceUpdate, the device update rule cmdlets (Get,
 * Approve, Reset, Restore, Remove) and Get-CsDeviceUpdateLog, as Lync has
 * them. Import checks a package and writes its images into the image store
 * (devupdate_pkg.h); the rule cmdlets move a rule's versions
 * (devupdate_rule.h). Everything a phone is then offered comes from these
 * rows: ucshd's web service only reads them.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cab.h"
#include "cmds.h"
#include "devupdate_pkg.h"
#include "devupdate_rule.h"
#include "mac.h"
#include "shell.h"
#include "storecmd.h"
#include "value.h"

/* ---- The web service ---------------------------------------------------- */

/* The pool a web service identity names: "WebServer:pool01.contoso.com" or
 * "service:WebServer:pool01.contoso.com". NULL when it names none. */
static const char *pool_of_service(const char *identity)
{
	if (str_iprefix("service:", identity))
		identity += 8;
	return str_iprefix("WebServer:", identity) && identity[10] ? identity + 10 : NULL;
}

/* The pool named like this host ($UCSH_POOL_FQDN, else the host name), else
 * the only pool: as ucshd chooses the pool it serves. */
static json_t *local_pool(struct cmd_ctx *ctx, struct store *st, struct ucsh_err *err)
{
	const char *env = getenv("UCSH_POOL_FQDN");
	char host[HOST_NAME_MAX + 1] = "";
	json_t *pool = NULL, *obj;
	if (env && *env)
		snprintf(host, sizeof(host), "%s", env);
	else if (gethostname(host, sizeof(host) - 1) != 0)
		host[0] = '\0';
	if (host[0] && store_get(st, "Pool", host, &pool, err) != 0)
		return pool;
	struct store_query_opts opts = { .limit = 2 };
	struct store_cursor *cur;
	int n = 0;
	if (store_query(st, "Pool", NULL, &opts, &cur, err) < 0)
		return NULL;
	while (store_cursor_next(cur, &obj, err) == 1) {
		json_decref(pool);
		pool = obj;
		n++;
	}
	store_cursor_free(cur);
	if (n == 1)
		return pool;
	json_decref(pool);
	err_set(err, n ? "there are several pools and none is named like this host"
		       : "there is no pool");
	err_hint(err, "give -Identity WebServer:<pool FQDN>");
	return NULL;
}

/* The FQDN of the pool whose web service -Identity names (or the local
 * one), as stored. Caller frees; NULL after an error. */
static char *web_service_pool(struct cmd_ctx *ctx)
{
	struct store *st = cmd_store(ctx);
	const char *id = cmd_arg_str(ctx, "Identity");
	struct ucsh_err err;
	json_t *pool = NULL;
	err_clear(&err);
	if (!st)
		return NULL;
	if (id) {
		const char *fqdn = pool_of_service(id);
		if (!fqdn) {
			cmd_error(ctx, "e.g. -Identity WebServer:pool01.contoso.com",
				  "-Identity '%s' does not name a web service", id);
			return NULL;
		}
		int rc = store_get(st, "Pool", fqdn, &pool, &err);
		if (rc == 0)
			cmd_error(ctx, "Get-CsPool lists the pools", "there is no pool '%s'", fqdn);
		else if (rc < 0)
			storecmd_error(ctx, st, &err);
	} else if (!(pool = local_pool(ctx, st, &err))) {
		storecmd_error(ctx, st, &err);
	}
	char *fqdn = pool ? xstrdup(json_string_value(json_object_get(pool, "Identity"))) : NULL;
	json_decref(pool);
	return fqdn;
}

/* ---- Import-CsDeviceUpdate ---------------------------------------------- */

struct import {
	char *pool;
	char *images_dir;
	int lock_fd;
	char *download;        /* the temporary file of -Uri */
	struct cab *cab;
	struct pkg *pkg;
};

static void import_done(struct import *im)
{
	if (im->download)
		unlink(im->download);
	pkg_unlock(im->lock_fd);
	cab_close(im->cab);
	pkg_free(im->pkg);
	free(im->download);
	free(im->images_dir);
	free(im->pool);
}

static int limit_arg(struct cmd_ctx *ctx, const char *name, long long dflt, uint64_t *out)
{
	long long v = cmd_arg_int(ctx, name, dflt);
	if (v <= 0)
		return cmd_error(ctx, NULL, "-%s must be a positive number, not %lld", name, v), -1;
	*out = (uint64_t)v;
	return 0;
}

static int import_limits(struct cmd_ctx *ctx, struct pkg_limits *lim)
{
	uint64_t files;
	if (limit_arg(ctx, "MaxFileSize", (long long)PKG_DEFAULT_MAX_FILE_SIZE, &lim->max_file_size) ||
	    limit_arg(ctx, "MaxPackageSize", (long long)PKG_DEFAULT_MAX_PACKAGE_SIZE,
		      &lim->max_package_size) ||
	    limit_arg(ctx, "MaxFileCount", PKG_DEFAULT_MAX_FILES, &files))
		return -1;
	lim->max_files = (size_t)files;
	return 0;
}

/* The image store's folder, locked, with what earlier imports left cleaned. */
static int open_image_store(struct cmd_ctx *ctx, struct import *im)
{
	struct store *st = cmd_store(ctx);
	struct ucsh_err err;
	size_t removed = 0;
	if (!st)
		return -1;
	char *dir = store_dir(store_uri(st));
	im->images_dir = pkg_images_dir(dir, &err);
	free(dir);
	if (!im->images_dir || (im->lock_fd = pkg_lock(im->images_dir, &err)) < 0 ||
	    pkg_cleanup(im->images_dir, &removed, &err) < 0)
		return cmd_error_err(ctx, &err), -1;
	if (removed)
		cmd_verbose(ctx, "removed %zu temporary files an interrupted import left", removed);
	return 0;
}

static bool ctx_cancelled(void *arg)
{
	return cmd_cancelled(arg);
}

static int open_package(struct cmd_ctx *ctx, struct import *im, const char *shown)
{
	const char *path = im->download ? im->download : cmd_arg_str(ctx, "FileName");
	struct pkg_limits lim;
	struct ucsh_err err;
	err_clear(&err);
	if (import_limits(ctx, &lim) < 0)
		return -1;
	if (cab_open_path(path, &im->cab, &err) < 0 || pkg_plan(im->cab, &lim, &im->pkg, &err) < 0)
		return cmd_error(ctx, err.hint[0] ? err.hint : NULL, "%s: %s", shown, err.msg), -1;
	for (size_t i = 0; i < im->pkg->nimages; i++)
		cmd_verbose(ctx, "%s holds the image %s (%zu files)", shown,
			    im->pkg->images[i].identity, im->pkg->images[i].nfiles);
	return 0;
}

static int install(struct cmd_ctx *ctx, struct import *im)
{
	struct ucsh_err err;
	json_t *rules = NULL, *rule;
	size_t i;
	err_clear(&err);
	if (pkg_install(cmd_store(ctx), im->cab, im->pkg, im->images_dir, im->pool, &rules, &err))
		return storecmd_error(ctx, cmd_store(ctx), &err);
	if (json_array_size(rules) == 0)
		cmd_warning(ctx, "every image of the package was already pending or approved");
	json_array_foreach(rules, i, rule)
		if (storecmd_emit(ctx, "DeviceUpdateRule", rule) < 0)
			break;
	json_decref(rules);
	return cmd_cancelled(ctx) ? -1 : 0;
}

static int import_steps(struct cmd_ctx *ctx, struct import *im)
{
	const char *file = cmd_arg_str(ctx, "FileName"), *uri = cmd_arg_str(ctx, "Uri");
	const char *sha = cmd_arg_str(ctx, "Sha256");
	char action[160];
	struct ucsh_err err;
	if (!file == !uri)
		return cmd_error(ctx, "e.g. -FileName ucupdates.cab", "give either -FileName or -Uri");
	if (uri && !sha)
		return cmd_error(ctx, "sha256sum prints it", "-Uri needs -Sha256, the package's digest");
	if (file && sha)
		return cmd_error(ctx, NULL, "-Sha256 goes with -Uri");
	if (!(im->pool = web_service_pool(ctx)))
		return -1;
	char *target = devupdate_service_identity(im->pool);
	if (file && open_package(ctx, im, file) < 0) {
		free(target);
		return -1;
	}
	if (file)
		snprintf(action, sizeof(action), "Import %zu device update image%s from %.100s",
			 im->pkg->nimages, im->pkg->nimages == 1 ? "" : "s", file);
	else
		snprintf(action, sizeof(action), "Download and import the package %.120s", uri);
	bool go = cmd_should_process(ctx, action, target);
	free(target);
	if (!go || open_image_store(ctx, im) < 0)
		return 0;
	if (uri) {
		uint64_t max;
		err_clear(&err);
		if (limit_arg(ctx, "MaxPackageSize", (long long)PKG_DEFAULT_MAX_PACKAGE_SIZE, &max) ||
		    pkg_download(uri, sha, im->images_dir, max, cmd_arg_str(ctx, "CaFile"),
				 ctx_cancelled, ctx, &im->download, &err) < 0)
			return err.msg[0] ? cmd_error_err(ctx, &err) : -1;
		if (open_package(ctx, im, uri) < 0)
			return -1;
	}
	return install(ctx, im);
}

static int import_process(struct cmd_ctx *ctx, json_t *input)
{
	struct import im = { .lock_fd = -1 };
	int rc = import_steps(ctx, &im);
	import_done(&im);
	return rc < 0 && cmd_cancelled(ctx) ? -1 : 0;
}

/* ---- The rules ---------------------------------------------------------- */

/* A rule identity as the user may type it: "WebServer:pool/guid" gains its
 * "service:" prefix. Caller frees. */
static char *rule_key(const char *identity)
{
	if (str_iprefix("WebServer:", identity))
		return xasprintf("service:%s", identity);
	return xstrdup(identity);
}

static json_t *rule_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "DeviceUpdateRule", "Identity", prefix);
}

static int get_rule_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	char *key = id ? rule_key(id) : NULL;
	int rc;
	if (key && !strchr(key, '/') && !wildcard_has_meta(key)) {
		/* a web service: its rules */
		char *pattern = xasprintf("%s/*", key);
		rc = storecmd_query_like(ctx, "DeviceUpdateRule", "Identity", pattern, NULL, NULL,
					 cmd_arg(ctx, "Filter"));
		free(pattern);
	} else if (key && !wildcard_has_meta(key)) {
		json_t *rule = storecmd_get(ctx, "DeviceUpdateRule", key, "device update rule");
		rc = rule ? storecmd_emit(ctx, "DeviceUpdateRule", rule) : 0;
		json_decref(rule);
	} else {
		rc = storecmd_query_identity(ctx, "DeviceUpdateRule", key, cmd_arg(ctx, "Filter"));
	}
	free(key);
	return rc;
}

/* Approve, Reset or Restore one rule: read it and write its new versions
 * in one transaction, so that an import running meanwhile is not lost. */
static int move_versions(struct cmd_ctx *ctx, enum devupdate_action action, const char *verb)
{
	char *key = rule_key(cmd_arg_str(ctx, "Identity"));
	struct store *st = NULL;
	json_t *rule = NULL, *changes = NULL;
	struct ucsh_err err;
	int rc = 0;
	err_clear(&err);
	if (!cmd_should_process(ctx, verb, key) || !(st = cmd_store(ctx)))
		goto out;
	if (store_begin(st, &err) < 0) {
		rc = storecmd_error(ctx, st, &err);
		goto out;
	}
	int found = store_get(st, "DeviceUpdateRule", key, &rule, &err);
	if (found == 0)
		rc = cmd_error(ctx, "Get-CsDeviceUpdateRule lists them",
			       "no device update rule '%s' was found", key);
	else if (found < 0 || devupdate_rule_transition(rule, action, &changes, &err) < 0 ||
		 (json_object_size(changes) &&
		  store_update(st, "DeviceUpdateRule", key, changes, &err) < 0) ||
		 store_commit(st, &err) < 0)
		rc = storecmd_error(ctx, st, &err);
	if (store_transaction_depth(st) > 0)
		store_rollback(st, &err);
	if (rc == 0 && changes && json_object_size(changes) == 0)
		cmd_warning(ctx, "the device update rule '%s' has no PendingVersion to reset", key);
	if (rc == 0 && changes && cmd_arg_bool(ctx, "PassThru")) {
		json_decref(rule);
		rule = NULL;
		if (store_get(st, "DeviceUpdateRule", key, &rule, &err) == 1)
			rc = storecmd_emit(ctx, "DeviceUpdateRule", rule);
	}
out:
	json_decref(changes);
	json_decref(rule);
	free(key);
	return rc < 0 || cmd_cancelled(ctx) ? -1 : 0;
}

static int approve_rule_process(struct cmd_ctx *ctx, json_t *input)
{
	return move_versions(ctx, DEVUPDATE_APPROVE, "Approve device update rule");
}

static int reset_rule_process(struct cmd_ctx *ctx, json_t *input)
{
	return move_versions(ctx, DEVUPDATE_RESET, "Reset device update rule");
}

static int restore_rule_process(struct cmd_ctx *ctx, json_t *input)
{
	return move_versions(ctx, DEVUPDATE_RESTORE, "Restore device update rule");
}

static int remove_rule_process(struct cmd_ctx *ctx, json_t *input)
{
	char *key = rule_key(cmd_arg_str(ctx, "Identity"));
	int rc = storecmd_delete(ctx, "DeviceUpdateRule", key, "device update rule");
	free(key);
	return rc;
}

/* ---- Get-CsDeviceUpdateLog ---------------------------------------------- */

static int add_time_cond(struct cmd_ctx *ctx, json_t *conds, const char *param, const char *op)
{
	const char *s = cmd_arg_str(ctx, param);
	char ts[STORE_TIMESTAMP_LEN];
	time_t t;
	if (!s)
		return 0;
	if (store_timestamp_parse(s, &t) < 0)
		return cmd_error(ctx, "e.g. 2026-11-26T10:00:00Z", "-%s '%.80s' is not a time", param,
				 s), -1;
	store_timestamp(t, ts);
	json_array_append_new(conds, json_pack("{s:s,s:s,s:s}", "Property", "Received", "Op", op,
					       "Value", ts));
	return 0;
}

static int get_log_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *mac = cmd_arg_str(ctx, "MacAddress"), *id = cmd_arg_str(ctx, "Identity");
	json_t *conds = json_array();
	struct store_query_opts opts = { .sort = "Received" };
	struct ucsh_err err;
	char canon[MAC_STR_LEN];
	int rc = 0;
	if (mac && mac_canonical(mac, canon, &err) < 0)
		rc = cmd_error(ctx, err.hint, "-MacAddress: %s", err.msg);
	else if (mac)
		json_array_append_new(conds, json_pack("{s:s,s:s,s:s}", "Property", "MacAddress", "Op",
						       "eq", "Value", canon));
	if (rc == 0 && (add_time_cond(ctx, conds, "Since", "ge") < 0 ||
			add_time_cond(ctx, conds, "Until", "le") < 0))
		rc = -1;
	if (rc == 0 && id)
		rc = storecmd_query_like(ctx, "DeviceUpdateLog", "Identity", id, conds, &opts,
					 cmd_arg(ctx, "Filter"));
	else if (rc == 0)
		rc = storecmd_query(ctx, "DeviceUpdateLog", json_array_size(conds) ? conds : NULL,
				    &opts, cmd_arg(ctx, "Filter"));
	json_decref(conds);
	return rc < 0 && cmd_cancelled(ctx) ? -1 : 0;
}

/* ---- Entries ------------------------------------------------------------ */

#define RULE_IDENTITY(flags_, help_) { .name = "Identity", .type = PT_STRING, .position = 0, \
	.flags = flags_, .complete = rule_complete, .help = help_ }
#define PASSTHRU { .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED, \
	.help = "Writes the changed rule down the pipeline." }

static const struct cmd_param import_params[] = {
	{ .name = "FileName", .type = PT_STRING, .position = 0, .flags = PF_PIPE_PROP,
	  .help = "The package: a .cab file whose files sit under UCPhone\\<Brand>\\<Model>\\"
		  "<Revision>\\<Locale>\\<Version>\\." },
	{ .name = "Uri", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Instead of -FileName: an https:// URL to download the package from, with "
		  "-Sha256. The download goes to a temporary file in the image store and is "
		  "checked before it is read." },
	{ .name = "Sha256", .type = PT_STRING, .position = POS_NAMED,
	  .help = "With -Uri: the package's SHA-256, 64 hex digits (as sha256sum prints it)." },
	{ .name = "CaFile", .type = PT_STRING, .position = POS_NAMED,
	  .help = "With -Uri: a PEM file of the certificate authorities to trust for the "
		  "download server, instead of the system's." },
	{ .name = "Identity", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The web service whose rules get the images: WebServer:<pool FQDN>. By "
		  "default the pool named like this host ($UCSH_POOL_FQDN), else the only pool." },
	{ .name = "MaxFileSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "The largest file a package may hold, in bytes (512mb by default)." },
	{ .name = "MaxPackageSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "The most bytes a package's files may add up to, and a download may be "
		  "(2gb by default)." },
	{ .name = "MaxFileCount", .type = PT_INT, .position = POS_NAMED,
	  .help = "The most files a package may hold (4096 by default)." },
	{ 0 },
};

static const struct cmd_param get_rule_params[] = {
	RULE_IDENTITY(PF_PIPE_VALUE | PF_PIPE_PROP,
		      "The rule, service:WebServer:<pool FQDN>/<GUID>; a web service "
		      "(service:WebServer:<pool FQDN>) lists its rules; wildcards list several."),
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.Model -eq 'CX600' }; a string is a wildcard on "
		  "the identity." },
	{ 0 },
};

static const struct cmd_param change_rule_params[] = {
	RULE_IDENTITY(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP,
		      "The rule, service:WebServer:<pool FQDN>/<GUID>."),
	PASSTHRU,
	{ 0 },
};

static const struct cmd_param remove_rule_params[] = {
	RULE_IDENTITY(PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP,
		      "The rule, service:WebServer:<pool FQDN>/<GUID>."),
	{ 0 },
};

static const struct cmd_param get_log_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_VALUE,
	  .help = "The log entry; wildcards list several." },
	{ .name = "MacAddress", .type = PT_STRING, .position = POS_NAMED, .flags = PF_PIPE_PROP,
	  .help = "Only the logs of this phone (any spelling of its MAC address)." },
	{ .name = "Since", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only logs received at or after this time (2026-11-26T10:00:00Z)." },
	{ .name = "Until", .type = PT_STRING, .position = POS_NAMED,
	  .help = "Only logs received at or before this time." },
	{ .name = "Filter", .type = PT_SCRIPTBLOCK, .position = POS_NAMED,
	  .help = "A condition on $_, e.g. { $_.FileType -eq 'CELog' }." },
	{ 0 },
};

const struct cmd_entry cmd_import_csdeviceupdate_entry = {
	.name = "Import-CsDeviceUpdate",
	.synopsis = "Imports a firmware package and makes its images pending.",
	.description =
		"Reads a device update package (.cab) and copies each of its images, the files "
		"under one UCPhone\\<Brand>\\<Model>\\<Revision>\\<Locale>\\<Version>\\ folder, into "
		"the image store (the images folder beside the store), recording every file's size "
		"and SHA-256. Each image then becomes the PendingVersion of the device update rule "
		"for its brand, model, revision and locale on the web service, which is created "
		"when new: test devices get it at once, other phones once the rule is approved.\n\n"
		"The whole package is checked before anything is written: a file outside that "
		"layout, a name that climbs out (..) or is absolute, holds a control character or "
		"anything but A-Z a-z 0-9 . _ + ~ -, a version that is not dotted numbers, a file "
		"over -MaxFileSize, more than -MaxFileCount files or more than -MaxPackageSize bytes "
		"is refused, naming the entry. An image imported before is not written again when "
		"its files are the same, and refused when they differ. Files are written to "
		"temporary names and renamed; the images and rules are recorded only after every "
		"file is in place, so an import that is interrupted leaves no rule naming a "
		"missing image (the next import removes its temporary files).\n\n"
		"With -Uri the package is downloaded over HTTPS and must match -Sha256.",
	.params = import_params,
	.examples = (const struct cmd_example[]){
		{ "Import-CsDeviceUpdate -FileName ucupdates.cab",
		  "Imports a package for the local pool's web service and shows the rules it "
		  "created or changed." },
		{ "Import-CsDeviceUpdate -Uri https://files.contoso.com/ucupdates.cab -Sha256 "
		  "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
		  "Downloads a package and imports it if its digest matches." },
		{ "Import-CsDeviceUpdate ucupdates.cab -Identity WebServer:pool01.contoso.com -WhatIf",
		  "Checks a package and says what it would import, changing nothing." },
		{ 0 } },
	.outputs = "DeviceUpdateRule",
	.notes = "UCSH_TEST_IMPORT_KILL_AT is a test hook (the import kills itself at that "
		 "step); never set it otherwise.",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = import_process,
};

const struct cmd_entry cmd_get_csdeviceupdaterule_entry = {
	.name = "Get-CsDeviceUpdateRule",
	.synopsis = "Lists the device update rules.",
	.description = "Writes one DeviceUpdateRule per rule: the kind of device it is for "
		       "(UpdateType, Brand, Model, Revision, Locale) and its ApprovedVersion "
		       "(what phones get), PendingVersion (what test devices get) and "
		       "RestoreVersion (the approved version before the last approval).",
	.params = get_rule_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateRule", "Lists every rule." },
		{ "Get-CsDeviceUpdateRule -Identity service:WebServer:pool01.contoso.com",
		  "Lists the rules of one web service." },
		{ "Get-CsDeviceUpdateRule -Filter { $_.PendingVersion } | Approve-CsDeviceUpdateRule",
		  "Approves every rule that has a pending version." },
		{ 0 } },
	.outputs = "DeviceUpdateRule",
	.role = ROLE_VIEW_ONLY,
	.process = get_rule_process,
};

const struct cmd_entry cmd_approve_csdeviceupdaterule_entry = {
	.name = "Approve-CsDeviceUpdateRule",
	.synopsis = "Gives a rule's pending version to every phone.",
	.description = "The PendingVersion becomes the ApprovedVersion, which every phone of the "
		       "rule's kind is offered; the approved version it replaces becomes the "
		       "RestoreVersion, so that Restore-CsDeviceUpdateRule can go back. A rule "
		       "with no PendingVersion is an error.",
	.params = change_rule_params,
	.examples = (const struct cmd_example[]){
		{ "Approve-CsDeviceUpdateRule -Identity service:WebServer:pool01.contoso.com/"
		  "d5ad5ad9-3d88-4a5c-9f0e-67b1a1f3c2e4", "Approves one rule." },
		{ "Get-CsDeviceUpdateRule -Filter { $_.Model -eq 'CX600' } | Approve-CsDeviceUpdateRule",
		  "Approves the pending version of every CX600 rule." },
		{ 0 } },
	.outputs = "DeviceUpdateRule (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = approve_rule_process,
};

const struct cmd_entry cmd_reset_csdeviceupdaterule_entry = {
	.name = "Reset-CsDeviceUpdateRule",
	.synopsis = "Drops a rule's pending version.",
	.description = "Test devices go back to the ApprovedVersion. The image stays in the "
		       "image store; importing the package again makes it pending again.",
	.params = change_rule_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateRule | Reset-CsDeviceUpdateRule",
		  "Drops every pending version." },
		{ 0 } },
	.outputs = "DeviceUpdateRule (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = reset_rule_process,
};

const struct cmd_entry cmd_restore_csdeviceupdaterule_entry = {
	.name = "Restore-CsDeviceUpdateRule",
	.synopsis = "Goes back to the approved version before the last approval.",
	.description = "The RestoreVersion becomes the ApprovedVersion again, and the rule has "
		       "no RestoreVersion until the next approval. The pending version, if any, "
		       "stays. A rule with no RestoreVersion is an error.",
	.params = change_rule_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateRule -Filter { $_.Model -eq 'CX600' } | Restore-CsDeviceUpdateRule",
		  "Takes the CX600 phones back to their previous firmware." },
		{ 0 } },
	.outputs = "DeviceUpdateRule (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = restore_rule_process,
};

const struct cmd_entry cmd_remove_csdeviceupdaterule_entry = {
	.name = "Remove-CsDeviceUpdateRule",
	.synopsis = "Removes a device update rule.",
	.description = "Deletes the rule, and any staged rollout of it: phones of its kind are "
		       "no longer offered updates. The images stay in the image store, and "
		       "importing a package for that kind of device creates a new rule.",
	.params = remove_rule_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateRule -Filter { $_.Brand -eq 'Aastra' } | Remove-CsDeviceUpdateRule -Force",
		  "Removes every Aastra rule without asking." },
		{ 0 } },
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = remove_rule_process,
};

const struct cmd_entry cmd_get_csdeviceupdatelog_entry = {
	.name = "Get-CsDeviceUpdateLog",
	.synopsis = "Lists the logs phones uploaded to the web service.",
	.description = "Writes one DeviceUpdateLog per uploaded file, oldest first: the phone's "
		       "MAC address, the file's name, type and size, when it was received and "
		       "where it is kept. -MacAddress, -Since and -Until narrow the list.",
	.params = get_log_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceUpdateLog -MacAddress 0004.f2ab.cdef", "Lists one phone's logs." },
		{ "Get-CsDeviceUpdateLog -Since 2026-11-25T00:00:00Z -Until 2026-11-26T00:00:00Z",
		  "Lists the logs of one day." },
		{ 0 } },
	.outputs = "DeviceUpdateLog",
	.role = ROLE_VIEW_ONLY,
	.process = get_log_process,
};
