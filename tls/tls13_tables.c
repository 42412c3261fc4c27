/*
 * The TLS 1.3 machine: message table, paths and switches. Compare with
 * RFC 8446 §2 figure 1 (full handshake), figure 2 (HelloRetryRequest),
 * figure 3 (resumption with a PSK), §4.3.2 (CertificateRequest), §4.6.1
 * (NewSessionTicket) and Appendix D.4 (middlebox compatibility: a
 * change_cipher_spec record from the server right after its first handshake
 * message, from the client right before its second flight).
 *
 * The change_cipher_spec rows are optional: §5 lets the peer send its CCS
 * "at any time after the first ClientHello message has been sent or
 * received and before the peer's Finished message has been received", or
 * not at all, so the reader steps over the row and the record layer hands
 * every CCS record to the row's recv handler whenever it comes
 * (moat_hs_recv_ccs). To the writer the row is where the CCS goes.
 *
 * Key changes (Appendix A) sit in the `sent` hooks of the rows after which
 * our write keys change, and in the recv handlers of the messages after
 * which our read keys change; each quotes the figure.
 */
#include "tls/handshake_tables.h"

#define HS MOAT_CT_HANDSHAKE
#define CCS MOAT_CT_CHANGE_CIPHER_SPEC

static const struct moat_hs_action actions[MOAT_MSG_KIND_COUNT] = {
	[MOAT_MSG_CLIENT_HELLO] = { "ClientHello", HS, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT, false,
		moat_tls13_client_send_hello, moat_tls13_server_recv_hello, NULL },
	[MOAT_MSG_HELLO_RETRY_REQUEST] = { "HelloRetryRequest", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER, false,
		moat_tls13_server_send_hrr, moat_tls13_client_recv_server_hello, NULL },
	[MOAT_MSG_SERVER_HELLO] = { "ServerHello", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER, false,
		moat_tls13_server_send_hello, moat_tls13_client_recv_server_hello, moat_tls13_server_hello_sent },
	[MOAT_MSG_SERVER_CCS] = { "ChangeCipherSpec (server)", CCS, 0, MOAT_SERVER, true,
		moat_tls13_send_ccs, moat_tls13_recv_ccs, NULL },
	[MOAT_MSG_ENCRYPTED_EXTENSIONS] = { "EncryptedExtensions", HS, MOAT_HS_ENCRYPTED_EXTENSIONS, MOAT_SERVER,
		false, moat_tls13_server_send_ee, moat_tls13_client_recv_ee, NULL },
	[MOAT_MSG_CERTIFICATE_REQUEST] = { "CertificateRequest", HS, MOAT_HS_CERTIFICATE_REQUEST, MOAT_SERVER,
		false, moat_tls13_server_send_cr, moat_tls13_client_recv_cr, NULL },
	[MOAT_MSG_SERVER_CERTIFICATE] = { "Certificate (server)", HS, MOAT_HS_CERTIFICATE, MOAT_SERVER, false,
		moat_tls13_send_certificate, moat_tls13_recv_certificate, NULL },
	[MOAT_MSG_SERVER_CERTIFICATE_VERIFY] = { "CertificateVerify (server)", HS, MOAT_HS_CERTIFICATE_VERIFY,
		MOAT_SERVER, false, moat_tls13_send_certificate_verify, moat_tls13_recv_certificate_verify, NULL },
	[MOAT_MSG_SERVER_FINISHED] = { "Finished (server)", HS, MOAT_HS_FINISHED, MOAT_SERVER, false,
		moat_tls13_server_send_finished, moat_tls13_client_recv_server_finished,
		moat_tls13_server_finished_sent },
	[MOAT_MSG_CLIENT_CCS] = { "ChangeCipherSpec (client)", CCS, 0, MOAT_CLIENT, true,
		moat_tls13_send_ccs, moat_tls13_recv_ccs, NULL },
	[MOAT_MSG_CLIENT_CERTIFICATE] = { "Certificate (client)", HS, MOAT_HS_CERTIFICATE, MOAT_CLIENT, false,
		moat_tls13_send_certificate, moat_tls13_recv_certificate, NULL },
	[MOAT_MSG_CLIENT_CERTIFICATE_VERIFY] = { "CertificateVerify (client)", HS, MOAT_HS_CERTIFICATE_VERIFY,
		MOAT_CLIENT, false, moat_tls13_send_certificate_verify, moat_tls13_recv_certificate_verify, NULL },
	[MOAT_MSG_CLIENT_FINISHED] = { "Finished (client)", HS, MOAT_HS_FINISHED, MOAT_CLIENT, false,
		moat_tls13_client_send_finished, moat_tls13_server_recv_client_finished,
		moat_tls13_client_finished_sent },
	/*
	 * §4.6.1: "At any time after the server has received the client
	 * Finished message, it MAY send a NewSessionTicket message." The
	 * initial tickets go out with the end of the handshake; a client reads
	 * them after its own (io.c), so the row has no reader. Paths with it
	 * are the server's only: a client's flags never have F_TK.
	 */
	[MOAT_MSG_NEW_SESSION_TICKET] = { .name = "NewSessionTicket", .record_type = HS,
		.hs_type = MOAT_HS_NEW_SESSION_TICKET, .writer = MOAT_SERVER, .send = moat_tls13_server_send_tickets,
		.post_handshake = true },
	/* §4.5: under the early traffic keys, after the server's Finished, when 0-RTT was accepted. */
	[MOAT_MSG_END_OF_EARLY_DATA] = { "EndOfEarlyData", HS, MOAT_HS_END_OF_EARLY_DATA, MOAT_CLIENT, false,
		moat_tls13_client_send_end_of_early_data, moat_tls13_server_recv_end_of_early_data,
		moat_tls13_client_end_of_early_data_sent },
};

