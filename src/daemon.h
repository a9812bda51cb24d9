/*
 * daemon: the core of ucshd. One libevent loop carries every service (the
 * SIP registrar, the Device Update web sites, the SSH endpoint) and the
 * local control socket. The daemon finds its pool in the store, starts the
 * services with the pool's addresses and ports, notices within a second
 * when a cmdlet changed the store (and tells the services to reload),
 * reloads on SIGHUP and drains on SIGTERM.
 *
 * Several nodes may serve one pool from one PostgreSQL store. Each has a
 * name (node), hears of changes at once through the store's watch fd
 * (LISTEN/NOTIFY) instead of polling, publishes its services' status every
 * few seconds (store_node_report) so that Get-CsService can sum the pool's
 * counters, and may listen on addresses of its own (--listen-address) in
 * place of the pool's ListenAddress, as pool members on one host must.
 *
 * A service is a struct service_ops (name, start, stop, reload, status)
 * registered with daemon_add_service; the daemon owns its lifecycle and the
 * control socket reports and drives it (Get-/Start-/Stop-CsService).
 */
#ifndef UCSH_DAEMON_H
#define UCSH_DAEMON_H

#include <jansson.h>
#include <stdbool.h>
#include <time.h>

#include "util.h"

struct event_base;
struct store;
struct daemon;
struct service;
struct pki;

enum service_state {
	SERVICE_STOPPED,
	SERVICE_RUNNING,
	SERVICE_FAILED, /* start failed: last_error says why */
};
const char *service_state_name(enum service_state s);

struct service_ops {
	const char *name;    /* "Registrar", "DeviceUpdateInternal", ... */
	const char *summary; /* one line for Get-CsService */
	/* Bind the listeners from d->pool; 0, or -1 with err (nothing left bound). */
	int (*start)(struct service *svc, struct ucsh_err *err);
	/* Close the listeners and finish or drop what is in flight. */
	void (*stop)(struct service *svc);
	/* The store changed (pool, configuration): re-read what matters. */
	void (*reload)(struct service *svc);
	/* Addresses and counters for Get-CsService: a new object, may be NULL. */
	json_t *(*status)(struct service *svc);
	/* Free impl; the service is stopped. */
	void (*destroy)(struct service *svc);
	/* The status properties that count this node's work (NULL-terminated,
	 * or NULL): Get-CsService adds them up over the nodes of the pool. */
	const char *const *counters;
};

struct service {
	const struct service_ops *ops;
	struct daemon *d;
	enum service_state state;
	char last_error[512];
	void *impl; /* the service's own state, owned through ops->destroy */
};

/*
 * How long the loop waits for another writer's lock. The loop answers every
 * phone, so it never waits long: a write that finds the store busy (an
 * Import-CsPhone batch, a Set-* pipeline) is kept and tried again a little
 * later, and the phones are answered meanwhile. Starting a service, which
 * an admin asked for and waits on, uses the store's usual busy timeout.
 */
#define DAEMON_LOOP_BUSY_MS 20
#define DAEMON_BUSY_RETRY_MS 50  /* the wait before a kept write is tried again */

struct daemon {
	struct event_base *base;
	struct store *store;
	char *store_uri;
	char *pool_id;       /* the pool this node serves */
	char *node;          /* this process's name in the pool: --node, or host:pid */
	json_t *listen;      /* addresses replacing the pool's ListenAddress, or NULL */
	json_t *pool;        /* its object, re-read on every store change */
	struct service **services;
	size_t nservices;
	long long change_seq;
	struct ctl_server *ctl;
	struct event *sig_hup, *sig_term, *sig_int, *poll_timer;
	/* The certificates (pki.h): made on first start, refreshed on every
	 * store change and on pki_timer. NULL when they could not be set up:
	 * pki_error says why, and TLS listeners cannot start. */
	struct pki *pki;
	struct event *pki_timer;
	char pki_error[512];
	struct event *watch_ev;   /* the store's change notifications, or NULL */
	struct event *settle;     /* a reload after a burst of notifications */
	struct event *report_timer;
	bool pooled;              /* the store serves a pool (PostgreSQL) */
	int admin_busy_ms;        /* the store's busy timeout for what an admin asked */
	bool draining;
	time_t started;
};

/* What a node is told at start (ucshd's options); all may be NULL. */
struct daemon_opts {
	const char *node;    /* its name in the pool; NULL: $UCSH_NODE, else host:pid */
	const char *listen;  /* comma-separated addresses replacing the pool's ListenAddress */
};

/* Open the store, find this node's pool, make the loop and the control
 * socket. -1 with err. */
int daemon_init(struct daemon *d, const char *store_uri, const struct daemon_opts *opts,
		struct ucsh_err *err);
void daemon_add_service(struct daemon *d, const struct service_ops *ops, void *impl);
/* Start every service; a service that fails to start is reported, not fatal. */
void daemon_start_services(struct daemon *d);
/* Run until SIGTERM/SIGINT has drained the services. Returns the exit status. */
int daemon_run(struct daemon *d);
void daemon_free(struct daemon *d);

struct service *daemon_service(struct daemon *d, const char *name);
int daemon_service_start(struct service *svc, struct ucsh_err *err);
void daemon_service_stop(struct service *svc);
/* Every service as ServiceInfo objects (Get-CsService). New reference. */
json_t *daemon_status(struct daemon *d);


/* Where the control socket of the store at uri lives (caller frees), or
 * NULL with err when it cannot have one (path too long). */
char *daemon_control_path(const char *store_uri, struct ucsh_err *err);

#endif
