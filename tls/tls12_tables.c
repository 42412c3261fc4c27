/*
 * The TLS 1.2 machine: message table and paths. Compare with RFC 5246 §7.3
 * figure 1 (full handshake):
 *
 *   ClientHello          -------->
 *                                            ServerHello
 *                                           Certificate*
 *                                     ServerKeyExchange*
 *                                    CertificateRequest*
 *                        <--------       ServerHelloDone
 *   Certificate*
 *   ClientKeyExchange
 *   CertificateVerify*
 *   [ChangeCipherSpec]
 *   Finished             -------->
 *                                     [ChangeCipherSpec]
 *                        <--------              Finished
 *   Application Data     <------->      Application Data
 *
 * Both sides run these rows: the server's handlers are in tls12_server.c,
 * the client's in tls12_client.c. The paths: the full
 * handshake with an ephemeral key exchange, ECDHE or DHE (MOAT_HS_F_ECDHE:
 * a ServerKeyExchange, RFC 8422 §2, RFC 5246 §7.4.3; the handshake starts
 * with the flag), or with RSA key transport (the suite choice clears it: no
 * ServerKeyExchange), each with or without client authentication
 * (MOAT_HS_F_CLIENT_AUTH; MOAT_HS_F_NO_CLIENT_CERT when the client's
 * Certificate is empty); the same with a NewSessionTicket (MOAT_HS_F_TICKET,
 * RFC 5077 §3.1), and the abbreviated handshake of a resumed session
 * (MOAT_HS_F_RESUMED, RFC 5246 §7.3 figure 2), with or without a fresh
 * ticket (tls12_resume.c decides which); each full handshake with a
 * CertificateStatus after the Certificate when a staple is sent
 * (MOAT_HS_F_OCSP, RFC 6066 §8, which places it "immediately after the
 * Certificate message").
 *
 * TLS 1.1 (RFC 4346 §7.3) and TLS 1.0 (RFC 2246 §7.3) have the same
 * messages in the same order: their machines share these tables, and the
 * handlers read conn->version where the wire form differs.
 *
 * The change_cipher_spec rows are not optional: in TLS 1.2 the CCS is the
 * switch to the new read keys (RFC 5246 §7.1), so it comes at exactly one
 * place. The driver reads the client's there (handshake.c), and
 * moat_hs_recv_ccs refuses one that comes anywhere else. Our CCS row's
 * `sent` hook installs our write keys; the client's row installs the read
 * keys in its recv handler.
 */
#include "tls/handshake_tables.h"

#define HS MOAT_CT_HANDSHAKE
#define CCS MOAT_CT_CHANGE_CIPHER_SPEC