/* A client expecting the server's Certificate may get a CertificateRequest first (§4.3.2). */
static const struct moat_hs_path_switch switches[] = {
	{ MOAT_MSG_SERVER_CERTIFICATE, MOAT_HS_CERTIFICATE_REQUEST, MOAT_HS_F_CLIENT_AUTH },
};

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
#define NST MOAT_MSG_NEW_SESSION_TICKET
#define EOED MOAT_MSG_END_OF_EARLY_DATA
#define APP MOAT_MSG_APPLICATION_DATA

#define F_HRR MOAT_HS_F_HRR
#define F_CA MOAT_HS_F_CLIENT_AUTH
#define F_NC MOAT_HS_F_NO_CLIENT_CERT
#define F_MB MOAT_HS_F_MIDDLEBOX
#define F_PSK MOAT_HS_F_PSK
#define F_TK MOAT_HS_F_TICKET
#define F_ED MOAT_HS_F_EARLY_DATA

/* Each handshake type twice: as it is, and with the server's tickets after the client's Finished (F_TK). */
#define PATH(f, ...) { (f), { __VA_ARGS__, APP } }, { (f) | F_TK, { __VA_ARGS__, NST, APP } }

static const struct moat_hs_path paths[] = {
	/* Full 1-RTT handshake. */
	PATH(0, CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN),
	PATH(F_CA, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV, C_FIN),
	PATH(F_CA | F_NC, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_FIN),
	PATH(F_MB, CH, SH, S_CCS, EE, S_CERT, S_CV, S_FIN, C_CCS, C_FIN),
	PATH(F_MB | F_CA, CH, SH, S_CCS, EE, CR, S_CERT, S_CV, S_FIN, C_CCS, C_CERT, C_CV, C_FIN),
	PATH(F_MB | F_CA | F_NC, CH, SH, S_CCS, EE, CR, S_CERT, S_CV, S_FIN, C_CCS, C_CERT, C_FIN),
	/* HelloRetryRequest: the client tries again with the group (or cookie) asked for. */
	PATH(F_HRR, CH, HRR, CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN),
	PATH(F_HRR | F_CA, CH, HRR, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV, C_FIN),
	PATH(F_HRR | F_CA | F_NC, CH, HRR, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_FIN),
	/* With HRR the CCS records follow the HRR and precede the second ClientHello (D.4). */
	PATH(F_HRR | F_MB, CH, HRR, S_CCS, C_CCS, CH, SH, EE, S_CERT, S_CV, S_FIN, C_FIN),
	PATH(F_HRR | F_MB | F_CA, CH, HRR, S_CCS, C_CCS, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_CV, C_FIN),
	PATH(F_HRR | F_MB | F_CA | F_NC, CH, HRR, S_CCS, C_CCS, CH, SH, EE, CR, S_CERT, S_CV, S_FIN, C_CERT, C_FIN),
	/*
	 * Resumption with a PSK (§2.2, figure 3): the PSK authenticates, so no
	 * Certificate or CertificateVerify, and no CertificateRequest (§4.3.2:
	 * "Servers which are authenticating with a PSK MUST NOT send" it).
	 */
	PATH(F_PSK, CH, SH, EE, S_FIN, C_FIN),
	PATH(F_PSK | F_MB, CH, SH, S_CCS, EE, S_FIN, C_CCS, C_FIN),
	PATH(F_PSK | F_HRR, CH, HRR, CH, SH, EE, S_FIN, C_FIN),
	PATH(F_PSK | F_HRR | F_MB, CH, HRR, S_CCS, C_CCS, CH, SH, EE, S_FIN, C_FIN),
	/*
	 * 0-RTT accepted (§2.3, figure 4): the client's early data, then its
	 * EndOfEarlyData after the server's Finished. Never with an HRR
	 * (§4.2.10). The client's compatibility CCS, which D.4 places right
	 * after a ClientHello offering early data, may come anywhere before its
	 * Finished (§5); ours goes before the EndOfEarlyData.
	 */
	PATH(F_PSK | F_ED, CH, SH, EE, S_FIN, EOED, C_FIN),
	PATH(F_PSK | F_ED | F_MB, CH, SH, S_CCS, EE, S_FIN, C_CCS, EOED, C_FIN),
};

const struct moat_hs_machine moat_tls13_machine = {
	.name = "TLS 1.3",
	.version = MOAT_TLS13,
	.neutral = false,
	.flags = F_HRR | F_CA | F_NC | F_MB | F_PSK | F_TK | F_ED,
	.actions = actions,
	.paths = paths,
	.path_count = sizeof(paths) / sizeof(paths[0]),
	.switches = switches,
	.switch_count = sizeof(switches) / sizeof(switches[0]),
};
