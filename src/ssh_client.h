/*
 * ssh_client: `ucsh --host ssh://USER@HOST[:PORT]`, the shell of a remote
 * ucshd over SSH (libssh). The host key is checked against the user's
 * known_hosts (a changed key is refused, an unknown one is only added
 * after asking on a terminal); sign-in uses the SSH agent or the user's
 * keys, as OpenSSH's client would. Commands (-c, a script, stdin) run as
 * one exec request whose exit status becomes ucsh's; with none on a
 * terminal, the remote shell runs interactively on a pty.
 */
#ifndef UCSH_SSH_CLIENT_H
#define UCSH_SSH_CLIENT_H

#include "shell.h"

struct ssh_client_opts {
	const char *host_uri;   /* ssh://USER@HOST[:PORT] */
	const char *command;    /* -c, or NULL */
	const char *script;     /* a script file ("-": stdin), or NULL */
	char **args;            /* the script's arguments */
	int nargs;
	enum output_format format;
};

/* Run and return ucsh's exit status (2: usage, 255 never). Prints its own
 * errors to stderr, as main would. */
int ssh_client_run(const struct ssh_client_opts *o);

#endif
