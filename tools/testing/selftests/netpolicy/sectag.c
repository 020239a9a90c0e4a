// SPDX-License-Identifier: GPL-2.0
/*
 * sectag: what an attacker on the underlay sees, checked by someone who
 * holds the keys.
 *
 *   sectag check --caks DIR [--sak HEX]... [-v] [--pattern HEX] FILE.pcap...
 *	Reads captures of the underlay (Ethernet, libpcap format; frames
 *	from several files merged by time), takes every VXLAN (UDP 4789) and
 *	GRE (Ethernet over GRE) packet apart, and looks at the inner frames:
 *	 - MKA frames (EAPOL, type 5): the basic parameter set names the
 *	   connectivity association (CA: the CAK's name, CKN) the sender's
 *	   SCI belongs to; a Distributed SAK parameter set carries a SAK
 *	   wrapped with the CA's key-encrypting key, which sectag derives
 *	   from each CAK in DIR (*.cak) and the CKN (IEEE 802.1X-2010 9.3.3)
 *	   and unwraps (RFC 3394): the one that unwraps is the CA's;
 *	 - MACsec frames (88e5): the SAK a frame was sent under is the one
 *	   whose GCM-AES-128 tag it carries (IV: its SCI and PN; data: the
 *	   Ethernet addresses and SecTAG); under that SAK no (SCI, PN) may come
 *	   twice with different contents (a repeated nonce); the same frame
 *	   seen twice (VXLAN copies a flooded frame to each peer, a replay) is
 *	   one frame. A frame no distributed SAK verifies is an error;
 *	 - any other inner frame is plaintext on an encrypted network.
 *	With --pattern, the bytes HEX must appear in no captured packet, and
 *	the summary says in how many decrypted frames they were found (the
 *	traffic under test was there). Exits 1 on a repeated nonce, a frame
 *	no SAK verifies, plaintext or the pattern on the wire. With -v, also
 *	prints each distributed SAK and each change of the AN an SCI sends
 *	on, with the time. --sak adds a key set up by hand (static keys, no
 *	MKA): frames of SCIs no MKPDU names are checked under those.
 *
 *   sectag replay FILE.pcap SRC IFNAME
 *	Sends, out of IFNAME, the largest captured packet from IPv4 address
 *	SRC that carries a MACsec frame (the last of those), its outer
 *	checksums computed: an attacker's replay.
 *
 * A tunnel is a VXLAN VNI, or a GRE key between two addresses; one tunnel
 * carries one CA per pair of hosts (a VXLAN VNI several).
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

struct pkt {
	uint64_t ts;			/* microseconds */
	uint32_t len;
	uint8_t *data;
};

struct pkts {
	struct pkt *v;
	size_t n, cap;
};

