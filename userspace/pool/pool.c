// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr pool apply / diff / show (pool.h).
 *
 * Each object of the pool is one key, /netpolicy/v1/objects/KIND/NAME,
 * whose value is the object in the policy language, as `npmgr show
 * config` prints it: the store is read back through the same parser and
 * checker as a file. /netpolicy/v1/applied records the last apply; every
 * apply is one transaction that holds only if `applied` is still what the
 * apply read, so two applies racing never mix their objects.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../config.h"
#include "../model.h"
#include "../print.h"
#include "../util.h"
#include "etcd.h"
#include "pool.h"

#define APPLIED_KEY POOL_PREFIX "applied"
#define OBJECTS POOL_PREFIX "objects/"

static void pset_free(struct pset *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->o[i].key);
		free(s->o[i].text);
	}
	free(s->o);
	memset(s, 0, sizeof(*s));
}

static int pobj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct pobj *)a)->key,
		      ((const struct pobj *)b)->key);
}

/* Print @one (a config holding a single object) as its own text. */
static void add_obj(struct pset *s, const char *kind, const char *name,
		    const struct np_config *one)
{
	struct pobj *o = xpush((void **)&s->o, &s->n, sizeof(*s->o));
	size_t len;
	FILE *f = open_memstream(&o->text, &len);

	if (!f || asprintf(&o->key, OBJECTS "%s/%s", kind, name) < 0) {
		fprintf(stderr, "npmgr: out of memory\n");
		exit(1);
	}
	print_config(f, one);
	fclose(f);
}

/* A checked file's objects, one per key. */
static void file_objects(const struct np_config *c, struct pset *s)
{
	struct np_config one;
	size_t i;

	for (i = 0; i < c->n_policies; i++) {
		one = (struct np_config){ .policies = &c->policies[i], .n_policies = 1 };
		add_obj(s, "policy", c->policies[i].name, &one);
	}
	for (i = 0; i < c->n_nets; i++) {
		one = (struct np_config){ .nets = &c->nets[i], .n_nets = 1 };
		add_obj(s, "network", c->nets[i].name, &one);
	}
	for (i = 0; i < c->n_vms; i++) {
		one = (struct np_config){ .vms = &c->vms[i], .n_vms = 1 };
		add_obj(s, "vm", c->vms[i].name, &one);
	}
	for (i = 0; i < c->n_vifs; i++) {
		one = (struct np_config){ .vifs = &c->vifs[i], .n_vifs = 1 };
		add_obj(s, "vif", c->vifs[i].name, &one);
	}
	if (s->n)
		qsort(s->o, s->n, sizeof(*s->o), pobj_cmp);
}

/* Parse and check a file as `npmgr load` does; print every problem. */
static int compile(const char *path, struct np_config *cfg)
{
	struct np_diags d;
	char *buf;
	int err;

	if (config_read_file(path, cfg, NULL, true, &d, &buf))
		return 1;
	if (!d.count && (cfg->n_pool || cfg->n_nics)) {
		/* per host: each host's agent publishes its own */
		diag_add(&d, cfg->n_pool ? cfg->pool[0].pos : cfg->nics[0].pos,
			 "%s blocks describe one host: in a pool each host's agent publishes them (hosts/NAME/spec), a pool file holds policies, networks, vms and vifs",
			 cfg->n_pool ? "host" : "nic");
	}
	err = config_report(&d, path, "applied");
	free(buf);
	return err;
}

void pool_state_free(struct pool_state *st)
{
	size_t i;

	for (i = 0; i < st->n_alive; i++)
		free(st->alive[i]);
	free(st->alive);
	for (i = 0; i < st->n_specs; i++)
		free(st->specs[i].name);
	free(st->specs);
	free(st->objs.o);	/* its strings belong to kvs */
	etcd_kvs_free(&st->kvs);
	memset(st, 0, sizeof(*st));
}

/* "hosts/NAME/WHAT" (after the prefix): NAME, or NULL. */
static char *host_key(const char *k, const char *what)
{
	size_t l = strlen(k), w = strlen(what);

	if (strncmp(k, "hosts/", 6) || l <= 6 + w + 1 || k[l - w - 1] != '/' ||
	    strcmp(k + l - w, what))
		return NULL;
	return xstrndup(k + 6, l - 6 - w - 1);
}

