/*
 * rollout: New-, Get-, Suspend-, Resume- and Stop-CsDeviceRollout, staged
 * rollouts of a device update rule's approved version (beyond Lync). The
 * waves, their gates and what the phones report are ucshd's work
 * (src/rollout.h); these cmdlets make, show and steer rollouts in the store,
 * so they work the same with ucshd running or stopped.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "cmds.h"
#include "devupdate_rule.h"
#include "shell.h"
#include "storecmd.h"
#include "value.h"

#define ALIASES(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *str_of(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static json_t *rollout_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "DeviceRollout", "Identity", prefix);
}

static json_t *rule_complete(struct shell *sh, const char *prefix)
{
	return storecmd_complete_keys(sh, "DeviceUpdateRule", "Identity", prefix);
}

/* ---- New-CsDeviceRollout ------------------------------------------------------ */

/* Waves: cumulative percentages, rising, above 0, ending at 100. 0, or -1
 * after writing the error. */
static int check_waves(struct cmd_ctx *ctx, const json_t *waves)
{
	size_t i;
	json_t *w;
	double last = 0;
	json_array_foreach(waves, i, w) {
		double p = json_number_value(w);
		if (!json_is_number(w) || p <= last || p > 100) {
			cmd_error(ctx, "give rising percentages of the fleet, e.g. -Waves 1,10,50,100",
				  "-Waves: %g does not rise above %g or is over 100", p, last);
			return -1;
		}
		last = p;
	}
	if (json_array_size(waves) == 0 || last != 100 || json_array_size(waves) > 20) {
		cmd_error(ctx, "the last wave is 100, so that every phone gets the version",
			  "-Waves must end at 100 and have at most 20 waves");
		return -1;
	}
	return 0;
}

/* Sites as stored ("Site:Berlin"), each checked to exist; NULL after an error. */
static json_t *rollout_sites(struct cmd_ctx *ctx)
{
	json_t *sites = json_array(), *given = cmd_arg(ctx, "Site");
	for (size_t i = 0; i < value_count(given); i++) {
		const char *s = json_string_value(value_item(given, i));
		char *key = str_iprefix("site:", s) ? xasprintf("Site:%s", s + 5)
						    : xasprintf("Site:%s", s);
		json_t *site = storecmd_get(ctx, "Site", key, "site");
		if (site)
			json_array_append_new(sites, json_string(key));
		json_decref(site);
		free(key);
		if (!site) {
			json_decref(sites);
			return NULL;
		}
	}
	return sites;
}

/* A rollout of rule that is not over yet, or NULL (new reference). */
static json_t *active_rollout(struct cmd_ctx *ctx, const char *rule)
{
	struct ucsh_err err;
	struct store_cursor *cur;
	json_t *row = NULL, *filter = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:[ss]}]", "Property",
						 "Rule", "Op", "eq", "Value", rule, "Property",
						 "Status", "Op", "in", "Value", "Running", "Suspended");
	int rc = store_query(cmd_store(ctx), "DeviceRollout", filter, NULL, &cur, &err);
	json_decref(filter);
	if (rc == 0) {
		if (store_cursor_next(cur, &row, &err) != 1)
			row = NULL;
		store_cursor_free(cur);
	}
	return row;
}

static char *new_identity(void)
{
	unsigned char r[4];
	if (RAND_bytes(r, sizeof(r)) != 1)
		memset(r, 0, sizeof(r));
	return xasprintf("Rollout-%02x%02x%02x%02x", r[0], r[1], r[2], r[3]);
}

static json_t *rollout_row(struct cmd_ctx *ctx, const json_t *rule, json_t *waves, json_t *sites,
			   const char *id)
{
	char ts[STORE_TIMESTAMP_LEN];
	store_timestamp(time(NULL), ts);
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:f, s:f, s:s, s:i, s:s}", "Identity", id,
			 "Rule", str_of(rule, "Identity"), "Version",
			 str_of(rule, "ApprovedVersion"), "Waves", waves, "Site", sites, "WaveInterval",
			 (json_int_t)cmd_arg_int(ctx, "WaveInterval", 3600), "SuccessThreshold",
			 cmd_arg_number(ctx, "SuccessThreshold", 95), "ErrorThreshold",
			 cmd_arg_number(ctx, "ErrorThreshold", 5), "Status", "Running", "CurrentWave",
			 0, "Created", ts);
}

