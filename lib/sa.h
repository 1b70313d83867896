/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Security associations: what the configuration says of one (struct
 * ov2_sa_conf) and the live inbound SA the data path uses (struct ov2_sa).
 */
#ifndef OV2_SA_H
#define OV2_SA_H

#include <stdint.h>
#include "crypto_imb.h"

#define OV2_IPPROTO_ESP 50
#define OV2_IPPROTO_AH  51

enum ov2_sa_dir { OV2_SA_IN = 0, OV2_SA_OUT = 1 };

enum ov2_sa_mode {
	OV2_MODE_TRANSPORT = 0,
	OV2_MODE_TUNNEL4,	/* ipv4-tunnel: outer header IPv4 */
	OV2_MODE_TUNNEL6,	/* ipv6-tunnel: outer header IPv6 */
};

/* An IPv4 or IPv6 address; family 0 means "not given". */
struct ov2_addr {
	uint8_t family;		/* 0, 4 or 6 */
	uint8_t reserved[3];
	uint8_t a[16];		/* network order; IPv4 in a[0..3], rest zero */
};

struct ov2_sa_conf {
	uint32_t spi;		/* host order */
	uint8_t dir;		/* enum ov2_sa_dir */
	uint8_t proto;		/* OV2_IPPROTO_ESP (AH arrives in step 3) */
	uint8_t mode;		/* enum ov2_sa_mode */
	uint8_t aead;		/* enum ov2_aead */
	uint8_t key_len;	/* cipher key bytes, salt excluded */
	uint8_t key[32];
	uint8_t salt[4];
	struct ov2_addr src;	/* tunnel source (optional) */
	struct ov2_addr dst;	/* tunnel destination (required), or the
				 * local address a transport SA is bound to
				 * (family 0: any local address) */
	uint32_t line;		/* line in the config file, 0 if none */
};

/*
 * A live inbound SA. The crypto state comes first (64-byte aligned, read
 * on every packet); key material in it and in conf is wiped when freed.
 */
struct ov2_sa {
	struct ov2_crypto crypto;
	struct ov2_sa_conf conf;
	uint32_t id;		/* slot in the SA table */
} __attribute__((aligned(64)));

#endif
