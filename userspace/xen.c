// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: Xen toolstack metadata (libxenstore).
 *
 * libxl describes every virtual interface of a guest in dom0's xenstore,
 * under /local/domain/0/backend/vif/<domid>/<devid>/: frontend-id, handle,
 * mac, bridge, type, optional vifname. Here that becomes objects for the
 * kernel, of source NETPOLICY_SOURCE_XENSTORE:
 *
 *   VIF object  named after the interface (vif<domid>.<devid>, or the
 *               vifname), binding that interface name, on the network
 *               object named by the `bridge` key (an xl vif spec says
 *               bridge=NETWORK), of the VM below; for an HVM guest
 *               (type vif_ioemu) a second one for the emulated
 *               <ifname>-emu tap;
 *   VM object   named after the domain (/local/domain/<domid>/name, less
 *               the --incoming / --migratedaway suffixes of a migration),
 *               with its uuid. The administrator's `vm NAME { ... }`
 *               block of the same name wins over it: that is where a Xen
 *               guest's tags and policy are written.
 *
 * `npmgr xenwatch` keeps the kernel in step with xenstore; `npmgr
 * xen-hotplug` is the hotplug script libxl runs (vif-netpolicy), which
 * also reports the kernel's decision back to libxl through hotplug-status.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "npmgr.h"

#define XS_BACKEND "/local/domain/0/backend/vif"

/* One backend vif, as xenstore describes it. */
struct xvif {
	unsigned int domid, devid;
	char *ifname;			/* the netback interface */
	char *network;			/* the `bridge` key */
	char *vm;			/* the domain's name */
	bool has_uuid;
	uint8_t uuid[NETPOLICY_UUID_LEN];
	bool ioemu;			/* HVM: an <ifname>-emu tap too */
};

static bool verbose;

static void xlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void xlog(const char *fmt, ...)
{
	va_list ap;

	fputs("npmgr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void xvif_free(struct xvif *x)
{
	free(x->ifname);
	free(x->network);
	free(x->vm);
	memset(x, 0, sizeof(*x));
}

/* xs_read() of "@dir/@key", NUL-terminated, or NULL. */
static char *xs_get(struct xs_handle *xs, const char *dir, const char *key)
{
	unsigned int len;
	char *path, *v;

	if (asprintf(&path, "%s/%s", dir, key) < 0)
		return NULL;
	v = xs_read(xs, XBT_NULL, path, &len);
	free(path);
	return v;
}

static bool parse_uint(const char *s, unsigned int *out)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')	/* strtoul skips spaces, takes signs */
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 0xffffffffUL)
		return false;
	*out = (unsigned int)v;
	return true;
}

/* A migration renames the domain for a while; the VM is the same one. */
static void strip_migration_suffix(char *name)
{
	static const char *const suffixes[] = { "--incoming", "--migratedaway" };
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i]);

		if (n > k && !strcmp(name + n - k, suffixes[i]))
			name[n - k] = '\0';
	}
}

/*
 * Read the backend directory @dir (absolute, or relative to dom0's home).
 * 0, -ENOENT if it does not (or no longer) describe a vif, or -EINVAL with
 * a message in @why.
 */