static void die(const char *what)
{
	fprintf(stderr, "sectag: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint32_t rd32(const uint8_t *p, bool swap)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return swap ? __builtin_bswap32(v) : v;
}

/* Append the packets of pcap file @path to @all. */
static void read_pcap(const char *path, struct pkts *all)
{
	uint8_t gh[24], rh[16];
	bool swap, nano;
	uint32_t magic;
	FILE *f = fopen(path, "rb");

	if (!f)
		die(path);
	if (fread(gh, 1, sizeof(gh), f) != sizeof(gh)) {
		fclose(f);
		return;			/* an empty capture */
	}
	memcpy(&magic, gh, 4);
	swap = magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1;
	nano = magic == 0xa1b23c4d || magic == 0x4d3cb2a1;
	if (!swap && magic != 0xa1b2c3d4 && !nano) {
		fprintf(stderr, "sectag: %s: not a pcap file\n", path);
		exit(2);
	}
	if (rd32(gh + 20, swap) != 1) {
		fprintf(stderr, "sectag: %s: not an Ethernet capture\n", path);
		exit(2);
	}
	while (fread(rh, 1, sizeof(rh), f) == sizeof(rh)) {
		uint32_t caplen = rd32(rh + 8, swap);
		struct pkt *p;

		if (caplen > 262144) {
			fprintf(stderr, "sectag: %s: a packet of %u bytes?\n",
				path, caplen);
			exit(2);
		}
		if (all->n == all->cap) {
			all->cap = all->cap ? 2 * all->cap : 1024;
			all->v = realloc(all->v, all->cap * sizeof(*all->v));
			if (!all->v)
				die("realloc");
		}
		p = &all->v[all->n];
		p->ts = (uint64_t)rd32(rh, swap) * 1000000 +
			rd32(rh + 4, swap) / (nano ? 1000 : 1);
		p->len = caplen;
		p->data = malloc(caplen ? caplen : 1);
		if (!p->data)
			die("malloc");
		if (fread(p->data, 1, caplen, f) != caplen) {
			free(p->data);
			break;		/* a capture cut short */
		}
		all->n++;
	}
	fclose(f);
}

static int by_time(const void *a, const void *b)
{
	const struct pkt *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

/* The inner Ethernet frame of a tunnel packet, and its tunnel. */
struct inner {
	const uint8_t *eth;
	size_t len;
	char ca[64];			/* the tunnel */
	uint32_t src;			/* outer source address */
};

static bool decap(const struct pkt *p, struct inner *in)
{
	const uint8_t *d = p->data, *ip;
	size_t len = p->len, ihl, off;
	uint32_t a, b;

	if (len < 14 + 20 || d[12] != 0x08 || d[13] != 0x00)
		return false;
	ip = d + 14;
	ihl = (size_t)(ip[0] & 15) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20 || 14 + ihl > len)
		return false;
	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 16, 4);
	in->src = a;
	off = 14 + ihl;
	/* UDP to the VXLAN port: 8 bytes of UDP, 8 of VXLAN */
	if (ip[9] == 17 && off + 8 + 8 <= len &&
	    ((d[off + 2] << 8) | d[off + 3]) == 4789) {
		const uint8_t *vx = d + off + 8;

		snprintf(in->ca, sizeof(in->ca), "vxlan vni %u",
			 (unsigned int)(vx[4] << 16 | vx[5] << 8 | vx[6]));
		in->eth = vx + 8;
		in->len = len - (off + 16);
		return in->len >= 14;
	}
	if (ip[9] == 47 && off + 4 <= len) {
		const uint8_t *g = d + off;
		size_t glen = 4;
		uint32_t key = 0;

		if (((g[2] << 8) | g[3]) != 0x6558)
			return false;
		if (g[0] & 0x80)
			glen += 4;	/* checksum */
		if (g[0] & 0x20) {
			if (off + glen + 4 > len)
				return false;
			key = (uint32_t)g[glen] << 24 | g[glen + 1] << 16 |
			      g[glen + 2] << 8 | g[glen + 3];
			glen += 4;
		}
		if (g[0] & 0x10)
			glen += 4;	/* sequence */
		if (off + glen + 14 > len)
			return false;
		snprintf(in->ca, sizeof(in->ca), "gre key %u %08x-%08x", key,
			 ntohl(a < b ? a : b), ntohl(a < b ? b : a));
		in->eth = g + glen;
		in->len = len - (off + glen);
		return true;
	}
	return false;
}

/* --- a small open-addressing set of byte strings ------------------- */

struct entry {
	uint8_t key[32];
	size_t klen;
	uint64_t value;			/* a content hash, or an index */
	uint64_t ts;			/* when it was first seen */
	bool used;
};

struct set {
	struct entry *v;
	size_t mask, n;
};

static uint64_t fnv(const void *p, size_t n)
{
	const uint8_t *c = p;
	uint64_t h = 14695981039346656037ULL;

	while (n--)
		h = (h ^ *c++) * 1099511628211ULL;
	return h;
}