static const struct moat_hs_action actions[MOAT_MSG_KIND_COUNT] = {
	/* The hello machine writes the one ClientHello for every version; this row would write the same. */
	[MOAT_MSG_CLIENT_HELLO] = { "ClientHello", HS, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT, false,
		moat_tls13_client_send_hello, moat_tls12_server_recv_hello, NULL },
	[MOAT_MSG_SERVER_HELLO] = { "ServerHello", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER, false,
		moat_tls12_server_send_hello, moat_tls12_client_recv_server_hello, NULL },
	[MOAT_MSG_SERVER_CERTIFICATE] = { "Certificate (server)", HS, MOAT_HS_CERTIFICATE, MOAT_SERVER, false,
		moat_tls12_server_send_certificate, moat_tls12_client_recv_certificate, NULL },
	[MOAT_MSG_CERTIFICATE_STATUS] = { "CertificateStatus", HS, MOAT_HS_CERTIFICATE_STATUS, MOAT_SERVER, false,
		moat_tls12_server_send_certificate_status, NULL, NULL },
	[MOAT_MSG_SERVER_KEY_EXCHANGE] = { "ServerKeyExchange", HS, MOAT_HS_SERVER_KEY_EXCHANGE, MOAT_SERVER, false,
		moat_tls12_server_send_key_exchange, moat_tls12_client_recv_key_exchange, NULL },
	[MOAT_MSG_CERTIFICATE_REQUEST] = { "CertificateRequest", HS, MOAT_HS_CERTIFICATE_REQUEST, MOAT_SERVER, false,
		moat_tls12_server_send_certificate_request, moat_tls12_client_recv_certificate_request, NULL },
	[MOAT_MSG_SERVER_HELLO_DONE] = { "ServerHelloDone", HS, MOAT_HS_SERVER_HELLO_DONE, MOAT_SERVER, false,
		moat_tls12_server_send_hello_done, moat_tls12_client_recv_hello_done, NULL },
	[MOAT_MSG_CLIENT_CERTIFICATE] = { "Certificate (client)", HS, MOAT_HS_CERTIFICATE, MOAT_CLIENT, false,
		moat_tls12_client_send_certificate, moat_tls12_server_recv_certificate, NULL },
	[MOAT_MSG_CLIENT_CERTIFICATE_VERIFY] = { "CertificateVerify (client)", HS, MOAT_HS_CERTIFICATE_VERIFY,
		MOAT_CLIENT, false, moat_tls12_client_send_certificate_verify, moat_tls12_server_recv_certificate_verify,
		NULL },
	[MOAT_MSG_CLIENT_KEY_EXCHANGE] = { "ClientKeyExchange", HS, MOAT_HS_CLIENT_KEY_EXCHANGE, MOAT_CLIENT, false,
		moat_tls12_client_send_key_exchange, moat_tls12_server_recv_key_exchange, NULL },
	[MOAT_MSG_CLIENT_CCS] = { "ChangeCipherSpec (client)", CCS, 0, MOAT_CLIENT, false,
		moat_tls12_client_send_ccs, moat_tls12_server_recv_ccs, moat_tls12_client_ccs_sent },
	[MOAT_MSG_CLIENT_FINISHED] = { "Finished (client)", HS, MOAT_HS_FINISHED, MOAT_CLIENT, false,
		moat_tls12_client_send_finished, moat_tls12_server_recv_finished, NULL },
	[MOAT_MSG_SERVER_CCS] = { "ChangeCipherSpec (server)", CCS, 0, MOAT_SERVER, false,
		moat_tls12_server_send_ccs, moat_tls12_client_recv_ccs, moat_tls12_server_ccs_sent },
	[MOAT_MSG_SERVER_FINISHED] = { "Finished (server)", HS, MOAT_HS_FINISHED, MOAT_SERVER, false,
		moat_tls12_server_send_finished, moat_tls12_client_recv_finished, NULL },
	[MOAT_MSG_NEW_SESSION_TICKET] = { "NewSessionTicket", HS, MOAT_HS_NEW_SESSION_TICKET, MOAT_SERVER, false,
		moat_tls12_server_send_ticket, NULL, NULL },
};

/*
 * A client expecting the ServerHelloDone may get a CertificateRequest
 * first (§7.4.4: the server "may optionally request a certificate"),
 * which chooses the client-authentication path.
 */
static const struct moat_hs_path_switch switches[] = {
	{ MOAT_MSG_SERVER_HELLO_DONE, MOAT_HS_CERTIFICATE_REQUEST, MOAT_HS_F_CLIENT_AUTH },
};

#define CH MOAT_MSG_CLIENT_HELLO
#define SH MOAT_MSG_SERVER_HELLO
#define S_CERT MOAT_MSG_SERVER_CERTIFICATE
#define CS MOAT_MSG_CERTIFICATE_STATUS
#define SKE MOAT_MSG_SERVER_KEY_EXCHANGE
#define CR MOAT_MSG_CERTIFICATE_REQUEST
#define SHD MOAT_MSG_SERVER_HELLO_DONE
#define C_CERT MOAT_MSG_CLIENT_CERTIFICATE
#define C_CV MOAT_MSG_CLIENT_CERTIFICATE_VERIFY
#define CKE MOAT_MSG_CLIENT_KEY_EXCHANGE
#define C_CCS MOAT_MSG_CLIENT_CCS
#define C_FIN MOAT_MSG_CLIENT_FINISHED
#define S_CCS MOAT_MSG_SERVER_CCS
#define S_FIN MOAT_MSG_SERVER_FINISHED
#define NST MOAT_MSG_NEW_SESSION_TICKET
#define APP MOAT_MSG_APPLICATION_DATA
#define T MOAT_HS_F_TICKET