static int xvif_read(struct xs_handle *xs, const char *dir, struct xvif *x,
		     char *why, size_t why_len)
{
	char *domid_s = xs_get(xs, dir, "frontend-id");
	char *devid_s = xs_get(xs, dir, "handle");
	char *type = xs_get(xs, dir, "type");
	char *vifname = xs_get(xs, dir, "vifname");
	char *dompath = NULL, *vmpath = NULL, *uuid = NULL;
	int rc = -ENOENT;

	memset(x, 0, sizeof(*x));
	x->network = xs_get(xs, dir, "bridge");
	if (!parse_uint(domid_s, &x->domid) || !parse_uint(devid_s, &x->devid))
		goto out;
	rc = -EINVAL;
	if (!x->network || !*x->network) {
		snprintf(why, why_len,
			 "%s: no bridge key: write bridge=NETWORK in the xl vif spec",
			 dir);
		goto out;
	}
	x->ioemu = type && !strcmp(type, "vif_ioemu");
	if (vifname && *vifname) {
		x->ifname = xstrdup(vifname);
	} else if (asprintf(&x->ifname, "vif%u.%u", x->domid, x->devid) < 0) {
		x->ifname = NULL;
		goto out;
	}
	if (strlen(x->ifname) + (x->ioemu ? 4 : 0) >= IFNAMSIZ) {
		snprintf(why, why_len, "%s: interface name %s is too long", dir,
			 x->ifname);
		goto out;
	}
	if (asprintf(&dompath, "/local/domain/%u", x->domid) < 0) {
		dompath = NULL;
		goto out;
	}
	x->vm = xs_get(xs, dompath, "name");
	if (!x->vm) {
		rc = -ENOENT;			/* the domain is going away */
		goto out;
	}
	strip_migration_suffix(x->vm);
	if (!*x->vm || strlen(x->vm) >= NETPOLICY_NAME_MAX) {
		snprintf(why, why_len, "%s: domain name '%s' is not a valid VM name",
			 dir, x->vm);
		goto out;
	}
	vmpath = xs_get(xs, dompath, "vm");
	uuid = vmpath ? xs_get(xs, vmpath, "uuid") : NULL;
	x->has_uuid = uuid && parse_uuid(uuid, x->uuid);
	rc = 0;
out:
	if (rc)
		xvif_free(x);
	free(domid_s);
	free(devid_s);
	free(type);
	free(vifname);
	free(dompath);
	free(vmpath);
	free(uuid);
	return rc;
}

/* The name of an HVM guest's emulated tap: libxl's <ifname>-emu. */
static void emu_name(const char *ifname, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, "%s-emu", ifname);
}

/* The objects describing @x, for an adding load. */
static void xvif_objects(const struct xvif *x, struct np_config *cfg)
{
	struct np_vm_def *m;
	struct np_vif_def *v;
	int i;

	memset(cfg, 0, sizeof(*cfg));
	m = xpush((void **)&cfg->vms, &cfg->n_vms, sizeof(*m));
	m->name = xstrdup(x->vm);
	m->has_uuid = x->has_uuid;
	memcpy(m->uuid, x->uuid, sizeof(m->uuid));
	m->source = NETPOLICY_SOURCE_XENSTORE;
	for (i = 0; i < (x->ioemu ? 2 : 1); i++) {
		char emu[IFNAMSIZ];

		v = xpush((void **)&cfg->vifs, &cfg->n_vifs, sizeof(*v));
		if (i)
			emu_name(x->ifname, emu);
		v->name = xstrdup(i ? emu : x->ifname);
		v->ifname = xstrdup(v->name);
		v->network = xstrdup(x->network);
		v->vm = xstrdup(x->vm);
		v->source = NETPOLICY_SOURCE_XENSTORE;
	}
}

/* Send @x's objects; the kernel's rules make this idempotent. */
static int xvif_add(struct np_ipc *ipc, const struct xvif *x)
{
	struct np_config cfg;
	int rc;

	xvif_objects(x, &cfg);
	rc = ipc_load(ipc, &cfg, false, NULL);
	config_free(&cfg);
	return rc;
}

/* Delete the objects made for interface @ifname of VM @vm. */
static void xvif_del(struct np_ipc *ipc, const char *ifname, bool ioemu,
		     const char *vm)
{
	char emu[IFNAMSIZ];

	ipc_del(ipc, "vif", ifname, NETPOLICY_SOURCE_XENSTORE, true);
	if (ioemu) {
		emu_name(ifname, emu);
		ipc_del(ipc, "vif", emu, NETPOLICY_SOURCE_XENSTORE, true);
	}
	/* EBUSY while another of the VM's interfaces remains: fine */
	if (vm)
		ipc_del(ipc, "vm", vm, NETPOLICY_SOURCE_XENSTORE, true);
}