static struct entry *set_get(struct set *s, const void *key, size_t klen,
			     bool *fresh)
{
	size_t i;

	if (!s->v || 2 * (s->n + 1) > s->mask + 1) {
		struct set b = { 0 };
		size_t j;

		b.mask = s->v ? 2 * (s->mask + 1) - 1 : 1023;
		b.v = calloc(b.mask + 1, sizeof(*b.v));
		if (!b.v)
			die("calloc");
		for (j = 0; s->v && j <= s->mask; j++) {
			bool f;

			if (s->v[j].used)
				*set_get(&b, s->v[j].key, s->v[j].klen, &f) =
					s->v[j];
		}
		free(s->v);
		*s = b;
	}
	for (i = fnv(key, klen) & s->mask; s->v[i].used;
	     i = (i + 1) & s->mask)
		if (s->v[i].klen == klen && !memcmp(s->v[i].key, key, klen)) {
			*fresh = false;
			return &s->v[i];
		}
	memcpy(s->v[i].key, key, klen);
	s->v[i].klen = klen;
	s->v[i].used = true;
	s->n++;
	*fresh = true;
	return &s->v[i];
}

/* --- the keys ---------------------------------------------------- */

#define CA_MAX		128		/* "TUNNEL ckn HEX" */
#define KEY_MAX		32

struct key {
	uint8_t b[KEY_MAX];
	size_t len;
};

static struct key *caks;
static size_t n_caks;

/* Every DIR/NAME.cak: 64 (or 32) hex digits. */
static void read_caks(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	if (!d)
		die(dir);
	while ((e = readdir(d))) {
		char path[4096], hex[80] = "";
		size_t len = strlen(e->d_name), i;
		struct key k = { .len = 0 };
		FILE *f;

		if (len < 5 || strcmp(e->d_name + len - 4, ".cak"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "r");
		if (!f || !fgets(hex, sizeof(hex), f))
			die(path);
		fclose(f);
		for (i = 0; i < KEY_MAX; i++) {
			unsigned int v;

			if (sscanf(hex + 2 * i, "%2x", &v) != 1)
				break;
			k.b[i] = (uint8_t)v;
		}
		k.len = i;
		if (k.len != 16 && k.len != 32) {
			fprintf(stderr, "sectag: %s: not a CAK\n", path);
			exit(2);
		}
		caks = realloc(caks, (n_caks + 1) * sizeof(*caks));
		if (!caks)
			die("realloc");
		caks[n_caks++] = k;
	}
	closedir(d);
}

/* AES-CMAC of @msg under @key (16 or 32 bytes). */
static void cmac(const struct key *key, const uint8_t *msg, size_t n,
		 uint8_t out[16])
{
	char cipher[16];
	OSSL_PARAM params[2];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
	size_t len = 0;

	snprintf(cipher, sizeof(cipher), "AES-%zu-CBC", 8 * key->len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
						     cipher, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!ctx || !EVP_MAC_init(ctx, key->b, key->len, params) ||
	    !EVP_MAC_update(ctx, msg, n) || !EVP_MAC_final(ctx, out, &len, 16) ||
	    len != 16) {
		fprintf(stderr, "sectag: AES-CMAC failed\n");
		exit(2);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/*
 * The key derivation function of IEEE 802.1X-2010 6.2.1: CMAC blocks of
 * (counter, label, 0, context, length in bits), @bits long.
 */
static void kdf(const struct key *k, const char *label,
		const uint8_t ctx[16], unsigned int bits, struct key *out)
{
	uint8_t buf[64];
	size_t lab = strlen(label), n = 0, i;

	buf[n++] = 0;
	memcpy(buf + n, label, lab);
	n += lab;
	buf[n++] = 0;
	memcpy(buf + n, ctx, 16);
	n += 16;
	buf[n++] = (uint8_t)(bits >> 8);
	buf[n++] = (uint8_t)bits;
	out->len = bits / 8;
	for (i = 0; 16 * i < out->len; i++) {
		buf[0] = (uint8_t)(i + 1);
		cmac(k, buf, n, out->b + 16 * i);
	}
}

/* RFC 3394 unwrap of @in (@n bytes) under @kek: the key, or false. */
static bool unwrap(const struct key *kek, const uint8_t *in, size_t n,
		   struct key *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *type = kek->len == 32 ? EVP_aes_256_wrap() :
						  EVP_aes_128_wrap();
	int len = 0, fin = 0;
	bool ok;

	if (!c || n < 24 || n - 8 > KEY_MAX)
		return false;
	EVP_CIPHER_CTX_set_flags(c, EVP_CIPHER_CTX_FLAG_WRAP_ALLOW);
	ok = EVP_DecryptInit_ex(c, type, NULL, kek->b, NULL) &&
	     EVP_DecryptUpdate(c, out->b, &len, in, (int)n) &&
	     EVP_DecryptFinal_ex(c, out->b + len, &fin);
	EVP_CIPHER_CTX_free(c);
	out->len = (size_t)(len + fin);
	return ok && out->len == n - 8;
}

/*
 * Whether @tag is the GCM-AES tag of a frame under @key: @aad
 * authenticated, @ct (may be empty) decrypted into @plain.
 */
static bool gcm_verify(const struct key *key, const uint8_t iv[12],
		       const uint8_t *aad, size_t aad_len, const uint8_t *ct,
		       size_t ct_len, const uint8_t tag[16], uint8_t *plain)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	const EVP_CIPHER *type = key->len == 32 ? EVP_aes_256_gcm() :
						  EVP_aes_128_gcm();
	int len = 0;
	bool ok;

	ok = c && EVP_DecryptInit_ex(c, type, NULL, key->b, iv) &&
	     EVP_DecryptUpdate(c, NULL, &len, aad, (int)aad_len) &&
	     (!ct_len || EVP_DecryptUpdate(c, plain, &len, ct, (int)ct_len)) &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)tag) &&
	     EVP_DecryptFinal_ex(c, plain + (ct_len ? len : 0), &len) > 0;
	EVP_CIPHER_CTX_free(c);
	return ok;
}

