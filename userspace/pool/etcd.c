// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr's etcd client (etcd.h): etcd's v3 JSON gateway over libcurl,
 * answers parsed with json-c under explicit limits.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "../util.h"
#include "etcd.h"

/*
 * ---- libcurl, loaded when npmgr first talks to etcd ----
 *
 * Linked, libcurl brings some thirty libraries (TLS, Kerberos, LDAP, SSH,
 * ...) into every run of npmgr, the Xen hotplug script's and `npmgr
 * check`'s included, although only the pool's commands use it; loading
 * them cost 95 ms of each run's 130 ms under TCG. So it is opened here,
 * by its soname (the package depends on libcurl4 by name), the first
 * time an etcd handle is made.
 */
static struct {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode c);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *h);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *fds,
				unsigned int n, int timeout_ms, int *ret);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	struct curl_slist *(*slist_append)(struct curl_slist *l,
					   const char *s);
	void (*slist_free_all)(struct curl_slist *l);
} lc;

#define LC_SYM(f) { "curl_" #f, offsetof(typeof(lc), f) }
static const struct {
	const char *name;
	size_t off;
} lc_syms[] = {
	LC_SYM(easy_init), LC_SYM(easy_setopt), LC_SYM(easy_perform),
	LC_SYM(easy_getinfo), LC_SYM(easy_cleanup), LC_SYM(easy_strerror),
	LC_SYM(multi_init), LC_SYM(multi_add_handle),
	LC_SYM(multi_remove_handle), LC_SYM(multi_cleanup),
	LC_SYM(multi_perform), LC_SYM(multi_poll), LC_SYM(multi_info_read),
	LC_SYM(slist_append), LC_SYM(slist_free_all),
};

static pthread_once_t lc_once = PTHREAD_ONCE_INIT;
static char *lc_error;		/* why it could not be loaded, or NULL */

static void lc_load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	size_t i;

	if (!lib) {
		lc_error = xasprintf("libcurl cannot be loaded: %s", dlerror());
		return;
	}
	for (i = 0; i < sizeof(lc_syms) / sizeof(lc_syms[0]); i++) {
		void *f = dlsym(lib, lc_syms[i].name);

		if (!f) {
			lc_error = xasprintf("libcurl.so.4 has no %s",
					     lc_syms[i].name);
			dlclose(lib);
			return;
		}
		memcpy((char *)&lc + lc_syms[i].off, &f, sizeof(f));
	}
}

/* ---- base64 ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = xcalloc(1, (len + 2) / 3 * 4 + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = i + 1 < len ? b64_alphabet[v >> 6 & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	const char *at;

	if (!c)
		return -1;
	at = strchr(b64_alphabet, c);
	return at ? (int)(at - b64_alphabet) : -1;
}

int b64_decode(const char *s, size_t slen, char **out, size_t *out_len)
{
	char *buf, *o;
	size_t i;

	if (slen % 4)
		return -1;
	buf = xcalloc(1, slen / 4 * 3 + 1);
	o = buf;
	for (i = 0; i < slen; i += 4) {
		int v[4], k, pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == slen && k >= 2) {
				v[k] = 0;
				pad++;
			} else if (pad || (v[k] = b64_value(s[i + k])) < 0) {
				free(buf);
				return -1;
			}
		}
		/* the bits padding leaves over are zero: one text per bytes */
		if ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3))) {
			free(buf);
			return -1;
		}
		*o++ = (char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			*o++ = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			*o++ = (char)((v[2] & 3) << 6 | v[3]);
	}
	*o = '\0';
	*out = buf;
	*out_len = (size_t)(o - buf);
	return 0;
}

/* ---- parsing answers ---- */

static int fail(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(char **err, const char *fmt, ...)
{
	va_list ap;

	if (err) {
		free(*err);
		va_start(ap, fmt);
		if (vasprintf(err, fmt, ap) < 0)
			*err = NULL;
		va_end(ap);
	}
	return -1;
}

/* libcurl ready: 0, else -1 with the reason in @err */
static int lc_ready(char **err)
{
	pthread_once(&lc_once, lc_load);
	return lc_error ? fail(err, "%s", lc_error) : 0;
}

/* The whole answer as one JSON object, or NULL. */
static struct json_object *parse_json(const char *json, size_t len, char **err)
{
	struct json_tokener *tok;
	struct json_object *o;

	if (len > ETCD_MAX_ANSWER || len > INT32_MAX) {
		fail(err, "etcd's answer is too large (%zu bytes)", len);
		return NULL;
	}
	tok = json_tokener_new_ex(16);
	if (!tok) {
		fail(err, "out of memory");
		return NULL;
	}
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		o = NULL;
		fail(err, "etcd's answer is not a JSON object");
	}
	json_tokener_free(tok);
	return o;
}

