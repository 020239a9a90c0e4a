// SPDX-License-Identifier: GPL-2.0
/*
 * The pool secret that MACsec keys are derived from: a regular file of at
 * least RZ_SECRET_MIN bytes that only root (or whoever runs npmgr) owns
 * and may read. It is never logged or shown.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rz.h"

#define RZ_SECRET_MIN	32

int rz_read_secret(const char *path, struct np_diags *d, struct np_pos pos,
		   uint8_t **secret, size_t *len)
{
	struct stat st;
	char *buf;
	int fd, err;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		diag_add(d, pos, "REQUIRE_ENCRYPTION needs the pool secret %s: %s",
			 path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		diag_add(d, pos,
			 "the pool secret %s must be a regular file of mode 0600 owned by root (it is mode %04o, owner %u)",
			 path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid);
		return -1;
	}
	err = read_file(path, &buf, len);
	if (err) {
		diag_add(d, pos, "the pool secret %s: %s", path, strerror(-err));
		return -1;
	}
	if (*len < RZ_SECRET_MIN) {
		diag_add(d, pos,
			 "the pool secret %s holds %zu bytes; it needs at least %d (e.g. head -c 64 /dev/urandom)",
			 path, *len, RZ_SECRET_MIN);
		memset(buf, 0, *len);
		free(buf);
		return -1;
	}
	*secret = (uint8_t *)buf;
	return 0;
}
