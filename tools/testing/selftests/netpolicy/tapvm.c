// SPDX-License-Identifier: GPL-2.0
/*
 * tapvm: a VM's network interface, without a VM. It does what QEMU does
 * with a tap: opens the tap IFNAME in the current network namespace (the
 * host's side, which netpolicy attaches) and forwards every frame between
 * it and a second tap, "eth0", in the network namespace NETNS (the
 * guest's side, where a test configures addresses and runs ping or
 * iperf3). Runs until it is killed.
 *
 * Like QEMU's virtio-net it passes whole TCP segments (up to 64 KiB) with
 * a virtio-net header instead of one read and write per wire frame: both
 * taps use the same header, so frames are forwarded as they are, and the
 * benchmarks measure the tunnels rather than this loop.
 *
 *   tapvm IFNAME /run/netns/NAME
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) ||
	    ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536];
	struct pollfd pfd[2];
	int ns, i;

	if (argc != 3) {
		fprintf(stderr, "usage: tapvm IFNAME /run/netns/NAME\n");
		return 2;
	}
	pfd[0].fd = open_tap(argv[1]);
	if (pfd[0].fd < 0) {
		perror(argv[1]);
		return 1;
	}
	ns = open(argv[2], O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNET)) {
		perror(argv[2]);
		return 1;
	}
	close(ns);
	pfd[1].fd = open_tap("eth0");
	if (pfd[1].fd < 0) {
		perror("eth0");
		return 1;
	}
	pfd[0].events = pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("poll");
			return 1;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & POLLIN))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno != EAGAIN && errno != EIO) {
				perror("read");
				return 1;
			}
			/* a full queue on the other side drops, as a NIC does */
			if (n > 0 && write(pfd[!i].fd, buf, (size_t)n) < 0 &&
			    errno != EIO && errno != ENOBUFS && errno != EAGAIN) {
				perror("write");
				return 1;
			}
		}
	}
}