/* An int64 that the gateway writes as a string (or a number); absent: 0. */
static int get_i64(struct json_object *o, const char *field, int64_t *v)
{
	struct json_object *f;
	const char *s;
	char *end;
	long long n;

	*v = 0;
	if (!json_object_object_get_ex(o, field, &f))
		return 0;
	if (json_object_is_type(f, json_type_int)) {
		*v = json_object_get_int64(f);
		return 0;
	}
	if (!json_object_is_type(f, json_type_string))
		return -1;
	s = json_object_get_string(f);
	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno || end == s || *end)
		return -1;
	*v = n;
	return 0;
}

/* A base64 field, decoded (absent: empty). */
static int get_bytes(struct json_object *o, const char *field, char **out,
		     size_t *len)
{
	struct json_object *f;

	if (!json_object_object_get_ex(o, field, &f)) {
		*out = xstrdup("");
		*len = 0;
		return 0;
	}
	if (!json_object_is_type(f, json_type_string))
		return -1;
	return b64_decode(json_object_get_string(f),
			  (size_t)json_object_get_string_len(f), out, len);
}

static int header_revision(struct json_object *o, int64_t *rev)
{
	struct json_object *h;

	if (!json_object_object_get_ex(o, "header", &h) ||
	    !json_object_is_type(h, json_type_object))
		return -1;
	return get_i64(h, "revision", rev);
}

void etcd_kvs_free(struct etcd_kvs *k)
{
	size_t i;

	for (i = 0; i < k->n; i++) {
		free(k->kv[i].key);
		free(k->kv[i].value);
	}
	free(k->kv);
	memset(k, 0, sizeof(*k));
}

/*
 * What etcd says, fit for a terminal and a log: at most 200 bytes, up to
 * the first line break, anything not printable ASCII as '?'. NULL if empty.
 */
static char *printable(const char *s, size_t len)
{
	size_t n = 0;
	char *out;

	while (n < len && n < 200 && s[n] != '\n' && s[n] != '\r')
		n++;
	if (!n)
		return NULL;
	out = xstrndup(s, n);
	for (len = 0; len < n; len++)
		if (out[len] < 0x20 || out[len] > 0x7e)
			out[len] = '?';
	return out;
}