/* --- MKA ----------------------------------------------------------- */

/* A SAK a key server distributed, and the CA it is for. */
struct sak {
	char ca[CA_MAX];
	uint8_t ki[16];			/* key server MI, key number */
	struct key key;
};

/* Which CA an SCI on a tunnel speaks in (its MKPDUs say). */
struct sci_ca {
	char tunnel[64];
	uint8_t sci[8];
	char ca[CA_MAX];
};

static struct sak *saks;
static size_t n_saks;
static struct sci_ca *scas;
static size_t n_scas;
static unsigned long n_mkpdus, n_dsaks, n_unwrap_failed;
static bool verbose;
static uint64_t now_ts;

static void stamp(void)
{
	fprintf(stderr, "%llu.%06llu ", (unsigned long long)(now_ts / 1000000),
		(unsigned long long)(now_ts % 1000000));
}

/* The CA of @sci on @tunnel, or NULL before its first MKPDU. */
static const char *ca_of_sci(const char *tunnel, const uint8_t sci[8])
{
	size_t i;

	for (i = 0; i < n_scas; i++)
		if (!strcmp(scas[i].tunnel, tunnel) &&
		    !memcmp(scas[i].sci, sci, 8))
			return scas[i].ca;
	return NULL;
}

static void learn_sci(const char *tunnel, const uint8_t sci[8],
		      const char *ca)
{
	size_t i;

	for (i = 0; i < n_scas; i++)
		if (!strcmp(scas[i].tunnel, tunnel) &&
		    !memcmp(scas[i].sci, sci, 8))
			break;
	if (i == n_scas) {
		scas = realloc(scas, (n_scas + 1) * sizeof(*scas));
		if (!scas)
			die("realloc");
		n_scas++;
		snprintf(scas[i].tunnel, sizeof(scas[i].tunnel), "%s", tunnel);
		memcpy(scas[i].sci, sci, 8);
	}
	snprintf(scas[i].ca, sizeof(scas[i].ca), "%s", ca);
}

