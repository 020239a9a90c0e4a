// SPDX-License-Identifier: GPL-2.0
/*
 * poolbench: the etcd side of the pool benchmark (bench/pool_bench.sh),
 * through npmgr's own etcd client.
 *
 *   poolbench put ENDPOINT KEY FILE
 *	put FILE's bytes at KEY; prints "BEFORE AFTER": the wall clock (ms)
 *	just before the request and when its answer came (the change is
 *	committed between the two)
 *   poolbench hosts ENDPOINT N
 *	the specs and liveness keys of N hosts h0000... (NIC eth0 tagged
 *	fast or slow, one in ten unable to encrypt, one in twenty dead), as
 *	their agents would publish them, for the placement benchmark
 *   poolbench txn ENDPOINT N
 *	N transactions of the shape `npmgr place --record` commits (four
 *	compares, two puts), back to back: prints "N SECONDS", etcd's raw
 *	rate for the placement benchmark's ratio
 *   poolbench watch ENDPOINT PREFIX FROM_REVISION N SECONDS
 *	N watch streams of PREFIX from FROM_REVISION, each on its own
 *	connection, as N agents would have: prints "ready" once all are
 *	open, then for each stream the wall clock (ms) at which its first
 *	change arrived, one a line (the baseline: etcd's raw fan-out)
 */
#include <stdint.h>
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

static int hosts(const char *ep, int n)
{
	struct etcd_opts o = { .endpoints = ep };
	char key[128], val[256], *err = NULL;
	struct etcd *e = etcd_open(&o, &err);
	int i, rc = 0;

	for (i = 0; e && !rc && i < n; i++) {
		snprintf(key, sizeof(key), "/netpolicy/v1/hosts/h%04d/spec", i);
		snprintf(val, sizeof(val), "host h%04d {\n  address = 10.%d.%d.1\n%s}\nnic eth0 { tags = {%s} }\n",
			 i, i / 256, i % 256, i % 10 == 3 ? "  macsec = false\n" : "",
			 i % 2 ? "fast" : "slow");
		rc = etcd_put(e, key, val, strlen(val), 0, &err);
		if (!rc && i % 20 != 7) {
			snprintf(key, sizeof(key), "/netpolicy/v1/hosts/h%04d/alive", i);
			rc = etcd_put(e, key, "{}", 2, 0, &err);
		}
	}
	if (!e || rc)
		fprintf(stderr, "poolbench: hosts: %s\n", err ? err : "?");
	free(err);
	etcd_close(e);
	return !e || rc;
}

/* the mod revision of @key, 0 if it does not exist; -1: etcd failed */
static int64_t mod_rev(struct etcd *e, const char *key, char **err)
{
	struct etcd_kvs k;
	int64_t r;

	if (etcd_range(e, key, 0, &k, err))
		return -1;
	r = k.n ? k.kv[0].mod_rev : 0;
	etcd_kvs_free(&k);
	return r;
}

static int txn(const char *ep, int n)
{
	static const char *const keys[4] = {
		"/netpolicy/v1/applied", "/netpolicy/v1/placed",
		"/netpolicy/v1/hosts/h0001/spec", "/netpolicy/v1/hosts/h0001/alive",
	};
	struct etcd_opts o = { .endpoints = ep };
	char key[128], val[160], *err = NULL;
	struct etcd *e = etcd_open(&o, &err);
	struct etcd_op ops[2];
	struct timespec t0, t1;
	int64_t revs[4], rev;
	int i, ok = 0, rc = !e;

	for (i = 0; !rc && i < 4; i++)
		rc = (revs[i] = mod_rev(e, keys[i], &err)) < 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; !rc && i < n; i++) {
		snprintf(key, sizeof(key), "/netpolicy/v1/placements/raw%06d", i);
		snprintf(val, sizeof(val), "{\"host\":\"h0001\",\"vm\":\"raw%06d\",\"by\":\"poolbench\",\"at\":\"2026-12-03T00:00:00Z\"}", i);
		ops[0] = (struct etcd_op){ ETCD_PUT, key, val, strlen(val) };
		ops[1] = (struct etcd_op){ ETCD_PUT, keys[1], val, strlen(val) };
		rc = etcd_txn(e, keys, revs, 4, ops, 2, &ok, &rev, &err) || !ok;
		revs[1] = rev;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc)
		fprintf(stderr, "poolbench: txn %d: %s\n", i, err ? err : "a compare failed");
	else
		printf("%d %.3f\n", n, (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(err);
	etcd_close(e);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "hosts"))
		return hosts(argv[2], atoi(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "txn"))
		return txn(argv[2], atoi(argv[3]));
	if (argc == 5 && !strcmp(argv[1], "put"))
		return put(argv[2], argv[3], argv[4]);
	if (argc == 7 && !strcmp(argv[1], "watch"))
		return watch(argv[2], argv[3], atoll(argv[4]), atoi(argv[5]),
			     atoi(argv[6]));
	fprintf(stderr, "usage: poolbench put ENDPOINT KEY FILE\n"
		"       poolbench hosts ENDPOINT N\n"
		"       poolbench txn ENDPOINT N\n"
		"       poolbench watch ENDPOINT PREFIX FROM_REVISION N SECONDS\n");
	return 2;
}
