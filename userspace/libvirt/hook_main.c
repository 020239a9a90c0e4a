// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr-libvirt-hook: libvirt's qemu hook as a program of its own (hook.c),
 * installed as the hook itself (a symbolic link from libvirt's hook
 * directory). libvirtd runs it several times for every domain start, so it
 * links no more than it needs: expat for the domain's XML and libnl; not
 * libvirt, nor libxml2, whose loading (ICU, libstdc++) cost each run of
 * the hook more than all its work (Documentation/libvirt-design.rst).
 */

#include "hook.h"

int main(int argc, char **argv)
{
	return lv_hook_main(argc, argv);
}
