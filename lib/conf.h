/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration files in DPDK ipsec-secgw's syntax (the subset this step
 * supports; everything else is refused with file:line and the reason).
 */
#ifndef OV2_CONF_H
#define OV2_CONF_H

#include <stddef.h>
#include <stdint.h>
#include "sa.h"
#include "spd.h"

struct ov2_conf {
	struct ov2_sa_conf *sa;	/* every "sa" line, in file order */
	uint32_t n_sa;
	uint32_t cap_sa;
	struct ov2_sp_rule *sp;	/* every "sp" line, in file order */
	uint32_t n_sp;
	uint32_t cap_sp;
};

/*
 * Parse a whole file into conf, which is overwritten (ov2_conf_free() a
 * conf that holds SAs first). Returns 0, or a negative errno with err
 * holding "PATH:LINE: what is wrong" (conf is then empty: all or nothing).
 */
int ov2_conf_load(const char *path, struct ov2_conf *conf, char *err, size_t errlen);

/* Same, from a buffer; name is used in messages in place of the path. */
int ov2_conf_load_buf(const char *buf, size_t len, const char *name,
		      struct ov2_conf *conf, char *err, size_t errlen);

/*
 * Parse the words of one SA line after "sa" ("in 5 aead_algo ... dst ...").
 * Used by the file parser and (step 4) the control socket. Returns 0 or
 * -EINVAL with err saying what is wrong (no file:line prefix).
 */
int ov2_conf_parse_sa(const char *words, struct ov2_sa_conf *sa, char *err, size_t errlen);

/* Free and wipe (key material) everything conf holds. */
void ov2_conf_free(struct ov2_conf *conf);

/* Format an address ("10.0.0.1", "2001:db8::1") into buf. */
const char *ov2_addr_str(const struct ov2_addr *a, char *buf, size_t len);

#endif
