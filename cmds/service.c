/*
 * service: Get-CsService, Start-CsService and Stop-CsService, the running
 * ucshd's listeners as the shell sees them, through the control socket.
 * With ucshd not running, Get-CsService still lists the services of this
 * build as Stopped (with a warning), so scripts can tell "down" from "gone".
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "ctl.h"
#include "daemon.h"
#include "services.h"
#include "shell.h"
#include "store.h"
#include "value.h"

#define CTL_TIMEOUT_MS 5000
#define NODE_REPORT_MAX_AGE 10 /* seconds: a node silent for longer is gone */

static char *control_path(struct cmd_ctx *ctx)
{
	struct ucsh_err err;
	const char *uri = ctx->shell->store_uri ? ctx->shell->store_uri : store_default_uri();
	char *path = daemon_control_path(uri, &err);
	if (!path)
		cmd_fail(ctx, err.hint[0] ? err.hint : NULL, "%s", err.msg);
	return path;
}

/* Ask ucshd; NULL after an error (not running: a warning when quiet_down). */
static json_t *ask(struct cmd_ctx *ctx, const char *op, const char *service, bool quiet_down)
{
	char *path = control_path(ctx);
	if (!path)
		return NULL;
	struct ucsh_err err;
	err_clear(&err);
	json_t *req = service ? json_pack("{s:s,s:s}", "op", op, "service", service)
			      : json_pack("{s:s}", "op", op);
	json_t *res = ctl_request(path, req, CTL_TIMEOUT_MS, &err);
	json_decref(req);
	free(path);
	if (!res && quiet_down && ctl_not_running(&err))
		cmd_warning(ctx, "%s", err.msg);
	else if (!res)
		cmd_error(ctx, ctl_not_running(&err) ? "start it with ucshd --store URI" : NULL, "%s",
			  err.msg);
	return res;
}

static bool matches(json_t *svc, const char *identity)
{
	if (!identity)
		return true;
	const char *name = json_string_value(json_object_get(svc, "Service"));
	const char *id = json_string_value(json_object_get(svc, "Identity"));
	return (name && wildcard_match(identity, name)) || (id && wildcard_match(identity, id));
}

static int emit_matching(struct cmd_ctx *ctx, json_t *list, const char *identity)
{
	size_t i;
	json_t *svc;
	int found = 0;
	json_array_foreach(list, i, svc) {
		if (!matches(svc, identity))
			continue;
		found++;
		value_set_type(svc, "ServiceInfo");
		if (cmd_emit(ctx, json_incref(svc)))
			return -1;
	}
	if (!found && identity && !wildcard_has_meta(identity))
		return cmd_error(ctx, "Get-CsService lists them", "ucshd has no service '%s'", identity);
	return 0;
}

/* The services of this build, all Stopped: what Get-CsService shows with ucshd down. */
static json_t *offline_status(void)
{
	json_t *out = json_array();
	for (size_t i = 0; i < service_table_len; i++) {
		json_t *o = value_object_new("ServiceInfo");
		json_object_set_new(o, "Service", json_string(service_table[i]->name));
		json_object_set_new(o, "State", json_string("Stopped"));
		json_object_set_new(o, "Summary", json_string(service_table[i]->summary));
		json_array_append_new(out, o);
	}
	return out;
}

static const struct service_ops *service_ops_named(const char *name)
{
	for (size_t i = 0; name && i < service_table_len; i++)
		if (str_ieq(service_table[i]->name, name))
			return service_table[i];
	return NULL;
}

/* The status of service `name` in a node's published list, or NULL. */
static json_t *reported_service(json_t *report, const char *name)
{
	size_t i;
	json_t *svc;
	json_array_foreach(json_object_get(report, "Status"), i, svc) {
		const char *s = json_string_value(json_object_get(svc, "Service"));
		if (s && name && str_ieq(s, name))
			return svc;
	}
	return NULL;
}

/* Add the counters of one other node's service to svc. */
static void add_counters(json_t *svc, const json_t *other, const char *const *counters)
{
	for (const char *const *c = counters; c && *c; c++) {
		json_t *mine = json_object_get(svc, *c), *theirs = json_object_get(other, *c);
		if (json_is_integer(mine) && json_is_integer(theirs))
			json_object_set_new(svc, *c, json_integer(json_integer_value(mine) +
								  json_integer_value(theirs)));
	}
}

/*
 * In a pool (a PostgreSQL store), every node publishes its services'
 * status: the counters of this node's services become the pool's, added
 * up over the nodes heard from lately, and PoolNodes names those nodes.
 */
static void add_pool_counters(struct cmd_ctx *ctx, json_t *list)
{
	struct ucsh_err err;
	struct store *st = cmd_store(ctx);
	json_t *reports = NULL, *svc, *rep;
	size_t i, j;
	if (!st)
		return;
	if (store_node_reports(st, NODE_REPORT_MAX_AGE, &reports, &err)) {
		cmd_warning(ctx, "the counters are this node's only: %s", err.msg);
		return;
	}
	json_array_foreach(list, i, svc) {
		const char *name = json_string_value(json_object_get(svc, "Service"));
		const char *self = json_string_value(json_object_get(svc, "Node"));
		const struct service_ops *ops = service_ops_named(name);
		if (!self || !json_array_size(reports))
			continue;
		json_t *nodes = json_pack("[s]", self);
		json_array_foreach(reports, j, rep) {
			const char *node = json_string_value(json_object_get(rep, "Node"));
			json_t *other = reported_service(rep, name);
			if (!node || strcmp(node, self) == 0 || !other)
				continue;
			json_array_append_new(nodes, json_string(node));
			add_counters(svc, other, ops ? ops->counters : NULL);
		}
		json_object_set_new(svc, "PoolNodes", nodes);
	}
	json_decref(reports);
}

