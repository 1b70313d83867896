/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <rte_errno.h>
#include <rte_mbuf_dyn.h>
#include "oob.h"

int ov2_oob_offset = -1;

int
ov2_oob_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = OV2_OOB_DYNFIELD_NAME,
		.size = sizeof(struct ov2_oob),
		.align = __alignof__(struct ov2_oob),
	};
	int off;

	if (ov2_oob_offset >= 0)
		return 0;
	off = rte_mbuf_dynfield_register(&desc);
	if (off < 0)
		return -rte_errno;
	ov2_oob_offset = off;
	return 0;
}