int etcd_parse_range(const char *json, size_t len, struct etcd_kvs *out,
		     char **err)
{
	struct json_object *o = parse_json(json, len, err), *kvs;
	size_t i, n;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (!o)
		return -1;
	if (header_revision(o, &out->revision)) {
		fail(err, "etcd's range answer has no revision");
		goto out;
	}
	if (!json_object_object_get_ex(o, "kvs", &kvs)) {
		rc = 0;			/* no key in the range */
		goto out;
	}
	if (!json_object_is_type(kvs, json_type_array)) {
		fail(err, "etcd's range answer: kvs is not a list");
		goto out;
	}
	n = json_object_array_length(kvs);
	out->kv = xcalloc(n ? n : 1, sizeof(*out->kv));
	for (i = 0; i < n; i++) {
		struct json_object *kv = json_object_array_get_idx(kvs, i);
		struct etcd_kv *k = &out->kv[out->n];
		size_t klen;

		if (!json_object_is_type(kv, json_type_object) ||
		    get_bytes(kv, "key", &k->key, &klen) ||
		    get_bytes(kv, "value", &k->value, &k->value_len) ||
		    get_i64(kv, "create_revision", &k->create_rev) ||
		    get_i64(kv, "mod_revision", &k->mod_rev)) {
			free(k->key);
			free(k->value);
			fail(err, "etcd's range answer: key %zu is malformed", i);
			goto out;
		}
		out->n++;
		if (strlen(k->key) != klen) {
			fail(err, "etcd's range answer: key %zu holds a NUL", i);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc)
		etcd_kvs_free(out);
	json_object_put(o);
	return rc;
}

int etcd_parse_txn(const char *json, size_t len, int *succeeded,
		   int64_t *revision, char **err)
{
	struct json_object *o = parse_json(json, len, err), *f;
	int rc = -1;

	if (!o)
		return -1;
	if (header_revision(o, revision)) {
		fail(err, "etcd's transaction answer has no revision");
		goto out;
	}
	/* the gateway leaves out fields that hold their default: false */
	*succeeded = json_object_object_get_ex(o, "succeeded", &f) &&
		     json_object_get_boolean(f);
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

int etcd_parse_token(const char *json, size_t len, char **token, char **err)
{
	struct json_object *o = parse_json(json, len, err), *f;
	int rc = -1;

	if (!o)
		return -1;
	if (!json_object_object_get_ex(o, "token", &f) ||
	    !json_object_is_type(f, json_type_string) ||
	    !json_object_get_string_len(f) ||
	    json_object_get_string_len(f) > 4096 ||
	    strpbrk(json_object_get_string(f), "\r\n")) {
		fail(err, "etcd's authentication answer has no usable token");
		goto out;
	}
	*token = xstrdup(json_object_get_string(f));
	rc = 0;
out:
	json_object_put(o);
	return rc;
}

char *etcd_parse_error(const char *json, size_t len)
{
	struct json_object *o = parse_json(json, len, NULL), *f;
	char *msg = NULL;

	if (o && (json_object_object_get_ex(o, "message", &f) ||
		  json_object_object_get_ex(o, "error", &f)) &&
	    json_object_is_type(f, json_type_string))
		msg = printable(json_object_get_string(f),
				(size_t)json_object_get_string_len(f));
	json_object_put(o);
	return msg;
}

/* A stream's message: {"result": {...}} (or an error object). */
static struct json_object *stream_result(struct json_object *o, char **err)
{
	struct json_object *r;

	if (json_object_object_get_ex(o, "result", &r) &&
	    json_object_is_type(r, json_type_object))
		return r;
	if (json_object_object_get_ex(o, "error", &r)) {
		char *msg = etcd_parse_error(json_object_to_json_string(o),
					     strlen(json_object_to_json_string(o)));

		fail(err, "%s", msg ? msg : "etcd ended the stream");
		free(msg);
		return NULL;
	}
	fail(err, "etcd's stream message has no result");
	return NULL;
}

int etcd_parse_lease(const char *json, size_t len, int64_t *id,
		     int64_t *ttl, char **err)
{
	struct json_object *o = parse_json(json, len, err), *r, *f;
	int rc = -1;

	if (!o)
		return -1;
	/* grant answers the lease itself, keepalive a stream's result */
	r = json_object_object_get_ex(o, "result", &f) ? stream_result(o, err) : o;
	if (r && !get_i64(r, "ID", id) && !get_i64(r, "TTL", ttl))
		rc = 0;
	else if (r)
		fail(err, "etcd's lease answer is malformed");
	json_object_put(o);
	return rc;
}

/*
 * A watch message's events: {"type": "DELETE" or absent (a put), "kv":
 * {"key", "value" (absent when empty or deleted), "mod_revision"}}.
 */
static int parse_events(struct json_object *list, struct etcd_watch_msg *m,
			char **err)
{
	size_t i, n = json_object_array_length(list), klen;

	m->ev = xcalloc(n ? n : 1, sizeof(*m->ev));
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(list, i), *t, *kv;
		struct etcd_event *ev = &m->ev[m->events];
		const char *type = NULL;

		if (!json_object_is_type(e, json_type_object) ||
		    !json_object_object_get_ex(e, "kv", &kv) ||
		    !json_object_is_type(kv, json_type_object) ||
		    !json_object_object_get_ex(kv, "key", &t)) {
			fail(err, "etcd's watch event %zu is malformed", i);
			return -1;
		}
		if (json_object_object_get_ex(e, "type", &t)) {
			type = json_object_is_type(t, json_type_string) ?
			       json_object_get_string(t) : "?";
			if (strcmp(type, "PUT") && strcmp(type, "DELETE")) {
				fail(err, "etcd's watch event %zu has an unknown type", i);
				return -1;
			}
		}
		ev->deleted = type && !strcmp(type, "DELETE");
		if (get_bytes(kv, "key", &ev->key, &klen) ||
		    get_bytes(kv, "value", &ev->value, &ev->value_len) ||
		    get_i64(kv, "mod_revision", &ev->mod_rev)) {
			free(ev->key);
			free(ev->value);
			fail(err, "etcd's watch event %zu is malformed", i);
			return -1;
		}
		m->events++;
		if (strlen(ev->key) != klen) {
			fail(err, "etcd's watch event %zu: its key holds a NUL", i);
			return -1;
		}
	}
	return 0;
}

int etcd_parse_watch(const char *json, size_t len, struct etcd_watch_msg *m,
		     char **err)
{
	struct json_object *o = parse_json(json, len, err), *r, *f;
	int rc = -1;

	memset(m, 0, sizeof(*m));
	if (!o)
		return -1;
	r = stream_result(o, err);
	if (!r)
		goto out;
	if (header_revision(r, &m->revision) ||
	    get_i64(r, "compact_revision", &m->compact_revision)) {
		fail(err, "etcd's watch message is malformed");
		goto out;
	}
	m->created = json_object_object_get_ex(r, "created", &f) &&
		     json_object_get_boolean(f);
	m->canceled = json_object_object_get_ex(r, "canceled", &f) &&
		      json_object_get_boolean(f);
	if (json_object_object_get_ex(r, "events", &f)) {
		if (!json_object_is_type(f, json_type_array)) {
			fail(err, "etcd's watch events are not a list");
			goto out;
		}
		if (parse_events(f, m, err))
			goto out;
	}
	rc = 0;
out:
	if (rc) {
		etcd_events_free(m->ev, m->events);
		m->ev = NULL;
		m->events = 0;
	}
	json_object_put(o);
	return rc;
}

void etcd_events_free(struct etcd_event *ev, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(ev[i].key);
		free(ev[i].value);
	}
	free(ev);
}

