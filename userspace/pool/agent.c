// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr agent: one per host of a pool (Documentation/netpolicy.rst, "The
 * pool's agent"). It publishes the host (its spec: the host block and its
 * NICs, from a local file; its liveness: a key bound to a lease it keeps
 * alive every third of its TTL), watches the pool's prefix, and on every
 * change loads what the host needs: the pool's objects, the host blocks of
 * the live hosts (its peers) and its own NICs, through the same load as
 * `npmgr load`.
 *
 * The kernel keeps enforcing the last load whatever happens to etcd or to
 * the agent: an agent that loses etcd retries; an agent that stops leaves
 * the host's state as it is and its lease to run out, so that an agent
 * started again within two thirds of the TTL takes the host's place with no
 * change anywhere, and otherwise its peers drop the host when the lease
 * expires.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../config.h"
#include "../ipc.h"
#include "../load.h"
#include "../print.h"
#include "../realize/realize.h"
#include "../util.h"
#include "etcd.h"
#include "pool.h"
#include "share.h"
#include "status.h"
/*
 * At most one sync every COALESCE_MS: a change after a quiet spell is
 * taken at once, a burst (a host's placements, an apply's echo) in one go.
 */
#define COALESCE_MS 200
/* how often the placements of this host are compared with its interfaces */
#define FOLLOW_S 2

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * The lease is kept alive by a thread of its own, on a connection of its
 * own, every third of the TTL: a load that takes longer than the TTL (key
 * agreement waiting for a slow peer, a large table) must not let it run
 * out, or every peer would drop a host that is alive. The agent's loop
 * learns from it that the lease is lost, and joins again.
 */
struct keeper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct etcd *e;
	int ttl;
	int64_t lease;		/* 0: none to keep alive */
	bool lost;		/* gone, or unanswered for a third of the TTL */
	char *why;
	bool stop;
};

struct agent {
	const char *host, *keys, *spec_path;
	int ttl;
	struct etcd *e;
	char *spec;		/* the local spec file's text */
	struct np_config own;	/* parsed: its host block, its NICs */
	int64_t lease;
	char *loaded;		/* the text of the last good load */
	struct share_model *model;	/* the pool's objects, kept (share.h) */
	char *hosts_text;	/* the hosts' part of the share */
	char *hosts_peers;	/* its peers: " hB hC", or "" */
	char *loaded_peers;	/* those of the last good load */
	int64_t loaded_rev;	/* and the revision it was read at */
	bool failing;		/* the last share read did not load */
	char path[256];		/* where that text is, for the load */
	struct agent_status st;	/* for `npmgr agent status` */
	bool dry_run;		/* compile the share, load nothing */
	struct etcd_kvs cache;	/* the prefix but its objects: a range, then
				 * kept by the watch */
	uint64_t rx_mark;	/* etcd bytes received at the last load */
	int release_after;	/* seconds; 0: never release a placement */
	struct follow *fl;	/* the VMs placed on this host */
	size_t n_fl;
	struct keeper k;
};

/*
 * A VM placed on this host, as the agent follows it: a placement is
 * released once the VM has been seen here (an interface of it in the
 * kernel) and has then had none for release_after seconds. A reboot
 * (xl reboot: the domain and its vifs go and come back at once) keeps it;
 * a VM placed but not started yet is never released; a VM that moved
 * away is placed elsewhere already (the placement names another host).
 */
struct follow {
	char *vm;
	int64_t mod_rev;	/* of its placement: a new one starts afresh */
	bool seen;
	double gone_since;	/* 0: it has an interface here */
};

/* The spec file: exactly this host's block, and NIC blocks. */
static int read_spec(struct agent *a)
{
	struct np_diags d;
	char *buf;
	int rc;

	if (config_read_file(a->spec_path, &a->own, NULL, false, &d, &buf))
		return -1;
	if (!d.count && (a->own.n_pool != 1 || strcmp(a->own.pool[0].name, a->host)))
		diag_add(&d, a->own.n_pool ? a->own.pool[0].pos : np_pos_at(0),
			 "a spec holds one host block, this host's (%s)", a->host);
	if (!d.count && (a->own.n_policies || a->own.n_nets || a->own.n_vms ||
			 a->own.n_vifs))
		diag_add(&d, np_pos_at(0),
			 "a spec holds the host block and NIC blocks only: the pool's objects are in etcd (npmgr pool apply)");
	rc = config_report(&d, a->spec_path, "published");
	a->spec = buf;
	return rc ? -1 : 0;
}

