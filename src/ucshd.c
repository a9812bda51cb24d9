/*
 * ucshd: the services the phones talk to, in one event loop (daemon.h).
 * Foreground by default (systemd and tests want that); -d detaches, and
 * the parent exits only once the child is serving or has failed, so that
 * `ucshd -d && next-step` is race-free.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "services.h"
#include "sshd.h"
#include "store.h"

struct options {
	const char *store, *pidfile, *node, *listen;
	bool detach;
	int level;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ucshd [--store URI] [-d] [--pidfile FILE] [--log-level LEVEL]\n"
		"             [--node NAME] [--listen-address ADDR[,ADDR...]]\n"
		"\n"
		"  --store URI        the store (sqlite://PATH or postgresql://...); default $UCSH_STORE\n"
		"  --node NAME        this node's name in a pool sharing a PostgreSQL store\n"
		"                     (default $UCSH_NODE, else HOST:PID)\n"
		"  --listen-address ADDR[,ADDR...]\n"
		"                     listen there instead of the pool's ListenAddress (pool\n"
		"                     nodes that share a host)\n"
		"  -d                 detach and log to syslog (foreground and stderr by default)\n"
		"  --pidfile FILE     write the process id to FILE once serving\n"
		"  --log-level LEVEL  error, warning, notice (default), info or debug\n"
		"  --version, --help\n"
		"\n"
		"SIGHUP reloads the configuration; SIGTERM drains and exits.\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "node", required_argument, NULL, 'n' },
		{ "listen-address", required_argument, NULL, 'a' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	o->level = LOG_LVL_NOTICE;
	while ((c = getopt_long(argc, argv, "dh", opts, NULL)) != -1) {
		switch (c) {
		case 's': o->store = optarg; break;
		case 'p': o->pidfile = optarg; break;
		case 'd': o->detach = true; break;
		case 'n': o->node = optarg; break;
		case 'a': o->listen = optarg; break;
		case 'l':
			if ((o->level = log_level_parse(optarg)) < 0) {
				fprintf(stderr, "ucshd: --log-level takes error, warning, notice, info "
						"or debug, not '%s'\n", optarg);
				return 2;
			}
			break;
		case 'V': printf("ucshd %s\n", PACKAGE_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ucshd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1;
}

/* Lock and write the pid file; the lock shows another ucshd that we run. */
static int write_pidfile(const char *path, int *fd_out, struct ucsh_err *err)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, "cannot open the pid file %s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return err_set(err, "%s is locked: another ucshd is running", path);
	}
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || write(fd, buf, (size_t)n) != n) {
		close(fd);
		return err_set(err, "cannot write the pid file %s: %s", path, strerror(errno));
	}
	*fd_out = fd;
	return 0;
}

/* Fork; the parent waits for the child's one-byte verdict and exits with it. */
static int detach(int *ready_fd)
{
	int p[2];
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		char verdict = 1;
		close(p[1]);
		if (read(p[0], &verdict, 1) != 1)
			verdict = 1;
		_exit(verdict);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

static void tell_parent(int *ready_fd, char verdict)
{
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, &verdict, 1) != 1)
		log_warning("cannot tell the waiting parent that we are %s",
			    verdict ? "failing" : "ready");
	close(*ready_fd);
	*ready_fd = -1;
	if (verdict == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
			close(null);
		}
	}
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	if (argc > 1 && strcmp(argv[1], "--ssh-session") == 0)
		return sshd_session_main(argc, argv); /* one SSH connection (sshd.h) */
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	int ready_fd = -1, pid_fd = -1;
	if (o.detach && detach(&ready_fd) != 0) {
		perror("ucshd: fork");
		return 1;
	}
	log_init("ucshd", (enum log_level)o.level, o.detach);
	struct daemon d;
	struct ucsh_err err;
	err_clear(&err);
	char *uri = xstrdup(o.store ? o.store : store_default_uri());
	struct daemon_opts dopts = { .node = o.node, .listen = o.listen };
	if (daemon_init(&d, uri, &dopts, &err) != 0) {
		log_error("%s%s%s", err.msg, err.hint[0] ? "; " : "", err.hint);
		daemon_free(&d);
		free(uri);
		tell_parent(&ready_fd, 1);
		return 1;
	}
	services_register(&d);
	daemon_start_services(&d);
	if (o.pidfile && write_pidfile(o.pidfile, &pid_fd, &err) != 0) {
		log_error("%s", err.msg);
		daemon_free(&d);
		free(uri);
		tell_parent(&ready_fd, 1);
		return 1;
	}
	tell_parent(&ready_fd, 0);
	rc = daemon_run(&d);
	daemon_free(&d);
	if (o.pidfile) {
		unlink(o.pidfile);
		close(pid_fd);
	}
	free(uri);
	log_notice("exited");
	return rc;
}