/* ---- npmgr xenwatch ---- */

/* What the watcher has told the kernel, per backend directory. */
struct tracked {
	struct xvif x;			/* its domid/devid name the directory */
	bool seen;			/* during a full sync */
};

struct watcher {
	struct np_ipc *ipc;
	struct xs_handle *xs;
	struct tracked *t;
	size_t n;
};

static struct tracked *tracked_find(struct watcher *w, unsigned int domid,
				    unsigned int devid)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->t[i].x.domid == domid && w->t[i].x.devid == devid)
			return &w->t[i];
	return NULL;
}

static bool xvif_same(const struct xvif *a, const struct xvif *b)
{
	return !strcmp(a->ifname, b->ifname) &&
	       !strcmp(a->network, b->network) && !strcmp(a->vm, b->vm) &&
	       a->ioemu == b->ioemu && a->has_uuid == b->has_uuid &&
	       !memcmp(a->uuid, b->uuid, sizeof(a->uuid));
}

static void untrack(struct watcher *w, struct tracked *tr)
{
	char *vm = xstrdup(tr->x.vm);
	bool vm_used = false;
	size_t i;

	if (verbose)
		xlog("xenwatch: %s of %s is gone", tr->x.ifname, vm);
	xvif_free(&tr->x);
	*tr = w->t[--w->n];
	for (i = 0; i < w->n; i++)
		vm_used |= !strcmp(w->t[i].x.vm, vm);
	/* the interface objects go first; the VM when nothing names it */
	if (!vm_used)
		ipc_del(w->ipc, "vm", vm, NETPOLICY_SOURCE_XENSTORE, true);
	free(vm);
}

/* Bring the kernel in line with backend directory @domid/@devid. */
static void refresh(struct watcher *w, unsigned int domid, unsigned int devid)
{
	struct tracked *tr = tracked_find(w, domid, devid);
	char dir[64], why[256] = "";
	struct xvif x;
	int rc;

	snprintf(dir, sizeof(dir), XS_BACKEND "/%u/%u", domid, devid);
	rc = xvif_read(w->xs, dir, &x, why, sizeof(why));
	if (rc == -EINVAL)
		xlog("xenwatch: %s", why);
	if (rc) {
		if (tr) {
			xvif_del(w->ipc, tr->x.ifname, tr->x.ioemu, NULL);
			untrack(w, tr);
		}
		return;
	}
	if (tr) {
		tr->seen = true;
		if (xvif_same(&tr->x, &x)) {
			xvif_free(&x);
			return;
		}
		/* renamed or moved: the old interface objects go */
		if (strcmp(tr->x.ifname, x.ifname))
			xvif_del(w->ipc, tr->x.ifname, tr->x.ioemu, NULL);
		xvif_free(&tr->x);
	} else {
		tr = xpush((void **)&w->t, &w->n, sizeof(*tr));
		tr->seen = true;
	}
	if (xvif_add(w->ipc, &x))
		xlog("xenwatch: %s of %s (network %s) not described to the kernel",
		     x.ifname, x.vm, x.network);
	else if (verbose)
		xlog("xenwatch: %s of %s on network %s", x.ifname, x.vm,
		     x.network);
	tr->x = x;
}

static char **xs_list(struct xs_handle *xs, const char *path, unsigned int *n)
{
	char **v = xs_directory(xs, XBT_NULL, path, n);

	if (!v)
		*n = 0;
	return v;
}

/*
 * Read every backend vif; describe each to the kernel; delete what the
 * kernel holds from xenstore that xenstore no longer has (a guest that
 * went away while no watcher ran).
 */
