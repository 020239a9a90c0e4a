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
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "graph.h"
#include "ipc.h"
#include "load.h"
#include "pool/pool.h"
#include "print.h"
#include "realize/realize.h"
#include "xen/xen.h"


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

static int cmd_check(int argc, char **argv)
{
	struct np_config cfg;
	int rc;

	if (argc != 2)
		return usage_error("usage: npmgr check %s", "FILE");
	rc = load_compile(argv[1], &cfg, NULL, NULL, false, NULL);
	if (!rc && json) {
		config_sort(&cfg);
		print_json(stdout, &cfg, false, NULL, 0, NULL, 0);
	}
	config_free(&cfg);
	return rc;
}

/* --host NAME, or this machine's name; NULL (and a message) if invalid. */
static const char *host_name(const char *cmd, const char *opt,
			     char *buf, size_t size)
{
	if (!opt) {
		if (gethostname(buf, size))
			buf[0] = '\0';
		buf[size - 1] = '\0';
		opt = buf;
	}
	if (!*opt || strlen(opt) >= NETPOLICY_NAME_MAX) {
		usage_error("%s: the host name must be 1 to %d characters (use --host)",
			    cmd, NETPOLICY_NAME_MAX - 1);
		return NULL;
	}
	return opt;
}

struct load_opts {
	bool add, update;
	const char *file, *host, *keys;
	char hostname[256];
};

static int load_args(const char *cmd, int argc, char **argv,
		     struct load_opts *o, bool allow_add)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->keys = NPMGR_KEYS_DEFAULT;
	for (i = 1; i < argc; i++) {
		if (allow_add && !strcmp(argv[i], "--add"))
			o->add = true;
		else if (allow_add && !strcmp(argv[i], "--update"))
			o->update = true;
		else if (!strcmp(argv[i], "--host") && i + 1 < argc)
			o->host = argv[++i];
		else if (!strcmp(argv[i], "--keys") && i + 1 < argc)
			o->keys = argv[++i];
		else if (!strcmp(argv[i], "--secret"))
			return usage_error("%s: --secret is gone: each encrypted network has its own key, NETWORK.cak in the --keys directory (see npmgr(8))",
					   cmd);
		else if (!strcmp(argv[i], "--host") || !strcmp(argv[i], "--keys"))
			return usage_error("%s: %s needs a value", cmd, argv[i]);
		else if (!o->file)
			o->file = argv[i];
		else
			return usage_error("%s: unexpected argument '%s'", cmd,
					   argv[i]);
	}
	if (!o->file)
		return usage_error("usage: npmgr %s %s[--host NAME] [--keys DIR] FILE|DIR",
				   cmd, allow_add ? "[--add|--update] " : "");
	if (o->add && o->update)
		return usage_error("%s: --add and --update exclude each other (--update also replaces what the file names)",
				   cmd);
	o->host = host_name(cmd, o->host, o->hostname, sizeof(o->hostname));
	return o->host ? 0 : 2;
}

static int cmd_load(int argc, char **argv)
{
	struct load_opts o;
	int rc = load_args("load", argc, argv, &o, true);

	if (rc)
		return rc;
	return load_file(&(struct load_req){ .file = o.file, .host = o.host,
					      .keys = o.keys, .add = o.add,
					      .update = o.update,
					      .log = stdout });
}

static int cmd_realize(int argc, char **argv)
{
	struct rz_plan *plan = NULL;
	struct np_config cfg;
	struct plan_req pr;
	struct load_opts o;
	struct rz_host *rz;
	int rc;

	rc = load_args("realize", argc, argv, &o, false);
	if (rc)
		return rc;
	rz = rz_host_open(stdout, o.host);
	pr = (struct plan_req){ o.host, o.keys, rz, &plan };
	rc = load_compile(o.file, &cfg, NULL, &pr, false, NULL);
	if (!rc && !cfg.n_pool) {
		fprintf(stderr, "npmgr: %s declares no host blocks (the pool): there is nothing to realize\n",
			o.file);
		rc = 1;
	}
	if (!rc)
		rc = rz_apply(rz, plan);
	if (!rc)
		rc = rz_prune(rz, plan, NULL);
	if (!rc && !rz_host_changes(rz) && !rz_plan_sessions(plan))
		printf("host %s: the %zu device%s of %s are as they should be\n",
		       o.host, rz_plan_devices(plan),
		       rz_plan_devices(plan) == 1 ? "" : "s", o.file);
	else if (!rc && !rz_host_changes(rz))
		printf("host %s: the %zu device%s and %zu key agreement session%s of %s are as they should be\n",
		       o.host, rz_plan_devices(plan),
		       rz_plan_devices(plan) == 1 ? "" : "s",
		       rz_plan_sessions(plan),
		       rz_plan_sessions(plan) == 1 ? "" : "s", o.file);
	rz_plan_free(plan);
	rz_host_close(rz);
	config_free(&cfg);
	return rc ? 1 : 0;
}