/* ---- the transport ---- */

/* a request's whole time, connecting included (a keepalive: its own) */
#define ETCD_TIMEOUT_MS 30000L
/* how long a request waits for members without a leader to elect one: an
 * election takes a second or two; longer, and a majority is down */
#define ETCD_ELECTION_MS 10000L

struct etcd {
	CURL *curl;
	char **urls;
	size_t n_urls, cur;	/* the member that answered last */
	long timeout_ms;	/* one request, every member tried included */
	uint64_t rx;		/* answer bytes received, watches included */
	struct etcd_opts o;
	char *auth;		/* "Authorization: TOKEN" */
};

struct answer {
	char *p;
	size_t len;
	int too_large;
};

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	struct answer *a = arg;
	size_t add = size * n;

	if (add > ETCD_MAX_ANSWER - a->len) {
		a->too_large = 1;
		return 0;		/* curl stops the transfer */
	}
	a->p = xrealloc(a->p, a->len + add + 1);
	memcpy(a->p + a->len, data, add);
	a->len += add;
	a->p[a->len] = '\0';
	return add;
}

/*
 * What an error answer says: its JSON message, or else its first line of
 * text (the gateway answers some refusals in plain text), printable only.
 */
static char *answer_message(const struct answer *a)
{
	char *msg;

	if (!a->p || !a->len)
		return NULL;
	msg = etcd_parse_error(a->p, a->len);
	return msg ? msg : printable(a->p, a->len);
}

uint64_t etcd_rx_bytes(const struct etcd *e)
{
	return e->rx;
}

void etcd_set_timeout(struct etcd *e, long ms)
{
	e->timeout_ms = ms > 0 ? ms : ETCD_TIMEOUT_MS;
}

/*
 * POST @body to @path on the current member, or, if it cannot be reached,
 * the next ones, all within the request timeout. A round of the members in
 * which one answered 503 (it has no leader: an election is under way, as
 * after the leader died) is tried again after a pause, for up to
 * ETCD_ELECTION_MS; a round in which none could be reached or answered is
 * the end (etcd is down: say so at once). HTTP 200: 0 and the answer;
 * otherwise -1 and *err (a 503's message when there was one: it says more
 * than a member refusing connections or a request cut short).
 */
static int post(struct etcd *e, const char *path, const char *body,
		struct answer *a, char **err)
{
	struct curl_slist *hdr = NULL;
	size_t tried;
	int64_t deadline, election_end;
	char *no_leader = NULL;
	long pause = 100;
	int rc = -1, electing = 0;

	hdr = lc.slist_append(hdr, "Content-Type: application/json");
	if (e->auth)
		hdr = lc.slist_append(hdr, e->auth);
	deadline = mono_ms() + e->timeout_ms;
	election_end = mono_ms() + ETCD_ELECTION_MS;
	for (tried = 0;; tried++) {
		const char *base = e->urls[e->cur];
		long code = 0, left = (long)(deadline - mono_ms());
		char *url;
		CURLcode c;

		if (tried > 0 && tried % e->n_urls == 0) {
			/* a whole round failed */
			if (!electing || left <= pause ||
			    mono_ms() + pause >= election_end)
				break;
			electing = 0;
			sleep_ms(pause);
			pause = pause < 800 ? pause * 2 : 1000;
			left = (long)(deadline - mono_ms());
		}
		if (left <= 0)
			break;		/* *err: the last member's failure */
		if (asprintf(&url, "%s%s", base, path) < 0)
			break;
		lc.easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, left);
		memset(a, 0, sizeof(*a));
		lc.easy_setopt(e->curl, CURLOPT_URL, url);
		lc.easy_setopt(e->curl, CURLOPT_HTTPHEADER, hdr);
		lc.easy_setopt(e->curl, CURLOPT_POSTFIELDS, body);
		lc.easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
		lc.easy_setopt(e->curl, CURLOPT_WRITEDATA, a);
		c = lc.easy_perform(e->curl);
		free(url);
		e->rx += a->len;
		if (c == CURLE_OK) {
			lc.easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
			if (code == 200) {
				/* what the members tried before said */
				if (err) {
					free(*err);
					*err = NULL;
				}
				rc = 0;
				break;
			}
			{
				char *msg = answer_message(a);

				fail(err, "etcd %s: %s%s(HTTP %ld)", base,
				     msg ? msg : "", msg ? " " : "", code);
				free(msg);
			}
			free(a->p);
			a->p = NULL;
			/* an answer from a member is the cluster's answer,
			 * except when that member has no leader */
			if (code != 503)
				break;
			electing = 1;
			free(no_leader);
			no_leader = err && *err ? xstrdup(*err) : NULL;
		} else if (a->too_large) {
			fail(err, "etcd %s: the answer exceeds %u MiB", base,
			     ETCD_MAX_ANSWER >> 20);
			free(a->p);
			a->p = NULL;
			break;
		} else {
			fail(err, "etcd %s: %s", base, lc.easy_strerror(c));
			free(a->p);
			a->p = NULL;
		}
		e->cur = (e->cur + 1) % e->n_urls;
	}
	if (rc && no_leader)
		fail(err, "%s; the members have no leader (is a majority of them down?)",
		     no_leader);
	free(no_leader);
	lc.slist_free_all(hdr);
	return rc;
}

