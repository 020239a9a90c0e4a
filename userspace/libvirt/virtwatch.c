// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr-virtwatch (`npmgr virtwatch`): keeps the kernel's libvirt objects
 * equal to the domains libvirtd runs. Through libvirt's C API: at start
 * and after libvirtd comes back it lists the running domains, describes
 * each (a VM object: name, UUID, tags from netpolicy's metadata; a VIF
 * object per interface with a target device), and deletes the libvirt
 * objects of domains that are gone; then domain lifecycle events keep it
 * so. Objects carry the source NETPOLICY_SOURCE_LIBVIRT: an
 * administrator's reload keeps them, and this never deletes another
 * source's object.
 * The objects are describe.c's (shared with the qemu hook).
 *
 * A separate program (linked with libvirt and expat) so that npmgr
 * itself, on a Xen dom0 or a pool host, needs neither.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "describe.h"

/* Objects the kernel did not take are described again this often. */
#define VW_RETRY_SECONDS 3

static bool verbose;
static volatile sig_atomic_t stopping;

/* What the watcher told the kernel of one running domain. */
struct vdom {
	struct lvdom d;
	struct lv_names vifs;		/* the VIF objects made (target devs) */
	bool described;			/* the kernel took them */
	bool macs_told;			/* and every guest MAC */
	bool seen;			/* during a full sync */
};

struct vwatch {
	struct np_ipc *ipc;
	virConnectPtr conn;
	struct vdom *v;
	size_t n;
	bool lost;			/* libvirtd closed the connection */
};

