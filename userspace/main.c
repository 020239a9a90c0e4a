// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: the netpolicy manager.
 *
 *   npmgr [-j] COMMAND [ARGS]      see npmgr(8), or `npmgr help`
 */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npmgr.h"

#define NPMGR_VERSION "0.1"

static bool json;

static int usage_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("npmgr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'npmgr help'.\n", stderr);
	return 2;
}

/*
 * Parse and check @path (against @loaded, for load --add); print every
 * problem. 0 when the file is good.
 */
static int compile_file(const char *path, struct np_config *cfg,
			const struct np_config *loaded)
{
	struct np_diags d = { 0 };
	char *buf;
	size_t len;
	int err = read_file(path, &buf, &len);

	memset(cfg, 0, sizeof(*cfg));
	if (err) {
		fprintf(stderr, "npmgr: %s: %s\n", path, strerror(-err));
		return 1;
	}
	if (!config_parse(path, buf, len, cfg, &d))
		config_check_with(cfg, loaded, &d);
	if (d.count) {
		fputs(d.text, stderr);
		fprintf(stderr, "npmgr: %s: %d error%s, nothing loaded\n", path,
			d.count, d.count == 1 ? "" : "s");
	}
	err = d.count ? 1 : 0;
	diags_free(&d);
	free(buf);
	return err;
}

static int cmd_check(int argc, char **argv)
{
	struct np_config cfg;
	int rc;

	if (argc != 2)
		return usage_error("usage: npmgr check %s", "FILE");
	rc = compile_file(argv[1], &cfg, NULL);
	if (!rc && json) {
		config_sort(&cfg);
		print_json(stdout, &cfg, false, NULL, 0);
	}
	config_free(&cfg);
	return rc;
}

/*
 * The objects a toolstack watcher made lose a name clash to the file's (see
 * the uapi header): for checking the file they do not count.
 */
static void drop_toolstack(struct np_config *c)
{
	struct np_config mine = { 0 };
	size_t i, n;

	for (i = n = 0; i < c->n_vms; i++)
		if (c->vms[i].source)
			*(struct np_vm_def *)xpush((void **)&mine.vms, &mine.n_vms,
						   sizeof(*mine.vms)) = c->vms[i];
		else
			c->vms[n++] = c->vms[i];
	c->n_vms = n;
	for (i = n = 0; i < c->n_vifs; i++)
		if (c->vifs[i].source)
			*(struct np_vif_def *)xpush((void **)&mine.vifs, &mine.n_vifs,
						    sizeof(*mine.vifs)) = c->vifs[i];
		else
			c->vifs[n++] = c->vifs[i];
	c->n_vifs = n;
	config_free(&mine);
}

static int cmd_load(int argc, char **argv)
{
	struct np_config cfg, loaded = { 0 };
	struct np_ipc *ipc;
	bool add = false;
	const char *file = NULL, *host = NULL;
	char hostname[256];
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--add"))
			add = true;
		else if (!strcmp(argv[i], "--host") && i + 1 < argc)
			host = argv[++i];
		else if (!strcmp(argv[i], "--host"))
			return usage_error("load: --host needs a %s", "NAME");
		else if (!file)
			file = argv[i];
		else
			return usage_error("load: unexpected argument '%s'", argv[i]);
	}
	if (!file)
		return usage_error("usage: npmgr load [--add] [--host NAME] %s",
				   "FILE");
	if (!host) {
		if (gethostname(hostname, sizeof(hostname)))
			hostname[0] = '\0';
		hostname[sizeof(hostname) - 1] = '\0';
		host = hostname;
	}
	if (!*host || strlen(host) >= NETPOLICY_NAME_MAX)
		return usage_error("load: the host name must be 1 to %d characters (use --host)",
				   NETPOLICY_NAME_MAX - 1);
	/*
	 * A file is checked before the kernel is asked anything; with --add
	 * it may refer to what is loaded (and must not repeat it), so that
	 * is read first.
	 */
	ipc = add ? ipc_open() : NULL;
	if (add && (!ipc || ipc_get_config(ipc, &loaded))) {
		ipc_close(ipc);
		config_free(&loaded);
		return 1;
	}
	drop_toolstack(&loaded);
	rc = compile_file(file, &cfg, add ? &loaded : NULL);
	config_free(&loaded);
	if (!rc && !ipc)
		ipc = ipc_open();
	if (!rc)
		rc = ipc ? ipc_load(ipc, &cfg, !add, host) : -1;
	ipc_close(ipc);
	if (!rc && isatty(STDOUT_FILENO))
		printf("loaded %zu polic%s, %zu network%s, %zu vm%s, %zu vif%s, %zu nic%s from %s (host %s)\n",
		       cfg.n_policies, cfg.n_policies == 1 ? "y" : "ies",
		       cfg.n_nets, cfg.n_nets == 1 ? "" : "s",
		       cfg.n_vms, cfg.n_vms == 1 ? "" : "s",
		       cfg.n_vifs, cfg.n_vifs == 1 ? "" : "s",
		       cfg.n_nics, cfg.n_nics == 1 ? "" : "s", file, host);
	config_free(&cfg);
	return rc ? 1 : 0;
}

static int cmd_del(int argc, char **argv)
{
	static const char *const kinds[] = {
		"network", "vif", "vm", "policy", "nic",
	};
	struct np_ipc *ipc;
	size_t k;
	int rc;

	if (argc != 3)
		return usage_error("usage: npmgr del %s NAME",
				   "network|vif|vm|policy|nic");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(argv[1], kinds[k]))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return usage_error("del: '%s' is not network, vif, vm, policy or nic",
				   argv[1]);
	ipc = ipc_open();
	rc = ipc ? ipc_del(ipc, kinds[k], argv[2], -1, false) : -1;
	ipc_close(ipc);
	return rc ? 1 : 0;
}