static char *read_password(const char *path, char **err)
{
	struct stat st;
	char *buf;
	size_t len;
	int rc;

	if (stat(path, &st)) {
		fail(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (st.st_mode & 077) {
		fail(err, "%s: readable by others (mode %04o): chmod 0600 it",
		     path, (unsigned int)(st.st_mode & 07777));
		return NULL;
	}
	rc = read_file(path, &buf, &len);
	if (rc) {
		fail(err, "%s: %s", path, strerror(-rc));
		return NULL;
	}
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (strlen(buf) != len) {
		free(buf);
		fail(err, "%s: the password holds a NUL byte", path);
		return NULL;
	}
	return buf;
}

/* etcd user + password: a token for every later request. */
static int authenticate(struct etcd *e, char **err)
{
	struct json_object *req = json_object_new_object();
	struct answer a;
	char *pass, *token = NULL;
	int rc;

	pass = read_password(e->o.password_file, err);
	if (!pass) {
		json_object_put(req);
		return -1;
	}
	json_object_object_add(req, "name", json_object_new_string(e->o.user));
	json_object_object_add(req, "password", json_object_new_string(pass));
	explicit_bzero(pass, strlen(pass));
	free(pass);
	rc = post(e, "/v3/auth/authenticate",
		  json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
		  &a, err);
	json_object_put(req);	/* json-c frees the string it holds */
	if (!rc)
		rc = etcd_parse_token(a.p, a.len, &token, err);
	free(a.p);
	if (rc)
		return -1;
	if (asprintf(&e->auth, "Authorization: %s", token) < 0)
		e->auth = NULL;
	free(token);
	return e->auth ? 0 : fail(err, "out of memory");
}

/* What every handle to the members has: timeouts, protocols, TLS. */
static void setup_handle(struct etcd *e, CURL *h)
{
	lc.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	lc.easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 3000L);
	lc.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	if (e->o.cacert)
		lc.easy_setopt(h, CURLOPT_CAINFO, e->o.cacert);
	if (e->o.cert)
		lc.easy_setopt(h, CURLOPT_SSLCERT, e->o.cert);
	if (e->o.key)
		lc.easy_setopt(h, CURLOPT_SSLKEY, e->o.key);
}

struct etcd *etcd_open(const struct etcd_opts *o, char **err)
{
	struct etcd *e = xcalloc(1, sizeof(*e));
	char *list, *tok, *save;

	e->o = *o;
	list = xstrdup(o->endpoints ? o->endpoints : "http://127.0.0.1:2379");
	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		size_t l = strlen(tok);

		while (l && tok[l - 1] == '/')
			tok[--l] = '\0';
		if (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8)) {
			fail(err, "etcd endpoint '%s': not an http:// or https:// URL",
			     tok);
			free(list);
			etcd_close(e);
			return NULL;
		}
		*(char **)xpush((void **)&e->urls, &e->n_urls,
				sizeof(*e->urls)) = xstrdup(tok);
	}
	free(list);
	if (!e->n_urls) {
		fail(err, "no etcd endpoint");
		etcd_close(e);
		return NULL;
	}
	if ((o->user != NULL) != (o->password_file != NULL)) {
		fail(err, "an etcd user needs --password-file, and the file a --user");
		etcd_close(e);
		return NULL;
	}
	if (lc_ready(err)) {
		etcd_close(e);
		return NULL;
	}
	e->curl = lc.easy_init();
	if (!e->curl) {
		fail(err, "libcurl did not initialize");
		etcd_close(e);
		return NULL;
	}
	setup_handle(e, e->curl);
	e->timeout_ms = ETCD_TIMEOUT_MS;
	if (o->user && authenticate(e, err)) {
		etcd_close(e);
		return NULL;
	}
	return e;
}

