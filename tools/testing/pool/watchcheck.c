// SPDX-License-Identifier: GPL-2.0
/*
 * watchcheck: npmgr's etcd watch against a real etcd (pool.sh).
 *
 *   watchcheck ENDPOINT PREFIX FROM_REVISION SECONDS
 *
 * Watches PREFIX from FROM_REVISION for up to SECONDS and prints what
 * etcd_watch_wait() said: "changed" once keys changed, "ended: WHY" when
 * the stream ended or etcd canceled the watch, "quiet" when nothing came.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../../userspace/pool/etcd.h"

int main(int argc, char **argv)
{
	struct etcd_opts o = { 0 };
	struct etcd_watch *w;
	struct etcd *e;
	char *err = NULL;
	int i, r = 0;

	if (argc != 5) {
		fprintf(stderr, "usage: watchcheck ENDPOINT PREFIX FROM_REVISION SECONDS\n");
		return 2;
	}
	o.endpoints = argv[1];
	e = etcd_open(&o, &err);
	w = e ? etcd_watch_start(e, argv[2], atoll(argv[3]), &err) : NULL;
	if (!w) {
		printf("failed: %s\n", err ? err : "?");
		return 1;
	}
	for (i = 0; i < atoi(argv[4]) * 5 && !r; i++)
		r = etcd_watch_wait(w, 200, &err);
	if (r > 0)
		printf("changed\n");
	else if (r < 0)
		printf("ended: %s\n", err ? err : "?");
	else
		printf("quiet\n");
	free(err);
	etcd_watch_stop(w);
	etcd_close(e);
	return 0;
}