static int cmd_flush(int argc, char **argv)
{
	struct np_ipc *ipc;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage_error("usage: npmgr flush%s", "");
	ipc = ipc_open();
	rc = ipc ? ipc_flush(ipc) : -1;
	ipc_close(ipc);
	return rc ? 1 : 0;
}

static int cmd_show(int argc, char **argv)
{
	bool want_cfg = true, want_ports = true;
	struct np_port_info *ports = NULL;
	struct np_config cfg = { 0 };
	struct np_ipc *ipc;
	size_t n = 0, i;
	int rc = 0;

	if (argc > 2)
		return usage_error("usage: npmgr show [%s]", "config|interfaces");
	if (argc == 2) {
		if (!strcmp(argv[1], "config"))
			want_ports = false;
		else if (!strcmp(argv[1], "interfaces"))
			want_cfg = false;
		else
			return usage_error("show: '%s' is not 'config' or 'interfaces'",
					   argv[1]);
	}
	ipc = ipc_open();
	if (!ipc)
		return 1;
	if (want_cfg)
		rc = ipc_get_config(ipc, &cfg);
	if (!rc && want_ports)
		rc = ipc_get_ports(ipc, &ports, &n);
	ipc_close(ipc);
	if (!rc) {
		if (json) {
			print_json(stdout, want_cfg ? &cfg : NULL, want_ports,
				   ports, n);
		} else {
			if (want_cfg)
				print_config(stdout, &cfg);
			if (want_cfg && want_ports)
				fputc('\n', stdout);
			if (want_ports)
				print_ports(stdout, ports, n);
		}
	}
	for (i = 0; i < n; i++)
		port_free(&ports[i]);
	free(ports);
	config_free(&cfg);
	return rc ? 1 : 0;
}

static int cmd_explain(int argc, char **argv)
{
	struct np_port_info *ports = NULL;
	struct np_config cfg = { 0 };
	struct np_ipc *ipc;
	size_t n = 0, i;
	int rc;

	if (argc != 2)
		return usage_error("usage: npmgr explain %s", "IFNAME|VM|VIF");
	ipc = ipc_open();
	if (!ipc)
		return 1;
	rc = ipc_get_config(ipc, &cfg);
	if (!rc)
		rc = ipc_get_ports(ipc, &ports, &n);
	ipc_close(ipc);
	if (!rc)
		rc = explain(stdout, &cfg, ports, n, argv[1]);
	for (i = 0; i < n; i++)
		port_free(&ports[i]);
	free(ports);
	config_free(&cfg);
	return rc ? 1 : 0;
}

static void on_event(int ev, struct np_port_info *p, void *arg)
{
	(void)arg;
	print_event(stdout, ev, p, json);
}

static int cmd_monitor(int argc, char **argv)
{
	struct np_ipc *ipc;
	int rc;

	(void)argv;
	if (argc != 1)
		return usage_error("usage: npmgr monitor%s", "");
	ipc = ipc_open();
	rc = ipc ? ipc_monitor(ipc, on_event, NULL) : -1;
	ipc_close(ipc);
	return rc ? 1 : 0;
}

static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "load", cmd_load, "load [--add] [--host NAME] FILE  replace (or add to) the loaded objects" },
	{ "check", cmd_check, "check FILE          parse and check a policy file, load nothing" },
	{ "show", cmd_show, "show [config|interfaces]  print objects and interface states" },
	{ "monitor", cmd_monitor, "monitor             print attach/detach/refusal events as they happen" },
	{ "explain", cmd_explain, "explain IFNAME|VM|VIF  why an interface is (not) attached, step by step" },
	{ "del", cmd_del, "del network|vif|vm|policy|nic NAME  delete one object" },
	{ "flush", cmd_flush, "flush               delete every object of this namespace" },
	{ "xenwatch", cmd_xenwatch, "xenwatch [--once] [-v]  describe running Xen guests' vifs to the kernel, from xenstore" },
	{ "xen-hotplug", cmd_xen_hotplug, "xen-hotplug online|offline|add|remove  the vif-netpolicy hotplug script (run by libxl)" },
	{ "help", cmd_help, "help                this text" },
};

static int cmd_help(int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	printf("usage: npmgr [-j] COMMAND [ARGS]\n\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		printf("  %s\n", commands[i].help);
	printf("\n  -j  JSON output (show, monitor, check)\n\nSee npmgr(8).\n");
	return 0;
}

int main(int argc, char **argv)
{
	size_t i;

	while (argc > 1 && argv[1][0] == '-') {
		if (!strcmp(argv[1], "-j") || !strcmp(argv[1], "--json")) {
			json = true;
		} else if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
			printf("npmgr %s (netpolicy protocol %d)\n", NPMGR_VERSION,
			       NETPOLICY_GENL_VERSION);
			return 0;
		} else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
			return cmd_help(0, NULL);
		} else {
			return usage_error("unknown option '%s'", argv[1]);
		}
		argv++;
		argc--;
	}
	if (argc < 2)
		return cmd_help(0, NULL) ? 2 : 2;
	/* Options may also follow the command: npmgr show -j */
	for (i = 2; i < (size_t)argc; i++) {
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json = true;
			memmove(&argv[i], &argv[i + 1], (argc - i) * sizeof(*argv));
			argc--;
			i--;
		}
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