void etcd_close(struct etcd *e)
{
	size_t i;

	if (!e)
		return;
	if (e->curl)
		lc.easy_cleanup(e->curl);
	for (i = 0; i < e->n_urls; i++)
		free(e->urls[i]);
	free(e->urls);
	if (e->auth)
		explicit_bzero(e->auth, strlen(e->auth));
	free(e->auth);
	free(e);
}

/* The first key after every key that starts with @prefix. */
static char *prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = xstrdup(prefix);

	while (n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!n) {		/* every key: etcd's "\0" */
		end[0] = '\0';
		*len = 1;
		return end;
	}
	end[n - 1]++;
	*len = n;
	return end;
}

static void add_bytes(struct json_object *o, const char *field,
		      const void *p, size_t len)
{
	char *b = b64_encode(p, len);

	json_object_object_add(o, field, json_object_new_string(b));
	free(b);
}

int etcd_range(struct etcd *e, const char *key, int prefix,
	       struct etcd_kvs *out, char **err)
{
	struct json_object *req = json_object_new_object();
	struct answer a;
	int rc;

	add_bytes(req, "key", key, strlen(key));
	if (prefix) {
		size_t len;
		char *end = prefix_end(key, &len);

		add_bytes(req, "range_end", end, len);
		free(end);
	}
	rc = post(e, "/v3/kv/range",
		  json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
		  &a, err);
	json_object_put(req);
	if (!rc)
		rc = etcd_parse_range(a.p, a.len, out, err);
	free(a.p);
	return rc;
}

int etcd_txn(struct etcd *e, const char *const *cmp_keys,
	     const int64_t *cmp_revs, size_t n_cmp,
	     const struct etcd_op *ops, size_t n_ops,
	     int *succeeded, int64_t *revision, char **err)
{
	struct json_object *req = json_object_new_object();
	struct json_object *cmp = json_object_new_array();
	struct json_object *success = json_object_new_array();
	struct answer a;
	size_t i;
	int rc;

	for (i = 0; i < n_cmp; i++) {
		struct json_object *c = json_object_new_object();
		char rev[24];

		add_bytes(c, "key", cmp_keys[i], strlen(cmp_keys[i]));
		snprintf(rev, sizeof(rev), "%lld", (long long)cmp_revs[i]);
		json_object_object_add(c, "result", json_object_new_string("EQUAL"));
		/* mod revision 0 would compare a key that exists as well:
		 * "absent" is a create revision of 0 */
		json_object_object_add(c, "target", json_object_new_string(cmp_revs[i] ? "MOD" : "CREATE"));
		json_object_object_add(c, cmp_revs[i] ? "mod_revision" : "create_revision",
				       json_object_new_string(rev));
		json_object_array_add(cmp, c);
	}
	for (i = 0; i < n_ops; i++) {
		struct json_object *r = json_object_new_object();
		struct json_object *op = json_object_new_object();

		add_bytes(r, "key", ops[i].key, strlen(ops[i].key));
		if (ops[i].kind == ETCD_PUT)
			add_bytes(r, "value", ops[i].value, ops[i].value_len);
		json_object_object_add(op, ops[i].kind == ETCD_PUT ?
				       "request_put" : "request_delete_range", r);
		json_object_array_add(success, op);
	}
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", success);
	rc = post(e, "/v3/kv/txn",
		  json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
		  &a, err);
	json_object_put(req);
	if (!rc)
		rc = etcd_parse_txn(a.p, a.len, succeeded, revision, err);
	free(a.p);
	return rc;
}

static int post_json(struct etcd *e, const char *path, struct json_object *req,
		     struct answer *a, char **err)
{
	int rc = post(e, path,
		      json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
		      a, err);

	json_object_put(req);
	return rc;
}

static struct json_object *i64_string(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	return json_object_new_string(buf);
}

/* A lease request with one field; the lease's ID and TTL it answers. */
static int lease_call(struct etcd *e, const char *path, const char *field,
		      int64_t value, int64_t *id, int64_t *ttl, char **err)
{
	struct json_object *req = json_object_new_object();
	struct answer a;
	int rc;

	json_object_object_add(req, field, i64_string(value));
	rc = post_json(e, path, req, &a, err);
	if (!rc)
		rc = etcd_parse_lease(a.p, a.len, id, ttl, err);
	free(a.p);
	return rc;
}