/* A distributed SAK of @ca, named by @ki: unwrap it with a CAK's KEK. */
static void dsak(const char *ca, const uint8_t ckn16[16], const uint8_t ki[16],
		 const uint8_t *wrapped, size_t n)
{
	static const unsigned int kek_bits[] = { 256, 128 };
	struct key kek, sak;
	size_t i, j;

	n_dsaks++;
	for (i = 0; i < n_saks; i++)
		if (!strcmp(saks[i].ca, ca) && !memcmp(saks[i].ki, ki, 16))
			return;		/* distributed again: the same key */
	for (i = 0; i < n_caks; i++)
		for (j = 0; j < 2; j++) {
			if (kek_bits[j] > 8 * caks[i].len)
				continue;
			kdf(&caks[i], "IEEE8021 KEK", ckn16, kek_bits[j], &kek);
			if (!unwrap(&kek, wrapped, n, &sak))
				continue;
			saks = realloc(saks, (n_saks + 1) * sizeof(*saks));
			if (!saks)
				die("realloc");
			snprintf(saks[n_saks].ca, CA_MAX, "%s", ca);
			memcpy(saks[n_saks].ki, ki, 16);
			saks[n_saks].key = sak;
			n_saks++;
			return;
		}
	n_unwrap_failed++;
}

/*
 * A SAK given by hand (--sak HEX): for MACsec set up with static keys,
 * whose frames no MKPDU names; they belong to the CA "static".
 */
static bool have_static;

static void add_static_sak(const char *hex)
{
	struct sak *k;
	size_t i;

	saks = realloc(saks, (n_saks + 1) * sizeof(*saks));
	if (!saks)
		die("realloc");
	k = &saks[n_saks];
	memset(k, 0, sizeof(*k));
	snprintf(k->ca, CA_MAX, "static");
	k->ki[15] = (uint8_t)++n_saks;
	for (i = 0; i < KEY_MAX; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			break;
		k->key.b[i] = (uint8_t)v;
	}
	k->key.len = i;
	if (i != 16 && i != 32) {
		fprintf(stderr, "sectag: --sak %s: not a 128- or 256-bit key\n",
			hex);
		exit(2);
	}
	have_static = true;
}

/* An MKPDU (after the EAPOL header): its CA, and each distributed SAK. */
static void mkpdu(const char *tunnel, const uint8_t *b, size_t len)
{
	uint8_t ckn16[16] = { 0 }, ki[16];
	char ca[CA_MAX];
	const uint8_t *mi;
	size_t off, plen, i, n;

	n_mkpdus++;
	if (len < 4)
		return;
	/*
	 * The basic parameter set: version, priority, flags + length, SCI,
	 * actor MI, actor MN, algorithm agility, CAK name.
	 */
	plen = (size_t)((b[2] & 0x0f) << 8 | b[3]);
	if (4 + plen > len || plen < 8 + 12 + 4 + 4 + 1 || plen > 8 + 12 + 8 + 32)
		return;
	mi = b + 4 + 8;			/* after the SCI: the actor's MI */
	n = (size_t)snprintf(ca, sizeof(ca), "%s ckn ", tunnel);
	for (i = 28; i < plen; i++)
		n += (size_t)snprintf(ca + n, sizeof(ca) - n, "%02x", b[4 + i]);
	memcpy(ckn16, b + 4 + 28, plen - 28 < 16 ? plen - 28 : 16);
	learn_sci(tunnel, b + 4, ca);
	off = (4 + plen + 3) & ~(size_t)3;
	while (off + 4 <= len) {
		const uint8_t *p = b + off;
		uint8_t type = p[0];

		plen = (size_t)((p[2] & 0x0f) << 8 | p[3]);
		if (off + 4 + plen > len)
			return;
		/* Distributed SAK: AN in byte 1, key number, wrapped SAK */
		if (type == 4 && plen >= 4 + 24) {
			memcpy(ki, mi, 12);
			memcpy(ki + 12, p + 4, 4);
			dsak(ca, ckn16, ki, p + 8, plen - 4);
			if (verbose) {
				stamp();
				fprintf(stderr, "DSAK %s an %u key %02x%02x%02x%02x..%02x%02x%02x%02x\n",
					ca, p[1] >> 6, ki[0], ki[1], ki[2],
					ki[3], ki[12], ki[13], ki[14], ki[15]);
			}
		}
		if (type == 255)
			return;		/* the ICV indicator ends it */
		off += (4 + plen + 3) & ~(size_t)3;
	}
}

