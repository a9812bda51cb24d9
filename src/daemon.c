/*
 * daemon: ucshd's loop, its pool, its services and its signals.
 */
#include "config.h"
#include "daemon.h"

#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/event.h>

#include "ctl.h"
#include "log.h"
#include "pki.h"
#include "store.h"
#include "value.h"

#define STORE_POLL_MS 500 /* changes reach the services within a second */
#define STORE_POLL_POOLED_MS 5000 /* with notifications, polling is the fallback */
#define SETTLE_MS 200     /* notifications come in bursts: one reload per burst */
#define NODE_REPORT_SEC 2 /* how often a pool node publishes its status */

const char *service_state_name(enum service_state s)
{
	static const char *const names[] = { "Stopped", "Running", "Failed" };
	return s <= SERVICE_FAILED ? names[s] : "Unknown";
}

char *daemon_control_path(const char *store_uri, struct ucsh_err *err)
{
	const char *path = store_uri;
	char *sock;
	if (str_iprefix("sqlite://", path))
		path += 9;
	if (str_iprefix("postgresql://", store_uri) || str_iprefix("postgres://", store_uri) ||
	    strcmp(path, ":memory:") == 0) {
		/* a shared store has no file beside it: one socket per user */
		const char *rt = getenv("XDG_RUNTIME_DIR");
		sock = rt && *rt ? xasprintf("%s/ucshd.sock", rt)
				 : xasprintf("/tmp/ucshd-%u.sock", (unsigned)getuid());
	} else {
		const char *slash = strrchr(path, '/');
		sock = slash ? xasprintf("%.*s/ucshd.sock", (int)(slash - path), path)
			     : xstrdup("ucshd.sock");
	}
	if (strlen(sock) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		err_set(err, "the control socket path %s is too long for a Unix socket", sock);
		err_hint(err, "put the store in a directory with a shorter path");
		free(sock);
		return NULL;
	}
	return sock;
}

/* This node's FQDN: $UCSH_POOL_FQDN for tests and containers, else the host's. */
static char *node_fqdn(void)
{
	const char *env = getenv("UCSH_POOL_FQDN");
	char host[HOST_NAME_MAX + 1];
	if (env && *env)
		return xstrdup(env);
	if (gethostname(host, sizeof(host)) != 0)
		return NULL;
	host[HOST_NAME_MAX] = '\0';
	return xstrdup(host);
}

/*
 * The pool this node serves: the one named like this host, else the only
 * one. Several pools and none named like the host is an error that lists
 * them, rather than a guess.
 */
static int find_pool(struct daemon *d, struct ucsh_err *err)
{
	char *fqdn = node_fqdn();
	json_t *pool = NULL;
	int rc = fqdn ? store_get(d->store, "Pool", fqdn, &pool, err) : 0;
	free(fqdn);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		struct store_cursor *cur;
		struct store_query_opts opts = { .limit = 2 };
		json_t *obj;
		if (store_query(d->store, "Pool", NULL, &opts, &cur, err))
			return -1;
		int n = 0;
		while (store_cursor_next(cur, &obj, err) == 1) {
			json_decref(pool);
			pool = obj;
			n++;
		}
		store_cursor_free(cur);
		if (n != 1) {
			json_decref(pool);
			err_set(err, n ? "the store has several pools and none is named like this host"
				       : "the store has no pool");
			return err_hint(err, "set UCSH_POOL_FQDN to the pool this ucshd serves, or "
					     "New-CsPool one");
		}
	}
	json_decref(d->pool);
	d->pool = pool;
	free(d->pool_id);
	d->pool_id = xstrdup(json_string_value(json_object_get(pool, "Identity")));
	return 0;
}

/* Renew and re-read certificates: before the services reload, so that a
 * listener's next handshake already has what the store now assigns. */
static void pki_tick(struct daemon *d)
{
	struct ucsh_err err;
	if (d->pki && pki_refresh(d->pki, &err))
		log_warning("certificates: %s", err.msg);
}

static void on_pki_timer(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	pki_tick(d);
	struct timeval next = { d->pki ? pki_refresh_interval(d->pki) : 60, 0 };
	evtimer_add(d->pki_timer, &next);
}

