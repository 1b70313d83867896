/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ICV comparison (ov2_crypto_icv_equal, the only one in lib/: see
 * check_icv_compare.py): equal buffers of every length 0..64 compare
 * equal; a change of any single bit at any position, or of the first and
 * the last byte together, compares unequal; and it does not read past n.
 * (Its timing is not measured here: the code reads every byte and ORs the
 * differences behind a compiler barrier; a timing test on a shared
 * 2-core machine would only measure the neighbours.)
 */
#include <string.h>
#include "crypto_imb.h"
#include "testlib.h"

int
main(void)
{
	uint8_t a[64 + 1], b[64 + 1];
	unsigned int n, i, bit, wrong = 0, right = 0;

	for (i = 0; i < sizeof(a); i++)
		a[i] = (uint8_t)(i * 37 + 11);
	for (n = 0; n <= 64; n++) {
		memcpy(b, a, sizeof(a));
		b[n] ^= 0xff;	/* the byte after the ICV differs: not read */
		right += ov2_crypto_icv_equal(a, b, n) == 1;
		for (i = 0; i < n; i++)
			for (bit = 0; bit < 8; bit++) {
				memcpy(b, a, sizeof(a));
				b[i] ^= (uint8_t)(1u << bit);
				wrong += ov2_crypto_icv_equal(a, b, n) != 0;
			}
		if (n >= 2) {
			memcpy(b, a, sizeof(a));
			b[0] ^= 1;
			b[n - 1] ^= 0x80;
			wrong += ov2_crypto_icv_equal(a, b, n) != 0;
		}
	}
	CHECK_EQ(right, 65);
	CHECK_EQ(wrong, 0);
	/* the same buffer, and all-zero against all-ones */
	CHECK_EQ(ov2_crypto_icv_equal(a, a, 64), 1);
	memset(a, 0, 32);
	memset(b, 0xff, 32);
	CHECK_EQ(ov2_crypto_icv_equal(a, b, 32), 0);
	return test_done("test_secrets");
}
