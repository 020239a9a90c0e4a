// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr xen-hotplug: the vif-netpolicy hotplug script libxl runs for a
 * vif. It describes the vif to the kernel itself, waits for the module's
 * decision, and reports it to libxl through hotplug-status (and
 * hotplug-error, which makes `xl create` fail with the reason).
 */

#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xen.h"

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
		xen_log("xen-hotplug: cannot write %s: %s", path, strerror(errno));
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
		xen_log("xen-hotplug: %s", err);
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

/*
 * What libxl is told when the interface is not attached. hotplug-error
 * lives in the backend directory, which the guest can read: it gets its
 * own facts only (its interface, the state and the reason code), never
 * the message, which names policies, other VMs and their interfaces. The
 * whole reason goes to dom0 (standard error, which libxl logs there), to
 * `npmgr show` and `npmgr explain`, and to the kernel log.
 */
static void refusal_text(const char *ifname, const struct np_port_info *port,
			 char *why, size_t n)
{
	xen_log("xen-hotplug: %s: %s", ifname,
		port->message ? port->message : reason_name(port->reason));
	snprintf(why, n,
		 "netpolicy: %s: %s (%s); the host's administrator can see why: npmgr explain %s",
		 ifname, state_name(port->state), reason_name(port->reason),
		 ifname);
}

/*
 * The decision on @ifname. An HVM guest's -emu tap is created down by
 * QEMU, and netpolicy holds a tap on no bridge "pending" until it is up
 * (NETPOLICY_R_TAP_DOWN): set it up, as vif-bridge does, and wait for
 * the decision that follows.
 */
static int wait_decided(struct np_ipc *ipc, const char *ifname,
			unsigned int secs, struct np_port_info *port)
{
	int64_t deadline = mono_ms() + (int64_t)secs * 1000;
	int rc;

	for (;;) {
		int64_t left = deadline - mono_ms();

		rc = ipc_wait_port(ipc, ifname, left > 0 ? (int)left : 0, port);
		if (rc || port->state != NETPOLICY_PORT_PENDING ||
		    port->reason != NETPOLICY_R_TAP_DOWN)
			return rc;
		port_free(port);
		if (link_up(ifname))	/* then it is reported pending */
			return ipc_wait_port(ipc, ifname, 0, port);
		if (mono_ms() >= deadline)
			return -ETIMEDOUT;
		usleep(20000);
	}
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
	if (tmo && !xen_uint(tmo, &secs))
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
	/* netback's address is fe:ff:ff:ff:ff:ff: MAC bindings need the guest's */
	if (x.has_mac)
		ipc_set_guest_mac(ipc, ifname, x.mac, false);
	rc = wait_decided(ipc, ifname, secs, &port);
	if (rc == -ETIMEDOUT)
		snprintf(why, sizeof(why),
			 "netpolicy: %s: no decision within %u s", ifname, secs);
	else if (rc || !port.state)
		snprintf(why, sizeof(why), "netpolicy: %s: the interface is gone",
			 ifname);
	else if (port.state != NETPOLICY_PORT_ATTACHED)
		refusal_text(ifname, &port, why, sizeof(why));
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