int pool_state_read(struct etcd *e, struct pool_state *st)
{
	struct etcd_kvs kvs;
	char *err = NULL;

	memset(st, 0, sizeof(*st));
	if (etcd_range(e, POOL_PREFIX, 1, &kvs, &err)) {
		fprintf(stderr, "npmgr: pool: %s\n", err ? err : "etcd failed");
		free(err);
		return -1;
	}
	pool_state_from(st, &kvs);
	return 0;
}

void pool_state_from(struct pool_state *st, struct etcd_kvs *kvs)
{
	char *name;
	size_t i;

	memset(st, 0, sizeof(*st));
	st->kvs = *kvs;
	memset(kvs, 0, sizeof(*kvs));
	for (i = 0; i < st->kvs.n; i++) {
		struct etcd_kv *kv = &st->kvs.kv[i];
		const char *k = kv->key + strlen(POOL_PREFIX);

		if (!strncmp(kv->key, OBJECTS, strlen(OBJECTS))) {
			struct pobj *o = xpush((void **)&st->objs.o, &st->objs.n,
					       sizeof(*st->objs.o));

			o->key = kv->key;
			o->text = kv->value;
		} else if (!strcmp(kv->key, APPLIED_KEY)) {
			st->applied = kv;
		} else if ((name = host_key(k, "alive"))) {
			*(char **)xpush((void **)&st->alive, &st->n_alive,
					sizeof(*st->alive)) = name;
		} else if ((name = host_key(k, "spec"))) {
			struct pool_spec *sp = xpush((void **)&st->specs,
						     &st->n_specs,
						     sizeof(*st->specs));

			sp->name = name;
			sp->text = kv->value;
		}
	}
	if (st->objs.n)
		qsort(st->objs.o, st->objs.n, sizeof(*st->objs.o), pobj_cmp);
}

/* The store's objects, through the parser and checker. */
/* The one object @c holds: its kind, and its name in *name; NULL if not one. */
static const char *only_object(const struct np_config *c, const char **name)
{
	if (c->n_pool || c->n_nics ||
	    c->n_policies + c->n_nets + c->n_vms + c->n_vifs != 1)
		return NULL;
	if (c->n_policies) {
		*name = c->policies[0].name;
		return "policy";
	}
	if (c->n_nets) {
		*name = c->nets[0].name;
		return "network";
	}
	if (c->n_vms) {
		*name = c->vms[0].name;
		return "vm";
	}
	*name = c->vifs[0].name;
	return "vif";
}

int pool_objects_valid(const struct pool_state *st)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < st->objs.n; i++) {
		const struct pobj *o = &st->objs.o[i];
		const char *k = o->key + strlen(OBJECTS), *slash = strchr(k, '/');
		const char *kind = NULL, *name = NULL;
		struct np_diags d = { 0 };
		struct np_config c;

		if (!config_parse(o->key, o->text, strlen(o->text), &c, &d))
			kind = only_object(&c, &name);
		if (!kind || !slash || strlen(kind) != (size_t)(slash - k) ||
		    strncmp(k, kind, (size_t)(slash - k)) || strcmp(slash + 1, name)) {
			fputs(d.text ? d.text : "", stderr);
			fprintf(stderr, "npmgr: pool: %s does not hold exactly the one object its key names\n",
				o->key);
			rc = -1;
		}
		config_free(&c);
		diags_free(&d);
	}
	return rc;
}