int etcd_lease_grant(struct etcd *e, int ttl, int64_t *id, char **err)
{
	int64_t got_ttl;
	int rc = lease_call(e, "/v3/lease/grant", "TTL", ttl, id, &got_ttl, err);

	if (!rc && (!*id || got_ttl <= 0))
		rc = fail(err, "etcd granted no lease");
	return rc;
}

int etcd_lease_keepalive(struct etcd *e, int64_t id, int64_t *ttl, char **err)
{
	int64_t got;

	return lease_call(e, "/v3/lease/keepalive", "ID", id, &got, ttl, err);
}

int etcd_put(struct etcd *e, const char *key, const char *value, size_t len,
	     int64_t lease, char **err)
{
	struct json_object *req = json_object_new_object();
	struct answer a;
	int rc;

	add_bytes(req, "key", key, strlen(key));
	add_bytes(req, "value", value, len);
	if (lease)
		json_object_object_add(req, "lease", i64_string(lease));
	rc = post_json(e, "/v3/kv/put", req, &a, err);
	free(a.p);
	return rc;
}

/*
 * A watch: one long POST whose answer is a stream of JSON messages, one a
 * line, read through a multi handle so that the caller waits on it with a
 * timeout and does other requests (keepalives) between waits.
 */
struct etcd_watch {
	CURLM *multi;
	CURL *h;
	struct curl_slist *hdr;
	char *body;
	struct answer buf;	/* bytes not yet a whole line */
	uint64_t *rx;		/* its client's count of bytes received */
	size_t events;		/* since the last etcd_watch_wait() */
	struct etcd_event *ev;	/* since the last etcd_watch_take() */
	size_t n_ev;
	int64_t rev;		/* of the last message read */
	int ended;
	char *err;
};

static void watch_line(struct etcd_watch *w, const char *line, size_t len)
{
	struct etcd_watch_msg m;
	char *err = NULL;

	if (etcd_parse_watch(line, len, &m, &err)) {
		free(w->err);
		w->err = err;
		w->ended = 1;
		return;
	}
	w->events += m.events;
	if (m.events && m.revision > w->rev)
		w->rev = m.revision;
	if (m.events) {
		w->ev = xrealloc(w->ev, (w->n_ev + m.events) * sizeof(*w->ev));
		memcpy(w->ev + w->n_ev, m.ev, m.events * sizeof(*m.ev));
		w->n_ev += m.events;
	}
	free(m.ev);		/* its strings are w's now */
	/*
	 * Canceled (it started at a revision etcd has compacted away): no
	 * event comes on it any more. The stream is as good as ended: the
	 * caller reads everything again and starts another.
	 */
	if (m.canceled && !w->ended) {
		free(w->err);
		if (asprintf(&w->err, "etcd canceled the watch (compacted up to revision %lld)",
			     (long long)m.compact_revision) < 0)
			w->err = NULL;
		w->ended = 1;
	}
}

static size_t on_watch_data(char *data, size_t size, size_t n, void *arg)
{
	struct etcd_watch *w = arg;
	size_t add = size * n, start = 0, i;

	*w->rx += add;
	if (on_data(data, size, n, &w->buf) != add) {
		w->ended = 1;
		return 0;
	}
	for (i = 0; i < w->buf.len; i++) {
		if (w->buf.p[i] != '\n')
			continue;
		if (i > start)
			watch_line(w, w->buf.p + start, i - start);
		start = i + 1;
	}
	memmove(w->buf.p, w->buf.p + start, w->buf.len - start);
	w->buf.len -= start;
	return add;
}

struct etcd_watch *etcd_watch_start(struct etcd *e, const char *prefix,
				    int64_t from_rev, char **err)
{
	struct etcd_watch *w = xcalloc(1, sizeof(*w));
	struct json_object *req = json_object_new_object();
	struct json_object *cr = json_object_new_object();
	size_t len;
	char *end, *url;

	w->rx = &e->rx;

	add_bytes(cr, "key", prefix, strlen(prefix));
	end = prefix_end(prefix, &len);
	add_bytes(cr, "range_end", end, len);
	free(end);
	json_object_object_add(cr, "start_revision", i64_string(from_rev));
	json_object_object_add(req, "create_request", cr);
	w->body = xstrdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	/* (libcurl is loaded: @e is open) */
	w->multi = lc.multi_init();
	w->h = lc.easy_init();
	if (!w->multi || !w->h ||
	    asprintf(&url, "%s/v3/watch", e->urls[e->cur]) < 0) {
		fail(err, "libcurl did not initialize");
		etcd_watch_stop(w);
		return NULL;
	}
	w->hdr = lc.slist_append(NULL, "Content-Type: application/json");
	if (e->auth)
		w->hdr = lc.slist_append(w->hdr, e->auth);
	setup_handle(e, w->h);
	lc.easy_setopt(w->h, CURLOPT_URL, url);
	lc.easy_setopt(w->h, CURLOPT_HTTPHEADER, w->hdr);
	lc.easy_setopt(w->h, CURLOPT_POSTFIELDS, w->body);
	lc.easy_setopt(w->h, CURLOPT_WRITEFUNCTION, on_watch_data);
	lc.easy_setopt(w->h, CURLOPT_WRITEDATA, w);
	free(url);
	lc.multi_add_handle(w->multi, w->h);
	return w;
}

