/* SPDX-License-Identifier: GPL-2.0 */
/* wpa_supplicant's control socket (ctrl.c). */
#ifndef NPMGR_RZ_CTRL_H
#define NPMGR_RZ_CTRL_H

#include <stddef.h>

/*
 * Send @cmd ("STATUS") to the control socket @path; the reply, NUL-
 * terminated, into @reply. 0, or -1 (no daemon, no reply in @timeout_ms).
 */
int rz_ctrl_request(const char *path, const char *cmd, char *reply,
		    size_t size, int timeout_ms);

#endif
