// SPDX-License-Identifier: GPL-2.0
/*
 * poolbench: the etcd side of the pool benchmark (bench/pool_bench.sh),
 * through npmgr's own etcd client.
 *
 *   poolbench put ENDPOINT KEY FILE
 *	put FILE's bytes at KEY; prints "BEFORE AFTER": the wall clock (ms)
 *	just before the request and when its answer came (the change is
 *	committed between the two)
 *   poolbench watch ENDPOINT PREFIX FROM_REVISION N SECONDS
 *	N watch streams of PREFIX from FROM_REVISION, each on its own
 *	connection, as N agents would have: prints "ready" once all are
 *	open, then for each stream the wall clock (ms) at which its first
 *	change arrived, one a line (the baseline: etcd's raw fan-out)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../../userspace/pool/etcd.h"

static long long wall_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(buf = malloc((size_t)n + 1)) ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static int put(const char *ep, const char *key, const char *path)
{
	struct etcd_opts o = { .endpoints = ep };
	struct etcd *e;
	char *err = NULL, *v;
	long long t0, t1;
	size_t len;
	int rc;

	v = slurp(path, &len);
	e = v ? etcd_open(&o, &err) : NULL;
	if (!e) {
		fprintf(stderr, "poolbench: %s\n", v ? err : path);
		return 1;
	}
	t0 = wall_ms();
	rc = etcd_put(e, key, v, len, 0, &err);
	t1 = wall_ms();
	if (rc)
		fprintf(stderr, "poolbench: put: %s\n", err ? err : "?");
	else
		printf("%lld %lld\n", t0, t1);
	free(err);
	free(v);
	etcd_close(e);
	return rc ? 1 : 0;
}

static int watch(const char *ep, const char *prefix, long long from, int n,
		 int seconds)
{
	struct etcd_opts o = { .endpoints = ep };
	struct etcd_watch **w = calloc((size_t)n, sizeof(*w));
	struct etcd **e = calloc((size_t)n, sizeof(*e));
	long long *seen = calloc((size_t)n, sizeof(*seen)), end;
	int i, left = n, rc = 0;
	char *err = NULL;

	if (!w || !e || !seen)
		return 1;
	for (i = 0; i < n; i++) {
		e[i] = etcd_open(&o, &err);
		w[i] = e[i] ? etcd_watch_start(e[i], prefix, from, &err) : NULL;
		if (!w[i]) {
			fprintf(stderr, "poolbench: watch %d: %s\n", i, err ? err : "?");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	end = wall_ms() + seconds * 1000LL;
	while (left && wall_ms() < end) {
		for (i = 0; i < n; i++) {
			int r;

			if (seen[i])
				continue;
			r = etcd_watch_wait(w[i], i ? 0 : 1, &err);
			if (r > 0) {
				seen[i] = wall_ms();
				left--;
			} else if (r < 0) {
				fprintf(stderr, "poolbench: watch %d: %s\n", i, err ? err : "?");
				seen[i] = -1;
				left--;
				rc = 1;
			}
		}
	}
	for (i = 0; i < n; i++) {
		if (seen[i] > 0)
			printf("%lld\n", seen[i]);
		etcd_watch_stop(w[i]);
		etcd_close(e[i]);
	}
	free(err);
	free(w);
	free(e);
	free(seen);
	return left ? 1 : rc;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "put"))
		return put(argv[2], argv[3], argv[4]);
	if (argc == 7 && !strcmp(argv[1], "watch"))
		return watch(argv[2], argv[3], atoll(argv[4]), atoi(argv[5]),
			     atoi(argv[6]));
	fprintf(stderr, "usage: poolbench put ENDPOINT KEY FILE\n"
		"       poolbench watch ENDPOINT PREFIX FROM_REVISION N SECONDS\n");
	return 2;
}