static int check_thresholds(struct cmd_ctx *ctx)
{
	static const char *const names[] = { "SuccessThreshold", "ErrorThreshold" };
	for (size_t i = 0; i < 2; i++) {
		double v = cmd_arg_number(ctx, names[i], 50);
		if (!(v >= 0 && v <= 100)) {
			cmd_error(ctx, "a threshold is a percentage from 0 to 100",
				  "-%s %g is not a percentage", names[i], v);
			return -1;
		}
	}
	if (cmd_arg_int(ctx, "WaveInterval", 3600) < 1) {
		cmd_error(ctx, "give a time span such as 1h, 30m or 3600",
			  "-WaveInterval must be at least one second");
		return -1;
	}
	return 0;
}

/*
 * Approve the rule's pending version (if any) and record the rollout in
 * one transaction: approving first and rolling out after would leave a
 * moment in which every phone is offered the new version.
 */
static int create(struct cmd_ctx *ctx, json_t *rule, json_t *waves, json_t *sites, const char *id)
{
	struct store *st = cmd_store(ctx);
	struct ucsh_err err;
	json_t *changes = NULL, *row = NULL, *stored = NULL;
	const char *rule_id = str_of(rule, "Identity");
	int rc = -1;
	if (!cmd_should_process(ctx, "New device rollout", id))
		return cmd_cancelled(ctx) ? -1 : 0;
	if (!st || store_begin(st, &err))
		return st ? storecmd_error(ctx, st, &err) : -1;
	if (str_of(rule, "PendingVersion") &&
	    (devupdate_rule_transition(rule, DEVUPDATE_APPROVE, &changes, &err) ||
	     store_update(st, "DeviceUpdateRule", rule_id, changes, &err) < 0 ||
	     store_get(st, "DeviceUpdateRule", rule_id, &stored, &err) != 1))
		goto out;
	row = rollout_row(ctx, stored ? stored : rule, json_incref(waves), json_incref(sites), id);
	if (store_insert(st, "DeviceRollout", row, &err) || store_commit(st, &err))
		goto out;
	json_decref(stored);
	stored = NULL;
	rc = store_get(st, "DeviceRollout", id, &stored, &err) == 1
		     ? storecmd_emit(ctx, "DeviceRollout", stored) : 0;
	goto done;
out:
	if (store_transaction_depth(st) > 0)
		store_rollback(st, NULL);
	rc = storecmd_error(ctx, st, &err);
done:
	json_decref(changes);
	json_decref(row);
	json_decref(stored);
	return rc;
}

static int new_rollout_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *rule_id = cmd_arg_str(ctx, "Rule");
	json_t *waves = json_deep_copy(cmd_arg(ctx, "Waves"));
	if (!waves)
		waves = json_pack("[i, i, i, i]", 1, 10, 50, 100);
	json_t *rule = NULL, *sites = NULL, *active = NULL;
	bool ok = !check_waves(ctx, waves) && !check_thresholds(ctx);
	int rc;
	if (ok && !(rule = storecmd_get(ctx, "DeviceUpdateRule", rule_id, "device update rule")))
		ok = false;
	if (ok && !str_of(rule, "ApprovedVersion") && !str_of(rule, "PendingVersion")) {
		cmd_error(ctx, "import a package first: Import-CsDeviceUpdate",
			  "rule %s has no pending or approved version to roll out", rule_id);
		ok = false;
	}
	if (ok && (active = active_rollout(ctx, str_of(rule, "Identity")))) {
		cmd_error(ctx, "stop it first with Stop-CsDeviceRollout, or resume it",
			  "rule %s already has rollout %s (%s)", rule_id, str_of(active, "Identity"),
			  str_of(active, "Status"));
		ok = false;
	}
	if (ok && !(sites = rollout_sites(ctx)))
		ok = false;
	if (ok) {
		char *id = cmd_has_arg(ctx, "Name") ? xstrdup(cmd_arg_str(ctx, "Name"))
							: new_identity();
		rc = create(ctx, rule, waves, sites, id);
		free(id);
	} else {
		rc = cmd_cancelled(ctx) ? -1 : 0;
	}
	json_decref(waves);
	json_decref(sites);
	json_decref(active);
	json_decref(rule);
	return rc;
}

/* ---- Get-CsDeviceRollout ------------------------------------------------------ */

static void bar(char out[32], double fraction)
{
	int n = (int)lround(fraction * 20);
	out[0] = '[';
	for (int i = 0; i < 20; i++)
		out[i + 1] = i < n ? '#' : '.';
	snprintf(out + 21, 11, "] %3.0f%%", fraction * 100);
}

static long long count_of(const json_t *w, const char *k)
{
	return (long long)json_integer_value(json_object_get(w, k));
}