static int get_service_process(struct cmd_ctx *ctx, json_t *input)
{
	json_t *list = ask(ctx, "status", NULL, true);
	if (!list) {
		if (cmd_cancelled(ctx))
			return -1;
		list = offline_status();
	} else {
		add_pool_counters(ctx, list);
	}
	int rc = emit_matching(ctx, list, cmd_arg_str(ctx, "Identity"));
	json_decref(list);
	return rc;
}

/* Accept "Registrar" and "Registrar:pool01.contoso.com". */
static char *service_name(const char *identity)
{
	const char *colon = strchr(identity, ':');
	return colon ? xstrndup(identity, (size_t)(colon - identity)) : xstrdup(identity);
}

static int control_process(struct cmd_ctx *ctx, const char *op, const char *verb)
{
	char *name = service_name(cmd_arg_str(ctx, "Identity"));
	int rc = 0;
	if (cmd_should_process(ctx, verb, name)) {
		json_t *list = ask(ctx, op, name, false);
		if (list && cmd_arg_bool(ctx, "PassThru"))
			rc = emit_matching(ctx, list, name);
		json_decref(list);
	}
	free(name);
	return cmd_cancelled(ctx) ? -1 : rc;
}

static int start_service_process(struct cmd_ctx *ctx, json_t *input)
{
	return control_process(ctx, "start", "Start service");
}

static int stop_service_process(struct cmd_ctx *ctx, json_t *input)
{
	return control_process(ctx, "stop", "Stop service");
}

static json_t *service_complete(struct shell *sh, const char *prefix)
{
	json_t *out = json_array();
	for (size_t i = 0; i < service_table_len; i++)
		if (str_iprefix(prefix, service_table[i]->name))
			json_array_append_new(out, json_string(service_table[i]->name));
	return out;
}

static const struct cmd_param get_service_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0, .flags = PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The service (Registrar) or service:pool identity; wildcards allowed.",
	  .complete = service_complete },
	{ 0 },
};

static const struct cmd_param control_params[] = {
	{ .name = "Identity", .type = PT_STRING, .position = 0,
	  .flags = PF_MANDATORY | PF_PIPE_VALUE | PF_PIPE_PROP,
	  .help = "The service to act on, e.g. Registrar.", .complete = service_complete },
	{ .name = "PassThru", .type = PT_SWITCH, .position = POS_NAMED,
	  .help = "Writes the service's new state down the pipeline." },
	{ 0 },
};

const struct cmd_entry cmd_get_csservice_entry = {
	.name = "Get-CsService",
	.synopsis = "Shows the services of ucshd with their state, addresses and counters.",
	.description = "Asks the ucshd that serves the current store, through its local control "
		       "socket, for each of its services (the registrar, the Device Update web "
		       "sites, the SSH endpoint): state, the addresses it listens on, and its "
		       "counters. When ucshd is not running, the services are listed as Stopped "
		       "and a warning says so. In a pool of several ucshd nodes on one "
		       "PostgreSQL store, the counters are the pool's: the sum over the nodes "
		       "heard from in the last 10 seconds, which PoolNodes names (Node is the "
		       "one that answered).",
	.params = get_service_params,
	.examples = (const struct cmd_example[]){
		{ "Get-CsService", "Lists every service and its state." },
		{ "Get-CsService Registrar | Format-List", "Shows everything about the registrar." },
		{ 0 } },
	.outputs = "ServiceInfo",
	.role = ROLE_VIEW_ONLY,
	.process = get_service_process,
};

const struct cmd_entry cmd_start_csservice_entry = {
	.name = "Start-CsService",
	.synopsis = "Starts a service of the running ucshd.",
	.description = "Tells ucshd to open the listeners of a stopped service again, with the "
		       "addresses and ports the pool has now.",
	.params = control_params,
	.examples = (const struct cmd_example[]){
		{ "Start-CsService Registrar", "Starts the SIP registrar again after Stop-CsService." },
		{ 0 } },
	.outputs = "ServiceInfo (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE,
	.process = start_service_process,
};

const struct cmd_entry cmd_stop_csservice_entry = {
	.name = "Stop-CsService",
	.synopsis = "Stops a service of the running ucshd.",
	.description = "Tells ucshd to close the listeners of a service. The other services and "
		       "ucshd itself go on; Start-CsService starts it again.",
	.params = control_params,
	.examples = (const struct cmd_example[]){
		{ "Stop-CsService Registrar -Force", "Stops the registrar without asking." },
		{ 0 } },
	.outputs = "ServiceInfo (with -PassThru)",
	.role = ROLE_ADMIN,
	.flags = CMD_CHANGES_STATE | CMD_CONFIRM_HIGH,
	.process = stop_service_process,
};
