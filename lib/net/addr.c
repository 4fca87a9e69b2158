/* SPDX-License-Identifier: BSD-3-Clause */
/* Interface addresses: link-local derivation, ownership and source choice. */
#include "net_priv.h"

void
vh_net_if_init(struct vh_net_if *ifc)
{
	/* RFC 4291 2.5.1 / appendix A: modified EUI-64 flips the universal/local bit */
	memset(ifc->ll6, 0, sizeof(ifc->ll6));
	ifc->ll6[0] = 0xfe;
	ifc->ll6[1] = 0x80;
	ifc->ll6[8] = ifc->mac[0] ^ 0x02;
	ifc->ll6[9] = ifc->mac[1];
	ifc->ll6[10] = ifc->mac[2];
	ifc->ll6[11] = 0xff;
	ifc->ll6[12] = 0xfe;
	ifc->ll6[13] = ifc->mac[3];
	ifc->ll6[14] = ifc->mac[4];
	ifc->ll6[15] = ifc->mac[5];
	if (ifc->n_ip6 > VH_NET_MAX_IP6)
		ifc->n_ip6 = VH_NET_MAX_IP6;
}

bool
net_ip6_is_ours(const struct vh_net_if *ifc, const uint8_t *a)
{
	unsigned int n = ifc->n_ip6 < VH_NET_MAX_IP6 ? ifc->n_ip6 : VH_NET_MAX_IP6;

	if (memcmp(a, ifc->ll6, 16) == 0)
		return true;
	for (unsigned int i = 0; i < n; i++)
		if (memcmp(a, ifc->ip6[i], 16) == 0)
			return true;
	return false;
}

static bool
prefix_match(const uint8_t *a, const uint8_t *b, unsigned int plen)
{
	unsigned int whole = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (plen > 128)
		return false;
	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a[whole] ^ b[whole]) & mask) == 0;
}

const uint8_t *
net_ip6_src(const struct vh_net_if *ifc, const uint8_t *dst, bool ll6_fallback)
{
	unsigned int n = ifc->n_ip6 < VH_NET_MAX_IP6 ? ifc->n_ip6 : VH_NET_MAX_IP6;

	if (ip6_is_linklocal(dst) || ip6_is_multicast(dst))
		return ifc->ll6;
	for (unsigned int i = 0; i < n; i++)
		if (prefix_match(ifc->ip6[i], dst, ifc->ip6_plen[i]))
			return ifc->ip6[i];
	if (n > 0)
		return ifc->ip6[0];
	return ll6_fallback ? ifc->ll6 : NULL;
}
