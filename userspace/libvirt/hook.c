// SPDX-License-Identifier: GPL-2.0
/*
 * `npmgr libvirt-hook`: libvirt's qemu hook (installed as
 * /etc/libvirt/hooks/qemu.d/netpolicy). libvirtd runs it with the
 * domain's name, an operation and a sub-operation, and the domain's XML
 * on standard input; a non-zero exit of "prepare" or "start" fails the
 * domain's start, with what the hook wrote to standard error in the
 * error virsh prints. Measured with libvirt 9.0 (Documentation/
 * libvirt-design.rst): at "prepare" no tap exists yet; at "start" every
 * tap exists, is up and has had its master set, and QEMU has not run.
 *
 *   prepare begin    describe the domain (VM object, VIF objects of the
 *                    interfaces that name their target device), so that
 *                    its taps are decided with the VM's identity from
 *                    the moment they appear; ask what would be decided
 *                    for each type='bridge' interface: one that would be
 *                    refused, or put on another bridge than its <source
 *                    bridge>, fails the start with the reason
 *   start begin      describe it again (libvirt has named every tap by
 *                    now), tell the guests' MACs, and wait for the
 *                    decision of each interface netpolicy governs: one
 *                    that is not attached fails the start, with the
 *                    kernel's reason
 *   reconnect begin  (libvirtd restarted, the domain runs) describe it
 *   release end      the domain is gone: delete its objects (the VIF
 *                    objects whose VM it is: by now its XML no longer
 *                    names the taps libvirt made)
 *
 * Everything else is accepted as it is, without reading the XML: libvirtd
 * runs the program itself (installed as the hook, no shell in between),
 * and every start pays for each of its runs. An interface no VIF object binds
 * is not netpolicy's: it is left to libvirt.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "hook.h"

/* How long a described interface may take to be decided. */
#define HOOK_DECIDE_MS 10000

static void hook_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hook_say(const char *fmt, ...)
{
	va_list ap;

	fputs("netpolicy: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* All of standard input, up to LV_XML_MAX bytes: 0, or -1 (said why). */
static int read_all(char **buf, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *b = xrealloc(NULL, cap);

	for (;;) {
		size_t got;

		if (n == cap) {
			if (cap > LV_XML_MAX) {
				free(b);
				hook_say("the domain XML on standard input is longer than %d bytes",
					 LV_XML_MAX);
				return -1;
			}
			cap *= 2;
			b = xrealloc(b, cap);
		}
		got = fread(b + n, 1, cap - n, stdin);
		n += got;
		if (got)
			continue;
		if (ferror(stdin)) {
			free(b);
			hook_say("reading the domain XML: %s", strerror(errno));
			return -1;
		}
		break;
	}
	*buf = b;
	*len = n;
	return 0;
}

static bool described(const struct lv_names *vifs, const char *dev)
{
	size_t i;

	for (i = 0; i < vifs->n; i++)
		if (!strcmp(vifs->v[i], dev))
			return true;
	return false;
}

/*
 * Each interface's decision: 0 if every one netpolicy governs is
 * attached, else 1 with a line per one that is not.
 */
static int check_interfaces(struct np_ipc *ipc, const struct lvdom *d,
			    const struct lv_names *vifs)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < d->n_ifs; i++) {
		const char *dev = d->ifs[i].dev;
		bool ours;
		struct np_port_info p;
		int rc;

		if (!dev)
			continue;
		ours = described(vifs, dev);
		rc = ipc_wait_port(ipc, dev, ours ? HOOK_DECIDE_MS : 0, &p);
		if (rc == -ETIMEDOUT && !ours)
			continue;	/* no VIF object binds it: not ours */
		if (rc == -ETIMEDOUT) {
			hook_say("%s of domain %s: no decision within %d s",
				 dev, d->name, HOOK_DECIDE_MS / 1000);
			bad = 1;
			continue;
		}
		if (rc || !p.state) {
			hook_say("%s of domain %s: the interface is gone",
				 dev, d->name);
			if (!rc)
				port_free(&p);
			bad = 1;
			continue;
		}
		if (p.state != NETPOLICY_PORT_ATTACHED) {
			hook_say("%s of domain %s is %s: %s (npmgr explain %s says why)",
				 dev, d->name, state_name(p.state),
				 p.message && *p.message ? p.message :
				 reason_name(p.reason), dev);
			bad = 1;
		}
		port_free(&p);
	}
	return bad;
}