static void reload_all(struct daemon *d, const char *why)
{
	struct ucsh_err err;
	json_t *pool = NULL;
	if (store_get(d->store, "Pool", d->pool_id, &pool, &err) == 1) {
		json_decref(d->pool);
		d->pool = pool;
	} else {
		log_warning("reload (%s): pool %s cannot be read; keeping the last one", why,
			    d->pool_id);
	}
	pki_tick(d);
	for (size_t i = 0; i < d->nservices; i++) {
		struct service *svc = d->services[i];
		if (svc->state == SERVICE_RUNNING && svc->ops->reload)
			svc->ops->reload(svc);
	}
	log_info("reloaded (%s)", why);
}

static void watch_start(struct daemon *d);

static void check_changes(struct daemon *d, const char *why)
{
	long long seq;
	struct ucsh_err err;
	if (store_changes(d->store, NULL, &seq, &err)) {
		log_warning("cannot read the store's change counter: %s", err.msg);
		return;
	}
	if (seq != d->change_seq) {
		log_debug("store change counter %lld -> %lld", d->change_seq, seq);
		d->change_seq = seq;
		reload_all(d, why);
	}
}

static void on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	(void)fd;
	(void)what;
	if (d->pooled && !d->watch_ev)
		watch_start(d); /* the notifications were lost: listen again */
	check_changes(d, "the store changed");
}

static void on_settle(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	check_changes(arg, "the store changed, notified");
}

/* The store announced a commit: look at the counters once the burst is over. */
static void on_watch(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct ucsh_err err;
	(void)fd;
	(void)what;
	int rc = store_watch_drain(d->store, &err);
	if (rc < 0) {
		log_warning("%s; polling until it is back", err.msg);
		event_free(d->watch_ev);
		d->watch_ev = NULL;
		return;
	}
	if (rc > 0 && !evtimer_pending(d->settle, NULL)) {
		struct timeval tv = { 0, SETTLE_MS * 1000 };
		evtimer_add(d->settle, &tv);
	}
}

static void watch_start(struct daemon *d)
{
	struct ucsh_err err;
	int fd = store_watch_fd(d->store, &err);
	if (fd == -2)
		return;
	d->pooled = true;
	if (fd < 0) {
		log_warning("cannot listen for store changes (%s); polling", err.msg);
		return;
	}
	d->watch_ev = event_new(d->base, fd, EV_READ | EV_PERSIST, on_watch, d);
	if (!d->watch_ev || event_add(d->watch_ev, NULL)) {
		log_warning("cannot watch the store's notifications; polling");
		if (d->watch_ev)
			event_free(d->watch_ev);
		d->watch_ev = NULL;
		return;
	}
	check_changes(d, "the store changed"); /* what was committed while nobody listened */
}

/* Publish this node's services for the pool (Get-CsService sums them). */
static void on_report(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct ucsh_err err;
	(void)fd;
	(void)what;
	json_t *status = daemon_status(d);
	if (store_node_report(d->store, d->node, status, &err))
		log_warning("cannot publish this node's status: %s", err.msg);
	json_decref(status);
}

static void on_hup(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	reload_all(arg, "SIGHUP");
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	(void)what;
	if (d->draining)
		return;
	d->draining = true;
	log_notice("%s: draining", sig == SIGINT ? "SIGINT" : "SIGTERM");
	for (size_t i = d->nservices; i-- > 0;)
		daemon_service_stop(d->services[i]);
	struct ucsh_err err;
	if (d->pooled && store_node_report(d->store, d->node, NULL, &err))
		log_warning("cannot withdraw this node's status: %s", err.msg);
	event_base_loopexit(d->base, NULL);
}

static int add_signal(struct daemon *d, struct event **ev, int sig, event_callback_fn fn)
{
	*ev = evsignal_new(d->base, sig, fn, d);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -1;
}

/* The private CA and the certificates, made on first start. A failure is
 * logged, not fatal: the services without TLS still run. */