static const struct moat_hs_path paths[] = {
	/* Full handshake, ECDHE_RSA, ECDHE_ECDSA (RFC 8422 §2.1, §2.2) or DHE_RSA (RFC 5246 §7.4.3), no client certificate. */
	{ MOAT_HS_F_ECDHE, { CH, SH, S_CERT, SKE, SHD, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	/* Client authentication (§7.4.4, §7.4.6, §7.4.8); an empty client Certificate has no CertificateVerify. */
	{ MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH,
	  { CH, SH, S_CERT, SKE, CR, SHD, C_CERT, CKE, C_CV, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT,
	  { CH, SH, S_CERT, SKE, CR, SHD, C_CERT, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	/* RSA key transport (§7.4.3: "It is not legal to send the server key exchange message" for it). */
	{ 0, { CH, SH, S_CERT, SHD, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_CLIENT_AUTH, { CH, SH, S_CERT, CR, SHD, C_CERT, CKE, C_CV, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT,
	  { CH, SH, S_CERT, CR, SHD, C_CERT, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	/*
	 * RFC 5077 §3.1 figure 2: the same full handshakes with a
	 * NewSessionTicket before our CCS. No ticket is issued where a client
	 * certificate was asked for (tls12_resume.c), so those paths have none.
	 */
	{ MOAT_HS_F_ECDHE | T, { CH, SH, S_CERT, SKE, SHD, CKE, C_CCS, C_FIN, NST, S_CCS, S_FIN, APP } },
	{ T, { CH, SH, S_CERT, SHD, CKE, C_CCS, C_FIN, NST, S_CCS, S_FIN, APP } },
	/*
	 * The abbreviated handshake (RFC 5246 §7.3 figure 2): the server's
	 * CCS and Finished come first; RFC 5077 §3.1 figure 3 with a fresh
	 * ticket before them.
	 */
	{ MOAT_HS_F_RESUMED, { CH, SH, S_CCS, S_FIN, C_CCS, C_FIN, APP } },
	{ MOAT_HS_F_RESUMED | T, { CH, SH, NST, S_CCS, S_FIN, C_CCS, C_FIN, APP } },
	/* The same six with the stapled OCSP response (RFC 6066 §8). */
	{ MOAT_HS_F_OCSP | MOAT_HS_F_ECDHE, { CH, SH, S_CERT, CS, SKE, SHD, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP | MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH,
	  { CH, SH, S_CERT, CS, SKE, CR, SHD, C_CERT, CKE, C_CV, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP | MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT,
	  { CH, SH, S_CERT, CS, SKE, CR, SHD, C_CERT, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP, { CH, SH, S_CERT, CS, SHD, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP | MOAT_HS_F_CLIENT_AUTH,
	  { CH, SH, S_CERT, CS, CR, SHD, C_CERT, CKE, C_CV, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP | MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT,
	  { CH, SH, S_CERT, CS, CR, SHD, C_CERT, CKE, C_CCS, C_FIN, S_CCS, S_FIN, APP } },
	/* A ticket and a staple. */
	{ MOAT_HS_F_OCSP | MOAT_HS_F_ECDHE | T,
	  { CH, SH, S_CERT, CS, SKE, SHD, CKE, C_CCS, C_FIN, NST, S_CCS, S_FIN, APP } },
	{ MOAT_HS_F_OCSP | T, { CH, SH, S_CERT, CS, SHD, CKE, C_CCS, C_FIN, NST, S_CCS, S_FIN, APP } },
};

#define TLS12_FAMILY_MACHINE(name_, version_) \
	{ \
		.name = (name_), \
		.version = (version_), \
		.neutral = false, \
		.server_only = false, \
		.flags = MOAT_HS_F_ECDHE | MOAT_HS_F_CLIENT_AUTH | MOAT_HS_F_NO_CLIENT_CERT | MOAT_HS_F_RESUMED | \
			 MOAT_HS_F_TICKET | MOAT_HS_F_OCSP, \
		.server_only_flags = MOAT_HS_F_RESUMED | MOAT_HS_F_TICKET | MOAT_HS_F_OCSP, \
		.initial_flags = MOAT_HS_F_ECDHE, \
		.actions = actions, \
		.paths = paths, \
		.path_count = sizeof(paths) / sizeof(paths[0]), \
		.switches = switches, \
		.switch_count = sizeof(switches) / sizeof(switches[0]), \
	}

const struct moat_hs_machine moat_tls12_machine = TLS12_FAMILY_MACHINE("TLS 1.2", MOAT_TLS12);
const struct moat_hs_machine moat_tls11_machine = TLS12_FAMILY_MACHINE("TLS 1.1", MOAT_TLS11);
const struct moat_hs_machine moat_tls10_machine = TLS12_FAMILY_MACHINE("TLS 1.0", MOAT_TLS10);