/*
 * At "prepare", before libvirt creates a tap: what the kernel would decide
 * for each type='bridge' interface (NETPOLICY_CMD_PREDICT), by its target
 * device's name when the XML names it and by the guest's MAC. libvirt will
 * enslave the tap to its <source bridge> before "start" runs, and a veto
 * of that enslave reaches virsh as an errno alone: said here, the start
 * fails with netpolicy's reason instead. 0 if every one netpolicy governs
 * would be attached to the bridge libvirt names, else 1 with a line per
 * one that would not. An interface no VIF object binds (or that cannot be
 * predicted yet: bound by a name libvirt has not chosen) is left to the
 * decision at the enslave and at "start".
 */
static int predict_interfaces(struct np_ipc *ipc, const struct lvdom *d)
{
	int bad = 0;
	size_t i;

	for (i = 0; i < d->n_ifs; i++) {
		const struct lv_if *f = &d->ifs[i];
		const char *what = f->dev ? f->dev : "an interface";
		struct np_port_info p;

		if (!f->type || strcmp(f->type, "bridge") || !f->bridge ||
		    (!f->dev && !f->has_mac))
			continue;
		if (ipc_predict(ipc, f->dev, f->has_mac ? f->mac : NULL, &p))
			continue;	/* said on standard error; "start" decides */
		if (p.state == NETPOLICY_PORT_REFUSED ||
		    p.state == NETPOLICY_PORT_PENDING) {
			hook_say("%s of domain %s would be %s: %s",
				 what, d->name, state_name(p.state),
				 p.message && *p.message ? p.message :
				 reason_name(p.reason));
			bad = 1;
		} else if (p.state == NETPOLICY_PORT_ATTACHED &&
			   strcmp(p.bridge, f->bridge)) {
			hook_say("%s of domain %s: its VIF object %s puts it on bridge %s (network %s), not on %s",
				 what, d->name, p.vif, p.bridge, p.network,
				 f->bridge);
			bad = 1;
		}
		port_free(&p);
	}
	return bad;
}

int lv_hook_main(int argc, char **argv)
{
	struct lv_names vifs = { 0 };
	const char *op, *sub;
	bool prepare, start, describe, release;
	char why[256] = "", *xml;
	struct np_ipc *ipc;
	struct lvdom d;
	size_t len;
	int rc = 0;

	if (argc < 4) {
		fprintf(stderr,
			"usage: npmgr libvirt-hook DOMAIN OPERATION SUBOPERATION [EXTRA] < DOMAIN-XML\n"
			"(libvirtd runs it as /etc/libvirt/hooks/qemu.d/netpolicy)\n");
		return 2;
	}
	op = argv[2];
	sub = argv[3];
	prepare = !strcmp(op, "prepare") && !strcmp(sub, "begin");
	start = !strcmp(op, "start") && !strcmp(sub, "begin");
	describe = prepare || start ||
		   (!strcmp(op, "reconnect") && !strcmp(sub, "begin"));
	release = !strcmp(op, "release") && !strcmp(sub, "end");
	/*
	 * The other operations, several per start and stop, leave at once,
	 * without reading the XML libvirtd writes: a hook that has gone
	 * before its input was written is not an error to libvirtd (libvirt
	 * 9.0; every start in the libvirt suite goes through this).
	 */
	if (!describe && !release)
		return 0;
	if (read_all(&xml, &len))
		return describe ? 1 : 0;
	rc = lvdom_parse(xml, len, &d, why, sizeof(why));
	free(xml);
	if (rc) {
		hook_say("domain %s: %s", argv[1], why);
		return describe ? 1 : 0;
	}
	ipc = ipc_open();
	if (!ipc) {
		if (describe)
			hook_say("domain %s not started: netpolicy cannot decide its interfaces",
				 d.name);
		lvdom_free(&d);
		return describe ? 1 : 0;
	}
	if (release) {
		lv_forget_domain(ipc, d.name);
		goto out;
	}
	if (lv_describe(ipc, &d, &vifs, hook_say)) {
		hook_say("domain %s not started: its objects could not be loaded",
			 d.name);
		rc = 1;
		goto out;
	}
	lv_tell_macs(ipc, &d);
	if (prepare || start) {
		rc = prepare ? predict_interfaces(ipc, &d) :
			       check_interfaces(ipc, &d, &vifs);
		if (rc)
			lv_forget(ipc, d.name, &vifs);
	}
out:
	lv_names_free(&vifs);
	lvdom_free(&d);
	ipc_close(ipc);
	return rc;
}
