/*
 * phoneimport: Import-CsPhone, the bulk path into the inventory. A site
 * rollout arrives as a spreadsheet of a hundred thousand phones; the whole
 * estate, as an export of a million. So the file is streamed one record at
 * a time (csv.h), every row is checked as New-CsPhone checks a phone
 * (phone.h), a bad row is reported with its line and skipped, and rows are
 * written in large transactions: a commit writes out every index page the
 * batch touched, and random MAC keys touch most of them, so 50,000-row
 * batches run at the speed of the sqlite3 shell's .import where 10,000-row
 * ones take nearly twice as long (see store.h).
 *
 * Duplicates are found without asking the store row by row: a MAC seen
 * earlier in the file is caught by an in-memory set (with the line it was
 * on), one already in the store by the store's own duplicate error on
 * insert, which -Update turns into an update of that phone.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "csv.h"
#include "mac.h"
#include "phone.h"
#include "shell.h"
#include "storecmd.h"
#include "value.h"

#define DEFAULT_BATCH 50000
#define MAX_BATCH 1000000
#define MAX_MODEL_WARNINGS 20
#define PROGRESS_NS 200000000LL

/* ---- The MACs of the file so far, with their lines --------------------- */

struct macset {
	uint64_t *keys;   /* 0: empty slot (no device has MAC 0) */
	uint32_t *lines;
	size_t cap, n;
};

static size_t macset_home(uint64_t key, size_t cap)
{
	return (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 32) & (cap - 1);
}

/* The slot of key, or the empty slot where it would go. */
static size_t macset_slot(const struct macset *s, uint64_t key)
{
	size_t i = macset_home(key, s->cap);
	while (s->keys[i] && s->keys[i] != key)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void macset_grow(struct macset *s)
{
	struct macset bigger = { .cap = s->cap ? s->cap * 2 : 65536, .n = s->n };
	bigger.keys = xcalloc(bigger.cap, sizeof(*bigger.keys));
	bigger.lines = xcalloc(bigger.cap, sizeof(*bigger.lines));
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->keys[i])
			continue;
		size_t j = macset_slot(&bigger, s->keys[i]);
		bigger.keys[j] = s->keys[i];
		bigger.lines[j] = s->lines[i];
	}
	free(s->keys);
	free(s->lines);
	*s = bigger;
}

/* The line key was first seen on, or 0; records it on line when new. */
static unsigned long macset_add(struct macset *s, uint64_t key, unsigned long line)
{
	if (2 * (s->n + 1) > s->cap)
		macset_grow(s);
	size_t i = macset_slot(s, key);
	if (s->keys[i])
		return s->lines[i];
	s->keys[i] = key;
	s->lines[i] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
	s->n++;
	return 0;
}

static void macset_free(struct macset *s)
{
	free(s->keys);
	free(s->lines);
	memset(s, 0, sizeof(*s));
}

/* ---- One import --------------------------------------------------------- */

struct counts {
	long long imported, updated;
};

struct import {
	struct cmd_ctx *ctx;
	const char *path;
	struct store *st;
	struct phone_refs refs;
	struct macset seen;
	json_t *warned;          /* models already warned about */
	bool rename;             /* the header spells properties unlike the store */
	bool update, dry;
	bool open;               /* a batch's transaction is open */
	long long batch_size, in_batch;
	struct counts done, batch;
	long long failed, lines;
	unsigned long line, batch_line; /* the current row's line; the batch's first */
	/* progress, on a terminal only */
	bool tty;
	long long size;
	FILE *fp;
	struct timespec started, shown;
};

