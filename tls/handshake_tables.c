/*
 * The TLS 1.3 message table and paths. Compare with RFC 8446 §2 figure 1
 * (full handshake), figure 2 (HelloRetryRequest), §4.3.2 (CertificateRequest)
 * and Appendix D.4 (middlebox compatibility: a change_cipher_spec record from
 * the server right after its first handshake message, from the client right
 * before its second flight). Incoming change_cipher_spec records are dropped
 * by the record reader (RFC 8446 §5), so the CCS rows matter only to their
 * writer; the reader steps over them.
 */
#include "tls/handshake_tables.h"

#define HS MOAT_CT_HANDSHAKE
#define CCS MOAT_CT_CHANGE_CIPHER_SPEC

const struct moat_hs_action moat_hs_actions[MOAT_MSG_KIND_COUNT] = {
	[MOAT_MSG_CLIENT_HELLO] = { "ClientHello", HS, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT,
		moat_tls13_client_send_hello, moat_tls13_server_recv_hello },
	[MOAT_MSG_HELLO_RETRY_REQUEST] = { "HelloRetryRequest", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER,
		moat_tls13_server_send_hrr, moat_tls13_client_recv_server_hello },
	[MOAT_MSG_SERVER_HELLO] = { "ServerHello", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER,
		moat_tls13_server_send_hello, moat_tls13_client_recv_server_hello },
	[MOAT_MSG_SERVER_CCS] = { "ChangeCipherSpec (server)", CCS, 0, MOAT_SERVER,
		moat_tls13_send_ccs, NULL },
	[MOAT_MSG_ENCRYPTED_EXTENSIONS] = { "EncryptedExtensions", HS, MOAT_HS_ENCRYPTED_EXTENSIONS, MOAT_SERVER,
		moat_tls13_server_send_ee, moat_tls13_client_recv_ee },
	[MOAT_MSG_CERTIFICATE_REQUEST] = { "CertificateRequest", HS, MOAT_HS_CERTIFICATE_REQUEST, MOAT_SERVER,
		moat_tls13_server_send_cr, moat_tls13_client_recv_cr },
	[MOAT_MSG_SERVER_CERTIFICATE] = { "Certificate (server)", HS, MOAT_HS_CERTIFICATE, MOAT_SERVER,
		moat_tls13_send_certificate, moat_tls13_recv_certificate },
	[MOAT_MSG_SERVER_CERTIFICATE_VERIFY] = { "CertificateVerify (server)", HS, MOAT_HS_CERTIFICATE_VERIFY,
		MOAT_SERVER, moat_tls13_send_certificate_verify, moat_tls13_recv_certificate_verify },
	[MOAT_MSG_SERVER_FINISHED] = { "Finished (server)", HS, MOAT_HS_FINISHED, MOAT_SERVER,
		moat_tls13_server_send_finished, moat_tls13_client_recv_server_finished },
	[MOAT_MSG_CLIENT_CCS] = { "ChangeCipherSpec (client)", CCS, 0, MOAT_CLIENT,
		moat_tls13_send_ccs, NULL },
	[MOAT_MSG_CLIENT_CERTIFICATE] = { "Certificate (client)", HS, MOAT_HS_CERTIFICATE, MOAT_CLIENT,
		moat_tls13_send_certificate, moat_tls13_recv_certificate },
	[MOAT_MSG_CLIENT_CERTIFICATE_VERIFY] = { "CertificateVerify (client)", HS, MOAT_HS_CERTIFICATE_VERIFY,
		MOAT_CLIENT, moat_tls13_send_certificate_verify, moat_tls13_recv_certificate_verify },
	[MOAT_MSG_CLIENT_FINISHED] = { "Finished (client)", HS, MOAT_HS_FINISHED, MOAT_CLIENT,
		moat_tls13_client_send_finished, moat_tls13_server_recv_client_finished },
	[MOAT_MSG_APPLICATION_DATA] = { "ApplicationData", MOAT_CT_APPLICATION_DATA, 0, MOAT_SERVER, NULL, NULL },
};

