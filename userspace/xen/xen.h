/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr and Xen: what the toolstack's metadata in xenstore says about a
 * guest's vif (xenstore.c), the watcher that keeps the kernel in step with
 * it (watch.c), and the hotplug script libxl runs (hotplug.c).
 */
#ifndef NPMGR_XEN_H
#define NPMGR_XEN_H

#include <net/if.h>

#include <xenstore.h>

#include "../ipc.h"

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
	bool has_mac;			/* the guest's, from the `mac` key */
	uint8_t mac[6];
};

void xen_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A decimal number, digits only (no sign, no space). */
bool xen_uint(const char *s, unsigned int *out);
/* A migrating domain's name, less the --incoming / --migratedaway suffix. */
void xen_vm_name(char *name);
/* xs_read() of "@dir/@key", NUL-terminated, or NULL. */
char *xen_get(struct xs_handle *xs, const char *dir, const char *key);

/*
 * Read the backend directory @dir: 0, -ENOENT if it does not (or no
 * longer) describe a vif, or -EINVAL with a message in @why.
 */
int xvif_read(struct xs_handle *xs, const char *dir, struct xvif *x,
	      char *why, size_t why_len);
void xvif_free(struct xvif *x);
/* The name of an HVM guest's emulated tap: libxl's <ifname>-emu. */
void xvif_emu_name(const char *ifname, char out[IFNAMSIZ]);
/* The objects describing @x, for an adding load. */
void xvif_objects(const struct xvif *x, struct np_config *cfg);
/* Send @x's objects; the kernel's rules make this idempotent. */
int xvif_add(struct np_ipc *ipc, const struct xvif *x);
/* Delete the objects made for interface @ifname of VM @vm (if set). */
void xvif_del(struct np_ipc *ipc, const char *ifname, bool ioemu,
	      const char *vm);

int cmd_xenwatch(int argc, char **argv);
int cmd_xen_hotplug(int argc, char **argv);

#endif
