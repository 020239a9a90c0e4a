// SPDX-License-Identifier: GPL-2.0
/*
 * Connectivity association keys: one file per encrypted network,
 * DIR/NETWORK.cak, holding 64 hexadecimal digits (a 256-bit CAK). The
 * file is opened without following links, the descriptor that was opened
 * is checked (a regular file, owned by root or the caller, no access for
 * group or others) and read; every copy of the key is wiped. The key is
 * never logged or shown.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rz.h"

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool rz_cak_parse(const char *s, size_t n, uint8_t key[RZ_CAK_LEN])
{
	size_t i = 0, k;
	uint8_t any = 0;

	while (i < n && isspace((unsigned char)s[i]))
		i++;
	for (k = 0; k < RZ_CAK_LEN; k++, i += 2) {
		int hi = i + 1 < n ? hexval((unsigned char)s[i]) : -1;
		int lo = hi < 0 ? -1 : hexval((unsigned char)s[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		key[k] = (uint8_t)(hi << 4 | lo);
		any |= key[k];
	}
	while (i < n && isspace((unsigned char)s[i]))
		i++;
	return i == n && any;		/* all zeros is no key */
}

int rz_read_cak(const char *dir, const char *network, struct np_diags *d,
		struct np_pos pos, uint8_t key[RZ_CAK_LEN])
{
	char path[4096], buf[256];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	if (strchr(network, '/') || network[0] == '.') {
		diag_add(d, pos,
			 "network '%s' needs a CAK file, but its name cannot name one (no '/', no leading '.')",
			 network);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s.cak", dir, network);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st)) {
		diag_add(d, pos,
			 "network '%s' is encrypted and needs its CAK in %s: %s (create it with npmgr genkey; see Documentation, \"Encryption: key agreement\")",
			 network, path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077) ||
	    (st.st_uid != 0 && st.st_uid != geteuid())) {
		diag_add(d, pos,
			 "the CAK file %s must be a regular file of mode 0600 owned by root (it is mode %04o, owner %u)",
			 path, (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid);
		goto out;
	}
	n = read(fd, buf, sizeof(buf));
	if (n < 0) {
		diag_add(d, pos, "the CAK file %s: %s", path, strerror(errno));
		goto out;
	}
	if ((size_t)n == sizeof(buf) || !rz_cak_parse(buf, (size_t)n, key)) {
		diag_add(d, pos,
			 "the CAK file %s must hold 64 hexadecimal digits, not all zero (a 256-bit key: npmgr genkey)",
			 path);
		explicit_bzero(key, RZ_CAK_LEN);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return rc;
}

int rz_genkey(FILE *out)
{
	static const char digits[] = "0123456789abcdef";
	char text[2 * RZ_CAK_LEN + 1];
	uint8_t key[RZ_CAK_LEN];
	size_t i;
	int rc = 0;

	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		fprintf(stderr, "npmgr: genkey: no random bytes: %s\n",
			strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(key); i++) {
		text[2 * i] = digits[key[i] >> 4];
		text[2 * i + 1] = digits[key[i] & 15];
	}
	text[2 * RZ_CAK_LEN] = '\n';
	/* one write, no stdio buffer left holding the key */
	fflush(out);
	if (write(fileno(out), text, sizeof(text)) != (ssize_t)sizeof(text))
		rc = -1;
	explicit_bzero(text, sizeof(text));
	explicit_bzero(key, sizeof(key));
	return rc;
}