/* A client expecting the server's Certificate may get a CertificateRequest first (§4.3.2). */
const struct moat_hs_path_switch moat_hs_path_switches[] = {
	{ MOAT_MSG_SERVER_CERTIFICATE, MOAT_HS_CERTIFICATE_REQUEST, MOAT_HS_F_CLIENT_AUTH },
};
const size_t moat_hs_path_switch_count = sizeof(moat_hs_path_switches) / sizeof(moat_hs_path_switches[0]);

#define CH MOAT_MSG_CLIENT_HELLO
#define HRR MOAT_MSG_HELLO_RETRY_REQUEST
#define SH MOAT_MSG_SERVER_HELLO
#define S_CCS MOAT_MSG_SERVER_CCS
#define EE MOAT_MSG_ENCRYPTED_EXTENSIONS
#define CR MOAT_MSG_CERTIFICATE_REQUEST
#define S_CERT MOAT_MSG_SERVER_CERTIFICATE
#define S_CV MOAT_MSG_SERVER_CERTIFICATE_VERIFY
#define S_FIN MOAT_MSG_SERVER_FINISHED
#define C_CCS MOAT_MSG_CLIENT_CCS
#define C_CERT MOAT_MSG_CLIENT_CERTIFICATE
#define C_CV MOAT_MSG_CLIENT_CERTIFICATE_VERIFY
#define C_FIN MOAT_MSG_CLIENT_FINISHED
#define APP MOAT_MSG_APPLICATION_DATA

#define F_HRR MOAT_HS_F_HRR
#define F_CA MOAT_HS_F_CLIENT_AUTH
#define F_NC MOAT_HS_F_NO_CLIENT_CERT
#define F_MB MOAT_HS_F_MIDDLEBOX

#define MAX_PATH 20
static const uint8_t paths[MOAT_HS_F_COUNT][MAX_PATH] = {
	/* Full 1-RTT handshake. */
	[0] = { CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN, APP },
	[F_CA] = { CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV, C_FIN, APP },
	[F_CA | F_NC] = { CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_FIN, APP },
	[F_MB] = { CH, SH, S_CCS, EE, S_CERT, S_CV, S_FIN, C_CCS, C_FIN, APP },
	[F_MB | F_CA] = { CH, SH, S_CCS, EE, CR, S_CERT, S_CV, S_FIN, C_CCS, C_CERT, C_CV, C_FIN, APP },
	[F_MB | F_CA | F_NC] = { CH, SH, S_CCS, EE, CR, S_CERT, S_CV, S_FIN, C_CCS, C_CERT, C_FIN, APP },
	/* HelloRetryRequest: the client tries again with the group (or cookie) asked for. */
	[F_HRR] = { CH, HRR, CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN, APP },
	[F_HRR | F_CA] = { CH, HRR, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV, C_FIN, APP },
	[F_HRR | F_CA | F_NC] = { CH, HRR, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_FIN, APP },
	/* With HRR the CCS records follow the HRR and precede the second ClientHello (D.4). */
	[F_HRR | F_MB] = { CH, HRR, S_CCS, C_CCS, CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN, APP },
	[F_HRR | F_MB | F_CA] = { CH, HRR, S_CCS, C_CCS, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV,
				  C_FIN, APP },
	[F_HRR | F_MB | F_CA | F_NC] = { CH, HRR, S_CCS, C_CCS, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT,
					 C_FIN, APP },
};

bool moat_hs_path_valid(unsigned flags)
{
	/* Rows left out of the table are all zeros and never reach APP. */
	return moat_hs_path_len(flags) > 0;
}

size_t moat_hs_path_len(unsigned flags)
{
	if (flags >= MOAT_HS_F_COUNT)
		return 0;
	for (size_t i = 0; i < MAX_PATH; i++)
		if (paths[flags][i] == APP)
			return i + 1;
	return 0;
}

moat_hs_msg moat_hs_path_at(unsigned flags, unsigned pos)
{
	size_t len = moat_hs_path_len(flags);
	if (len == 0 || pos >= len)
		return APP;
	return (moat_hs_msg)paths[flags][pos];
}