static void vw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vw_log(const char *fmt, ...)
{
	va_list ap;

	fputs("npmgr: virtwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct vdom *vdom_find(struct vwatch *w, const char *name)
{
	size_t i;

	for (i = 0; i < w->n; i++)
		if (!strcmp(w->v[i].d.name, name))
			return &w->v[i];
	return NULL;
}

static void vdom_clear(struct vdom *t)
{
	lvdom_free(&t->d);
	lv_names_free(&t->vifs);
	memset(t, 0, sizeof(*t));
}

/* Send @t's objects; the kernel's rules make this idempotent. */
static void vdom_describe(struct vwatch *w, struct vdom *t)
{
	t->described = !lv_describe(w->ipc, &t->d, &t->vifs, vw_log);
	if (!t->described)
		vw_log("%s not described to the kernel; trying again every %d s",
		       t->d.name, VW_RETRY_SECONDS);
	else if (verbose)
		vw_log("%s: VM and %zu interface%s described", t->d.name,
		       t->vifs.n, t->vifs.n == 1 ? "" : "s");
}

/*
 * Tell the kernel the MAC each guest uses (libvirt gives the tap the
 * guest's with its first byte fe, so a VIF object bound by MAC would not
 * match the tap's own). Done once every interface of @t is told.
 */
static void vdom_tell_macs(struct vwatch *w, struct vdom *t)
{
	t->macs_told = !lv_tell_macs(w->ipc, &t->d);
}

/* Delete what was made for @t, then forget it. */
static void vdom_gone(struct vwatch *w, struct vdom *t)
{
	if (verbose)
		vw_log("%s is gone", t->d.name);
	lv_forget(w->ipc, t->d.name, &t->vifs);
	vdom_clear(t);
	*t = w->v[--w->n];
}

/* Read running domain @dom and bring the kernel in line with it. */
static struct vdom *refresh(struct vwatch *w, virDomainPtr dom)
{
	char why[256] = "", *xml;
	struct vdom *t;
	struct lvdom d;
	int rc;

	xml = virDomainGetXMLDesc(dom, 0);
	if (!xml)
		return NULL;		/* gone meanwhile: its event follows */
	rc = lvdom_parse(xml, strlen(xml), &d, why, sizeof(why));
	free(xml);
	if (rc) {
		vw_log("domain %s: %s", virDomainGetName(dom), why);
		return NULL;
	}
	t = vdom_find(w, d.name);
	if (t) {
		/* what an old description made and this one lacks goes */
		size_t i;

		for (i = 0; i < t->vifs.n; i++) {
			size_t j;
			bool kept = false;

			for (j = 0; j < d.n_ifs && !kept; j++)
				kept = d.ifs[j].dev &&
				       !strcmp(d.ifs[j].dev, t->vifs.v[i]);
			if (!kept)
				ipc_del(w->ipc, OBJ_VIF, t->vifs.v[i],
					NETPOLICY_SOURCE_LIBVIRT, true);
		}
		lvdom_free(&t->d);
	} else {
		t = xpush((void **)&w->v, &w->n, sizeof(*t));
	}
	t->d = d;
	t->seen = true;
	vdom_describe(w, t);
	if (t->described)
		vdom_tell_macs(w, t);
	return t;
}

/*
 * Every running domain described; what was tracked or loaded from libvirt
 * for a domain no longer running deleted. The kernel's objects are read
 * first, the domains second (see xenwatch's full sync: a domain starting
 * between the two reads keeps its objects).
 */
static int full_sync(struct vwatch *w)
{
	struct np_config loaded;
	virDomainPtr *doms = NULL;
	int nd, i;
	size_t k;

	if (ipc_get_config(w->ipc, &loaded))
		return -EIO;
	nd = virConnectListAllDomains(w->conn, &doms,
				      VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (nd < 0) {
		config_free(&loaded);
		return -EIO;
	}
	for (k = 0; k < w->n; k++)
		w->v[k].seen = false;
	for (i = 0; i < nd; i++) {
		refresh(w, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	for (k = 0; k < w->n;) {
		if (!w->v[k].seen)
			vdom_gone(w, &w->v[k]);
		else
			k++;
	}
	for (k = 0; k < loaded.n_vifs; k++) {
		const struct np_vif_def *v = &loaded.vifs[k];
		bool ours = false;
		size_t t, j;

		if (v->source != NETPOLICY_SOURCE_LIBVIRT)
			continue;
		for (t = 0; t < w->n && !ours; t++)
			for (j = 0; j < w->v[t].vifs.n && !ours; j++)
				ours = !strcmp(w->v[t].vifs.v[j], v->name);
		if (!ours) {
			vw_log("%s: no running domain has it any more, deleted",
			       v->name);
			ipc_del(w->ipc, OBJ_VIF, v->name,
				NETPOLICY_SOURCE_LIBVIRT, true);
		}
	}
	for (k = 0; k < loaded.n_vms; k++)
		if (loaded.vms[k].source == NETPOLICY_SOURCE_LIBVIRT &&
		    !vdom_find(w, loaded.vms[k].name))
			ipc_del(w->ipc, OBJ_VM, loaded.vms[k].name,
				NETPOLICY_SOURCE_LIBVIRT, true);
	config_free(&loaded);
	return 0;
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event,
			int detail, void *opaque)
{
	struct vwatch *w = opaque;
	struct vdom *t;

	(void)conn;
	(void)detail;
	switch (event) {
	case VIR_DOMAIN_EVENT_STARTED:	/* booted, restored, migrated in */
	case VIR_DOMAIN_EVENT_RESUMED:	/* an interface may have changed */
		refresh(w, dom);
		break;
	case VIR_DOMAIN_EVENT_STOPPED:	/* shut down, saved, migrated out */
	case VIR_DOMAIN_EVENT_CRASHED:
		t = vdom_find(w, virDomainGetName(dom));
		if (t)
			vdom_gone(w, t);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * An interface plugged into or unplugged from a running domain (virsh
 * attach-interface, detach-interface): no hook runs for it; describe the
 * domain again (refresh deletes the VIF objects of interfaces it lost).
 */
static void on_device(virConnectPtr conn, virDomainPtr dom,
		      const char *alias, void *opaque)
{
	struct vwatch *w = opaque;

	(void)conn;
	(void)alias;
	if (virDomainIsActive(dom) == 1)
		refresh(w, dom);
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct vwatch *w = opaque;

	(void)conn;
	(void)reason;
	w->lost = true;
}

/* Every second: describe again what the kernel did not take. */
static void on_tick(int timer, void *opaque)
{
	struct vwatch *w = opaque;
	static time_t next;
	size_t k;

	(void)timer;
	if (time(NULL) < next)
		return;
	next = time(NULL) + VW_RETRY_SECONDS;
	for (k = 0; k < w->n; k++) {
		struct vdom *t = &w->v[k];

		if (!t->described) {
			vdom_describe(w, t);
			if (t->described)
				vw_log("%s described to the kernel", t->d.name);
		}
		if (t->described && !t->macs_told)
			vdom_tell_macs(w, t);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

/* libvirt's own error messages: to the log, once, not to stderr raw. */
static void on_virt_error(void *opaque, virErrorPtr err)
{
	(void)opaque;
	if (verbose && err && err->message)
		vw_log("libvirt: %s", err->message);
}

int main(int argc, char **argv)
{
	const char *uri = "qemu:///system";
	struct vwatch w = { 0 };
	struct sigaction sa = { 0 };
	bool once = false, said = false;
	int i, cb, cb_add, cb_del, rc = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--once")) {
			once = true;
		} else if (!strcmp(argv[i], "-v") ||
			   !strcmp(argv[i], "--verbose")) {
			verbose = true;
		} else if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			uri = argv[++i];
		} else {
			fprintf(stderr,
				"usage: npmgr virtwatch [--connect URI] [--once] [-v]\n");
			return 2;
		}
	}
	w.ipc = ipc_open();
	if (!w.ipc)
		return 1;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	virSetErrorFunc(NULL, on_virt_error);
	if (virEventRegisterDefaultImpl() < 0) {
		vw_log("libvirt's event loop could not start");
		return 1;
	}
	if (virEventAddTimeout(1000, on_tick, &w, NULL) < 0) {
		vw_log("libvirt's event loop took no timer");
		return 1;
	}

	while (!stopping) {
		w.conn = virConnectOpen(uri);
		if (!w.conn) {
			if (!said)
				vw_log("cannot connect to %s (is libvirtd running?); retrying every second",
				       uri);
			said = true;
			if (once) {
				rc = 1;
				break;
			}
			sleep(1);
			continue;
		}
		said = false;
		w.lost = false;
		virConnectRegisterCloseCallback(w.conn, on_close, &w, NULL);
		cb = virConnectDomainEventRegisterAny(w.conn, NULL,
				VIR_DOMAIN_EVENT_ID_LIFECYCLE,
				VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), &w, NULL);
		cb_add = virConnectDomainEventRegisterAny(w.conn, NULL,
				VIR_DOMAIN_EVENT_ID_DEVICE_ADDED,
				VIR_DOMAIN_EVENT_CALLBACK(on_device), &w, NULL);
		cb_del = virConnectDomainEventRegisterAny(w.conn, NULL,
				VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED,
				VIR_DOMAIN_EVENT_CALLBACK(on_device), &w, NULL);
		if (cb < 0 || cb_add < 0 || cb_del < 0 || full_sync(&w)) {
			vw_log("cannot follow %s's domains", uri);
			rc = 1;
			virConnectClose(w.conn);
			break;
		}
		if (once) {
			virConnectDomainEventDeregisterAny(w.conn, cb);
			virConnectDomainEventDeregisterAny(w.conn, cb_add);
			virConnectDomainEventDeregisterAny(w.conn, cb_del);
			virConnectClose(w.conn);
			break;
		}
		vw_log("following %s (%zu running domain%s)", uri, w.n,
		       w.n == 1 ? "" : "s");
		while (!stopping && !w.lost)
			if (virEventRunDefaultImpl() < 0)
				break;
		if (w.lost)
			vw_log("lost %s; reconnecting", uri);
		virConnectDomainEventDeregisterAny(w.conn, cb);
		virConnectDomainEventDeregisterAny(w.conn, cb_add);
		virConnectDomainEventDeregisterAny(w.conn, cb_del);
		virConnectUnregisterCloseCallback(w.conn, on_close);
		virConnectClose(w.conn);
		w.conn = NULL;
	}
	while (w.n)
		vdom_clear(&w.v[--w.n]);
	free(w.v);
	ipc_close(w.ipc);
	return rc;
}
