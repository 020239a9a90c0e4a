// SPDX-License-Identifier: GPL-2.0
/*
 * npmgr agent status: what each pool agent of this host last recorded
 * (status.h), and whether it still runs.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../util.h"
#include "status.h"

/* the largest status file read: a host has at most a few hundred peers */
#define STATUS_MAX (1u << 20)

static struct json_object *utc(time_t t)
{
	char buf[32];
	struct tm tm;

	if (!t)
		return NULL;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return json_object_new_string(buf);
}

int agent_status_write(const struct agent_status *s)
{
	struct json_object *o = json_object_new_object(), *peers;
	char path[300], tmp[310], lease[20], *list, *tok, *save;
	const char *text;
	int fd, rc = -1;
	size_t len;

	json_object_object_add(o, "host", json_object_new_string(s->host));
	json_object_object_add(o, "pid", json_object_new_int((int)getpid()));
	json_object_object_add(o, "ttl", json_object_new_int(s->ttl));
	json_object_object_add(o, "started", utc(s->started));
	json_object_object_add(o, "etcd", json_object_new_string(s->etcd));
	snprintf(lease, sizeof(lease), "%llx", (unsigned long long)s->lease);
	json_object_object_add(o, "lease", s->lease ? json_object_new_string(lease) : NULL);
	json_object_object_add(o, "revision_seen", json_object_new_int64(s->seen_rev));
	json_object_object_add(o, "revision_loaded", json_object_new_int64(s->loaded_rev));
	json_object_object_add(o, "loaded_at", utc(s->loaded_at));
	json_object_object_add(o, "objects", json_object_new_int64((int64_t)s->objects));
	peers = json_object_new_array();
	list = xstrdup(s->peers ? s->peers : "");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		json_object_array_add(peers, json_object_new_string(tok));
	free(list);
	json_object_object_add(o, "peers", peers);
	json_object_object_add(o, "failing", json_object_new_boolean(s->failing));
	json_object_object_add(o, "last_error", s->last_error ?
			       json_object_new_string(s->last_error) : NULL);
	json_object_object_add(o, "last_error_at", utc(s->last_error_at));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);

	mkdir("/run/netpolicy", 0755);
	mkdir(AGENT_DIR, 0700);
	snprintf(path, sizeof(path), AGENT_DIR "/%s.status", s->host);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && write(fd, text, len) == (ssize_t)len && write(fd, "\n", 1) == 1 &&
	    !close(fd)) {
		fd = -1;
		rc = rename(tmp, path);
	}
	if (fd >= 0)
		close(fd);
	json_object_put(o);
	return rc;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t num(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

/* Whether @pid is an npmgr that runs (not a pid reused by another). */
static bool runs(int64_t pid)
{
	char path[64], comm[32] = "";
	ssize_t n;
	int fd;

	if (pid <= 0 || pid > INT32_MAX)
		return false;
	snprintf(path, sizeof(path), "/proc/%lld/comm", (long long)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	comm[n > 0 ? n : 0] = '\0';
	return !strncmp(comm, "npmgr", 5);
}

static struct json_object *read_status(const char *path, char **err)
{
	struct json_object *o;
	struct stat st;
	char *buf;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    st.st_size > STATUS_MAX) {
		if (asprintf(err, "%s: %s", path, fd < 0 ? strerror(errno) :
			     "not a regular file of at most 1 MiB") < 0)
			*err = NULL;
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	buf = xcalloc(1, (size_t)st.st_size + 1);
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	o = n >= 0 ? json_tokener_parse(buf) : NULL;
	free(buf);
	if (!o || !json_object_is_type(o, json_type_object) || !str(o, "host")) {
		json_object_put(o);
		if (asprintf(err, "%s: not an agent's status", path) < 0)
			*err = NULL;
		return NULL;
	}
	return o;
}

/* Healthy: running, etcd connected, the last revision read loaded. */
static bool print_one(struct json_object *o, bool json, struct json_object *all)
{
	bool running = runs(num(o, "pid")), failing = false, ok;
	struct json_object *v, *peers = NULL;
	const char *etcd = str(o, "etcd");
	size_t i;

	if (json_object_object_get_ex(o, "failing", &v))
		failing = json_object_get_boolean(v);
	ok = running && etcd && !strcmp(etcd, "connected") && !failing;
	if (json) {
		json_object_object_add(o, "running", json_object_new_boolean(running));
		json_object_object_add(o, "healthy", json_object_new_boolean(ok));
		json_object_array_add(all, json_object_get(o));
		return ok;
	}
	if (running)
		printf("agent %s: running (pid %lld), etcd %s", str(o, "host"),
		       (long long)num(o, "pid"), etcd ? etcd : "?");
	else
		printf("agent %s: not running (pid %lld %s)", str(o, "host"),
		       (long long)num(o, "pid"),
		       etcd && !strcmp(etcd, "stopped") ? "stopped" : "is gone");
	if (running && str(o, "lease"))
		printf(", lease %s (TTL %lld s)", str(o, "lease"), (long long)num(o, "ttl"));
	putchar('\n');
	if (num(o, "revision_loaded")) {
		printf("  loaded: revision %lld (%lld object%s) at %s; peers:",
		       (long long)num(o, "revision_loaded"), (long long)num(o, "objects"),
		       num(o, "objects") == 1 ? "" : "s", str(o, "loaded_at") ? str(o, "loaded_at") : "?");
		json_object_object_get_ex(o, "peers", &peers);
		for (i = 0; peers && i < json_object_array_length(peers); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(peers, i)));
		printf("%s\n", peers && json_object_array_length(peers) ? "" : " none");
	} else {
		printf("  loaded: nothing yet\n");
	}
	if (failing)
		printf("  failing: revision %lld did not load; the kernel keeps %s\n",
		       (long long)num(o, "revision_seen"),
		       num(o, "revision_loaded") ? "the last good load" : "what it had");
	if (str(o, "last_error"))
		printf("  last error: %s at %s\n", str(o, "last_error"),
		       str(o, "last_error_at") ? str(o, "last_error_at") : "?");
	return ok;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static bool is_status(const struct dirent *d)
{
	size_t l = strlen(d->d_name);

	return l > 7 && !strcmp(d->d_name + l - 7, ".status");
}

static int status_filter(const struct dirent *d)
{
	return is_status(d);
}

int agent_status_main(int argc, char **argv, bool json)
{
	struct json_object *all = json_object_new_array(), *o;
	struct dirent **ents = NULL;
	const char *host = NULL;
	char path[320], *err = NULL;
	int i, n = 0, rc = 0, shown = 0;

	if (argc == 3 && !strcmp(argv[1], "--host") && *argv[2] &&
	    !strchr(argv[2], '/') && strlen(argv[2]) < 64) {
		host = argv[2];
	} else if (argc != 1) {
		fprintf(stderr, "usage: npmgr [-j] agent status [--host NAME]\n");
		json_object_put(all);
		return 2;
	}
	if (!host) {
		n = scandir(AGENT_DIR, &ents, status_filter, by_name);
		if (n < 0 && errno != ENOENT) {
			fprintf(stderr, "npmgr: agent status: %s: %s\n", AGENT_DIR, strerror(errno));
			json_object_put(all);
			return 1;
		}
	}
	for (i = 0; host ? i < 1 : i < n; i++) {
		snprintf(path, sizeof(path), AGENT_DIR "/%s%s", host ? host : ents[i]->d_name,
			 host ? ".status" : "");
		if (host && access(path, F_OK) && errno == ENOENT) {
			fprintf(stderr, "npmgr: agent status: no agent of host %s has run here (no %s)\n",
				host, path);
			rc = 1;
			continue;
		}
		o = read_status(path, &err);
		if (!o) {
			fprintf(stderr, "npmgr: agent status: %s\n", err ? err : "cannot read");
			free(err);
			err = NULL;
			rc = 1;
			continue;
		}
		if (!json && shown++)
			putchar('\n');
		if (!print_one(o, json, all))
			rc = 1;
		json_object_put(o);
	}
	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);
	if (!host && n <= 0) {
		fprintf(stderr, "npmgr: agent status: no agent has run on this host (no %s/*.status)\n",
			AGENT_DIR);
		rc = 1;
	}
	if (json)
		puts(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN));
	json_object_put(all);
	return rc;
}