int pool_state_config(const struct pool_state *st, struct np_config *cfg)
{
	struct np_diags d = { 0 };
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	if (!f || pool_objects_valid(st)) {
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	for (i = 0; i < st->objs.n; i++)
		fputs(st->objs.o[i].text, f);
	fclose(f);
	rc = config_parse("etcd:" OBJECTS, buf, len, cfg, &d);
	cfg->hosts_from_pool = true;
	if (!rc)
		config_check(cfg, &d);
	if (d.count) {
		fputs(d.text, stderr);
		fprintf(stderr, "npmgr: pool: the store's objects do not check (%d error%s): apply a good file over them\n",
			d.count, d.count == 1 ? "" : "s");
		rc = -1;
	}
	diags_free(&d);
	free(buf);
	return rc;
}

struct change {
	char kind;		/* '+', '~', '-' */
	const struct pobj *o;
};

/* File against store, both sorted by key. */
static size_t diff(const struct pset *file, const struct pset *store,
		   struct change **out)
{
	size_t i = 0, j = 0, n = 0;
	struct change *c = NULL;

	while (i < file->n || j < store->n) {
		int cmp = i == file->n ? 1 : j == store->n ? -1 :
			  strcmp(file->o[i].key, store->o[j].key);
		struct change *x;

		if (cmp == 0 && !strcmp(file->o[i].text, store->o[j].text)) {
			i++;
			j++;
			continue;
		}
		x = xpush((void **)&c, &n, sizeof(*c));
		if (cmp < 0) {
			*x = (struct change){ '+', &file->o[i++] };
		} else if (cmp > 0) {
			*x = (struct change){ '-', &store->o[j++] };
		} else {
			*x = (struct change){ '~', &file->o[i++] };
			j++;
		}
	}
	*out = c;
	return n;
}

/* "objects/KIND/NAME" -> "KIND NAME" */
static void print_change(const struct change *c)
{
	const char *k = c->o->key + strlen(OBJECTS), *slash = strchr(k, '/');
	static const char *const verb[] = { ['+'] = "add", ['~'] = "change",
					     ['-'] = "delete" };

	printf("%-6s %.*s %s\n", verb[(int)c->kind], (int)(slash - k), k,
	       slash + 1);
}

static void print_summary(const struct change *c, size_t n, int64_t rev,
			  const char *what)
{
	size_t add = 0, chg = 0, del = 0, i;

	for (i = 0; i < n; i++) {
		add += c[i].kind == '+';
		chg += c[i].kind == '~';
		del += c[i].kind == '-';
	}
	if (!n)
		printf("no changes against revision %lld\n", (long long)rev);
	else
		printf("%zu change%s (%zu added, %zu changed, %zu deleted) %s revision %lld\n",
		       n, n == 1 ? "" : "s", add, chg, del, what, (long long)rev);
}

/*
 * The applied record: who, when, how many objects, and an id no other
 * apply has (32 hex digits), by which an apply whose answer was lost
 * recognises its own transaction when it reads the store back.
 */
static char *applied_value(size_t n_objects, char id[33])
{
	struct json_object *o = json_object_new_object();
	char host[256] = "", at[32];
	unsigned char rnd[16] = { 0 };
	time_t now = time(NULL);
	struct tm tm;
	char *s;
	int i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		/* no randomness: time and pid still tell applies apart */
		snprintf((char *)rnd, sizeof(rnd), "%llx%x",
			 (unsigned long long)now, (unsigned int)getpid());
	}
	for (i = 0; i < 16; i++)
		snprintf(id + 2 * i, 3, "%02x", rnd[i]);
	gethostname(host, sizeof(host) - 1);
	gmtime_r(&now, &tm);
	strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(o, "by", json_object_new_string(host));
	json_object_object_add(o, "at", json_object_new_string(at));
	json_object_object_add(o, "objects", json_object_new_int64((int64_t)n_objects));
	json_object_object_add(o, "id", json_object_new_string(id));
	s = xstrdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

/* Who applied last, for a conflict: "HOST at TIME", or NULL. */
static char *applied_by(const struct etcd_kv *kv)
{
	struct json_object *o, *by, *at;
	char *s = NULL;

	if (!kv)
		return NULL;
	o = json_tokener_parse(kv->value);
	if (o && json_object_object_get_ex(o, "by", &by) &&
	    json_object_object_get_ex(o, "at", &at) &&
	    asprintf(&s, "%.64s at %.32s", json_object_get_string(by),
		     json_object_get_string(at)) < 0)
		s = NULL;
	json_object_put(o);
	return s;
}

/* Whether the store's applied record is the one with @id. */
static bool applied_is(const struct etcd_kv *kv, const char *id)
{
	struct json_object *o, *v;
	bool mine;

	if (!kv)
		return false;
	o = json_tokener_parse(kv->value);
	mine = o && json_object_object_get_ex(o, "id", &v) &&
	       json_object_is_type(v, json_type_string) &&
	       !strcmp(json_object_get_string(v), id);
	json_object_put(o);
	return mine;
}

/*
 * The transaction failed, or its compare did: read the store back (a
 * linearizable read: after an election it sees every entry the cluster
 * committed) to tell "ours landed, its answer was lost" (a member killed
 * after committing; a retry on the next member whose compare then saw our
 * own write) from "nothing written". Retries for a while: a cluster that
 * lost its leader answers again after an election. 1: ours is there; 0:
 * not there (*now holds the store); -1: the store cannot be read.
 */
static int read_back(struct etcd *e, const char *id, struct pool_state *now)
{
	int tries;

	for (tries = 0; tries < 10; tries++) {
		if (tries)
			sleep(1);
		if (!pool_state_read(e, now))
			return applied_is(now->applied, id) ? 1 : 0;
	}
	return -1;
}

static int do_apply(struct etcd *e, const char *path, bool dry)
{
	struct pool_state st, now;
	struct np_config cfg;
	struct pset file = { 0 };
	struct change *c = NULL;
	struct etcd_op *ops = NULL;
	size_t n, n_ops = 0, i;
	const char *cmp_key = APPLIED_KEY;
	int64_t cmp_rev, rev;
	char *val, *err = NULL, *who, id[33];
	int ok, rc = 1, back = 0, failed;

	if (compile(path, &cfg)) {
		config_free(&cfg);
		return 1;
	}
	file_objects(&cfg, &file);
	config_free(&cfg);
	if (pool_state_read(e, &st)) {
		fprintf(stderr, "npmgr: pool apply: nothing written (the pool could not be read)\n");
		pset_free(&file);
		return 1;
	}
	n = diff(&file, &st.objs, &c);
	if (dry || !n) {
		for (i = 0; i < n; i++)
			print_change(&c[i]);
		print_summary(c, n, st.kvs.revision, "against");
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct etcd_op *op = xpush((void **)&ops, &n_ops, sizeof(*ops));

		op->key = c[i].o->key;
		op->kind = c[i].kind == '-' ? ETCD_DEL : ETCD_PUT;
		op->value = c[i].o->text;
		op->value_len = strlen(c[i].o->text);
	}
	val = applied_value(file.n, id);
	*(struct etcd_op *)xpush((void **)&ops, &n_ops, sizeof(*ops)) =
		(struct etcd_op){ ETCD_PUT, APPLIED_KEY, val, strlen(val) };
	cmp_rev = st.applied ? st.applied->mod_rev : 0;
	failed = etcd_txn(e, &cmp_key, &cmp_rev, 1, ops, n_ops, &ok, &rev, &err);
	if (failed || !ok) {
		back = read_back(e, id, &now);
		if (back == 1) {
			rev = now.applied->mod_rev;
			pool_state_free(&now);
		}
	}
	if (back == 1 || (!failed && ok)) {
		for (i = 0; i < n; i++)
			print_change(&c[i]);
		print_summary(c, n, rev, "applied at");
		if (back == 1)
			printf("(confirmed by reading the store back after: %s)\n",
			       err ? err : "the transaction's answer was lost");
		rc = 0;
	} else if (back < 0) {
		fprintf(stderr, "npmgr: pool apply: %s; the store cannot be read back: whether the change was written is unknown (see npmgr pool diff)\n",
			err ? err : "etcd failed");
		rc = 1;
	} else if (failed) {
		fprintf(stderr, "npmgr: pool apply: %s; nothing written (the store, read back at revision %lld, does not hold this apply)%s\n",
			err ? err : "etcd failed", (long long)now.kvs.revision,
			err && strstr(err, "too many operations") ?
			" (one apply is one transaction: raise the members' --max-txn-ops, default 128, above the number of objects that change)" : "");
		pool_state_free(&now);
	} else {
		who = applied_by(now.applied);
		fprintf(stderr, "npmgr: pool apply: the pool changed since it was read (revision %lld, now %lld%s%s); nothing written\n",
			(long long)st.kvs.revision, (long long)now.kvs.revision,
			who ? ", applied by " : "", who ? who : "");
		free(who);
		pool_state_free(&now);
		rc = 3;
	}
	free(err);
	free(val);
out:
	free(ops);
	free(c);
	pset_free(&file);
	pool_state_free(&st);
	return rc;
}

/*
 * {"revision": R, "applied": {"by", "at", "objects"} or null,
 *  "live_hosts": [...], "objects": what `show -j` prints of objects}
 */
static void show_json(const struct pool_state *st, const struct np_config *cfg)
{
	struct json_object *o = json_object_new_object(), *hosts, *objs;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	print_json(f, cfg, false, NULL, 0, NULL, 0);
	fclose(f);
	objs = json_tokener_parse(text);
	free(text);
	json_object_object_add(o, "revision",
			       json_object_new_int64(st->kvs.revision));
	json_object_object_add(o, "applied", st->applied ?
			       json_tokener_parse(st->applied->value) : NULL);
	hosts = json_object_new_array();
	for (i = 0; i < st->n_alive; i++)
		json_object_array_add(hosts, json_object_new_string(st->alive[i]));
	json_object_object_add(o, "live_hosts", hosts);
	json_object_object_add(o, "objects", objs);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
}

static int do_show(struct etcd *e, bool json)
{
	struct pool_state st;
	struct np_config cfg = { 0 };
	char *who;
	size_t i;
	int rc = 0;

	if (pool_state_read(e, &st))
		return 1;
	if (pool_state_config(&st, &cfg)) {
		pool_state_free(&st);
		return 1;
	}
	config_sort(&cfg);
	if (json) {
		show_json(&st, &cfg);
	} else {
		who = applied_by(st.applied);
		printf("# pool at revision %lld%s%s\n", (long long)st.kvs.revision,
		       who ? ", applied by " : ", never applied",
		       who ? who : "");
		free(who);
		print_config(stdout, &cfg);
		printf("# live hosts:");
		for (i = 0; i < st.n_alive; i++)
			printf(" %s", st.alive[i]);
		printf("%s\n", st.n_alive ? "" : " none");
	}
	config_free(&cfg);
	pool_state_free(&st);
	return rc;
}

static int usage(void)
{
	fprintf(stderr, "usage: npmgr pool [--etcd URL[,URL...]] [--cacert FILE] [--cert FILE --key FILE]\n"
		"                  [--user NAME --password-file FILE] apply FILE | diff FILE | show\n"
		"                  | show --graph [--svg FILE]\n");
	return 2;
}

int pool_etcd_opt(int argc, char **argv, int *i, struct etcd_opts *o)
{
	static const char *const names[] = { "--etcd", "--cacert", "--cert",
					     "--key", "--user", "--password-file" };
	const char **slots[] = { &o->endpoints, &o->cacert, &o->cert, &o->key,
				 &o->user, &o->password_file };
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(argv[*i], names[k]))
			continue;
		if (*i + 1 >= argc)
			return -1;
		*slots[k] = argv[*i + 1];
		*i += 2;
		return 0;
	}
	return 1;
}

