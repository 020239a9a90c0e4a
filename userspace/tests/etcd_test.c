// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of what npmgr reads from etcd, without etcd: base64 both
 * ways, and the parsers of the gateway's answers (range, txn, token,
 * errors), with the answers etcd 3.4 sends and with broken ones. The
 * real cluster is tools/testing/pool/pool.sh's. Prints "N passed, N failed".
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../pool/etcd.h"
#include "expect.h"

static void test_b64(void)
{
	static const char *const plain[] = { "", "f", "fo", "foo", "foob",
					     "fooba", "foobar" };
	static const char *const coded[] = { "", "Zg==", "Zm8=", "Zm9v",
					     "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	static const char *const bad[] = { "Zg=", "Z===", "Zm9v=", "Zm=v",
					   "Zm9\n", "Zm9v\0AAA", "=Zm9", "Zh==", "Zm9=" };
	size_t i, len;
	char *s, *d;

	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		s = b64_encode(plain[i], strlen(plain[i]));
		EXPECT(!strcmp(s, coded[i]), "encode '%s': %s", plain[i], s);
		free(s);
		EXPECT(!b64_decode(coded[i], strlen(coded[i]), &d, &len) &&
		       len == strlen(plain[i]) && !strcmp(d, plain[i]),
		       "decode %s", coded[i]);
		free(d);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		EXPECT(b64_decode(bad[i], i == 5 ? 8 : strlen(bad[i]), &d, &len),
		       "'%s' refused", bad[i]);
	/* every byte value survives */
	{
		unsigned char all[256];

		for (i = 0; i < 256; i++)
			all[i] = (unsigned char)i;
		s = b64_encode(all, sizeof(all));
		EXPECT(!b64_decode(s, strlen(s), &d, &len) && len == 256 &&
		       !memcmp(d, all, 256), "256 bytes round trip");
		free(s);
		free(d);
	}
}

static void test_range(void)
{
	/* as etcd 3.4's gateway answers: int64 as strings, base64 bytes */
	static const char two[] =
		"{\"header\":{\"cluster_id\":\"1\",\"member_id\":\"2\",\"revision\":\"17\",\"raft_term\":\"2\"},"
		"\"kvs\":[{\"key\":\"L25ldHBvbGljeS92MS9h\",\"create_revision\":\"3\",\"mod_revision\":\"9\",\"version\":\"2\",\"value\":\"eyJieSI6MX0=\"},"
		"{\"key\":\"L25ldHBvbGljeS92MS9i\",\"create_revision\":\"4\",\"mod_revision\":\"4\",\"version\":\"1\"}],\"count\":\"2\"}";
	static const char *const broken[] = {
		"",
		"[]",
		"{\"kvs\":[]}",					/* no header */
		"{\"header\":{\"revision\":\"x\"}}",
		"{\"header\":{\"revision\":\"1\"},\"kvs\":{}}",
		"{\"header\":{\"revision\":\"1\"},\"kvs\":[{\"key\":\"!!\"}]}",
		"{\"header\":{\"revision\":\"1\"},\"kvs\":[{\"key\":\"YQBi\"}]}",	/* a\0b */
		"{\"header\":{\"revision\":\"1\"},\"kvs\":[{\"key\":\"YQ==\",\"mod_revision\":\"9x\"}]}",
		"{\"header\":{\"revision\":\"1\"}} trailing",
		"{\"header\":{\"revision\":\"1\"}",
	};
	struct etcd_kvs k;
	char *err = NULL;
	size_t i;

	EXPECT(!etcd_parse_range(two, strlen(two), &k, &err), "range: %s", err);
	EXPECT(k.revision == 17 && k.n == 2, "revision %lld, %zu keys",
	       (long long)k.revision, k.n);
	EXPECT(k.n == 2 && !strcmp(k.kv[0].key, "/netpolicy/v1/a") &&
	       !strcmp(k.kv[0].value, "{\"by\":1}") && k.kv[0].value_len == 8 &&
	       k.kv[0].create_rev == 3 && k.kv[0].mod_rev == 9,
	       "first key");
	EXPECT(k.n == 2 && !strcmp(k.kv[1].value, "") && k.kv[1].value_len == 0,
	       "an empty value is left out by the gateway");
	etcd_kvs_free(&k);
	EXPECT(!etcd_parse_range("{\"header\":{\"revision\":\"5\"}}", 27, &k, &err) &&
	       k.n == 0 && k.revision == 5, "no keys: no kvs field");
	etcd_kvs_free(&k);
	for (i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
		EXPECT(etcd_parse_range(broken[i], strlen(broken[i]), &k, &err) &&
		       k.n == 0 && !k.kv && err, "broken %zu refused", i);
		free(err);
		err = NULL;
	}
	/* deeper than the parser's limit */
	{
		char deep[200];

		memset(deep, '[', sizeof(deep));
		EXPECT(etcd_parse_range(deep, sizeof(deep), &k, &err), "deep");
		free(err);
		err = NULL;
	}
}

