// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr: Xen toolstack metadata (libxenstore): what a backend vif is.
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
 * `npmgr xenwatch` (watch.c) keeps the kernel in step with xenstore;
 * `npmgr xen-hotplug` (hotplug.c) is the hotplug script libxl runs
 * (vif-netpolicy), which also reports the kernel's decision back to libxl
 * through hotplug-status.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xen.h"

void xen_log(const char *fmt, ...)
{
	va_list ap;

	fputs("npmgr: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void xvif_free(struct xvif *x)
{
	free(x->ifname);
	free(x->network);
	free(x->vm);
	memset(x, 0, sizeof(*x));
}

/* xs_read() of "@dir/@key", NUL-terminated, or NULL. */
char *xen_get(struct xs_handle *xs, const char *dir, const char *key)
{
	unsigned int len;
	char *path, *v;

	if (asprintf(&path, "%s/%s", dir, key) < 0)
		return NULL;
	v = xs_read(xs, XBT_NULL, path, &len);
	free(path);
	return v;
}

bool xen_uint(const char *s, unsigned int *out)
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
void xen_vm_name(char *name)
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
int xvif_read(struct xs_handle *xs, const char *dir, struct xvif *x,
	      char *why, size_t why_len)
{
	char *domid_s = xen_get(xs, dir, "frontend-id");
	char *devid_s = xen_get(xs, dir, "handle");
	char *type = xen_get(xs, dir, "type");
	char *vifname = xen_get(xs, dir, "vifname");
	char *dompath = NULL, *vmpath = NULL, *uuid = NULL, *mac = NULL;
	int rc = -ENOENT;

	memset(x, 0, sizeof(*x));
	x->network = xen_get(xs, dir, "bridge");
	if (!xen_uint(domid_s, &x->domid) || !xen_uint(devid_s, &x->devid))
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
	x->vm = xen_get(xs, dompath, "name");
	if (!x->vm) {
		rc = -ENOENT;			/* the domain is going away */
		goto out;
	}
	xen_vm_name(x->vm);
	if (!*x->vm || strlen(x->vm) >= NETPOLICY_NAME_MAX) {
		snprintf(why, why_len, "%s: domain name '%s' is not a valid VM name",
			 dir, x->vm);
		goto out;
	}
	mac = xen_get(xs, dir, "mac");
	x->has_mac = mac && parse_mac(mac, x->mac) && !(x->mac[0] & 1);
	vmpath = xen_get(xs, dompath, "vm");
	uuid = vmpath ? xen_get(xs, vmpath, "uuid") : NULL;
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
	free(mac);
	return rc;
}

/* The name of an HVM guest's emulated tap: libxl's <ifname>-emu. */
void xvif_emu_name(const char *ifname, char out[IFNAMSIZ])
{
	snprintf(out, IFNAMSIZ, "%s-emu", ifname);
}

/* The objects describing @x, for an adding load. */
void xvif_objects(const struct xvif *x, struct np_config *cfg)
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
			xvif_emu_name(x->ifname, emu);
		v->name = xstrdup(i ? emu : x->ifname);
		v->ifname = xstrdup(v->name);
		v->network = xstrdup(x->network);
		v->vm = xstrdup(x->vm);
		v->source = NETPOLICY_SOURCE_XENSTORE;
	}
}

/* Send @x's objects; the kernel's rules make this idempotent. */
int xvif_add(struct np_ipc *ipc, const struct xvif *x)
{
	struct np_config cfg;
	int rc;

	xvif_objects(x, &cfg);
	rc = ipc_load(ipc, &(struct np_load){ .cfg = &cfg });
	config_free(&cfg);
	return rc;
}

/* Delete the objects made for interface @ifname of VM @vm. */
void xvif_del(struct np_ipc *ipc, const char *ifname, bool ioemu,
	      const char *vm)
{
	char emu[IFNAMSIZ];

	ipc_del(ipc, OBJ_VIF, ifname, NETPOLICY_SOURCE_XENSTORE, true);
	if (ioemu) {
		xvif_emu_name(ifname, emu);
		ipc_del(ipc, OBJ_VIF, emu, NETPOLICY_SOURCE_XENSTORE, true);
	}
	/* EBUSY while another of the VM's interfaces remains: fine */
	if (vm)
		ipc_del(ipc, OBJ_VM, vm, NETPOLICY_SOURCE_XENSTORE, true);
}