struct etcd *pool_open(const struct etcd_opts *o, const char *cmd)
{
	char *err = NULL;
	struct etcd *e = etcd_open(o, &err);

	if (!e)
		fprintf(stderr, "npmgr: %s: %s\n", cmd, err ? err : "etcd failed");
	free(err);
	return e;
}

int pool_main(int argc, char **argv, bool json)
{
	struct etcd_opts o = { .endpoints = getenv("NPMGR_ETCD") };
	const char *svg = NULL;
	bool graph = false;
	struct etcd *e;
	int i = 1, rc;

	while (i < argc && !strncmp(argv[i], "--", 2))
		if (pool_etcd_opt(argc, argv, &i, &o))
			return usage();
	if (i >= argc)
		return usage();
	if (!strcmp(argv[i], "show") && i + 1 < argc &&
	    !strcmp(argv[i + 1], "--graph")) {
		graph = true;
		if (i + 4 == argc && !strcmp(argv[i + 2], "--svg"))
			svg = argv[i + 3];
		else if (i + 2 != argc || json)
			return usage();
	} else if (!strcmp(argv[i], "show") ? i + 1 != argc :
		   (strcmp(argv[i], "apply") && strcmp(argv[i], "diff")) ||
		   i + 2 != argc) {
		return usage();
	}
	e = pool_open(&o, "pool");
	if (!e)
		return 1;
	if (graph)
		rc = pool_graph(e, svg);
	else if (!strcmp(argv[i], "show"))
		rc = do_show(e, json);
	else
		rc = do_apply(e, argv[i + 1], !strcmp(argv[i], "diff"));
	etcd_close(e);
	return rc;
}

char *pool_placement_host(const char *value)
{
	struct json_object *o = json_tokener_parse(value), *h;
	char *s = NULL;

	if (o && json_object_object_get_ex(o, "host", &h) &&
	    json_object_is_type(h, json_type_string))
		s = xstrdup(json_object_get_string(h));
	json_object_put(o);
	return s;
}
