/*
 * ucsh: the management shell. Interactive on a terminal, or runs -c
 * commands, a script file with arguments, or commands from stdin.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "complete.h"
#include "help.h"
#include "repl.h"
#include "shell.h"
#include "ssh_client.h"
#include "store.h"
#include "value.h"

static volatile sig_atomic_t cancel_flag;

static void on_sigint(int sig)
{
	(void)sig;
	cancel_flag = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ucsh [options] [-c COMMANDS | FILE [ARGS...]]\n"
		"\n"
		"  -c COMMANDS        run COMMANDS and exit\n"
		"  FILE [ARGS...]     run the script FILE; $args holds ARGS\n"
		"  --store URI        the store (sqlite://PATH or postgresql://...); default $UCSH_STORE\n"
		"  --host ssh://USER@HOST[:PORT]  run the commands on a remote ucshd\n"
		"  -o FORMAT          output as table, list, json or csv\n"
		"  --no-color         no colour, even on a terminal\n"
		"  --version          print the version and exit\n"
		"  --help             print this help and exit\n"
		"\n"
		"With neither -c nor FILE, ucsh reads commands from the terminal, or from stdin\n"
		"when it is not a terminal. Get-Help and Get-Command explain the cmdlets.\n");
}

static int parse_format(const char *s, enum output_format *out)
{
	static const struct { const char *name; enum output_format f; } fmts[] = {
		{ "table", OUT_TABLE }, { "list", OUT_LIST }, { "json", OUT_JSON }, { "csv", OUT_CSV },
	};
	for (size_t i = 0; i < UCSH_ARRAY_LEN(fmts); i++)
		if (str_ieq(fmts[i].name, s)) {
			*out = fmts[i].f;
			return 0;
		}
	return -1;
}

static char *read_stream(FILE *f, const char *name, struct ucsh_err *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sb_add(&sb, buf, n);
	if (ferror(f)) {
		err_set(err, "cannot read %s: %s", name, strerror(errno));
		sb_free(&sb);
		return NULL;
	}
	if (memchr(sb_str(&sb), '\0', sb.len)) {
		err_set(err, "%s is not a text script (it holds a NUL byte)", name);
		sb_free(&sb);
		return NULL;
	}
	return sb_detach(&sb);
}

static int run_text(struct shell *sh, const char *text, const char *source)
{
	if (shell_run(sh, text, source) < 0)
		return 1;
	if (sh->exit_requested >= 0)
		return sh->exit_requested;
	return sh->errors ? 1 : 0;
}

static int run_file(struct shell *sh, const char *path, char **argv, int argc)
{
	struct ucsh_err err;
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "ucsh: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	char *text = read_stream(f, path, &err);
	if (f != stdin)
		fclose(f);
	if (!text) {
		fprintf(stderr, "ucsh: %s\n", err.msg);
		return 1;
	}
	json_t *args = json_array();
	for (int i = 0; i < argc; i++)
		json_array_append_new(args, json_string(argv[i]));
	shell_var_set(sh, "args", args);
	int rc = run_text(sh, text, path);
	free(text);
	return rc;
}

enum { OPT_STORE = 256, OPT_HOST, OPT_NO_COLOR, OPT_VERSION, OPT_HELP, OPT_GENERATE,
       OPT_COMPLETE };

static const struct option long_opts[] = {
	{ "store", required_argument, NULL, OPT_STORE },
	{ "host", required_argument, NULL, OPT_HOST },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "generate", required_argument, NULL, OPT_GENERATE },
	{ "complete", no_argument, NULL, OPT_COMPLETE },
	{ NULL, 0, NULL, 0 },
};

struct options {
	const char *command, *store, *host, *generate;
	bool no_color, complete;
	enum output_format format;
};

/* Returns -1 to go on, or an exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int c;
	while ((c = getopt_long(argc, argv, "+c:o:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'c': o->command = optarg; break;
		case 'o':
			if (parse_format(optarg, &o->format)) {
				fprintf(stderr, "ucsh: -o takes table, list, json or csv, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case OPT_STORE: o->store = optarg; break;
		case OPT_HOST: o->host = optarg; break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_VERSION: printf("ucsh %s\n", PACKAGE_VERSION); return 0;
		case 'h':
		case OPT_HELP: usage(stdout); return 0;
		case OPT_GENERATE: o->generate = optarg; break;
		case OPT_COMPLETE: o->complete = true; break;
		default: usage(stderr); return 2;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (o.generate) {
		struct ucsh_err err;
		if (help_generate(o.generate, &err)) {
			fprintf(stderr, "ucsh: %s\n", err.msg);
			return 1;
		}
		return 0;
	}
	if (o.complete)
		return complete_main(argc - optind, argv + optind);
	if (o.host) {
		if (o.store) {
			fprintf(stderr, "ucsh: --host and --store exclude each other: the remote "
					"ucshd works on its own store\n");
			return 2;
		}
		struct ssh_client_opts so = {
			.host_uri = o.host, .command = o.command, .format = o.format,
			.script = !o.command && optind < argc ? argv[optind] : NULL,
			.args = argv + optind + 1, .nargs = !o.command && optind < argc
							       ? argc - optind - 1 : 0,
		};
		return ssh_client_run(&so);
	}
	struct shell sh;
	shell_init(&sh);
	sh.format = o.format;
	char *store_uri = xstrdup(o.store ? o.store : store_default_uri());
	sh.store_uri = store_uri;
	sh.cancel = &cancel_flag;
	/* the local shell is recorded in the audit log under the Unix user */
	struct passwd *pw = getpwuid(getuid());
	char *local_user = pw ? xstrdup(pw->pw_name) : xasprintf("uid %u", (unsigned)getuid());
	sh.admin = local_user;
	sh.color = !o.no_color && !getenv("NO_COLOR") && isatty(STDOUT_FILENO) &&
		   isatty(STDERR_FILENO);
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (o.command) {
		rc = run_text(&sh, o.command, "<command line>");
	} else if (optind < argc) {
		rc = run_file(&sh, argv[optind], argv + optind + 1, argc - optind - 1);
	} else if (isatty(STDIN_FILENO)) {
		sh.interactive = true;
		rc = repl_run(&sh);
	} else {
		rc = run_file(&sh, "-", NULL, 0);
	}
	shell_free(&sh);
	free(store_uri);
	free(local_user);
	/* a script stopped by Ctrl-C ends as shells do after SIGINT, whatever
	 * the statement it stopped in was doing */
	if (cancel_flag && !sh.interactive)
		rc = 130;
	return rc;
}