static void say(const struct agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct agent *a, const char *fmt, ...)
{
	va_list ap;

	printf("agent %s: ", a->host);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void status_save(struct agent *a)
{
	a->st.failing = a->failing;
	a->st.loaded_rev = a->loaded_rev;
	if (agent_status_write(&a->st))
		say(a, AGENT_DIR "/%s.status: %s", a->host, strerror(errno));
}

/* Say it, and keep it as the last error `agent status` shows. */
static void fault(struct agent *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void fault(struct agent *a, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	say(a, "%s", msg);
	free(a->st.last_error);
	a->st.last_error = msg;
	a->st.last_error_at = time(NULL);
	status_save(a);
}

static void *keeper_run(void *arg)
{
	struct keeper *k = arg;
	int64_t lease, ttl;
	struct timespec at;
	sigset_t stop;
	char *err;
	int r;

	/* SIGTERM and SIGINT are the agent's loop's to take */
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	pthread_mutex_lock(&k->lock);
	while (!k->stop) {
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_sec += k->ttl >= 3 ? k->ttl / 3 : 1;
		/* a new lease (or the stop) starts the count again */
		lease = k->lease;
		while (!k->stop && k->lease == lease &&
		       pthread_cond_timedwait(&k->cond, &k->lock, &at) == 0)
			;
		if (k->stop || k->lease != lease || !lease || k->lost)
			continue;
		pthread_mutex_unlock(&k->lock);
		err = NULL;
		r = etcd_lease_keepalive(k->e, lease, &ttl, &err);
		pthread_mutex_lock(&k->lock);
		if ((r || ttl <= 0) && k->lease == lease) {
			k->lost = true;
			free(k->why);
			k->why = err ? err : xstrdup(r ? "etcd did not answer" :
						     "etcd says it expired");
			err = NULL;
		}
		free(err);
	}
	pthread_mutex_unlock(&k->lock);
	return NULL;
}

static int keeper_start(struct keeper *k, const struct etcd_opts *o, int ttl)
{
	pthread_condattr_t ca;
	char *err = NULL;

	k->e = etcd_open(o, &err);
	if (!k->e) {
		fprintf(stderr, "npmgr: agent: %s\n", err ? err : "etcd");
		free(err);
		return -1;
	}
	/* unanswered for a third of the TTL: two thirds are still left */
	etcd_set_timeout(k->e, ttl >= 3 ? ttl * 1000L / 3 : 1000L);
	k->ttl = ttl;
	pthread_mutex_init(&k->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&k->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&k->thread, NULL, keeper_run, k)) {
		fprintf(stderr, "npmgr: agent: no thread for the lease\n");
		etcd_close(k->e);
		k->e = NULL;
		return -1;
	}
	return 0;
}

/* The lease to keep alive from now on (0: none). */
static void keeper_set(struct keeper *k, int64_t lease)
{
	pthread_mutex_lock(&k->lock);
	k->lease = lease;
	k->lost = false;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

/* Whether the lease was lost, and why (the caller frees it). */
static bool keeper_lost(struct keeper *k, char **why)
{
	bool lost;

	pthread_mutex_lock(&k->lock);
	lost = k->lost;
	*why = lost ? k->why : NULL;
	if (lost) {
		k->why = NULL;
		k->lease = 0;
		k->lost = false;
	}
	pthread_mutex_unlock(&k->lock);
	return lost;
}

static void keeper_stop(struct keeper *k)
{
	if (!k->e)
		return;
	pthread_mutex_lock(&k->lock);
	k->stop = true;
	pthread_cond_signal(&k->cond);
	pthread_mutex_unlock(&k->lock);
	pthread_join(k->thread, NULL);
	pthread_cond_destroy(&k->cond);
	pthread_mutex_destroy(&k->lock);
	etcd_close(k->e);
	free(k->why);
}

/* Lease, spec, alive: the host is in the pool. */
static int join(struct agent *a)
{
	char *err = NULL, *alive, boot[64] = "";
	struct json_object *o;
	int fd, rc;

	rc = etcd_lease_grant(a->e, a->ttl, &a->lease, &err);
	if (!rc) {
		char key[512];

		snprintf(key, sizeof(key), POOL_PREFIX "hosts/%s/spec", a->host);
		rc = etcd_put(a->e, key, a->spec, strlen(a->spec), 0, &err);
	}
	if (!rc) {
		char key[512];
		ssize_t n;

		fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
		n = fd >= 0 ? read(fd, boot, sizeof(boot) - 1) : -1;
		boot[n > 0 ? strcspn(boot, "\n") : 0] = '\0';
		if (fd >= 0)
			close(fd);
		o = json_object_new_object();
		json_object_object_add(o, "boot_id", json_object_new_string(boot));
		json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
		json_object_object_add(o, "version", json_object_new_string(NPMGR_VERSION));
		alive = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		snprintf(key, sizeof(key), POOL_PREFIX "hosts/%s/alive", a->host);
		rc = etcd_put(a->e, key, alive, strlen(alive), a->lease, &err);
		free(alive);
	}
	if (rc) {
		a->st.etcd = "unreachable";
		a->st.lease = 0;
		fault(a, "etcd: %s", err ? err : "failed");
	} else {
		a->st.etcd = "connected";
		a->st.lease = a->lease;
		keeper_set(&a->k, a->lease);
		say(a, "joined the pool (lease %llx, %d s)",
		    (unsigned long long)a->lease, a->ttl);
		status_save(a);
	}
	free(err);
	return rc;
}

/*
 * Small requests (lease, liveness) give up after a third of the TTL, so
 * that a network that drops everything silently is reported while the
 * lease has time left; reads of the pool (any size) keep the default.
 */
static long short_timeout(const struct agent *a)
{
	return a->ttl >= 3 ? a->ttl * 1000L / 3 : 1000L;
}

static int join_bounded(struct agent *a)
{
	int rc;

	etcd_set_timeout(a->e, short_timeout(a));
	rc = join(a);
	etcd_set_timeout(a->e, 0);
	return rc;
}

/*
 * The hosts' part of the share: the host block of every live host (its
 * own included) with a spec that parses as that one block, in name order,
 * then its own NICs; and its peers (" hB hC", or ""). From the cache's
 * hosts/ keys only: "hosts/N/alive" sorts just before "hosts/N/spec".
 */
static char *hosts_part(const struct agent *a, char **peers)
{
	static const char hosts[] = POOL_PREFIX "hosts/";
	char *text = NULL, *pl = NULL, *name;
	size_t len = 0, plen = 0, i;
	FILE *f = open_memstream(&text, &len), *p = open_memstream(&pl, &plen);
	char *alive = NULL;		/* the last host seen alive */
	struct np_config one;
	int found;

	if (!f || !p) {
		fprintf(stderr, "npmgr: out of memory\n");
		exit(1);
	}
	for (i = etcd_kvs_find(&a->cache, hosts, &found); i < a->cache.n &&
	     !strncmp(a->cache.kv[i].key, hosts, strlen(hosts)); i++) {
		const char *k = a->cache.kv[i].key + strlen(hosts);
		const char *slash = strchr(k, '/');
		struct np_diags d = { 0 };
		struct np_config c;

		if (!slash)
			continue;
		name = xstrndup(k, (size_t)(slash - k));
		if (!strcmp(slash, "/alive")) {
			free(alive);
			alive = name;
			continue;
		}
		if (strcmp(slash, "/spec") ||
		    (strcmp(name, a->host) && (!alive || strcmp(alive, name)))) {
			free(name);
			continue;
		}
		/* a spec that does not parse as one host block is skipped */
		if (!config_parse("etcd spec", a->cache.kv[i].value,
				  a->cache.kv[i].value_len, &c, &d) &&
		    c.n_pool == 1 && !strcmp(c.pool[0].name, name)) {
			one = (struct np_config){ .pool = c.pool, .n_pool = 1 };
			print_config(f, &one);
			if (strcmp(name, a->host))
				fprintf(p, " %s", name);
		}
		config_free(&c);
		diags_free(&d);
		free(name);
	}
	free(alive);
	one = (struct np_config){ .nics = a->own.nics, .n_nics = a->own.n_nics };
	print_config(f, &one);
	fclose(f);
	fclose(p);
	*peers = pl;
	return text;
}

/* What this host loads: its hosts' part, then the pool's objects. */
static void share_write(const struct agent *a, FILE *f)
{
	fprintf(f, "# npmgr agent %s: the pool at revision %lld\n", a->host,
		(long long)a->cache.revision);
	fputs(a->hosts_text, f);
	share_print(a->model, f);
}

/* Write @text where the load reads it, 0600, whole or not at all. */
static int write_share(struct agent *a, const char *text)
{
	char tmp[300];
	FILE *f;

	mkdir("/run/netpolicy", 0755);
	mkdir(AGENT_DIR, 0700);
	snprintf(a->path, sizeof(a->path), AGENT_DIR "/%s.policy", a->host);
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->path);
	f = fopen(tmp, "we");
	if (!f || fchmod(fileno(f), 0600) || fputs(text, f) < 0 || fclose(f)) {
		say(a, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	if (rename(tmp, a->path)) {
		say(a, "%s: %s", a->path, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * --dry-run: the share kept and checked as a load would check it, and
 * nothing loaded; timed, for the pool benchmark: from the change's arrival
 * to its share checked (@t0), when that was (wall clock, ms), and the bytes
 * etcd sent since the last.
 */
static void dry_report(struct agent *a, double t0, const struct share_check *r)
{
	struct timespec t;
	uint64_t rx = etcd_rx_bytes(a->e);
	size_t n = share_count(a->model);

	clock_gettime(CLOCK_REALTIME, &t);
	say(a, "revision %lld: compiled %zu object%s, %zu checked again (dry run) in %.1f ms, done at %lld ms, %llu bytes from etcd since the last; peers:%s",
	    (long long)a->cache.revision, n, n == 1 ? "" : "s", r->checked,
	    (now_s() - t0) * 1000,
	    (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000,
	    (unsigned long long)(rx - a->rx_mark),
	    *a->hosts_peers ? a->hosts_peers : " none");
	a->rx_mark = rx;
}

static bool is_objects(const char *key)
{
	return !strncmp(key, POOL_PREFIX "objects/", strlen(POOL_PREFIX "objects/"));
}

/*
 * Bring the kept pool up to date: @w NULL, read all of it (the objects
 * into the model, the rest into the cache); else the changes @w brought,
 * each object parsed as it comes. Says whether the objects or the hosts
 * changed. -1: etcd failed.
 */
static int take_changes(struct agent *a, struct etcd_watch *w,
			bool *objs, bool *hosts)
{
	struct etcd_event *ev, *rest;
	struct pool_state st;
	int64_t wrev;
	size_t n, i, k = 0;

	if (!w) {
		if (pool_state_read(a->e, &st))
			return -1;
		share_free(a->model);
		a->model = share_new();
		etcd_kvs_free(&a->cache);
		a->cache.revision = st.kvs.revision;
		for (i = 0; i < st.kvs.n; i++) {
			struct etcd_kv *kv = &st.kvs.kv[i];

			if (is_objects(kv->key)) {
				share_put(a->model, kv->key, kv->value, kv->value_len);
				continue;
			}
			/* moved: the range is key-sorted, and so stays the cache */
			*(struct etcd_kv *)xpush((void **)&a->cache.kv, &a->cache.n,
						 sizeof(*a->cache.kv)) = *kv;
			kv->key = kv->value = NULL;
		}
		pool_state_free(&st);
		/* what reading the whole pool took (its JSON, the copies) goes
		 * back to the system: an agent holds the pool for a long time */
		malloc_trim(0);
		*objs = *hosts = true;
		return 0;
	}
	n = etcd_watch_take(w, &ev, &wrev);
	rest = xcalloc(n + 1, sizeof(*rest));
	*objs = *hosts = false;
	for (i = 0; i < n; i++) {
		if (is_objects(ev[i].key)) {
			*objs |= share_put(a->model, ev[i].key,
					   ev[i].deleted ? NULL : ev[i].value,
					   ev[i].value_len);
			continue;
		}
		*hosts |= !strncmp(ev[i].key, POOL_PREFIX "hosts/",
				   strlen(POOL_PREFIX "hosts/"));
		rest[k++] = ev[i];
	}
	etcd_kvs_apply(&a->cache, rest, k, wrev);
	free(rest);
	etcd_events_free(ev, n);
	return 0;
}

/*
 * Take what etcd has for us (@w NULL: read the whole pool), check what it
 * changed, and load this host's share if it changed. What the agent does
 * costs what changed (share.h); the load itself is the kernel's whole
 * table, until the kernel takes one object at a time. -1: etcd failed.
 */
static int sync_once(struct agent *a, struct etcd_watch *w, int64_t *revision)
{
	double t0 = now_s();
	struct share_check r;
	bool objs, hosts;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	if (take_changes(a, w, &objs, &hosts))
		return -1;
	*revision = a->cache.revision;
	a->st.seen_rev = a->cache.revision;
	r = share_check(a->model, stderr);
	if (r.failing) {
		a->failing = true;
		if (r.bad_keys)
			fault(a, "revision %lld: not loaded: the store holds a bad value (see above); the host keeps %s",
			      (long long)a->cache.revision,
			      a->loaded ? "its last good load" : "what it had");
		else if (a->loaded)
			fault(a, "revision %lld: not loaded (see above); the host keeps revision %lld",
			      (long long)a->cache.revision, (long long)a->loaded_rev);
		else
			fault(a, "revision %lld: not loaded (see above); the host keeps what it had",
			      (long long)a->cache.revision);
		return 0;
	}
	if (hosts || !a->hosts_text) {
		free(a->hosts_text);
		free(a->hosts_peers);
		a->hosts_text = hosts_part(a, &a->hosts_peers);
	}
	if (!objs && !hosts && !a->failing) {
		status_save(a);
		return 0;
	}
	if (a->dry_run) {
		/* checked is compiled: no file, no kernel */
		dry_report(a, t0, &r);
		a->loaded_rev = a->cache.revision;
		a->failing = false;
		a->st.objects = share_count(a->model);
		status_save(a);
		return 0;
	}
	f = open_memstream(&text, &len);
	if (!f) {
		fprintf(stderr, "npmgr: out of memory\n");
		exit(1);
	}
	share_write(a, f);
	fclose(f);
	/* the first line names the revision: compare what follows it */
	if (a->loaded && !strcmp(strchr(a->loaded, '\n'), strchr(text, '\n'))) {
		if (a->failing)
			say(a, "revision %lld: the same as the host's (revision %lld), nothing to load",
			    (long long)a->cache.revision, (long long)a->loaded_rev);
		a->failing = false;
		status_save(a);
		free(text);
		return 0;
	}
	rc = write_share(a, text);
	if (!rc)
		rc = load_file(&(struct load_req){ .file = a->path,
						   .host = a->host,
						   .keys = a->keys,
						   .hosts_from_pool = true,
						   .log = stdout });
	if (rc) {
		/* the kernel keeps the last good load */
		a->failing = true;
		if (a->loaded)
			fault(a, "revision %lld: not loaded (see above); the host keeps revision %lld",
			      (long long)a->cache.revision, (long long)a->loaded_rev);
		else
			fault(a, "revision %lld: not loaded (see above); the host keeps what it had",
			      (long long)a->cache.revision);
		free(text);
		return 0;
	}
	say(a, "revision %lld: loaded %zu object%s; peers:%s",
	    (long long)a->cache.revision, share_count(a->model),
	    share_count(a->model) == 1 ? "" : "s",
	    *a->hosts_peers ? a->hosts_peers : " none");
	free(a->loaded);
	a->loaded = text;
	a->loaded_rev = a->cache.revision;
	a->failing = false;
	free(a->loaded_peers);
	a->loaded_peers = xstrdup(a->hosts_peers);
	a->st.peers = a->loaded_peers;
	a->st.objects = share_count(a->model);
	a->st.loaded_at = time(NULL);
	status_save(a);
	return 0;
}

static bool vm_has_port(const struct np_port_info *ports, size_t n,
			const char *vm)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ports[i].vm && !strcmp(ports[i].vm, vm))
			return true;
	return false;
}

static void release(struct agent *a, const struct follow *f)
{
	char key[512], *err = NULL;
	const char *keys[1] = { key };
	int64_t revs[1] = { f->mod_rev }, rev;
	struct etcd_op op;
	int ok = 0, r;

	snprintf(key, sizeof(key), PLACEMENTS "%s", f->vm);
	op = (struct etcd_op){ ETCD_DEL, key, NULL, 0 };
	/* no longer than a keepalive may wait: the lease comes first */
	etcd_set_timeout(a->e, short_timeout(a));
	r = etcd_txn(a->e, keys, revs, 1, &op, 1, &ok, &rev, &err);
	etcd_set_timeout(a->e, 0);
	if (r) {
		fault(a, "VM %s: its placement could not be released: %s; trying again",
		      f->vm, err ? err : "etcd failed");
		free(err);
		return;
	}
	if (ok)
		say(a, "VM %s: no interface here for %d s: its placement is released",
		    f->vm, a->release_after);
}

/*
 * Compare the VMs placed on this host (the watched copy of the pool) with
 * the VMs that have an interface in the kernel, and release the
 * placements of those gone for release_after seconds.
 */
static void follow_placements(struct agent *a)
{
	size_t plen = strlen(PLACEMENTS), i, j, n_ports = 0, n = 0;
	struct np_port_info *ports = NULL;
	struct follow *fl = NULL, *f;
	struct np_ipc *ipc;
	double now = now_s();
	int rc;

	ipc = ipc_open();
	if (!ipc)
		return;
	rc = ipc_get_ports(ipc, &ports, &n_ports);
	ipc_close(ipc);
	if (rc)
		return;
	for (i = 0; i < a->cache.n; i++) {
		const struct etcd_kv *kv = &a->cache.kv[i];
		char *host;
		bool here;

		if (strncmp(kv->key, PLACEMENTS, plen))
			continue;
		host = pool_placement_host(kv->value);
		here = host && !strcmp(host, a->host);
		free(host);
		if (!here)
			continue;
		f = xpush((void **)&fl, &n, sizeof(*f));
		*f = (struct follow){ .vm = xstrdup(kv->key + plen),
				      .mod_rev = kv->mod_rev };
		for (j = 0; j < a->n_fl; j++)
			if (a->fl[j].mod_rev == f->mod_rev &&
			    !strcmp(a->fl[j].vm, f->vm)) {
				f->seen = a->fl[j].seen;
				f->gone_since = a->fl[j].gone_since;
			}
		if (vm_has_port(ports, n_ports, f->vm)) {
			f->seen = true;
			f->gone_since = 0;
		} else if (f->seen && !f->gone_since) {
			f->gone_since = now;
		} else if (f->seen && now - f->gone_since >= a->release_after) {
			release(a, f);
		}
	}
	for (i = 0; i < n_ports; i++)
		port_free(&ports[i]);
	free(ports);
	for (i = 0; i < a->n_fl; i++)
		free(a->fl[i].vm);
	free(a->fl);
	a->fl = fl;
	a->n_fl = n;
}

/* A number of seconds, 0 to 86400; -1 for anything else. */
static int seconds_arg(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 86400)
		return -1;
	return (int)v;
}

static int usage(void)
{
	fprintf(stderr, "usage: npmgr agent [ETCD OPTIONS] --host NAME --spec FILE [--keys DIR] [--ttl SECONDS]\n"
		"                   [--release-after SECONDS] [--dry-run]\n"
		"       npmgr [-j] agent status [--host NAME]\n");
	return 2;
}

static int run(struct agent *a)
{
	struct etcd_watch *w = NULL;
	double last_follow = 0, last_sync = 0;
	bool dirty = false;
	int64_t rev = 0;
	int backoff = 1, r, joined = 0, wait_ms;
	char *err = NULL;

	while (!stopping) {
		if (!joined || !w) {
			bool join_failed = !joined && join_bounded(a);

			if (join_failed || sync_once(a, NULL, &rev) ||
			    !(w = etcd_watch_start(a->e, POOL_PREFIX, rev + 1, &err))) {
				a->st.etcd = "unreachable";
				/* join kept its own error, the more precise */
				if (join_failed)
					say(a, "etcd unreachable; retrying in %d s", backoff);
				else
					fault(a, "etcd unreachable%s%s; retrying in %d s",
					      err ? ": " : "", err ? err : "", backoff);
				free(err);
				err = NULL;
				joined = 0;
				sleep((unsigned int)backoff);
				backoff = backoff < 30 ? backoff * 2 : 30;
				continue;
			}
			joined = 1;
			backoff = 1;
		}
		/* no longer than the coalescing window has left */
		wait_ms = 500;
		if (dirty) {
			wait_ms = COALESCE_MS - (int)((now_s() - last_sync) * 1000);
			wait_ms = wait_ms < 0 ? 0 : wait_ms;
		}
		r = etcd_watch_wait(w, wait_ms, &err);
		if (r < 0) {
			fault(a, "etcd: %s", err ? err : "the watch ended");
			free(err);
			err = NULL;
			etcd_watch_stop(w);
			w = NULL;
			continue;
		}
		if (r > 0)
			dirty = true;
		/* the keeper found the lease gone (or etcd silent): join again */
		if (keeper_lost(&a->k, &err)) {
			a->st.etcd = "unreachable";
			a->st.lease = 0;
			fault(a, "lease %llx lost: %s", (unsigned long long)a->lease, err);
			free(err);
			err = NULL;
			joined = 0;
			etcd_watch_stop(w);
			w = NULL;
			continue;
		}
		if (a->release_after && !a->dry_run && now_s() - last_follow >= FOLLOW_S) {
			last_follow = now_s();
			follow_placements(a);
		}
		if (dirty && now_s() - last_sync >= COALESCE_MS / 1000.0) {
			dirty = false;
			last_sync = now_s();
			if (sync_once(a, w, &rev)) {
				etcd_watch_stop(w);
				w = NULL;
			}
		}
	}
	etcd_watch_stop(w);
	say(a, "stopped; the pool drops this host when its lease runs out (%d s) unless its agent starts again",
	    a->ttl);
	a->st.etcd = "stopped";
	status_save(a);
	return 0;
}

int agent_main(int argc, char **argv, bool json)
{
	struct etcd_opts o = { .endpoints = getenv("NPMGR_ETCD") };
	struct agent a = { .keys = NPMGR_KEYS_DEFAULT, .ttl = 10, .release_after = 30 };
	struct sigaction sa = { .sa_handler = on_signal };
	int i = 1, rc;

	if (argc > 1 && !strcmp(argv[1], "status"))
		return agent_status_main(argc - 1, argv + 1, json);
	while (i < argc) {
		rc = pool_etcd_opt(argc, argv, &i, &o);
		if (rc < 0)
			return usage();
		if (!rc)
			continue;
		if (!strcmp(argv[i], "--dry-run")) {
			a.dry_run = true;
			i++;
			continue;
		}
		if (i + 1 >= argc)
			return usage();
		if (!strcmp(argv[i], "--host"))
			a.host = argv[i + 1];
		else if (!strcmp(argv[i], "--spec"))
			a.spec_path = argv[i + 1];
		else if (!strcmp(argv[i], "--keys"))
			a.keys = argv[i + 1];
		else if (!strcmp(argv[i], "--ttl"))
			a.ttl = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--release-after"))
			a.release_after = seconds_arg(argv[i + 1]);
		else
			return usage();
		i += 2;
	}
	if (!a.host || !a.spec_path || a.ttl < 2 || a.ttl > 3600 ||
	    a.release_after < 0 ||
	    strlen(a.host) >= 64 || strchr(a.host, '/'))
		return usage();
	if (read_spec(&a)) {
		config_free(&a.own);
		free(a.spec);
		return 1;
	}
	a.e = pool_open(&o, "agent");
	if (!a.e) {
		config_free(&a.own);
		free(a.spec);
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	a.st = (struct agent_status){ .host = a.host, .ttl = a.ttl,
				      .started = time(NULL), .etcd = "unreachable",
				      .peers = "" };
	if (keeper_start(&a.k, &o, a.ttl)) {
		etcd_close(a.e);
		config_free(&a.own);
		free(a.spec);
		return 1;
	}
	rc = run(&a);
	keeper_stop(&a.k);
	etcd_close(a.e);
	share_free(a.model);
	free(a.hosts_text);
	free(a.hosts_peers);
	free(a.loaded_peers);
	free(a.st.last_error);
	etcd_kvs_free(&a.cache);
	for (i = 0; i < (int)a.n_fl; i++)
		free(a.fl[i].vm);
	free(a.fl);
	config_free(&a.own);
	free(a.spec);
	free(a.loaded);
	return rc;
}