static bool find(const uint8_t *hay, size_t n, const uint8_t *needle,
		 size_t m)
{
	size_t i;

	for (i = 0; m && i + m <= n; i++)
		if (!memcmp(hay + i, needle, m))
			return true;
	return false;
}

struct tally {
	unsigned long macsec, encrypted, verified, unverified, repeats;
	unsigned long plain, seen, decrypted_hits;
	struct set nonces, used, scis;
	uint8_t pattern[64];
	size_t plen;
};

/*
 * The SAK a MACsec frame of @ca was sent under: the one its tag verifies
 * (the most recent first); its index, or -1.
 */
static long frame_sak(const char *ca, const uint8_t *eth, size_t len,
		      size_t taglen, const uint8_t iv[12], uint8_t *plain,
		      bool encrypted)
{
	size_t hdr = 14 + taglen, body = len - hdr - 16;
	long i;

	for (i = (long)n_saks - 1; i >= 0; i--) {
		if (strcmp(saks[i].ca, ca))
			continue;
		if (encrypted ?
		    gcm_verify(&saks[i].key, iv, eth, hdr, eth + hdr, body,
			       eth + len - 16, plain) :
		    gcm_verify(&saks[i].key, iv, eth, len - 16, NULL, 0,
			       eth + len - 16, plain))
			return i;
	}
	return -1;
}

static void macsec_frame(struct tally *t, const struct pkt *p,
			 const struct inner *in)
{
	const uint8_t *tag = in->eth + 14;
	uint8_t tci = tag[0], an = tci & 3, iv[12], nonce[8 + 8 + 4];
	size_t taglen = tci & 0x20 ? 14 : 6;
	uint32_t pn;
	struct entry *e;
	const char *ca;
	uint8_t *plain;
	bool fresh;
	long k;

	if (in->len < 14 + taglen + 16)
		return;
	t->macsec++;
	if (tci & 0x08)
		t->encrypted++;
	if (tci & 0x20)
		memcpy(iv, tag + 6, 8);
	else	/* no SCI in the tag: the source MAC, port 1 */
		memcpy(iv, in->eth + 6, 6), iv[6] = 0, iv[7] = 1;
	memcpy(iv + 8, tag + 2, 4);
	pn = (uint32_t)(tag[2] << 24 | tag[3] << 16 | tag[4] << 8 | tag[5]);
	ca = ca_of_sci(in->ca, iv);
	if (!ca && have_static)
		ca = "static";
	plain = malloc(in->len);
	if (!plain)
		die("malloc");
	k = ca ? frame_sak(ca, in->eth, in->len, taglen, iv, plain,
			   tci & 0x08) : -1;
	if (k < 0) {
		if (!t->unverified)
			fprintf(stderr, "UNVERIFIED %s sci %02x%02x%02x%02x%02x%02x%02x%02x an %u pn %u: no distributed SAK verifies it\n",
				ca ? ca : in->ca, iv[0], iv[1], iv[2], iv[3],
				iv[4], iv[5], iv[6], iv[7], an, pn);
		t->unverified++;
		free(plain);
		return;
	}
	t->verified++;
	if (t->plen && (tci & 0x08) &&
	    find(plain, in->len - 14 - taglen - 16, t->pattern, t->plen))
		t->decrypted_hits++;
	free(plain);
	memcpy(nonce, &k, sizeof(k));
	memcpy(nonce + 8, iv, 12);
	e = set_get(&t->nonces, nonce, sizeof(nonce), &fresh);
	if (fresh) {
		e->value = fnv(tag, in->len - 14);
		e->ts = p->ts;
	} else if (e->value != fnv(tag, in->len - 14)) {
		if (t->repeats < 10)
			fprintf(stderr, "REPEAT %s key %02x%02x%02x%02x..%02x%02x%02x%02x sci %02x%02x%02x%02x%02x%02x%02x%02x pn %u at %llu.%06llu, first at %llu.%06llu\n",
				ca, saks[k].ki[0], saks[k].ki[1], saks[k].ki[2],
				saks[k].ki[3], saks[k].ki[12], saks[k].ki[13],
				saks[k].ki[14], saks[k].ki[15], iv[0], iv[1],
				iv[2], iv[3], iv[4], iv[5], iv[6], iv[7], pn,
				(unsigned long long)(p->ts / 1000000),
				(unsigned long long)(p->ts % 1000000),
				(unsigned long long)(e->ts / 1000000),
				(unsigned long long)(e->ts % 1000000));
		t->repeats++;
	}
	set_get(&t->used, &k, sizeof(k), &fresh);
	e = set_get(&t->scis, iv, 8, &fresh);
	if (verbose && (fresh || e->value != (uint64_t)an + 1)) {
		stamp();
		fprintf(stderr, "SCI %02x%02x%02x%02x%02x%02x%02x%02x in %s sends on an %u pn %u\n",
			iv[0], iv[1], iv[2], iv[3], iv[4], iv[5], iv[6], iv[7],
			ca, an, pn);
	}
	e->value = (uint64_t)an + 1;
}