/* Report a bad row; -1 when the import must stop (-ErrorAction Stop). */
static int row_error(struct import *im, const char *hint, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int row_error(struct import *im, const char *hint, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	im->failed++;
	return cmd_error(im->ctx, hint && *hint ? hint : NULL, "%s line %lu: %s", im->path,
			 im->line, msg);
}

/* The header must name phone properties, MacAddress and Model among them.
 * 0, 1 when the file is refused (error written), -1 to stop. */
static int check_header(struct import *im, const json_t *header)
{
	const struct store_kind *k = store_kind_find("Phone");
	struct strbuf unknown = STRBUF_INIT, all = STRBUF_INIT;
	bool mac = false, model = false;
	size_t i, nunknown = 0;
	json_t *it;
	json_array_foreach(header, i, it) {
		const char *name = json_string_value(it);
		const struct store_column *c = store_column_find(k, name);
		if (!c) {
			sb_addf(&unknown, "%s'%.40s'", nunknown++ ? ", " : "", name);
			continue;
		}
		mac = mac || c == &k->columns[0];
		model = model || strcmp(c->name, "Model") == 0;
		im->rename = im->rename || strcmp(c->name, name) != 0;
	}
	sb_adds(&all, "the columns are phone properties: ");
	for (i = 0; i < k->ncolumns; i++)
		sb_addf(&all, "%s%s", i ? ", " : "", k->columns[i].name);
	int rc = 0;
	if (nunknown)
		rc = cmd_error(im->ctx, sb_str(&all), "%s: unknown column%s %s in the header",
			       im->path, nunknown > 1 ? "s" : "", sb_str(&unknown)) < 0 ? -1 : 1;
	else if (!mac || !model)
		rc = cmd_error(im->ctx, "the first line names the columns; MacAddress and Model "
			       "are required", "%s: the header has no %s column", im->path,
			       mac ? "Model" : "MacAddress") < 0 ? -1 : 1;
	sb_free(&unknown);
	sb_free(&all);
	return rc;
}

/* obj with its keys spelt as the store spells them. New reference. */
static json_t *canonical_keys(json_t *obj)
{
	const struct store_kind *k = store_kind_find("Phone");
	json_t *out = json_object(), *v;
	const char *key;
	json_object_foreach(obj, key, v)
		json_object_set(out, store_column_find(k, key)->name, v);
	return out;
}

/* Once per model, for the first few: an unknown model is no error. */
static void warn_generic(struct import *im, const json_t *obj)
{
	const char *model = json_string_value(json_object_get(obj, "Model"));
	size_t n = json_object_size(im->warned);
	if (json_object_get(im->warned, model) || n > MAX_MODEL_WARNINGS)
		return;
	json_object_set_new(im->warned, model, json_true());
	if (n == MAX_MODEL_WARNINGS)
		cmd_warning(im->ctx, "%s: more models that are not in the catalogue; no more "
			    "warnings about them", im->path);
	else
		cmd_warning(im->ctx, "%s line %lu: model '%s' is not in the catalogue (%s): its "
			    "phones are kept as generic devices", im->path, im->line, model,
			    PHONE_GENERIC_HINT);
}

/* ---- Batches ------------------------------------------------------------ */

static int batch_commit(struct import *im)
{
	struct ucsh_err err;
	if (!im->open)
		return 0;
	im->open = false;
	if (store_commit(im->st, &err) < 0)
		return cmd_fail(im->ctx, err.hint[0] ? err.hint : NULL,
				"%s: committing the rows from line %lu: %s", im->path,
				im->batch_line, err.msg);
	im->done.imported += im->batch.imported;
	im->done.updated += im->batch.updated;
	memset(&im->batch, 0, sizeof(im->batch));
	im->in_batch = 0;
	cmd_verbose(im->ctx, "%s: committed up to line %lu (%lld phones so far)", im->path,
		    im->line, im->done.imported + im->done.updated);
	return 0;
}

/* Undo the open batch after a stop; say what stays. */
static void batch_rollback(struct import *im)
{
	struct ucsh_err err;
	struct shell *sh = im->ctx->shell;
	const char *why = sh->cancel && *sh->cancel ? "cancelled" : "stopped";
	long long kept = im->done.imported + im->done.updated;
	if (im->open)
		store_rollback(im->st, &err);
	im->open = false;
	if (im->in_batch > 0)
		cmd_warning(im->ctx, "%s: import %s at line %lu: the %lld row%s written since line "
			    "%lu %s rolled back; the %lld phones committed before stay", im->path,
			    why, im->line, im->in_batch, im->in_batch == 1 ? "" : "s",
			    im->batch_line, im->in_batch == 1 ? "was" : "were", kept);
	else if (kept > 0)
		cmd_warning(im->ctx, "%s: import %s at line %lu; the %lld phones committed "
			    "before stay", im->path, why, im->line, kept);
	im->in_batch = 0;
	memset(&im->batch, 0, sizeof(im->batch));
}

/* ---- Rows --------------------------------------------------------------- */

/* Insert obj, or with -Update update the phone that has its MAC. */
static int write_row(struct import *im, json_t *obj, const char *mac)
{
	struct ucsh_err err;
	if (!im->open) {
		if (store_begin(im->st, &err) < 0) {
			storecmd_error(im->ctx, im->st, &err);
			return -1;
		}
		im->open = true;
		im->batch_line = im->line;
	}
	int rc = store_insert(im->st, "Phone", obj, &err);
	enum store_error e = store_last_error(im->st);
	if (rc < 0 && e == STORE_E_DUPLICATE && im->update) {
		rc = store_update(im->st, "Phone", mac, obj, &err);
		e = store_last_error(im->st);
		im->batch.updated += rc > 0;
	} else if (rc == 0) {
		im->batch.imported++;
	}
	if (rc >= 0) {
		im->in_batch++;
		return 0;
	}
	if (e == STORE_E_BUSY || e == STORE_E_IO)
		return cmd_fail(im->ctx, err.hint[0] ? err.hint : NULL, "%s line %lu: %s",
				im->path, im->line, err.msg);
	if (e == STORE_E_DUPLICATE)
		return row_error(im, "add -Update to update the phones that exist",
				 "phone %s is already in the store", mac);
	return row_error(im, err.hint, "%s", err.msg);
}

/* What -WhatIf counts in place of writing. */
static int dry_row(struct import *im, const char *mac)
{
	struct ucsh_err err;
	json_t *old = NULL;
	int rc = store_get(im->st, "Phone", mac, &old, &err);
	json_decref(old);
	if (rc < 0)
		return cmd_fail(im->ctx, NULL, "%s line %lu: %s", im->path, im->line, err.msg);
	if (rc == 1 && !im->update)
		return row_error(im, "add -Update to update the phones that exist",
				 "phone %s is already in the store", mac);
	im->done.updated += rc;
	im->done.imported += !rc;
	return 0;
}

/* Check, then write one row. 0, or -1 to stop. */
static int import_row(struct import *im, json_t *obj)
{
	struct ucsh_err err;
	bool generic;
	uint8_t bytes[MAC_LEN];
	if (phone_normalize(&im->refs, obj, true, &generic, &err) < 0)
		return row_error(im, err.hint, "%s", err.msg);
	const char *mac = json_string_value(json_object_get(obj, "MacAddress"));
	if (!mac || !json_string_value(json_object_get(obj, "Model")))
		return row_error(im, "every row needs a MacAddress and a Model",
				 "no %s", mac ? "Model" : "MacAddress");
	if (generic)
		warn_generic(im, obj);
	mac_parse(mac, bytes, &err);
	unsigned long first = macset_add(&im->seen, mac_to_u64(bytes), im->line);
	if (first)
		return row_error(im, "each phone may appear once in a file",
				 "phone %s is already on line %lu", mac, first);
	int rc = im->dry ? dry_row(im, mac) : write_row(im, obj, mac);
	if (rc == 0 && im->in_batch >= im->batch_size)
		rc = batch_commit(im);
	return rc;
}

/* ---- Progress ------------------------------------------------------------ */

static long long elapsed_ns(const struct timespec *from, const struct timespec *to)
{
	return (to->tv_sec - from->tv_sec) * 1000000000LL + (to->tv_nsec - from->tv_nsec);
}

/* A line on the terminal, rewritten in place at most five times a second. */
static void progress(struct import *im, bool last)
{
	struct timespec now;
	FILE *err = im->ctx->shell->err;
	if (!im->tty)
		return;
	if (last) {
		fputs("\r\033[K", err);
		fflush(err);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (elapsed_ns(&im->shown, &now) < PROGRESS_NS)
		return;
	im->shown = now;
	long pos = ftell(im->fp);
	double secs = elapsed_ns(&im->started, &now) / 1e9;
	fprintf(err, "\r\033[KImport-CsPhone %s: %3d%%  %lld rows  %lld failed  %.0f rows/s",
		im->path, im->size > 0 && pos > 0 ? (int)(pos * 100 / im->size) : 0, im->lines,
		im->failed, secs > 0 ? im->lines / secs : 0.0);
	fflush(err);
}

/* ---- The file ------------------------------------------------------------ */

static void import_free(struct import *im)
{
	phone_refs_free(&im->refs);
	macset_free(&im->seen);
	json_decref(im->warned);
}

/* The rows of the table: 0 at the end, 1 when the file was refused (its
 * header), -1 when the import stopped. */
static int import_rows(struct import *im, struct csv_table *t)
{
	struct ucsh_err err;
	json_t *obj;
	int rc, status = 0;
	while (status == 0 && (rc = csv_table_next(t, &obj, &err)) == 1) {
		im->line = csv_table_line(t);
		if (++im->lines == 1 && (status = check_header(im, csv_table_header(t))) != 0) {
			json_decref(obj);
			return status;
		}
		if (im->rename) {
			json_t *renamed = canonical_keys(obj);
			json_decref(obj);
			obj = renamed;
		}
		status = import_row(im, obj);
		json_decref(obj);
		if (status == 0 && cmd_cancelled(im->ctx))
			status = -1;
		if ((im->lines & 1023) == 0)
			progress(im, false);
	}
	if (status == 0 && rc < 0) /* the file is malformed here: nothing after it can be read */
		status = cmd_error(im->ctx, err.hint[0] ? err.hint : NULL, "%s: %s", im->path,
				   err.msg);
	if (status == 0 && im->lines == 0 && csv_table_header(t))
		status = check_header(im, csv_table_header(t));
	return status;
}

static json_t *summary(const struct import *im)
{
	json_t *o = value_object_new("PhoneImportResult");
	json_object_set_new(o, "Imported", json_integer(im->done.imported));
	json_object_set_new(o, "Updated", json_integer(im->done.updated));
	json_object_set_new(o, "Failed", json_integer(im->failed));
	json_object_set_new(o, "Lines", json_integer(im->lines));
	json_object_set_new(o, "Path", json_string(im->path));
	return o;
}

/* The -WhatIf line: what the import would have done. */
static void whatif_line(struct import *im)
{
	char action[160];
	snprintf(action, sizeof(action), "Import %lld new phones and update %lld (%lld rows "
		 "with errors)", im->done.imported, im->done.updated, im->failed);
	cmd_should_process(im->ctx, action, im->path);
}

/* Every path ends with the batch committed or rolled back. */
static int import_stream(struct import *im, FILE *fp, char delim)
{
	struct csv_table *t = csv_table_new(fp, delim, NULL);
	clock_gettime(CLOCK_MONOTONIC, &im->started);
	int rc = import_rows(im, t);
	csv_table_free(t);
	progress(im, true);
	if (rc < 0 && !im->dry)
		batch_rollback(im);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	if (im->dry) {
		whatif_line(im);
		return 0;
	}
	if (batch_commit(im) < 0)
		return -1;
	return cmd_emit(im->ctx, summary(im));
}

static int import_file(struct cmd_ctx *ctx, const char *path, char delim)
{
	struct import im = { .ctx = ctx, .path = path, .update = cmd_arg_bool(ctx, "Update"),
			     .dry = ctx->whatif, .warned = json_object(),
			     .batch_size = cmd_arg_int(ctx, "BatchSize", DEFAULT_BATCH) };
	struct ucsh_err err;
	struct stat sb;
	int rc;
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		json_decref(im.warned);
		return cmd_error(ctx, NULL, "cannot open %s: %s", path, strerror(errno));
	}
	im.fp = fp;
	im.size = fstat(fileno(fp), &sb) == 0 ? sb.st_size : 0;
	im.tty = isatty(fileno(ctx->shell->err));
	if (S_ISDIR(sb.st_mode))
		rc = cmd_error(ctx, NULL, "%s is a directory", path);
	else if (!im.dry && !cmd_should_process(ctx, "Import phones", path))
		rc = cmd_cancelled(ctx) ? -1 : 0;
	else if (!(im.st = cmd_store(ctx)))
		rc = -1;
	else if (phone_refs_load(im.st, &im.refs, &err) < 0)
		rc = cmd_fail(ctx, NULL, "%s", err.msg);
	else
		rc = import_stream(&im, fp, delim);
	fclose(fp);
	import_free(&im);
	return rc;
}

static int import_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *paths = cmd_arg(ctx, "Path");
	const char *d = cmd_arg_str(ctx, "Delimiter");
	long long batch = cmd_arg_int(ctx, "BatchSize", DEFAULT_BATCH);
	if (d && (strlen(d) != 1 || (unsigned char)d[0] >= 0x80 || strchr("\"\r\n", d[0])))
		return cmd_fail(ctx, "e.g. -Delimiter ';'", "-Delimiter must be one ASCII "
				"character other than a quote or a line end, not '%s'", d);
	if (batch < 1 || batch > MAX_BATCH)
		return cmd_fail(ctx, "the default, 50000, is fastest for large files",
				"-BatchSize must be between 1 and %d, not %lld", MAX_BATCH, batch);
	for (size_t i = 0; i < value_count(paths); i++)
		if (import_file(ctx, json_string_value(value_item(paths, i)), d ? d[0] : ',') < 0)
			return -1;
	return 0;
}

