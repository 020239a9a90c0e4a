// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel objects of one libvirt domain, shared by the watcher
 * (virtwatch.c) and libvirt's qemu hook (hook.c): a VM object (name,
 * UUID, tags) and a VIF object per interface that has a target device,
 * all with the source NETPOLICY_SOURCE_LIBVIRT.
 *
 * An interface's network: netpolicy's <np:network> in the domain's
 * metadata; else, for type='bridge', the loaded network whose bridge is
 * the interface's source bridge. An interface with neither is reported
 * and left alone (a tap no VIF object binds stays unbound).
 */

#include <stdlib.h>
#include <string.h>

#include "describe.h"

/* The loaded network whose bridge is @bridge, or NULL. */
static const char *network_of_bridge(const struct np_config *loaded,
				     const char *bridge)
{
	size_t i;

	for (i = 0; i < loaded->n_nets; i++)
		if (loaded->nets[i].bridge &&
		    !strcmp(loaded->nets[i].bridge, bridge))
			return loaded->nets[i].name;
	return NULL;
}

void lv_objects(const struct lvdom *d, const struct np_config *loaded,
		struct np_config *cfg, struct lv_names *vifs,
		void (*say)(const char *fmt, ...))
{
	struct np_vm_def *m;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	m = xpush((void **)&cfg->vms, &cfg->n_vms, sizeof(*m));
	m->name = xstrdup(d->name);
	m->has_uuid = d->has_uuid;
	memcpy(m->uuid, d->uuid, sizeof(m->uuid));
	for (i = 0; i < d->n_tags; i++)
		*(char **)xpush((void **)&m->tags, &m->n_tags,
				sizeof(char *)) = xstrdup(d->tags[i]);
	m->source = NETPOLICY_SOURCE_LIBVIRT;
	for (i = 0; i < d->n_ifs; i++) {
		const struct lv_if *f = &d->ifs[i];
		const char *net = d->network;
		struct np_vif_def *v;

		if (!f->dev)
			continue;	/* libvirt names it as it makes it */
		if (!net && f->bridge)
			net = network_of_bridge(loaded, f->bridge);
		if (!net) {
			say("%s of %s: no network: name one in its <np:network> metadata%s%s",
			    f->dev, d->name,
			    f->bridge ? ", or load one whose bridge is " : "",
			    f->bridge ? f->bridge : "");
			continue;
		}
		v = xpush((void **)&cfg->vifs, &cfg->n_vifs, sizeof(*v));
		v->name = xstrdup(f->dev);
		v->ifname = xstrdup(f->dev);
		v->network = xstrdup(net);
		v->vm = xstrdup(d->name);
		v->source = NETPOLICY_SOURCE_LIBVIRT;
		*(char **)xpush((void **)&vifs->v, &vifs->n,
				sizeof(char *)) = xstrdup(f->dev);
	}
}

int lv_describe(struct np_ipc *ipc, const struct lvdom *d,
		struct lv_names *vifs, void (*say)(const char *fmt, ...))
{
	struct np_config loaded, cfg;
	int rc;

	lv_names_free(vifs);
	/* a type='bridge' interface's network is found by its bridge */
	if (ipc_get_kind(ipc, OBJ_NET, &loaded))
		return -1;
	lv_objects(d, &loaded, &cfg, vifs, say);
	config_free(&loaded);
	rc = ipc_load(ipc, &(struct np_load){ .cfg = &cfg });
	config_free(&cfg);
	return rc ? -1 : 0;
}

int lv_tell_macs(struct np_ipc *ipc, const struct lvdom *d)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < d->n_ifs; i++) {
		const struct lv_if *f = &d->ifs[i];

		if (f->dev && f->has_mac &&
		    ipc_set_guest_mac(ipc, f->dev, f->mac, true))
			rc = -1;
	}
	return rc;
}

void lv_forget(struct np_ipc *ipc, const char *vm, const struct lv_names *vifs)
{
	size_t i;

	for (i = 0; i < vifs->n; i++)
		ipc_del(ipc, OBJ_VIF, vifs->v[i], NETPOLICY_SOURCE_LIBVIRT, true);
	ipc_del(ipc, OBJ_VM, vm, NETPOLICY_SOURCE_LIBVIRT, true);
}

int lv_forget_domain(struct np_ipc *ipc, const char *vm)
{
	struct lv_names vifs = { 0 };
	struct np_config loaded;
	size_t i;

	if (ipc_get_kind(ipc, OBJ_VIF, &loaded))
		return -1;
	for (i = 0; i < loaded.n_vifs; i++) {
		const struct np_vif_def *v = &loaded.vifs[i];

		if (v->source == NETPOLICY_SOURCE_LIBVIRT && v->vm &&
		    !strcmp(v->vm, vm))
			*(char **)xpush((void **)&vifs.v, &vifs.n,
					sizeof(char *)) = xstrdup(v->name);
	}
	config_free(&loaded);
	lv_forget(ipc, vm, &vifs);
	lv_names_free(&vifs);
	return 0;
}

void lv_names_free(struct lv_names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