/* How many CAs spoke (told apart by tunnel and CKN). */
static size_t count_cas(void)
{
	size_t i, j, n = 0;

	for (i = 0; i < n_scas; i++) {
		for (j = 0; j < i && strcmp(scas[i].ca, scas[j].ca); j++)
			;
		n += j == i;
	}
	return n;
}

static int check(int argc, char **argv)
{
	struct tally t = { 0 };
	struct pkts all = { 0 };
	size_t i;
	int a = 2;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "-v")) {
			verbose = true;
		} else if (!strcmp(argv[a], "--caks") && a + 1 < argc) {
			read_caks(argv[++a]);
		} else if (!strcmp(argv[a], "--sak") && a + 1 < argc) {
			add_static_sak(argv[++a]);
		} else if (!strcmp(argv[a], "--pattern") && a + 1 < argc) {
			const char *h = argv[++a];

			for (t.plen = 0; h[2 * t.plen] && h[2 * t.plen + 1] &&
			     t.plen < sizeof(t.pattern); t.plen++) {
				unsigned int v;

				if (sscanf(h + 2 * t.plen, "%2x", &v) != 1)
					break;
				t.pattern[t.plen] = (uint8_t)v;
			}
		} else {
			break;
		}
	}
	if (!n_caks && !have_static) {
		fprintf(stderr, "sectag: check needs --caks DIR or --sak HEX\n");
		return 2;
	}
	for (; a < argc; a++)
		read_pcap(argv[a], &all);
	qsort(all.v, all.n, sizeof(*all.v), by_time);
	for (i = 0; i < all.n; i++) {
		const struct pkt *p = &all.v[i];
		struct inner in;
		uint16_t type;

		now_ts = p->ts;
		if (t.plen && find(p->data, p->len, t.pattern, t.plen)) {
			if (!t.seen)
				fprintf(stderr, "PATTERN in packet %zu\n", i);
			t.seen++;
		}
		if (!decap(p, &in))
			continue;
		type = (uint16_t)(in.eth[12] << 8 | in.eth[13]);
		if (type == 0x888e && in.len >= 18 && in.eth[15] == 5) {
			size_t blen = (size_t)(in.eth[16] << 8 | in.eth[17]);

			if (18 + blen <= in.len)
				mkpdu(in.ca, in.eth + 18, blen);
			continue;
		}
		if (type != 0x88e5) {
			if (!t.plain)
				fprintf(stderr, "PLAINTEXT %s: ethertype %04x\n",
					in.ca, type);
			t.plain++;
			continue;
		}
		macsec_frame(&t, p, &in);
	}
	printf("sectag: %zu packets, %lu MACsec frames (%lu encrypted) from %zu SCIs in %zu CAs; %lu MKPDUs distributed %zu SAKs (%lu unwrapped by no CAK); %lu frames verified under %zu SAKs, %lu under none; %lu repeated nonces, %lu plaintext frames, pattern seen %lu times on the wire and in %lu decrypted frames\n",
	       all.n, t.macsec, t.encrypted, t.scis.n, count_cas(),
	       n_mkpdus, n_saks, n_unwrap_failed, t.verified, t.used.n,
	       t.unverified, t.repeats, t.plain, t.seen, t.decrypted_hits);
	for (i = 0; i < all.n; i++)
		free(all.v[i].data);
	free(all.v);
	free(t.nonces.v);
	free(t.used.v);
	free(t.scis.v);
	free(saks);
	free(scas);
	free(caks);
	return t.repeats || t.unverified || t.plain || t.seen ? 1 : 0;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * A packet captured on its way out may carry checksums the NIC (here the
 * veth) was to fill in: compute the IPv4 header's and the UDP one, as an
 * attacker sending it again would.
 */