/* One DeviceRolloutWave per wave of ro: its share, counts and state. */
static int emit_waves(struct cmd_ctx *ctx, const json_t *ro, bool tty)
{
	const json_t *waves = json_object_get(ro, "Waves");
	const json_t *prog = json_object_get(json_object_get(ro, "Progress"), "Waves");
	long cur = (long)json_integer_value(json_object_get(ro, "CurrentWave"));
	const char *status = str_of(ro, "Status");
	for (size_t i = 0; i < json_array_size(waves); i++) {
		const json_t *p = json_array_get(prog, i);
		long long t = count_of(p, "Targets"), ok = count_of(p, "Succeeded");
		const char *state = str_ieq(status, "Completed") || (long)i < cur ? "Done"
				    : (long)i == cur ? status : "Waiting";
		json_t *o = json_pack("{s:s, s:I, s:O, s:s, s:I, s:I, s:I, s:I}", "Rollout",
				      str_of(ro, "Identity"), "Wave", (json_int_t)i + 1, "Percent",
				      json_array_get(waves, i), "State", state, "Targets", (json_int_t)t,
				      "Succeeded", (json_int_t)ok, "Failed",
				      (json_int_t)count_of(p, "Failed"), "Pending",
				      (json_int_t)count_of(p, "Pending"));
		if (tty) {
			char b[32];
			bar(b, t ? (double)ok / (double)t : strcmp(state, "Done") == 0);
			json_object_set_new(o, "Progress", json_string(b));
		}
		int rc = storecmd_emit(ctx, "DeviceRolloutWave", o);
		json_decref(o);
		if (rc)
			return rc;
	}
	return 0;
}

/* The summary properties shown beside the stored ones. */
static void summarize(json_t *ro)
{
	size_t n = json_array_size(json_object_get(ro, "Waves"));
	long cur = (long)json_integer_value(json_object_get(ro, "CurrentWave"));
	const json_t *prog = json_object_get(ro, "Progress");
	const json_t *w = json_array_get(json_object_get(prog, "Waves"), (size_t)cur);
	char text[32];
	snprintf(text, sizeof(text), "%ld/%zu", cur + 1 > (long)n ? (long)n : cur + 1, n);
	json_object_set_new(ro, "Wave", json_string(text));
	json_object_set_new(ro, "Percent", json_incref(json_array_get(json_object_get(ro, "Waves"),
								       (size_t)cur)));
	json_object_set_new(ro, "Succeeded", json_integer(count_of(w, "Succeeded")));
	json_object_set_new(ro, "Failed", json_integer(count_of(w, "Failed")));
	json_object_set_new(ro, "Pending", json_integer(count_of(w, "Pending")));
	json_object_set(ro, "Reason", json_object_get(prog, "Reason") ?: json_null());
}

static int get_rollout_process(struct cmd_ctx *ctx, json_t *input)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	bool per_wave = cmd_arg_bool(ctx, "PerWave");
	json_t *ro, *filter = id ? json_pack("[{s:s, s:s, s:s}]", "Property", "Identity", "Op",
					     "like", "Value", id) : NULL;
	if (!per_wave) {
		int rc = storecmd_query_map(ctx, "DeviceRollout", filter, NULL, NULL, summarize);
		json_decref(filter);
		return rc;
	}
	struct ucsh_err err;
	struct store_cursor *cur;
	int rc = store_query(cmd_store(ctx), "DeviceRollout", filter, NULL, &cur, &err);
	json_decref(filter);
	if (rc)
		return storecmd_error(ctx, cmd_store(ctx), &err);
	bool tty = isatty(fileno(ctx->shell->out));
	while (rc == 0 && store_cursor_next(cur, &ro, &err) == 1) {
		rc = emit_waves(ctx, ro, tty);
		json_decref(ro);
	}
	store_cursor_free(cur);
	return rc;
}

/* ---- Suspend-, Resume-, Stop-CsDeviceRollout ------------------------------------ */

/* Move rollout id from one of the states in from (NULL-terminated) with changes. */
static int steer(struct cmd_ctx *ctx, const char *verb, const char *const *from, json_t *changes)
{
	const char *id = cmd_arg_str(ctx, "Identity");
	json_t *ro = storecmd_get(ctx, "DeviceRollout", id, "device rollout");
	int rc = 0;
	if (ro) {
		bool ok = false;
		for (size_t i = 0; from[i]; i++)
			ok = ok || str_ieq(str_of(ro, "Status"), from[i]);
		rc = ok ? storecmd_update(ctx, "DeviceRollout", str_of(ro, "Identity"), changes,
					  "device rollout", cmd_arg_bool(ctx, "PassThru"))
			: cmd_error(ctx, "Get-CsDeviceRollout shows its state",
				    "rollout %s is %s: it cannot be %s", str_of(ro, "Identity"),
				    str_of(ro, "Status"), verb);
	}
	json_decref(ro);
	json_decref(changes);
	return rc;
}

