/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One libvirt domain's kernel objects (describe.c), for the watcher and
 * the qemu hook.
 */
#ifndef NPMGR_LV_DESCRIBE_H
#define NPMGR_LV_DESCRIBE_H

#include "../ipc.h"
#include "../model.h"
#include "domxml.h"

/* Names of the VIF objects made for a domain (its target devices). */
struct lv_names {
	char **v;
	size_t n;
};

/*
 * Domain @d's VM and VIF objects, for an adding load, into @cfg; the VIF
 * objects' names onto @vifs. @loaded (the kernel's objects) names the
 * network of a type='bridge' interface; interfaces with no network are
 * reported through @say and left out.
 */
void lv_objects(const struct lvdom *d, const struct np_config *loaded,
		struct np_config *cfg, struct lv_names *vifs,
		void (*say)(const char *fmt, ...));
/* Load them (replacing what @vifs held): 0, or -1 if the kernel did not. */
int lv_describe(struct np_ipc *ipc, const struct lvdom *d,
		struct lv_names *vifs, void (*say)(const char *fmt, ...));
/* Tell the kernel each interface's guest MAC: 0, or -1 if one failed. */
int lv_tell_macs(struct np_ipc *ipc, const struct lvdom *d);
/* Delete VM @vm's and @vifs' libvirt objects (missing ones are fine). */
void lv_forget(struct np_ipc *ipc, const char *vm, const struct lv_names *vifs);
/*
 * Delete VM @vm's libvirt objects and every libvirt VIF object of it, as
 * loaded (a stopped domain's XML no longer names libvirt's taps).
 */
int lv_forget_domain(struct np_ipc *ipc, const char *vm);
void lv_names_free(struct lv_names *l);

#endif
