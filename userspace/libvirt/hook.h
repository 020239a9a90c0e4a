/* SPDX-License-Identifier: GPL-2.0 */
#ifndef NPMGR_LV_HOOK_H
#define NPMGR_LV_HOOK_H

/* `npmgr libvirt-hook DOMAIN OP SUBOP [EXTRA]`, libvirt's qemu hook. */
int lv_hook_main(int argc, char **argv);

#endif