static int pki_setup(struct daemon *d, struct ucsh_err *err)
{
	struct ucsh_err perr;
	if (pki_open(d->store, d->store_uri, &d->pki, &perr)) {
		snprintf(d->pki_error, sizeof(d->pki_error), "%s", perr.msg);
		log_error("certificates: %s", perr.msg);
	}
	struct timeval next = { d->pki ? pki_refresh_interval(d->pki) : 60, 0 };
	d->pki_timer = evtimer_new(d->base, on_pki_timer, d);
	if (!d->pki_timer || evtimer_add(d->pki_timer, &next))
		return err_set(err, "cannot set up the certificate timer");
	return 0;
}

/* This process's name in the pool: given, $UCSH_NODE, else host:pid. */
static char *node_name(const char *given)
{
	const char *env = getenv("UCSH_NODE");
	char host[HOST_NAME_MAX + 1] = "localhost";
	if (given && *given)
		return xstrdup(given);
	if (env && *env)
		return xstrdup(env);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[HOST_NAME_MAX] = '\0';
	return xasprintf("%s:%ld", host, (long)getpid());
}

/* "a, b" into ["a", "b"]; NULL when there are none. */
static json_t *address_list(const char *s)
{
	json_t *out = json_array();
	while (s && *s) {
		size_t n = strcspn(s, ",");
		char *a = xstrndup(s, n);
		char *p = a + strspn(a, " "), *e = p + strlen(p);
		while (e > p && e[-1] == ' ')
			*--e = '\0';
		if (*p)
			json_array_append_new(out, json_string(p));
		free(a);
		s += n + (s[n] == ',');
	}
	if (json_array_size(out) == 0) {
		json_decref(out);
		return NULL;
	}
	return out;
}

static int timers_init(struct daemon *d)
{
	struct timeval poll = { 0, (d->pooled ? STORE_POLL_POOLED_MS : STORE_POLL_MS) * 1000 };
	struct timeval report = { NODE_REPORT_SEC, 0 };
	if (d->pooled && poll.tv_usec >= 1000000) {
		poll.tv_sec = poll.tv_usec / 1000000;
		poll.tv_usec %= 1000000;
	}
	d->poll_timer = event_new(d->base, -1, EV_PERSIST, on_poll, d);
	d->settle = evtimer_new(d->base, on_settle, d);
	if (!d->poll_timer || !d->settle || event_add(d->poll_timer, &poll))
		return -1;
	if (!d->pooled)
		return 0;
	d->report_timer = event_new(d->base, -1, EV_PERSIST, on_report, d);
	return d->report_timer && event_add(d->report_timer, &report) == 0 ? 0 : -1;
}

int daemon_init(struct daemon *d, const char *store_uri, const struct daemon_opts *opts,
		struct ucsh_err *err)
{
	memset(d, 0, sizeof(*d));
	d->started = time(NULL);
	d->store_uri = xstrdup(store_uri);
	d->node = node_name(opts ? opts->node : NULL);
	d->listen = address_list(opts ? opts->listen : NULL);
	d->store = store_open(store_uri, err);
	if (!d->store || find_pool(d, err) || store_changes(d->store, NULL, &d->change_seq, err))
		return -1;
	d->admin_busy_ms = store_busy_timeout(d->store);
	d->base = event_base_new();
	if (!d->base)
		return err_set(err, "cannot create the event loop");
	char *path = daemon_control_path(store_uri, err);
	if (!path)
		return -1;
	d->ctl = ctl_server_new(d, path, err);
	free(path);
	if (!d->ctl)
		return -1;
	watch_start(d);
	if (timers_init(d) || add_signal(d, &d->sig_hup, SIGHUP, on_hup) ||
	    add_signal(d, &d->sig_term, SIGTERM, on_term) ||
	    add_signal(d, &d->sig_int, SIGINT, on_term))
		return err_set(err, "cannot set up the loop's timers and signals");
	signal(SIGPIPE, SIG_IGN);
	return pki_setup(d, err);
}

void daemon_add_service(struct daemon *d, const struct service_ops *ops, void *impl)
{
	struct service *svc = xcalloc(1, sizeof(*svc));
	svc->ops = ops;
	svc->d = d;
	svc->impl = impl;
	d->services = xrealloc(d->services, (d->nservices + 1) * sizeof(*d->services));
	d->services[d->nservices++] = svc;
}

