/* SPDX-License-Identifier: GPL-2.0 */
/*
 * npmgr's etcd client: etcd's v3 API as JSON over HTTP (the gateway every
 * etcd since 3.4 serves under /v3/), with libcurl and json-c. Only what the
 * pool needs: range, txn (compare, put, delete), authenticate. Keys and
 * values are byte strings (base64 on the wire); revisions are int64.
 *
 * The parsers of etcd's answers (etcd_parse_*) are apart from the
 * transport so that the unit tests and the fuzzer reach them directly:
 * whatever the network sends, they bound what they keep and fail cleanly.
 */
#ifndef NPMGR_ETCD_H
#define NPMGR_ETCD_H

#include <stddef.h>
#include <stdint.h>

/* etcd's own request limit is 1.5 MiB; an answer is read up to this */
#define ETCD_MAX_ANSWER (64u << 20)

struct etcd_kv {
	char *key;		/* NUL-terminated (keys here are text) */
	char *value;		/* NUL-terminated copy of the bytes */
	size_t value_len;
	int64_t create_rev, mod_rev;
};

struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	int64_t revision;	/* the store's revision the range read */
};

struct etcd_opts {
	const char *endpoints;	/* comma-separated URLs, tried in order */
	const char *cacert, *cert, *key;	/* TLS (https:// endpoints) */
	const char *user;	/* etcd user; its password from password_file */
	const char *password_file;
};

struct etcd;

/* Connect (lazily: the first request picks a member). NULL: *err says why. */
struct etcd *etcd_open(const struct etcd_opts *o, char **err);
void etcd_close(struct etcd *e);

/* Every key in [key, key + prefix end): prefix != 0 reads a prefix. */
int etcd_range(struct etcd *e, const char *key, int prefix,
	       struct etcd_kvs *out, char **err);

enum etcd_op_kind { ETCD_PUT, ETCD_DEL };

struct etcd_op {
	enum etcd_op_kind kind;
	const char *key;
	const char *value;	/* PUT */
	size_t value_len;
};

/*
 * One transaction: if every key in cmp_keys still has the mod revision in
 * cmp_revs (0: the key must not exist), apply ops. Returns 0 and sets
 * *succeeded (false: a compare failed, nothing written) and *revision
 * (the store's revision after it), or -1 with *err.
 */
int etcd_txn(struct etcd *e, const char *const *cmp_keys,
	     const int64_t *cmp_revs, size_t n_cmp,
	     const struct etcd_op *ops, size_t n_ops,
	     int *succeeded, int64_t *revision, char **err);

void etcd_kvs_free(struct etcd_kvs *k);

/* Put one key; with @lease, the key goes when the lease does. */
int etcd_put(struct etcd *e, const char *key, const char *value, size_t len,
	     int64_t lease, char **err);

/* Leases: grant (TTL seconds), keep alive (*ttl 0: it has expired). */
int etcd_lease_grant(struct etcd *e, int ttl, int64_t *id, char **err);
int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, char **err);

/*
 * How long the next requests may take, every member tried included
 * (0: the default, 30 s). A watch is not bounded by it.
 */
void etcd_set_timeout(struct etcd *e, long ms);

/* Bytes of answers received so far, watch streams included. */
uint64_t etcd_rx_bytes(const struct etcd *e);

/*
 * Watch every key under @prefix from revision @from_rev on. wait: up to
 * @timeout_ms; 1 if keys changed since the last wait, 0 if not, -1 if the
 * stream ended or etcd canceled the watch (it started before a compaction):
 * *err says why; read everything again and start another.
 */
struct etcd_watch;
struct etcd_watch *etcd_watch_start(struct etcd *e, const char *prefix,
				    int64_t from_rev, char **err);
int etcd_watch_wait(struct etcd_watch *w, int timeout_ms, char **err);
void etcd_watch_stop(struct etcd_watch *w);

/* One change a watch reports: a key put (with its value) or deleted. */
struct etcd_event {
	int deleted;
	char *key;		/* NUL-terminated */
	char *value;		/* NUL-terminated copy ("" when deleted) */
	size_t value_len;
	int64_t mod_rev;
};

/* One message of a watch stream (free its events: etcd_events_free). */
struct etcd_watch_msg {
	int64_t revision, compact_revision;
	size_t events;
	struct etcd_event *ev;	/* the @events changes, in order */
	int created, canceled;
};

void etcd_events_free(struct etcd_event *ev, size_t n);

/*
 * The changes the stream brought since the last take (ownership passes
 * to the caller), and the revision of the last message that brought any
 * (0: none yet).
 */
size_t etcd_watch_take(struct etcd_watch *w, struct etcd_event **ev,
		       int64_t *revision);

/*
 * Apply changes to a key-sorted copy of the prefix (as a range of it
 * returns), making it the prefix at @revision.
 */
void etcd_kvs_apply(struct etcd_kvs *kvs, struct etcd_event *ev, size_t n,
		    int64_t revision);
/* The index of @key in key-sorted @kvs, or where it would go (*found 0). */
size_t etcd_kvs_find(const struct etcd_kvs *kvs, const char *key, int *found);
/* A deep copy. */
void etcd_kvs_copy(struct etcd_kvs *to, const struct etcd_kvs *from);

/* Parsers of etcd's JSON answers (exposed for the tests and the fuzzer). */
int etcd_parse_range(const char *json, size_t len, struct etcd_kvs *out,
		     char **err);
int etcd_parse_txn(const char *json, size_t len, int *succeeded,
		   int64_t *revision, char **err);
int etcd_parse_token(const char *json, size_t len, char **token, char **err);
int etcd_parse_lease(const char *json, size_t len, int64_t *id,
		     int64_t *ttl, char **err);
int etcd_parse_watch(const char *json, size_t len, struct etcd_watch_msg *m,
		     char **err);
/* An error answer ({"error": ..., "message": ...}): its message, or NULL. */
char *etcd_parse_error(const char *json, size_t len);

/* Base64 (RFC 4648, padded), as etcd's JSON carries bytes. */
char *b64_encode(const void *data, size_t len);
/* Decodes into a new NUL-terminated buffer; -1 on bad input. */
int b64_decode(const char *s, size_t slen, char **out, size_t *out_len);

#endif
