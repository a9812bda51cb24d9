/*
 * ctl: the local control socket between ucsh and ucshd. One JSON object
 * per line each way: a request {"op": "status"|"start"|"stop", "service":
 * NAME} and an answer {"ok": true, "result": ...} or {"ok": false,
 * "error": "..."}. The socket is 0600 and the daemon also checks the
 * peer's uid, so only its owner (or root) can drive it.
 */
#ifndef UCSH_CTL_H
#define UCSH_CTL_H

#include <jansson.h>

#include "util.h"

struct daemon;
struct ctl_server;

/* Listen on path (removing a stale socket first). NULL with err. */
struct ctl_server *ctl_server_new(struct daemon *d, const char *path, struct ucsh_err *err);
void ctl_server_free(struct ctl_server *c);

/*
 * Client: send req (borrowed) to the daemon at path and wait (bounded by
 * timeout_ms) for its answer. Returns the "result" (new reference), or NULL
 * with err: "ucshd is not running" when nothing listens at path, or the
 * daemon's own error.
 */
json_t *ctl_request(const char *path, json_t *req, int timeout_ms, struct ucsh_err *err);
/* True when nothing listens at path (ucshd is not running for that store). */
bool ctl_not_running(const struct ucsh_err *err);

#endif