size_t etcd_watch_take(struct etcd_watch *w, struct etcd_event **ev,
		       int64_t *revision)
{
	size_t n = w->n_ev;

	*ev = w->ev;
	*revision = w->rev;
	w->ev = NULL;
	w->n_ev = 0;
	return n;
}

static char *memdup0(const char *p, size_t n)
{
	char *c = xcalloc(1, n + 1);

	memcpy(c, p, n);
	return c;
}

size_t etcd_kvs_find(const struct etcd_kvs *kvs, const char *key, int *found)
{
	size_t lo = 0, hi = kvs->n;

	*found = 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(kvs->kv[mid].key, key);

		if (!c) {
			*found = 1;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void etcd_kvs_apply(struct etcd_kvs *kvs, struct etcd_event *ev, size_t n,
		    int64_t revision)
{
	size_t i, at;
	int found;

	for (i = 0; i < n; i++) {
		struct etcd_kv *kv;

		at = etcd_kvs_find(kvs, ev[i].key, &found);
		if (ev[i].deleted) {
			if (!found)
				continue;
			free(kvs->kv[at].key);
			free(kvs->kv[at].value);
			memmove(&kvs->kv[at], &kvs->kv[at + 1],
				(kvs->n - at - 1) * sizeof(*kvs->kv));
			kvs->n--;
			continue;
		}
		if (!found) {
			kvs->kv = xrealloc(kvs->kv, (kvs->n + 1) * sizeof(*kvs->kv));
			memmove(&kvs->kv[at + 1], &kvs->kv[at],
				(kvs->n - at) * sizeof(*kvs->kv));
			kvs->n++;
			kv = &kvs->kv[at];
			kv->key = xstrdup(ev[i].key);
			kv->create_rev = ev[i].mod_rev;
		} else {
			kv = &kvs->kv[at];
			free(kv->value);
		}
		kv->value = memdup0(ev[i].value, ev[i].value_len);
		kv->value_len = ev[i].value_len;
		kv->mod_rev = ev[i].mod_rev;
	}
	if (revision > kvs->revision)
		kvs->revision = revision;
}

void etcd_kvs_copy(struct etcd_kvs *to, const struct etcd_kvs *from)
{
	size_t i;

	to->n = from->n;
	to->revision = from->revision;
	to->kv = xcalloc(from->n ? from->n : 1, sizeof(*to->kv));
	for (i = 0; i < from->n; i++) {
		to->kv[i] = from->kv[i];
		to->kv[i].key = xstrdup(from->kv[i].key);
		to->kv[i].value = memdup0(from->kv[i].value, from->kv[i].value_len);
	}
}

int etcd_watch_wait(struct etcd_watch *w, int timeout_ms, char **err)
{
	int running = 0, left;
	CURLMsg *msg;

	lc.multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
	lc.multi_perform(w->multi, &running);
	while ((msg = lc.multi_info_read(w->multi, &left)))
		if (msg->msg == CURLMSG_DONE) {
			w->ended = 1;
			if (!w->err && msg->data.result != CURLE_OK)
				w->err = xstrdup(lc.easy_strerror(msg->data.result));
		}
	if (!running)
		w->ended = 1;
	if (w->ended) {
		fail(err, "%s", w->err ? w->err : "etcd closed the watch");
		return -1;
	}
	if (w->events) {
		w->events = 0;
		return 1;
	}
	return 0;
}

void etcd_watch_stop(struct etcd_watch *w)
{
	if (!w)
		return;
	if (w->multi && w->h)
		lc.multi_remove_handle(w->multi, w->h);
	if (w->h)
		lc.easy_cleanup(w->h);
	if (w->multi)
		lc.multi_cleanup(w->multi);
	lc.slist_free_all(w->hdr);
	free(w->body);
	free(w->buf.p);
	free(w->err);
	etcd_events_free(w->ev, w->n_ev);
	free(w);
}
