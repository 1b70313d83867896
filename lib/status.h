/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one list of OV2 CryptoStatus values and of the consumer's drop reasons.
 * Enums, counter names and printed strings are all generated from here.
 */
#ifndef OV2_STATUS_H
#define OV2_STATUS_H

/* X(ident, value, name as in ndis.h / OV2.md) */
#define OV2_CRYPTO_STATUS_LIST(X) \
	X(SUCCESS,                  0, "CRYPTO_SUCCESS") \
	X(GENERIC_ERROR,            1, "CRYPTO_GENERIC_ERROR") \
	X(TRANSPORT_AH_AUTH_FAILED, 2, "CRYPTO_TRANSPORT_AH_AUTH_FAILED") \
	X(TRANSPORT_ESP_AUTH_FAILED, 3, "CRYPTO_TRANSPORT_ESP_AUTH_FAILED") \
	X(TUNNEL_AH_AUTH_FAILED,    4, "CRYPTO_TUNNEL_AH_AUTH_FAILED") \
	X(TUNNEL_ESP_AUTH_FAILED,   5, "CRYPTO_TUNNEL_ESP_AUTH_FAILED") \
	X(INVALID_PACKET_SYNTAX,    6, "CRYPTO_INVALID_PACKET_SYNTAX") \
	X(INVALID_PROTOCOL,         7, "CRYPTO_INVALID_PROTOCOL")

enum ov2_crypto_status {
#define X(id, val, name) OV2_CRYPTO_##id = val,
	OV2_CRYPTO_STATUS_LIST(X)
#undef X
	OV2_CRYPTO_STATUS_COUNT
};

/*
 * X(ident, counter name, description). The first seven reasons are the
 * CryptoStatus error values 1..7 in order, so a status maps to its drop
 * reason by subtracting one (see ov2_drop_of_status()).
 */
#define OV2_DROP_REASON_LIST(X) \
	X(GENERIC_ERROR, "generic_error", \
	  "the NIC side reported CRYPTO_GENERIC_ERROR") \
	X(TRANSPORT_AH_AUTH_FAILED, "transport_ah_auth_failed", \
	  "AH ICV of the transport part did not verify") \
	X(TRANSPORT_ESP_AUTH_FAILED, "transport_esp_auth_failed", \
	  "ESP ICV of the transport part did not verify") \
	X(TUNNEL_AH_AUTH_FAILED, "tunnel_ah_auth_failed", \
	  "AH ICV of the tunnel part did not verify") \
	X(TUNNEL_ESP_AUTH_FAILED, "tunnel_esp_auth_failed", \
	  "ESP ICV of the tunnel part did not verify") \
	X(INVALID_PACKET_SYNTAX, "invalid_packet_syntax", \
	  "IP and ESP/AH lengths do not add up") \
	X(INVALID_PROTOCOL, "invalid_protocol", \
	  "the packet's IPsec protocol does not match its SA") \
	X(NO_SA, "no_sa", \
	  "ESP/AH packet for an SPI and destination that has no inbound SA") \
	X(NOT_PROCESSED, "not_processed", \
	  "ESP/AH packet of a known SA that neither the NIC side nor the " \
	  "software fallback could process (fragments without a reassembly " \
	  "pool)") \
	X(REPLAY_DUP, "replay_duplicate", \
	  "sequence number already received (inside the anti-replay window)") \
	X(REPLAY_OLD, "replay_old", \
	  "sequence number left of the anti-replay window (or 0)") \
	X(SA_DELETED, "sa_deleted", \
	  "packet of an SA deleted after SaDeleteReq while it was in flight") \
	X(POLICY_MISMATCH, "policy_mismatch", \
	  "decrypted packet matches no protect rule for the SA it came through") \
	X(POLICY_DISCARD, "policy_discard", \
	  "cleartext packet matched a discard rule") \
	X(POLICY_NO_MATCH, "policy_no_match", \
	  "cleartext packet matched no bypass rule (inbound policy configured)") \
	X(IPSEC_REQUIRED, "ipsec_required", \
	  "cleartext packet matched a protect rule: it must arrive under IPsec") \
	X(REASSEMBLY_FAILED, "reassembly_failed", \
	  "IP fragment dropped by reassembly (overlap, timeout, table full, " \
	  "incomplete at exit)") \
	X(TOO_BIG, "too_big", \
	  "reassembled packet larger than the software path's buffers") \
	X(BAD_TRAILER, "bad_trailer", \
	  "ESP pad length runs past the decrypted payload") \
	X(BAD_PADDING, "bad_padding", \
	  "ESP padding bytes are not 1, 2, 3, ... (RFC 4303 2.4)") \
	X(BAD_INNER, "bad_inner_packet", \
	  "decrypted payload is not a valid packet of its next header") \
	X(DUMMY, "dummy_packet", \
	  "traffic-flow-confidentiality dummy packet, next header 59 " \
	  "(RFC 4303 2.6)") \
	X(BAD_IP_CHECKSUM, "bad_ip_checksum", \
	  "the outer IPv4 header checksum is wrong") \
	X(MALFORMED, "malformed", \
	  "cleartext IP packet whose header or lengths are invalid") \
	X(TX_FAILED, "tx_failed", \
	  "the output port did not accept the packet") \
	X(HANDOFF_FULL, "handoff_full", \
	  "the ring to the lcore that owns the packet's SA was full")

enum ov2_drop_reason {
#define X(id, name, desc) OV2_DROP_##id,
	OV2_DROP_REASON_LIST(X)
#undef X
	OV2_DROP_COUNT
};

const char *ov2_crypto_status_name(unsigned int status);
const char *ov2_drop_name(unsigned int reason);
const char *ov2_drop_desc(unsigned int reason);

/* Drop reason for a CryptoStatus other than CRYPTO_SUCCESS. */
static inline enum ov2_drop_reason
ov2_drop_of_status(enum ov2_crypto_status s)
{
	return (enum ov2_drop_reason)(s - 1);
}

#endif
