/*
 * The version-neutral start of every handshake, the list of machines, and
 * path lookup.
 *
 * The hello machine holds the two hellos and nothing else (s2n-tls's
 * INITIAL handshake type). Its recv handlers (hello.c) choose the protocol
 * version and the machine that runs the rest; a side leaves it at the first
 * message it receives: the server at the ClientHello, the client at the
 * ServerHello. It has a row for the server's change_cipher_spec because a
 * TLS 1.3 server in compatibility mode may send one right behind its
 * ServerHello (RFC 8446 D.4), read by a client that does not know the version
 * yet; it has none for the client's, which may not come before a ClientHello
 * (§5).
 */
#include "tls/handshake_tables.h"

#define HS MOAT_CT_HANDSHAKE
#define CCS MOAT_CT_CHANGE_CIPHER_SPEC

static const struct moat_hs_action hello_actions[MOAT_MSG_KIND_COUNT] = {
	/* The ClientHello offers every version we implement: today TLS 1.3 alone, so its writer is 1.3's. */
	[MOAT_MSG_CLIENT_HELLO] = { "ClientHello", HS, MOAT_HS_CLIENT_HELLO, MOAT_CLIENT, false,
		moat_tls13_client_send_hello, moat_hs_server_recv_client_hello, NULL },
	/* A server has chosen its machine before it writes: only the client's recv is reachable. */
	[MOAT_MSG_SERVER_HELLO] = { "ServerHello", HS, MOAT_HS_SERVER_HELLO, MOAT_SERVER, false,
		NULL, moat_hs_client_recv_server_hello, NULL },
	[MOAT_MSG_SERVER_CCS] = { "ChangeCipherSpec (server)", CCS, 0, MOAT_SERVER, true,
		NULL, moat_tls13_recv_ccs, NULL },
};

static const struct moat_hs_path hello_paths[] = {
	{ 0, { MOAT_MSG_CLIENT_HELLO, MOAT_MSG_SERVER_HELLO, MOAT_MSG_APPLICATION_DATA } },
};

const struct moat_hs_machine moat_hs_hello_machine = {
	.name = "hello",
	.version = 0,
	.neutral = true,
	.flags = 0,
	.actions = hello_actions,
	.paths = hello_paths,
	.path_count = sizeof(hello_paths) / sizeof(hello_paths[0]),
	.switches = NULL,
	.switch_count = 0,
};

/* TLS 1.0 and 1.1 share TLS 1.2's messages: their machines run its tables under their own version. */
const struct moat_hs_machine *const moat_hs_machines[] = {
	&moat_hs_hello_machine,
	&moat_tls13_machine,
	&moat_tls12_machine,
	&moat_tls11_machine,
	&moat_tls10_machine,
	NULL,
};

const struct moat_hs_machine *moat_hs_machine_for_version(uint16_t version)
{
	for (size_t i = 0; moat_hs_machines[i] != NULL; i++)
		if (!moat_hs_machines[i]->neutral && moat_hs_machines[i]->version == version)
			return moat_hs_machines[i];
	return NULL;
}

const struct moat_hs_path *moat_hs_path_find(const struct moat_hs_machine *m, uint32_t flags)
{
	flags &= m->flags;
	for (size_t i = 0; i < m->path_count; i++)
		if (m->paths[i].flags == flags)
			return &m->paths[i];
	return NULL;
}

size_t moat_hs_path_len(const struct moat_hs_path *path)
{
	for (size_t i = 0; i < MOAT_HS_MAX_PATH; i++)
		if (path->msgs[i] == MOAT_MSG_APPLICATION_DATA)
			return i + 1;
	return 0;
}

const struct moat_hs_action *moat_hs_peer_ccs_row(const struct moat_hs_machine *m, moat_mode self)
{
	for (size_t i = 0; i < MOAT_MSG_KIND_COUNT; i++) {
		const struct moat_hs_action *a = &m->actions[i];
		if (a->record_type == MOAT_CT_CHANGE_CIPHER_SPEC && a->writer != self)
			return a;
	}
	return NULL;
}
