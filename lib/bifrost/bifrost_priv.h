/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the Bifrost codec files; not part of the public API. */
#ifndef BIFROST_PRIV_H
#define BIFROST_PRIV_H

#include <stdint.h>

static inline uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline uint64_t
get_be64(const uint8_t *p)
{
	return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static inline void
put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* 0 if a payload of plen bytes is allowed for type, else the enum vh_drop reason. */
int bifrost_payload_check(uint8_t type, uint32_t plen);

#endif /* BIFROST_PRIV_H */