struct service *daemon_service(struct daemon *d, const char *name)
{
	for (size_t i = 0; i < d->nservices; i++)
		if (str_ieq(d->services[i]->ops->name, name))
			return d->services[i];
	return NULL;
}

int daemon_service_start(struct service *svc, struct ucsh_err *err)
{
	if (svc->state == SERVICE_RUNNING)
		return 0;
	struct store *st = svc->d->store;
	int loop_ms = store_busy_timeout(st);
	store_set_busy_timeout(st, svc->d->admin_busy_ms);
	int rc = svc->ops->start(svc, err);
	store_set_busy_timeout(st, loop_ms);
	if (rc) {
		svc->state = SERVICE_FAILED;
		snprintf(svc->last_error, sizeof(svc->last_error), "%s", err->msg);
		log_error("%s did not start: %s", svc->ops->name, err->msg);
		return -1;
	}
	svc->state = SERVICE_RUNNING;
	svc->last_error[0] = '\0';
	log_notice("%s started", svc->ops->name);
	return 0;
}

void daemon_service_stop(struct service *svc)
{
	if (svc->state != SERVICE_RUNNING)
		return;
	/* what a stopping service still writes waits as an admin's write does */
	struct store *st = svc->d->store;
	int loop_ms = store_busy_timeout(st);
	store_set_busy_timeout(st, svc->d->admin_busy_ms);
	svc->ops->stop(svc);
	store_set_busy_timeout(st, loop_ms);
	svc->state = SERVICE_STOPPED;
	log_notice("%s stopped", svc->ops->name);
}

void daemon_start_services(struct daemon *d)
{
	struct ucsh_err err;
	for (size_t i = 0; i < d->nservices; i++)
		daemon_service_start(d->services[i], &err);
	log_notice("serving pool %s from %s as node %s%s", d->pool_id, store_uri(d->store), d->node,
		   d->watch_ev ? " (notified of changes)" : "");
}

json_t *daemon_status(struct daemon *d)
{
	json_t *out = json_array();
	for (size_t i = 0; i < d->nservices; i++) {
		struct service *svc = d->services[i];
		json_t *o = value_object_new("ServiceInfo");
		json_object_set_new(o, "Identity", json_sprintf("%s:%s", svc->ops->name, d->pool_id));
		json_object_set_new(o, "Service", json_string(svc->ops->name));
		json_object_set_new(o, "Pool", json_string(d->pool_id));
		json_object_set_new(o, "State", json_string(service_state_name(svc->state)));
		json_object_set_new(o, "Summary", json_string(svc->ops->summary));
		json_object_set_new(o, "LastError",
				    svc->last_error[0] ? json_string(svc->last_error) : json_null());
		json_object_set_new(o, "ProcessId", json_integer(getpid()));
		json_object_set_new(o, "Node", json_string(d->node));
		json_t *extra = svc->state == SERVICE_RUNNING && svc->ops->status
					? svc->ops->status(svc) : NULL;
		if (extra)
			json_object_update(o, extra);
		json_decref(extra);
		json_array_append_new(out, o);
	}
	return out;
}

int daemon_run(struct daemon *d)
{
	store_set_busy_timeout(d->store, DAEMON_LOOP_BUSY_MS);
	int rc = event_base_dispatch(d->base);
	return rc < 0 ? 1 : 0;
}

void daemon_free(struct daemon *d)
{
	for (size_t i = 0; i < d->nservices; i++) {
		struct service *svc = d->services[i];
		daemon_service_stop(svc);
		if (svc->ops->destroy)
			svc->ops->destroy(svc);
		free(svc);
	}
	free(d->services);
	ctl_server_free(d->ctl);
	struct event *evs[] = { d->sig_hup, d->sig_term, d->sig_int, d->poll_timer, d->pki_timer,
				d->watch_ev, d->settle, d->report_timer };
	for (size_t i = 0; i < UCSH_ARRAY_LEN(evs); i++)
		if (evs[i])
			event_free(evs[i]);
	if (d->base)
		event_base_free(d->base);
	pki_free(d->pki); /* after the services: their listeners borrowed it */
	json_decref(d->pool);
	json_decref(d->listen);
	free(d->pool_id);
	free(d->node);
	store_close(d->store);
	free(d->store_uri);
	memset(d, 0, sizeof(*d));
}