static int cmd_genkey(int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return usage_error("usage: npmgr genkey%s", "");
	if (isatty(STDOUT_FILENO))
		fprintf(stderr, "npmgr: genkey: writing a key to a terminal; redirect it: (umask 077; npmgr genkey > /etc/netpolicy/keys/NETWORK.cak)\n");
	return rz_genkey(stdout) ? 1 : 0;
}

static int cmd_del(int argc, char **argv)
{
	static const enum obj_kind kinds[] = {
		OBJ_NET, OBJ_VIF, OBJ_VM, OBJ_POLICY, OBJ_NIC,
	};
	struct np_ipc *ipc;
	struct rz_host *rz;
	size_t k;
	int rc;

	if (argc != 3)
		return usage_error("usage: npmgr del %s NAME",
				   "network|vif|vm|policy|nic");
	for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
		if (!strcmp(argv[1], obj_kinds[kinds[k]].name))
			break;
	if (k == sizeof(kinds) / sizeof(kinds[0]))
		return usage_error("del: '%s' is not network, vif, vm, policy or nic",
				   argv[1]);
	ipc = ipc_open();
	rc = ipc ? ipc_del(ipc, kinds[k], argv[2], -1, false) : -1;
	/* what netpolicy built for the network goes with it */
	if (!rc && kinds[k] == OBJ_NET) {
		char *host = NULL, name[256];

		if (ipc_get_host(ipc, &host) || !host)
			host = xstrdup(host_name("del", NULL, name, sizeof(name)) ?: "");
		rz = rz_host_open(stdout, host);
		rc = rz_prune(rz, NULL, argv[2]);
		rz_host_close(rz);
		free(host);
	}
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

/* The sessions of the host the kernel's objects were loaded for. */
static int read_sessions(struct np_ipc *ipc, const char *loaded_host,
			 struct np_session_info **sessions, size_t *n)
{
	char *host = NULL, name[256];
	int rc, err;

	if (loaded_host)
		host = xstrdup(loaded_host);
	else if (ipc_get_host(ipc, &host) || !host)
		host = xstrdup(host_name("show", NULL, name, sizeof(name)) ?: "");
	rc = rz_sessions_read(host, sessions, n);
	err = errno;
	free(host);
	errno = err;
	return rc;
}

/* npmgr show --graph [--svg FILE]: everything show says, as a picture. */
static int show_graph(struct np_config *cfg, struct np_port_info *ports,
		      size_t n, struct np_session_info *sessions,
		      size_t n_sessions, const char *svg)
{
	struct np_bridge_seen *bridges = NULL;
	struct np_uplink *uplinks = NULL;
	size_t n_uplinks = 0, n_bridges = 0, len = 0;
	char *text = NULL;
	FILE *f;
	int rc;

	rc = graph_read_links(cfg, ports, n, &uplinks, &n_uplinks, &bridges,
			      &n_bridges);
	if (!rc) {
		struct np_graph g = {
			.cfg = cfg, .ports = ports, .n_ports = n,
			.sessions = sessions, .n_sessions = n_sessions,
			.uplinks = uplinks, .n_uplinks = n_uplinks,
			.bridges = bridges, .n_bridges = n_bridges,
			.host = cfg->host,
		};

		f = svg ? open_memstream(&text, &len) : stdout;
		if (!f)
			rc = -1;
		else
			print_graph(f, &g);
		if (svg && f) {
			rc = fclose(f) ? -1 : graph_render_svg(text, len, svg);
			free(text);
		}
	}
	graph_links_free(uplinks, n_uplinks);
	free(bridges);
	return rc;
}

static int cmd_show(int argc, char **argv)
{
	bool want_cfg = true, want_ports = true, want_keys = true;
	struct np_session_info *sessions = NULL;
	struct np_port_info *ports = NULL;
	struct np_config cfg = { 0 };
	size_t n = 0, n_sessions = 0, i;
	const char *svg = NULL;
	bool graph = false;
	struct np_ipc *ipc;
	int rc = 0;

	for (i = 1; i < (size_t)argc; i++) {
		bool two = !strcmp(argv[i], "--svg");

		if (strcmp(argv[i], "--graph") && !two)
			continue;
		if (two && i + 1 == (size_t)argc)
			return usage_error("show: --svg needs a FILE%s", "");
		if (two)
			svg = argv[i + 1];
		else
			graph = true;
		memmove(&argv[i], &argv[i + 1 + two],
			(argc - i - two) * sizeof(*argv));
		argc -= 1 + two;
		i--;
	}
	if (svg && !graph)
		return usage_error("show: --svg goes with --graph%s", "");
	if (graph && (argc > 1 || json))
		return usage_error("show: --graph draws everything: no %s",
				   json ? "-j" : "config, interfaces or keys");
	if (argc > 2)
		return usage_error("usage: npmgr show [%s]", "config|interfaces|keys|--graph [--svg FILE]");
	if (argc == 2) {
		want_cfg = !strcmp(argv[1], "config");
		want_ports = !strcmp(argv[1], "interfaces");
		want_keys = !strcmp(argv[1], "keys");
		if (!want_cfg && !want_ports && !want_keys)
			return usage_error("show: '%s' is not 'config', 'interfaces' or 'keys'",
					   argv[1]);
	}
	ipc = ipc_open();
	if (!ipc)
		return 1;
	if (want_cfg)
		rc = ipc_get_config(ipc, &cfg);
	if (!rc && want_ports)
		rc = ipc_get_ports(ipc, &ports, &n);
	if (!rc && want_keys &&
	    read_sessions(ipc, want_cfg ? cfg.host : NULL, &sessions,
			  &n_sessions)) {
		/* the sessions' directory is root's: others see the rest */
		fprintf(stderr, "npmgr: cannot read the key agreement sessions in %s: %s\n",
			NPMGR_RUN_DIR, strerror(errno));
		if (argc == 2)
			rc = -1;
		want_keys = false;
	}
	ipc_close(ipc);
	if (!rc && graph) {
		rc = show_graph(&cfg, ports, n, want_keys ? sessions : NULL,
				want_keys ? n_sessions : 0, svg);
	} else if (!rc) {
		if (json) {
			print_json(stdout, want_cfg ? &cfg : NULL, want_ports,
				   ports, n, want_keys ? sessions : NULL,
				   n_sessions);
		} else {
			if (want_cfg)
				print_config(stdout, &cfg);
			if (want_cfg && want_ports)
				fputc('\n', stdout);
			if (want_ports)
				print_ports(stdout, ports, n);
			/* a host without encrypted networks shows no table */
			if (want_keys && (n_sessions || argc == 2)) {
				if (want_cfg || want_ports)
					fputc('\n', stdout);
				print_sessions(stdout, sessions, n_sessions,
					       time(NULL));
			}
		}
	}
	for (i = 0; i < n; i++)
		port_free(&ports[i]);
	free(ports);
	free(sessions);
	config_free(&cfg);
	return rc ? 1 : 0;
}

/*
 * npmgr predict [--name IFNAME] [--mac GUEST_MAC]: what the kernel would
 * decide for a tap that is to come (NETPOLICY_CMD_PREDICT). Exit 0: it
 * would be attached, or it is not netpolicy's (no VIF object binds it);
 * 3: it would be refused, or kept off its bridge; 1: no answer.
 */
static int cmd_predict(int argc, char **argv)
{
	const char *name = NULL, *mac_text = NULL;
	struct np_port_info p = { 0 };
	uint8_t mac[6];
	struct np_ipc *ipc;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--mac") && i + 1 < argc)
			mac_text = argv[++i];
		else
			break;
	}
	if (i < argc || (!name && !mac_text))
		return usage_error("usage: npmgr predict %s",
				   "[--name IFNAME] [--mac GUEST_MAC] (one of them at least)");
	if (mac_text && !parse_mac(mac_text, mac))
		return usage_error("predict: '%s' is not a MAC address", mac_text);
	ipc = ipc_open();
	if (!ipc)
		return 1;
	rc = ipc_predict(ipc, name, mac_text ? mac : NULL, &p);
	ipc_close(ipc);
	if (rc)
		return 1;
	printf("tap %s%s%s: ", name ? name : "(not named yet)",
	       mac_text ? ", guest MAC " : "", mac_text ? mac_text : "");
	switch (p.state) {
	case NETPOLICY_PORT_ATTACHED:
		printf("would be attached to %s (vif %s, network %s)\n",
		       p.bridge, p.vif, p.network);
		break;
	case NETPOLICY_PORT_UNBOUND:
		printf("not netpolicy's: %s\n", p.message);
		break;
	case NETPOLICY_PORT_PENDING:
		printf("would wait (vif %s, network %s): %s\n", p.vif,
		       p.network, p.message);
		rc = 3;
		break;
	default:
		printf("would be refused (vif %s, network %s): %s\n", p.vif,
		       p.network, p.message);
		rc = 3;
	}
	port_free(&p);
	return rc;
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

static int cmd_pool(int argc, char **argv)
{
	return pool_main(argc, argv, json);
}

static int cmd_agent(int argc, char **argv)
{
	return agent_main(argc, argv, json);
}

static int cmd_place(int argc, char **argv)
{
	return place_main(argc, argv, json);
}

/*
 * npmgr's libvirt programs, which link libvirt or expat (npmgr links
 * neither): installed in ../libexec/npmgr from npmgr's directory (the
 * npmgr-libvirt package), else built next to it (a checkout). @prog runs
 * with npmgr command @cmd's arguments.
 */
static int exec_helper(const char *cmd, const char *prog, char **argv)
{
	char self[4096], path[4096 + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0) {
		fprintf(stderr, "npmgr: %s: where npmgr runs from: %s\n", cmd,
			strerror(errno));
		return 1;
	}
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	argv[0] = path;
	snprintf(path, sizeof(path), "%s/../libexec/npmgr/%s", self, prog);
	execv(path, argv);
	snprintf(path, sizeof(path), "%s/%s", self, prog);
	execv(path, argv);
	fprintf(stderr, "npmgr: %s: %s is not installed (the npmgr-libvirt package; make install-libvirt): %s\n",
		cmd, prog, strerror(errno));
	return 1;
}

static int cmd_virtwatch(int argc, char **argv)
{
	(void)argc;
	return exec_helper("virtwatch", "npmgr-virtwatch", argv);
}

static int cmd_libvirt_hook(int argc, char **argv)
{
	(void)argc;
	return exec_helper("libvirt-hook", "npmgr-libvirt-hook", argv);
}

static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "load", cmd_load, "load [--add|--update] [--host NAME] [--keys DIR] FILE|DIR  realize and load (replace, add to, or update what is loaded); DIR: its *.policy files" },
	{ "realize", cmd_realize, "realize [--host NAME] [--keys DIR] FILE  build or repair this host's bridges, tunnels, key agreement" },
	{ "genkey", cmd_genkey, "genkey              print a new network key (CAK) for NETWORK.cak" },
	{ "check", cmd_check, "check FILE|DIR      parse and check a policy file (or a directory of them), load nothing" },
	{ "show", cmd_show, "show [config|interfaces|keys]  print objects, interface states, key agreement sessions\n  show --graph [--svg FILE]  the same as a Graphviz picture (DOT text, or SVG through dot)" },
	{ "monitor", cmd_monitor, "monitor             print attach/detach/refusal events as they happen" },
	{ "predict", cmd_predict, "predict [--name IFNAME] [--mac GUEST_MAC]  what would be decided for a tap that is to come (exit 3: refused)" },
	{ "explain", cmd_explain, "explain IFNAME|VM|VIF  why an interface is (not) attached, step by step" },
	{ "del", cmd_del, "del network|vif|vm|policy|nic NAME  delete one object" },
	{ "flush", cmd_flush, "flush               delete every object of this namespace" },
	{ "xenwatch", cmd_xenwatch, "xenwatch [--once] [-v]  describe running Xen guests' vifs to the kernel, from xenstore" },
	{ "virtwatch", cmd_virtwatch, "virtwatch [--connect URI] [--once] [-v]  describe running libvirt domains and their interfaces to the kernel" },
	{ "libvirt-hook", cmd_libvirt_hook, "libvirt-hook DOMAIN OP SUBOP [EXTRA]  libvirt's qemu hook: describe a starting domain, fail its start when netpolicy refuses an interface" },
	{ "xen-hotplug", cmd_xen_hotplug, "xen-hotplug online|offline|add|remove  the vif-netpolicy hotplug script (run by libxl)" },
	{ "mka-supervise", cmd_mka_supervise, "mka-supervise --host NAME --session ID [--ready-fd FD]  one key agreement session's supervisor (load and realize start it)" },
	{ "pool", cmd_pool, "pool [--etcd URLS] [TLS, user options] apply FILE|diff FILE|show  the pool's objects in etcd" },
	{ "place", cmd_place, "place [ETCD OPTIONS] [--record] [--migrate] [--quiet] VM  the live host a VM should run on, by its policies, and why not the others" },
	{ "agent", cmd_agent, "agent [ETCD OPTIONS] --host NAME --spec FILE  join the pool in etcd, load this host's share on every change\n  agent status [--host NAME]  what this host's pool agents last did, and whether they run" },
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
	/* commands that hold keys never leave them in a core dump */
	if (!strcmp(argv[1], "load") || !strcmp(argv[1], "realize") ||
	    !strcmp(argv[1], "genkey"))
		prctl(PR_SET_DUMPABLE, 0);
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", argv[1]);
}