static void test_txn_token_error(void)
{
	static const char ok[] = "{\"header\":{\"revision\":\"8\"},\"succeeded\":true,\"responses\":[{}]}";
	static const char no[] = "{\"header\":{\"revision\":\"9\"}}";
	char *err = NULL, *tok = NULL, *msg;
	int64_t rev;
	int s;

	EXPECT(!etcd_parse_txn(ok, strlen(ok), &s, &rev, &err) && s && rev == 8,
	       "txn succeeded");
	EXPECT(!etcd_parse_txn(no, strlen(no), &s, &rev, &err) && !s && rev == 9,
	       "a compare that failed: the gateway leaves succeeded out");
	EXPECT(!etcd_parse_token("{\"header\":{},\"token\":\"abc.7\"}", 29, &tok, &err) &&
	       tok && !strcmp(tok, "abc.7"), "token");
	free(tok);
	tok = NULL;
	EXPECT(etcd_parse_token("{\"token\":\"a\\r\\nX-Evil: 1\"}", 26, &tok, &err) && !tok,
	       "a token that would add a header is refused");
	free(err);
	err = NULL;
	EXPECT(etcd_parse_token("{\"token\":\"\"}", 12, &tok, &err) && !tok,
	       "an empty token");
	free(err);
	msg = etcd_parse_error("{\"error\":\"etcdserver: permission denied\",\"code\":7,\"message\":\"etcdserver: permission denied\"}", 92);
	EXPECT(msg && !strcmp(msg, "etcdserver: permission denied"), "error: %s", msg);
	free(msg);
	msg = etcd_parse_error("{\"message\":\"a\\u0000b\\u001b[2Jc\\nd\"}", 35);
	EXPECT(msg && !strcmp(msg, "a?b?[2Jc"), "a message is printable: %s", msg);
	free(msg);
	EXPECT(!etcd_parse_error("not json", 8), "text is no JSON error");
}

/* A copy of a prefix kept current from a watch's changes. */
static void test_kvs_apply(void)
{
	struct etcd_event ev[] = {
		{ 0, (char *)"k/b", (char *)"2", 1, 5 },
		{ 0, (char *)"k/a", (char *)"1", 1, 6 },
		{ 0, (char *)"k/c", (char *)"3", 1, 7 },
		{ 0, (char *)"k/b", (char *)"22", 2, 8 },
		{ 1, (char *)"k/a", (char *)"", 0, 9 },
		{ 1, (char *)"k/z", (char *)"", 0, 9 },
	};
	struct etcd_kvs kvs = { 0 }, copy;

	etcd_kvs_apply(&kvs, ev, 6, 9);
	EXPECT(kvs.n == 2 && kvs.revision == 9 && !strcmp(kvs.kv[0].key, "k/b") &&
	       !strcmp(kvs.kv[0].value, "22") && kvs.kv[0].value_len == 2 &&
	       kvs.kv[0].create_rev == 5 && kvs.kv[0].mod_rev == 8 &&
	       !strcmp(kvs.kv[1].key, "k/c"), "puts, a replace, deletes, in key order");
	etcd_kvs_copy(&copy, &kvs);
	etcd_kvs_apply(&kvs, ev, 1, 10);
	EXPECT(copy.n == 2 && !strcmp(copy.kv[0].value, "22") && copy.revision == 9,
	       "a copy is its own");
	etcd_kvs_free(&copy);
	etcd_kvs_free(&kvs);
}

static void test_lease_watch(void)
{
	/* as etcd 3.4's gateway streams them, one a line */
	static const char created[] =
		"{\"result\":{\"header\":{\"cluster_id\":\"1\",\"revision\":\"12\"},\"created\":true}}";
	static const char events[] =
		"{\"result\":{\"header\":{\"revision\":\"13\"},\"events\":[{\"kv\":{\"key\":\"YQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":\"Yg==\"}}]}}";
	static const char unknown[] =
		"{\"result\":{\"header\":{\"revision\":\"2\"},\"events\":[{\"type\":\"EXPIRE\",\"kv\":{\"key\":\"YQ==\"}}]}}";
	static const char compacted[] =
		"{\"result\":{\"header\":{\"revision\":\"40\"},\"canceled\":true,\"compact_revision\":\"30\"}}";
	static const char ended[] =
		"{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: no leader\"}}";
	struct etcd_watch_msg m;
	char *err = NULL;
	int64_t id, ttl;

	EXPECT(!etcd_parse_watch(created, strlen(created), &m, &err) &&
	       m.created && !m.events && m.revision == 12, "created");
	EXPECT(!etcd_parse_watch(events, strlen(events), &m, &err) &&
	       m.events == 2 && !m.canceled, "two events");
	EXPECT(m.events == 2 && !m.ev[0].deleted && !strcmp(m.ev[0].key, "a") &&
	       !strcmp(m.ev[0].value, "") && m.ev[1].deleted &&
	       !strcmp(m.ev[1].key, "b"), "the events: a put, b deleted");
	etcd_events_free(m.ev, m.events);
	EXPECT(etcd_parse_watch(unknown, strlen(unknown), &m, &err) && err,
	       "an unknown event type");
	free(err);
	err = NULL;
	EXPECT(!etcd_parse_watch(compacted, strlen(compacted), &m, &err) &&
	       m.canceled && m.compact_revision == 30, "compacted");
	EXPECT(etcd_parse_watch(ended, strlen(ended), &m, &err) && err,
	       "a stream that ends with an error");
	free(err);
	err = NULL;
	EXPECT(!etcd_parse_lease("{\"header\":{},\"ID\":\"7587869\",\"TTL\":\"10\"}", 39,
				 &id, &ttl, &err) && id == 7587869 && ttl == 10,
	       "grant");
	EXPECT(!etcd_parse_lease("{\"result\":{\"header\":{},\"ID\":\"7\",\"TTL\":\"9\"}}", 43,
				 &id, &ttl, &err) && id == 7 && ttl == 9,
	       "keepalive");
	EXPECT(!etcd_parse_lease("{\"result\":{\"header\":{},\"ID\":\"7\"}}", 33,
				 &id, &ttl, &err) && ttl == 0,
	       "keepalive of an expired lease: no TTL");
}

int main(void)
{
	test_b64();
	test_range();
	test_txn_token_error();
	test_lease_watch();
	test_kvs_apply();
	return test_summary();
}
