/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Anti-replay window (RFC 4303 3.4.3) as the RFC 6479 ring of 64-bit
 * blocks, on 64-bit sequence numbers (32-bit SAs use the low half only),
 * and ESN high-half inference (RFC 4303 Appendix A).
 *
 * The window is a ring of a power-of-two number of blocks; one block more
 * than the window needs, so sliding right never clears bits still inside
 * the window (RFC 6479 section 2).
 */
#ifndef OV2_REPLAY_H
#define OV2_REPLAY_H

#include <stddef.h>
#include <stdint.h>

#define OV2_REPLAY_WINDOW_MAX	65536u	/* largest window accepted */
#define OV2_REPLAY_WINDOW_DEFAULT 64u

enum ov2_replay_verdict {
	OV2_REPLAY_OK = 0,	/* new: may be accepted */
	OV2_REPLAY_DUP,		/* inside the window, already seen */
	OV2_REPLAY_OLD,		/* left of the window (or 0) */
};

struct ov2_replay {
	uint64_t top;		/* highest accepted sequence number */
	uint32_t window;	/* W as configured (0: check off) */
	uint32_t mask;		/* blocks - 1 (blocks: a power of two) */
	uint64_t bmp[];		/* the ring: bit (seq % 64) of block (seq / 64) & mask */
};

/* Bytes a struct ov2_replay with window w needs (bitmap included). */
size_t ov2_replay_size(uint32_t window);

/*
 * Start an empty window whose top is start: the receiver considers
 * sequence number start (and everything left of it) already received,
 * so start + 1 is the next new one. 0 for a fresh SA (RFC 4303: the
 * first packet carries 1). Returns 0, or -EINVAL when window exceeds
 * OV2_REPLAY_WINDOW_MAX.
 */
int ov2_replay_init(struct ov2_replay *r, uint32_t window, uint64_t start);

/* Would seq be accepted? Does not change r. With window 0, every seq
 * other than 0 is OK. */
enum ov2_replay_verdict ov2_replay_check(const struct ov2_replay *r, uint64_t seq);

/* Record seq (call only for packets whose ICV verified and whose check
 * said OK): slides the window when seq > top. */
void ov2_replay_update(struct ov2_replay *r, uint64_t seq);

/*
 * RFC 4303 Appendix A: the high half of the sequence number of a packet
 * whose low half is seq_lo, given the receiver's top T and window W
 * (W == 0: the check is off and the inference uses half the 32-bit space,
 * 2^31, as the window).
 */
static inline uint32_t
ov2_esn_infer_hi(uint64_t top, uint32_t window, uint32_t seq_lo)
{
	uint32_t th = (uint32_t)(top >> 32), tl = (uint32_t)top;
	uint32_t w = window != 0 ? window : UINT32_C(1) << 31;
	uint32_t bottom = tl - w + 1;	/* mod 2^32 */

	if (tl >= w - 1) {
		/* window within one subspace */
		return seq_lo >= bottom ? th : th + 1;
	}
	/* window spans two subspaces (there is no subspace below 0) */
	return seq_lo >= bottom && th != 0 ? th - 1 : th;
}

#endif
