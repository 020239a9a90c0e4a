// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr xenwatch: keeps the kernel's xenstore objects equal to what
 * xenstore describes. It watches the backend tree, re-reads it all at
 * start and after xenstored comes back, and deletes the objects of vifs
 * that went away while it did not run.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xen.h"

static bool verbose;

/*
 * A dead xenstored does not always wake a watch; after this long without
 * events the watcher asks it something. Objects the kernel did not take
 * are described again as often.
 */
#define XS_PROBE_SECONDS 3

/* What the watcher has told the kernel, per backend directory. */
struct tracked {
	struct xvif x;			/* its domid/devid name the directory */
	bool seen;			/* during a full sync */
	bool described;			/* the kernel took its objects */
	bool mac_told;			/* and the guest's MAC (or has none) */
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
	       !memcmp(a->uuid, b->uuid, sizeof(a->uuid)) &&
	       a->has_mac == b->has_mac && !memcmp(a->mac, b->mac, 6);
}

static void untrack(struct watcher *w, struct tracked *tr)
{
	char *vm = xstrdup(tr->x.vm);
	bool vm_used = false;
	size_t i;

	if (verbose)
		xen_log("xenwatch: %s of %s is gone", tr->x.ifname, vm);
	xvif_free(&tr->x);
	*tr = w->t[--w->n];
	for (i = 0; i < w->n; i++)
		vm_used |= !strcmp(w->t[i].x.vm, vm);
	/* the interface objects go first; the VM when nothing names it */
	if (!vm_used)
		ipc_del(w->ipc, OBJ_VM, vm, NETPOLICY_SOURCE_XENSTORE, true);
	free(vm);
}

/*
 * Tell the kernel the MAC the guest uses on @x's interface (netback's own
 * is fe:ff:ff:ff:ff:ff), so that a VIF object bound by MAC matches. Done
 * when told, or when there is nothing to tell; not while the device does
 * not exist yet (the backend directory comes first): tried again then.
 */
static bool tell_mac(struct watcher *w, const struct xvif *x)
{
	return !x->has_mac ||
	       !ipc_set_guest_mac(w->ipc, x->ifname, x->mac, true);
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
		xen_log("xenwatch: %s", why);
	if (rc) {
		if (tr) {
			xvif_del(w->ipc, tr->x.ifname, tr->x.ioemu, NULL);
			untrack(w, tr);
		}
		return;
	}
	if (tr) {
		tr->seen = true;
		if (xvif_same(&tr->x, &x) && tr->described && tr->mac_told) {
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
	tr->described = !xvif_add(w->ipc, &x);
	tr->mac_told = tr->described && tell_mac(w, &x);
	if (!tr->described)
		xen_log("xenwatch: %s of %s (network %s) not described to the kernel; trying again every %d s",
			x.ifname, x.vm, x.network, XS_PROBE_SECONDS);
	else if (verbose)
		xen_log("xenwatch: %s of %s on network %s", x.ifname, x.vm,
		     x.network);
	tr->x = x;
}

/*
 * Describe again what the kernel refused or could not take; tell the
 * guest's MAC of a vif whose device did not exist yet.
 */
static void retry_undescribed(struct watcher *w)
{
	size_t k;

	for (k = 0; k < w->n; k++) {
		struct tracked *tr = &w->t[k];

		if (!tr->described) {
			tr->described = !xvif_add(w->ipc, &tr->x);
			if (tr->described)
				xen_log("xenwatch: %s of %s described to the kernel",
					tr->x.ifname, tr->x.vm);
		}
		if (tr->described && !tr->mac_told)
			tr->mac_told = tell_mac(w, &tr->x);
	}
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
 *
 * The kernel's objects are read first, xenstore second: an object that
 * `npmgr xen-hotplug` adds for a starting guest meanwhile is either not
 * in the first read (so never a candidate for deletion) or its backend
 * directory is already in the second (so it is kept). Read the other way
 * round, a guest starting between the two reads lost its objects.
 */
static int full_sync(struct watcher *w)
{
	struct np_config loaded;
	unsigned int nd, nv, i, j, domid, devid;
	char **doms, **vifs, path[64];
	size_t k;

	if (ipc_get_config(w->ipc, &loaded))
		return -EIO;
	for (k = 0; k < w->n; k++)
		w->t[k].seen = false;
	doms = xs_list(w->xs, XS_BACKEND, &nd);
	for (i = 0; i < nd; i++) {
		if (!xen_uint(doms[i], &domid))
			continue;
		snprintf(path, sizeof(path), XS_BACKEND "/%u", domid);
		vifs = xs_list(w->xs, path, &nv);
		for (j = 0; j < nv; j++)
			if (xen_uint(vifs[j], &devid))
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

	for (k = 0; k < loaded.n_vifs; k++) {
		const struct np_vif_def *v = &loaded.vifs[k];
		size_t t;
		bool ours = false;

		if (v->source != NETPOLICY_SOURCE_XENSTORE)
			continue;
		for (t = 0; t < w->n && !ours; t++) {
			char emu[IFNAMSIZ];

			xvif_emu_name(w->t[t].x.ifname, emu);
			ours = !strcmp(v->name, w->t[t].x.ifname) ||
			       (w->t[t].x.ioemu && !strcmp(v->name, emu));
		}
		if (!ours) {
			xen_log("xenwatch: %s: no such vif in xenstore any more, deleted",
			     v->name);
			ipc_del(w->ipc, OBJ_VIF, v->name, NETPOLICY_SOURCE_XENSTORE,
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
			ipc_del(w->ipc, OBJ_VM, loaded.vms[k].name,
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
		xen_log("xenwatch: cannot reach xenstore (%s); retrying every second",
		     strerror(errno));
		*said = true;
	}
	return xs;
}

int cmd_xenwatch(int argc, char **argv)
{
	struct watcher w = { 0 };
	bool once = false, said = false, lost = false;
	time_t next_retry = 0;
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
			xen_log("xenwatch: connected to xenstore");
		said = lost = false;
		/* the watch fires once at once, and then for every change */
		if (!xs_watch(w.xs, XS_BACKEND, "np")) {
			xen_log("xenwatch: cannot watch %s: %s", XS_BACKEND,
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
		xen_log("xenwatch: watching %s (%zu interfaces)", XS_BACKEND, w.n);
		while (!stopping) {
			struct pollfd pfd = { xs_fileno(w.xs), POLLIN, 0 };
			unsigned int num;
			char **ev;
			int n;

			n = ppoll(&pfd, 1, &(struct timespec){ XS_PROBE_SECONDS, 0 },
				  &waiting);
			if (time(NULL) >= next_retry) {
				retry_undescribed(&w);
				next_retry = time(NULL) + XS_PROBE_SECONDS;
			}
			if (n < 0)
				continue;
			if (n == 0) {
				/* quiet: is xenstored still there? */
				if (!xs_alive(w.xs)) {
					xen_log("xenwatch: lost xenstore; reconnecting");
					lost = true;
					break;
				}
				continue;
			}
			ev = xs_read_watch(w.xs, &num);
			if (!ev) {
				/* xenstored went away: reconnect, re-read */
				xen_log("xenwatch: lost xenstore (%s); reconnecting",
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