static json_t *progress_reason(struct cmd_ctx *ctx, const char *reason)
{
	json_t *ro = NULL, *p;
	struct ucsh_err err;
	store_get(cmd_store(ctx), "DeviceRollout", cmd_arg_str(ctx, "Identity"), &ro, &err);
	p = json_deep_copy(json_object_get(ro, "Progress"));
	json_decref(ro);
	if (!json_is_object(p)) {
		json_decref(p);
		p = json_object();
	}
	json_object_set_new(p, "Reason", reason ? json_string(reason) : json_null());
	return p;
}

static int suspend_rollout_process(struct cmd_ctx *ctx, json_t *input)
{
	return steer(ctx, "suspended", ALIASES("Running"),
		     json_pack("{s:s, s:o}", "Status", "Suspended", "Progress",
			       progress_reason(ctx, "suspended by an administrator")));
}

/* The current wave starts again: its phones that failed get another chance. */
static int resume_rollout_process(struct cmd_ctx *ctx, json_t *input)
{
	return steer(ctx, "resumed", ALIASES("Suspended"),
		     json_pack("{s:s, s:n, s:o}", "Status", "Running", "WaveStarted", "Progress",
			       progress_reason(ctx, NULL)));
}

static int stop_rollout_process(struct cmd_ctx *ctx, json_t *input)
{
	return steer(ctx, "stopped", ALIASES("Running", "Suspended"),
		     json_pack("{s:s, s:o}", "Status", "Stopped", "Progress",
			       progress_reason(ctx, "stopped by an administrator")));
}

/* ---- Entries ------------------------------------------------------------------------ */

static const struct cmd_param new_rollout_params[] = {
	{ .name = "Rule", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_PROP, .aliases = ALIASES("Identity"),
	  .help = "The device update rule whose pending (or else approved) version is rolled out.",
	  .complete = rule_complete },
	{ .name = "Waves", .type = PT_NUMBER, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Cumulative percentages of the rule's phones, one per wave, rising to 100 "
		  "(1,10,50,100 by default)." },
	{ .name = "WaveInterval", .type = PT_TIMESPAN, .position = POS_NAMED,
	  .help = "How long a wave's phones have to update before it is judged: 1h, 30m, 1d "
		  "or seconds (1h by default)." },
	{ .name = "Site", .type = PT_STRING, .flags = PF_ARRAY, .position = POS_NAMED,
	  .help = "Only phones of these sites take part (by default every site); the others "
		  "wait until the rollout completes." },
	{ .name = "SuccessThreshold", .type = PT_NUMBER, .position = POS_NAMED,
	  .help = "The percentage of a wave's phones that must succeed for the next wave to "
		  "begin (95 by default)." },
	{ .name = "ErrorThreshold", .type = PT_NUMBER, .position = POS_NAMED,
	  .help = "The percentage of a wave's phones failing above which the rollout suspends "
		  "itself (5 by default)." },
	{ .name = "Name", .type = PT_STRING, .position = POS_NAMED,
	  .help = "The rollout's identity (Rollout-<random> by default)." },
	{ 0 },
};

static const struct cmd_param get_rollout_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_PROP,
	  .help = "The rollout; wildcards list several.", .complete = rollout_complete },
	{ .name = "PerWave", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "One object per wave: its share, state and counts, with a progress bar on a "
		  "terminal." },
	{ 0 },
};

