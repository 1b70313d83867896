/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include "replay.h"

#define BLOCK_BITS 64u

/* Blocks for window w: enough for w bits plus one spare block, rounded up
 * to a power of two (at least 2). */
static uint32_t
blocks_for(uint32_t window)
{
	uint32_t need = (window + BLOCK_BITS - 1) / BLOCK_BITS + 1, b = 2;

	while (b < need)
		b <<= 1;
	return b;
}

size_t
ov2_replay_size(uint32_t window)
{
	if (window > OV2_REPLAY_WINDOW_MAX)
		window = OV2_REPLAY_WINDOW_MAX;
	return sizeof(struct ov2_replay) + (size_t)blocks_for(window) * sizeof(uint64_t);
}

int
ov2_replay_init(struct ov2_replay *r, uint32_t window, uint64_t start)
{
	uint32_t b;

	if (window > OV2_REPLAY_WINDOW_MAX)
		return -EINVAL;
	b = blocks_for(window);
	r->top = start;
	r->window = window;
	r->mask = b - 1;
	/* start and everything left of it count as received (a fresh SA:
	 * 0, never valid): every block of the ring lies behind start's
	 * block, and in start's own block the bits up to start are set. */
	memset(r->bmp, 0xff, (size_t)b * sizeof(uint64_t));
	r->bmp[(start / BLOCK_BITS) & r->mask] =
		start % BLOCK_BITS == BLOCK_BITS - 1 ? UINT64_MAX :
		(UINT64_C(1) << (start % BLOCK_BITS + 1)) - 1;
	return 0;
}

enum ov2_replay_verdict
ov2_replay_check(const struct ov2_replay *r, uint64_t seq)
{
	if (seq == 0)
		return OV2_REPLAY_OLD;
	if (r->window == 0 || seq > r->top)
		return OV2_REPLAY_OK;
	if (r->top - seq >= r->window)
		return OV2_REPLAY_OLD;
	if (r->bmp[(seq / BLOCK_BITS) & r->mask] & (UINT64_C(1) << (seq % BLOCK_BITS)))
		return OV2_REPLAY_DUP;
	return OV2_REPLAY_OK;
}

void
ov2_replay_update(struct ov2_replay *r, uint64_t seq)
{
	uint64_t idx, top_idx, diff, i;

	if (seq > r->top) {
		top_idx = r->top / BLOCK_BITS;
		idx = seq / BLOCK_BITS;
		diff = idx - top_idx;
		if (diff > (uint64_t)r->mask + 1)
			diff = (uint64_t)r->mask + 1;
		/* clear the blocks the window slides into */
		for (i = 1; i <= diff; i++)
			r->bmp[(top_idx + i) & r->mask] = 0;
		r->top = seq;
	}
	if (r->window == 0)
		return;
	r->bmp[(seq / BLOCK_BITS) & r->mask] |= UINT64_C(1) << (seq % BLOCK_BITS);
}