static const struct cmd_param import_params[] = {
	{ .name = "Path", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_ARRAY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .aliases = (const char *const[]){ "FullName", NULL },
	  .help = "The CSV files to read, one after another. The first line names the "
		  "columns: phone properties (MacAddress and Model required; any of "
		  "SerialNumber, Brand, Revision, Locale, Site, Owner, FirmwareVersion, "
		  "IPAddress, UserAgent, LastSeen, LastRegistered, Status). An empty field "
		  "leaves that property unset." },
	{ .name = "Update", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "A phone that is already in the store is updated with the file's values "
		  "(the columns of the file only) instead of being reported as a duplicate." },
	{ .name = "BatchSize", .type = PT_INT, .position = POS_NAMED,
	  .help = "How many rows each transaction writes (default 50000, at most 1000000). "
		  "Smaller batches lose less to a stop and make imports slower." },
	{ .name = "Delimiter", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The character between fields (default a comma)." },
	{ 0 },
};

const struct cmd_entry cmd_import_csphone_entry = {
	.name = "Import-CsPhone",
	.synopsis = "Adds the phones listed in CSV files to the inventory, fast.",
	.description =
		"Reads each file one record at a time, so a file of any size fits in memory, "
		"and checks every row as New-CsPhone checks a phone: the MAC address (any "
		"common spelling), IP address, firmware version, site and owner. A model that "
		"is not in the catalogue makes a generic device, with one warning per model. "
		"Sites and owners that rows name must exist already. A bad row, a MAC that "
		"appears twice in the file, or a phone already in the store (unless -Update) "
		"is an error naming the file and the line, and the import goes on with the next "
		"row. At the end it writes one PhoneImportResult per file: Imported, Updated, "
		"Failed, and Lines (the data rows read). With -WhatIf every row is checked, "
		"nothing is written, and one line says what the import would do.\n\n"
		"Rows are written in batches of -BatchSize, one transaction each, so an import "
		"that is stopped (-ErrorAction Stop at the first bad row, Ctrl-C, a killed "
		"process) rolls back only the batch it was in: the batches committed before "
		"stay in the store. Running the same import again with -Update completes it. "
		"On a terminal, a progress line shows how far it has got.\n\n"
		"The file Get-CsPhone | Export-Csv writes reads back unchanged.\n\n"
		"Lync Server has no such cmdlet: Import-CsPhone is a ucsh addition.",
	.params = import_params,
	.examples = (const struct cmd_example[]){
		{ "Import-CsPhone -Path phones.csv",
		  "Adds the phones of phones.csv (columns MacAddress, Model and any other "
		  "phone properties)." },
		{ "Import-CsPhone phones.csv -Update -ErrorAction Stop",
		  "Adds new phones and updates existing ones; the first bad row stops the "
		  "import and rolls back its batch." },
		{ "Get-CsPhone | Export-Csv backup.csv; Import-CsPhone backup.csv -Update",
		  "Saves the inventory and restores it." },
		{ "Import-CsPhone big.csv -WhatIf",
		  "Checks every row and says how many phones would be added, changing nothing." },
		{ 0 } },
	.outputs = "PhoneImportResult",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_LOCAL_FILES,
	.process = import_process,
};