static const struct cmd_param steer_rollout_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP, .help = "The rollout.",
	  .complete = rollout_complete },
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the changed rollout down the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_new_csdevicerollout_entry = {
	.name = "New-CsDeviceRollout",
	.synopsis = "Rolls a rule's approved version out in waves that stop when phones fail.",
	.description =
		"Starts a staged rollout of the rule's new version: its PendingVersion, which "
		"this approves in the same step (so that no phone outside the waves is "
		"offered it in between), or else its ApprovedVersion. Instead of every phone "
		"of the rule at once, ucshd offers the version to the first wave's share of the "
		"phones (which phones is fixed by their MAC address), then, once enough of "
		"them succeeded, to the next share, up to 100%. WaveInterval is the time a "
		"wave's phones have: the next wave begins as soon as every phone of the wave "
		"has succeeded or failed and SuccessThreshold percent succeeded, or when the "
		"interval ends with that rate met.\n\n"
		"A phone succeeds when it checks in running the new version and registers "
		"again. It fails when it checks in again still running the old one, or has "
		"not succeeded by the end of its wave's interval. When more than "
		"ErrorThreshold percent of a wave's phones fail, or fewer than "
		"SuccessThreshold percent succeed by the end of the interval, the rollout "
		"suspends itself and the other phones stay on what they run. While the "
		"rollout lasts, phones outside the waves begun so far are held back; when "
		"the last wave succeeds the rollout completes.\n\n"
		"Test devices keep getting the rule's PendingVersion first, as always.",
	.params = new_rollout_params,
	.examples = (const struct cmd_example[]){
		{ "New-CsDeviceRollout -Rule service:WebServer:pool01.contoso.com/6f1b... "
		  "-Waves 1,10,50,100 -WaveInterval 1h",
		  "1% of the phones first, then 10%, 50% and all, an hour apart." },
		{ "Get-CsDeviceUpdateRule -Filter { $_.Model -eq 'CX600' } | "
		  "New-CsDeviceRollout -Site Berlin -SuccessThreshold 99 -ErrorThreshold 1",
		  "Rolls the CX600 rule out to the Berlin site's phones, pausing at 1% failures." },
		{ 0 } },
	.outputs = "DeviceRollout",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = new_rollout_process,
};

const struct cmd_entry cmd_get_csdevicerollout_entry = {
	.name = "Get-CsDeviceRollout",
	.synopsis = "Shows staged rollouts and how far their waves have got.",
	.description = "Writes one DeviceRollout per rollout: its rule and version, Status "
		       "(Running, Suspended, Stopped, Completed), the current wave (Wave 2/4, "
		       "Percent) with its Succeeded, Failed and Pending phones, and the Reason "
		       "of the last change of state. With -PerWave, one object per wave "
		       "instead, and on a terminal a progress bar for each.",
	.params = get_rollout_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsDeviceRollout", "Lists every rollout and its current wave." },
		{ "Get-CsDeviceRollout Rollout-3fa2c1d0 -PerWave", "Shows each wave of one rollout." },
		{ "Get-CsDeviceRollout | Where-Object Status -eq Suspended | Format-List "
		  "Identity,Reason", "Says why the suspended rollouts stopped." },
		{ 0 } },
	.outputs = "DeviceRollout, or DeviceRolloutWave with -PerWave",
	.role = ROLE_VIEW_ONLY,
	.process = get_rollout_process,
};

const struct cmd_entry cmd_suspend_csdevicerollout_entry = {
	.name = "Suspend-CsDeviceRollout",
	.synopsis = "Pauses a running rollout.",
	.description = "No phone is offered the rollout's version until it is resumed; phones "
		       "that already run it keep it.",
	.params = steer_rollout_params,
	.examples = (const struct cmd_example[]){
		{ "Suspend-CsDeviceRollout Rollout-3fa2c1d0", "Pauses one rollout." },
		{ "Get-CsDeviceRollout | Suspend-CsDeviceRollout", "Pauses every running rollout "
		  "(the others are reported and left alone)." },
		{ 0 } },
	.outputs = "DeviceRollout (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = suspend_rollout_process,
};

const struct cmd_entry cmd_resume_csdevicerollout_entry = {
	.name = "Resume-CsDeviceRollout",
	.synopsis = "Resumes a suspended rollout.",
	.description = "The current wave starts again with a full WaveInterval: its phones that "
		       "failed are offered the version once more.",
	.params = steer_rollout_params,
	.examples = (const struct cmd_example[]){
		{ "Resume-CsDeviceRollout Rollout-3fa2c1d0", "Runs the current wave again." },
		{ 0 } },
	.outputs = "DeviceRollout (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE,
	.process = resume_rollout_process,
};

const struct cmd_entry cmd_stop_csdevicerollout_entry = {
	.name = "Stop-CsDeviceRollout",
	.synopsis = "Ends a rollout for good.",
	.description = "No further phone is offered the version; the phones outside the waves "
		       "stay held back until the rule's approved version changes "
		       "(Restore-CsDeviceUpdateRule, or a new approval), so a stop never turns "
		       "into a release to everyone.",
	.params = steer_rollout_params,
	.examples = (const struct cmd_example[]){
		{ "Stop-CsDeviceRollout Rollout-3fa2c1d0 -Force", "Ends it without asking." },
		{ 0 } },
	.outputs = "DeviceRollout (with -PassThru)",
	.role = ROLE_VOICE,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = stop_rollout_process,
};