static int full_sync(struct watcher *w)
{
	struct np_config loaded;
	unsigned int nd, nv, i, j, domid, devid;
	char **doms, **vifs, path[64];
	size_t k;

	for (k = 0; k < w->n; k++)
		w->t[k].seen = false;
	doms = xs_list(w->xs, XS_BACKEND, &nd);
	for (i = 0; i < nd; i++) {
		if (!parse_uint(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), XS_BACKEND "/%u", domid);
		vifs = xs_list(w->xs, path, &nv);
		for (j = 0; j < nv; j++)
			if (parse_uint(vifs[j], &devid))
				refresh(w, domid, devid);
		free(vifs);
	}
	free(doms);
	for (k = 0; k < w->n;) {
		if (!w->t[k].seen) {
			xvif_del(w->ipc, w->t[k].x.ifname, w->t[k].x.ioemu, NULL);
			untrack(w, &w->t[k]);
		} else {
			k++;
		}
	}

	if (ipc_get_config(w->ipc, &loaded))
		return -EIO;
	for (k = 0; k < loaded.n_vifs; k++) {
		const struct np_vif_def *v = &loaded.vifs[k];
		size_t t;
		bool ours = false;

		if (v->source != NETPOLICY_SOURCE_XENSTORE)
			continue;
		for (t = 0; t < w->n && !ours; t++) {
			char emu[IFNAMSIZ];

			emu_name(w->t[t].x.ifname, emu);
			ours = !strcmp(v->name, w->t[t].x.ifname) ||
			       (w->t[t].x.ioemu && !strcmp(v->name, emu));
		}
		if (!ours) {
			xlog("xenwatch: %s: no such vif in xenstore any more, deleted",
			     v->name);
			ipc_del(w->ipc, "vif", v->name, NETPOLICY_SOURCE_XENSTORE,
				true);
		}
	}
	for (k = 0; k < loaded.n_vms; k++) {
		size_t t;
		bool used = false;

		if (loaded.vms[k].source != NETPOLICY_SOURCE_XENSTORE)
			continue;
		for (t = 0; t < w->n; t++)
			used |= !strcmp(w->t[t].x.vm, loaded.vms[k].name);
		if (!used)
			ipc_del(w->ipc, "vm", loaded.vms[k].name,
				NETPOLICY_SOURCE_XENSTORE, true);
	}
	config_free(&loaded);
	return 0;
}

/* A watch fired on @path: refresh what it concerns. */
static void on_watch(struct watcher *w, const char *path)
{
	const char *rest;
	unsigned int domid, devid;
	char *end;
	size_t k;

	if (strncmp(path, XS_BACKEND, strlen(XS_BACKEND)))
		return;
	rest = path + strlen(XS_BACKEND);
	if (*rest != '/') {
		full_sync(w);			/* the whole tree changed */
		return;
	}
	domid = (unsigned int)strtoul(rest + 1, &end, 10);
	if (end == rest + 1)
		return;
	if (*end == '/') {
		devid = (unsigned int)strtoul(end + 1, &end, 10);
		if (*end == '\0' || *end == '/')
			refresh(w, domid, devid);
		return;
	}
	/* the domain's directory itself: each of its vifs may be gone */
	for (k = w->n; k-- > 0;)
		if (w->t[k].x.domid == domid)
			refresh(w, domid, w->t[k].x.devid);
}

/*
 * A dead xenstored does not always wake a watch; after this long without
 * events the watcher asks it something.
 */
#define XS_PROBE_SECONDS 3

