// SPDX-License-Identifier: GPL-2.0
/*
 * wpa_supplicant's control socket: a request is one datagram to the
 * daemon's socket (ctrl_interface DIR/IFNAME), the reply one datagram back
 * to the sender's address (here an address the kernel picks, in the
 * abstract namespace: nothing to clean up).
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctrl.h"

int rz_ctrl_request(const char *path, const char *cmd, char *reply,
		    size_t size, int timeout_ms)
{
	struct sockaddr_un to = { .sun_family = AF_UNIX };
	sa_family_t autobind = AF_UNIX;
	struct pollfd pfd;
	ssize_t n;
	int fd, rc = -1;

	if (strlen(path) >= sizeof(to.sun_path) || size < 2)
		return -1;
	memcpy(to.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* binding just the family asks the kernel for an abstract name */
	if (bind(fd, (struct sockaddr *)&autobind, sizeof(autobind)) ||
	    connect(fd, (struct sockaddr *)&to, sizeof(to)) ||
	    send(fd, cmd, strlen(cmd), 0) < 0)
		goto out;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (poll(&pfd, 1, timeout_ms) != 1)
		goto out;
	n = recv(fd, reply, size - 1, 0);
	if (n < 0)
		goto out;
	reply[n] = '\0';
	rc = 0;
out:
	close(fd);
	return rc;
}