static void fix_checksums(uint8_t *d, size_t len)
{
	uint8_t *ip = d + 14, *udp;
	size_t ihl = (size_t)(ip[0] & 15) * 4, ulen;
	uint16_t c;
	uint32_t sum;

	ip[10] = ip[11] = 0;
	c = fold(sum16(ip, ihl, 0));
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	if (ip[9] != 17 || 14 + ihl + 8 > len)
		return;
	udp = ip + ihl;
	if (!udp[6] && !udp[7])
		return;			/* sent without a UDP checksum */
	ulen = len - 14 - ihl;
	udp[6] = udp[7] = 0;
	sum = sum16(ip + 12, 8, 0);		/* the pseudo header */
	sum += 17 + (uint32_t)ulen;
	c = fold(sum16(udp, ulen, sum));
	if (!c)
		c = 0xffff;
	udp[6] = (uint8_t)(c >> 8);
	udp[7] = (uint8_t)c;
}

static int replay(int argc, char **argv)
{
	struct sockaddr_ll to = { .sll_family = AF_PACKET };
	struct pkts all = { 0 };
	struct pkt *last = NULL;
	struct in_addr src;
	size_t i;
	int fd;

	if (argc != 5 || inet_pton(AF_INET, argv[3], &src) != 1) {
		fprintf(stderr, "usage: sectag replay FILE.pcap SRC IFNAME\n");
		return 2;
	}
	read_pcap(argv[2], &all);
	for (i = 0; i < all.n; i++) {
		struct inner in;

		if (decap(&all.v[i], &in) && in.src == src.s_addr &&
		    in.eth[12] == 0x88 && in.eth[13] == 0xe5 &&
		    (!last || all.v[i].len >= last->len))
			last = &all.v[i];
	}
	if (!last) {
		fprintf(stderr, "sectag: no MACsec frame from %s\n", argv[3]);
		return 1;
	}
	fix_checksums(last->data, last->len);
	to.sll_ifindex = (int)if_nametoindex(argv[4]);
	to.sll_halen = 6;
	memcpy(to.sll_addr, last->data, 6);
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || !to.sll_ifindex ||
	    sendto(fd, last->data, last->len, 0, (struct sockaddr *)&to,
		   sizeof(to)) != (ssize_t)last->len)
		die("send");
	close(fd);
	printf("sectag: replayed a %u-byte packet from %s out of %s\n",
	       last->len, argv[3], argv[4]);
	for (i = 0; i < all.n; i++)
		free(all.v[i].data);
	free(all.v);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc > 2 && !strcmp(argv[1], "check"))
		return check(argc, argv);
	if (argc > 1 && !strcmp(argv[1], "replay"))
		return replay(argc, argv);
	fprintf(stderr, "usage: sectag check --caks DIR [--sak HEX]... [-v] [--pattern HEX] FILE.pcap...\n"
		"       sectag replay FILE.pcap SRC IFNAME\n");
	return 2;
}