static bool xs_alive(struct xs_handle *xs)
{
	unsigned int len;
	char *v = xs_read(xs, XBT_NULL, "/local/domain/0/name", &len);

	if (v || errno == ENOENT) {
		free(v);
		return true;
	}
	return false;
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static struct xs_handle *xs_connect(bool *said)
{
	struct xs_handle *xs = xs_open(0);

	if (!xs && !*said) {
		xlog("xenwatch: cannot reach xenstore (%s); retrying every second",
		     strerror(errno));
		*said = true;
	}
	return xs;
}

int cmd_xenwatch(int argc, char **argv)
{
	struct watcher w = { 0 };
	bool once = false, said = false, lost = false;
	struct sigaction sa = { 0 };
	sigset_t block, waiting;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--once")) {
			once = true;
		} else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else {
			fprintf(stderr, "usage: npmgr xenwatch [--once] [-v]\n");
			return 2;
		}
	}
	w.ipc = ipc_open();
	if (!w.ipc)
		return 1;
	/*
	 * SIGTERM/SIGINT are taken only while waiting (ppoll), so one that
	 * arrives while an event is handled is not lost.
	 */
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waiting);

	while (!stopping) {
		w.xs = xs_connect(&said);
		if (!w.xs) {
			if (once) {
				rc = 1;
				break;
			}
			ppoll(NULL, 0, &(struct timespec){ 1, 0 }, &waiting);
			continue;
		}
		if (said || lost)
			xlog("xenwatch: connected to xenstore");
		said = lost = false;
		/* the watch fires once at once, and then for every change */
		if (!xs_watch(w.xs, XS_BACKEND, "np")) {
			xlog("xenwatch: cannot watch %s: %s", XS_BACKEND,
			     strerror(errno));
			rc = 1;
			break;
		}
		if (full_sync(&w)) {
			rc = 1;
			break;
		}
		if (once)
			break;
		xlog("xenwatch: watching %s (%zu interfaces)", XS_BACKEND, w.n);
		while (!stopping) {
			struct pollfd pfd = { xs_fileno(w.xs), POLLIN, 0 };
			unsigned int num;
			char **ev;
			int n;

			n = ppoll(&pfd, 1, &(struct timespec){ XS_PROBE_SECONDS, 0 },
				  &waiting);
			if (n < 0)
				continue;
			if (n == 0) {
				/* quiet: is xenstored still there? */
				if (!xs_alive(w.xs)) {
					xlog("xenwatch: lost xenstore; reconnecting");
					lost = true;
					break;
				}
				continue;
			}
			ev = xs_read_watch(w.xs, &num);
			if (!ev) {
				/* xenstored went away: reconnect, re-read */
				xlog("xenwatch: lost xenstore (%s); reconnecting",
				     strerror(errno));
				lost = true;
				break;
			}
			on_watch(&w, ev[XS_WATCH_PATH]);
			free(ev);
		}
		xs_close(w.xs);
		w.xs = NULL;
		if (!stopping)
			ppoll(NULL, 0, &(struct timespec){ 1, 0 }, &waiting);
	}
	if (w.xs)
		xs_close(w.xs);
	while (w.n)
		xvif_free(&w.t[--w.n].x);
	free(w.t);
	ipc_close(w.ipc);
	return rc;
}

/* ---- npmgr xen-hotplug: the vif-netpolicy hotplug script ---- */

static int link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (!ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return rc;
}

static void xs_put(struct xs_handle *xs, const char *dir, const char *key,
		   const char *val)
{
	char *path;

	if (asprintf(&path, "%s/%s", dir, key) < 0)
		return;
	if (!xs_write(xs, XBT_NULL, path, val, strlen(val)))
		xlog("xen-hotplug: cannot write %s: %s", path, strerror(errno));
	free(path);
}

/*
 * Tell libxl: hotplug-status=connected, or hotplug-error plus
 * hotplug-status=error, which makes `xl create` fail with @err's text.
 */
static int hotplug_report(struct xs_handle *xs, const char *dir, bool report,
			  const char *err)
{
	if (err) {
		xlog("xen-hotplug: %s", err);
		if (xs) {
			xs_put(xs, dir, "hotplug-error", err);
			xs_put(xs, dir, "hotplug-status", "error");
		}
		return 1;
	}
	if (report)
		xs_put(xs, dir, "hotplug-status", "connected");
	return 0;
}

