// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for what npmgr reads from etcd over the network: the
 * gateway's range, transaction, authentication and error answers, lease
 * answers, watch stream messages, and base64. The first byte picks the parser; the rest is its input. Nothing
 * may crash or leak, and:
 *  - what base64 decodes encodes back to the same text;
 *  - a range that parses holds NUL-free keys and values of the length it
 *    says.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../pool/etcd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1;
	size_t len = size ? size - 1 : 0, i, n;
	struct etcd_kvs k;
	char *err = NULL, *s, *d;
	int64_t rev;
	int ok;

	if (!size)
		return 0;
	switch (data[0] % 7) {
	case 0:
		if (!etcd_parse_range(in, len, &k, &err)) {
			for (i = 0; i < k.n; i++)
				if (strlen(k.kv[i].value) > k.kv[i].value_len ||
				    !k.kv[i].key)
					abort();
			etcd_kvs_free(&k);
		}
		break;
	case 1:
		etcd_parse_txn(in, len, &ok, &rev, &err);
		break;
	case 2:
		if (!etcd_parse_token(in, len, &s, &err)) {
			if (strpbrk(s, "\r\n"))
				abort();
			free(s);
		}
		break;
	case 3:
		free(etcd_parse_error(in, len));
		break;
	case 5: {
		struct etcd_watch_msg m;
		struct etcd_kvs kvs = { 0 };
		size_t i;

		if (etcd_parse_watch(in, len, &m, &err))
			break;
		/* applied twice: a copy kept in key order, whatever comes */
		etcd_kvs_apply(&kvs, m.ev, m.events, m.revision);
		etcd_kvs_apply(&kvs, m.ev, m.events, m.revision);
		for (i = 1; i < kvs.n; i++)
			if (strcmp(kvs.kv[i - 1].key, kvs.kv[i].key) >= 0)
				abort();
		etcd_kvs_free(&kvs);
		etcd_events_free(m.ev, m.events);
		break;
	}
	case 6:
		etcd_parse_lease(in, len, &rev, &rev, &err);
		break;
	case 4:
		if (!b64_decode(in, len, &d, &n)) {
			s = b64_encode(d, n);
			if (strlen(s) != len || memcmp(s, in, len))
				abort();
			free(s);
			free(d);
		}
		break;
	}
	free(err);
	return 0;
}
