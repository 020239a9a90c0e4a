// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr-libvirt-hook: libvirt's qemu hook as a program of its own (hook.c).
 * libvirtd runs it several times for every domain start, so it links no
 * more than it needs: libxml2 for the domain's XML and libnl, not libvirt
 * (whose loading alone costs a hook call a sizeable part of its time).
 */

#include "hook.h"

int main(int argc, char **argv)
{
	return lv_hook_main(argc, argv);
}