int cmd_xen_hotplug(int argc, char **argv)
{
	const char *dir = getenv("XENBUS_PATH"), *cmd = argc > 1 ? argv[1] : "";
	const char *env_if = getenv("vif"), *tmo = getenv("NPMGR_HOTPLUG_TIMEOUT");
	bool online = !strcmp(cmd, "online"), add = !strcmp(cmd, "add");
	char why[512] = "", *ifname;
	struct np_port_info port;
	struct xs_handle *xs;
	struct np_ipc *ipc;
	unsigned int secs = 30;
	struct xvif x;
	int rc;

	if (argc != 2 || !dir || !*dir) {
		fprintf(stderr,
			"usage: XENBUS_PATH=backend/vif/DOMID/DEVID [vif=IFNAME] npmgr xen-hotplug online|offline|add|remove\n"
			"(libxl runs it as the vif-netpolicy hotplug script)\n");
		return 2;
	}
	if (tmo && !parse_uint(tmo, &secs))
		secs = 30;
	xs = xs_open(0);
	if (!xs)
		return hotplug_report(NULL, dir, false,
				      "netpolicy: cannot reach xenstore");
	ipc = ipc_open();
	if (!ipc) {
		rc = hotplug_report(xs, dir, online,
				    "netpolicy: the netpolicy module is not loaded");
		xs_close(xs);
		return rc;
	}

	if (!strcmp(cmd, "offline") || !strcmp(cmd, "remove")) {
		/*
		 * The device is going; the module forgets its port itself.
		 * The domain may be gone from xenstore already: then libxl's
		 * `vif` still names the interface, and the watcher deletes
		 * the VM object.
		 */
		rc = xvif_read(xs, dir, &x, why, sizeof(why));
		if (!rc) {
			xvif_del(ipc, x.ifname, x.ioemu, x.vm);
			xvif_free(&x);
		} else if (env_if && *env_if) {
			xvif_del(ipc, env_if, false, NULL);
		}
		ipc_close(ipc);
		xs_close(xs);
		return 0;
	}
	if (!online && !add) {
		ipc_close(ipc);
		xs_close(xs);
		fprintf(stderr, "npmgr: xen-hotplug: unknown command '%s'\n", cmd);
		return 2;
	}

	rc = xvif_read(xs, dir, &x, why, sizeof(why));
	if (rc) {
		if (!why[0])
			snprintf(why, sizeof(why), "%s: not a vif backend", dir);
		rc = hotplug_report(xs, dir, online, why);
		goto out_ipc;
	}
	/* `vif` names the device this call is for (the -emu tap for "add") */
	ifname = xstrdup(env_if && *env_if ? env_if : x.ifname);
	if (xvif_add(ipc, &x)) {
		snprintf(why, sizeof(why),
			 "netpolicy: %s: network '%s' is not loaded (npmgr show config)",
			 ifname, x.network);
		rc = hotplug_report(xs, dir, online, why);
		goto out;
	}
	rc = ipc_wait_port(ipc, ifname, (int)secs * 1000, &port);
	if (rc == -ETIMEDOUT)
		snprintf(why, sizeof(why),
			 "netpolicy: %s: no decision within %u s", ifname, secs);
	else if (rc || !port.state)
		snprintf(why, sizeof(why), "netpolicy: %s: the interface is gone",
			 ifname);
	else if (port.state != NETPOLICY_PORT_ATTACHED)
		snprintf(why, sizeof(why), "netpolicy: %s: %s", ifname,
			 port.message ? port.message : reason_name(port.reason));
	else if (link_up(ifname))
		snprintf(why, sizeof(why), "netpolicy: %s: cannot set it up: %s",
			 ifname, strerror(errno));
	if (!rc)
		port_free(&port);
	rc = hotplug_report(xs, dir, online, why[0] ? why : NULL);
out:
	free(ifname);
	xvif_free(&x);
out_ipc:
	ipc_close(ipc);
	xs_close(xs);
	return rc;
}
