// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the texts key agreement reads: a session
 * configuration's header, wpa_supplicant's STATUS reply, a CAK file and a
 * supervisor's state file. The first byte picks the parser; the rest is
 * its input. Nothing may crash or leak, and:
 *  - a header that parses, written again into a configuration, reads back
 *    to the same names;
 *  - a CAK that parses, printed as hex, parses to the same key.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../realize/mka.h"

static void header(const char *text)
{
	struct rz_mka_names a, b;
	struct np_net_def net = { 0 };
	struct rz_mka m = { 0 };
	uint8_t cak[RZ_CAK_LEN] = { 1 };
	char *conf;

	if (rz_mka_config_names(text, &a))
		return;
	net.name = a.network;
	m.net = &net;
	m.self = "self";
	m.peer = a.peer;
	m.isolated = a.isolated;
	memcpy(m.tunnel, a.tunnel, sizeof(m.tunnel));
	memcpy(m.bridge, a.bridge, sizeof(m.bridge));
	conf = rz_mka_config(&m, "/run/netpolicy/mka/x/y.ctrl", cak);
	if (!conf || rz_mka_config_names(conf, &b) ||
	    strcmp(a.tunnel, b.tunnel) || strcmp(a.bridge, b.bridge) ||
	    a.isolated != b.isolated || strcmp(a.network, b.network) ||
	    strcmp(a.peer, b.peer))
		abort();
	free(conf);
}

static void cak(const char *text, size_t n)
{
	uint8_t key[RZ_CAK_LEN], again[RZ_CAK_LEN];
	char hex[2 * RZ_CAK_LEN + 2];
	size_t i;

	if (!rz_cak_parse(text, n, key))
		return;
	for (i = 0; i < RZ_CAK_LEN; i++)
		sprintf(hex + 2 * i, "%02X", key[i]);
	strcat(hex, "\n");
	if (!rz_cak_parse(hex, strlen(hex), again) ||
	    memcmp(key, again, sizeof(key)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct np_session_info si = { 0 };
	struct rz_mka_status st;
	char *text;

	if (!size)
		return 0;
	text = malloc(size);
	if (!text)
		abort();
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';		/* the parsers read C strings */
	switch (data[0] & 3) {
	case 0:
		header(text);
		break;
	case 1:
		rz_mka_parse_status(text, &st);
		break;
	case 2:
		cak((const char *)data + 1, size - 1);
		break;
	default:
		rz_session_state_parse(text, &si);
	}
	free(text);
	return 0;
}
