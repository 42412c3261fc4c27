/*
 * Who may connect to keyd: the check every new connection passes before
 * keyd reads a byte from it.
 *
 * The identity is the kernel's: SO_PEERCRED gives the uid, gid and pid the
 * peer had when it called connect(2), which the peer cannot choose or
 * change afterwards. The socket file's owner and mode (sockets.c) are a
 * first gate, but keyd does not rely on them: a mode widened by mistake
 * must not hand out signatures.
 *
 *  - Data socket (key operations): the uid or any group of the peer must
 *    match an allow rule of the configuration. The groups are the primary
 *    gid and the supplementary groups from SO_PEERGROUPS (Linux 4.13 and
 *    later); where that fails only the primary gid counts, so a missing
 *    feature can only refuse, never admit, a peer.
 *  - Control socket (moat-keyctl): root or keyd's own user only, whatever
 *    the allow rules say. keyd's uid is the one it runs with after the
 *    privilege drop.
 *
 * Then the limits, so that one allowed uid cannot lock frontd out by
 * holding connections: at most KEYD_MAX_PEERS peers in all, and at most
 * max-peers-per-uid per uid on each socket. Counting a uid's peers walks
 * the live list (at most KEYD_MAX_PEERS, once per accepted connection)
 * rather than keeping per-uid counts that every close would have to update.
 *
 * A refusal is logged with the pid, uid, gid and the reason, and counted in
 * STATS (refused; refused_limit for the limits).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "keyd/server_internal.h"

#define MAX_PEER_GROUPS 64

/* The peer's groups into gids, its primary group first; how many. */
static size_t peer_groups(int fd, gid_t primary, uint32_t *gids, size_t cap)
{
	gid_t groups[MAX_PEER_GROUPS];
	socklen_t len = sizeof(groups);
	size_t n = 0;
	gids[n++] = (uint32_t)primary;
	/* Supplementary groups (Linux 4.13+); without them only the primary group counts. */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0)
		for (size_t i = 0; i < len / sizeof(gid_t) && n < cap; i++)
			gids[n++] = (uint32_t)groups[i];
	return n;
}

static bool peer_allowed(struct keyd_server *s, moat_ipc_socket sock, int fd, const struct ucred *cred,
			 const char **why)
{
	if (sock == MOAT_IPC_CONTROL_SOCKET) {
		*why = "the control socket serves root and keyd's own user only";
		return cred->uid == 0 || cred->uid == s->self_uid;
	}
	uint32_t gids[MAX_PEER_GROUPS + 1];
	size_t n = peer_groups(fd, cred->gid, gids, sizeof(gids) / sizeof(gids[0]));
	*why = "no allow rule matches its uid or groups";
	return keyd_config_allows(s->p.cfg, (uint32_t)cred->uid, gids, n);
}

/* Live peers of uid on that socket (at most KEYD_MAX_PEERS to count, once per accepted connection). */
static unsigned peers_of(const struct keyd_server *s, moat_ipc_socket sock, uid_t uid)
{
	unsigned n = 0;
	for (const struct peer *p = s->live; p != NULL; p = p->next)
		n += p->sock == sock && p->uid == uid;
	return n;
}

bool keyd_admit(struct keyd_server *s, moat_ipc_socket sock, int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) != 0 || len != sizeof(*cred)) {
		moat_log(MOAT_LOG_WARNING, "refused %s-socket peer: no credentials: %s", keyd_socket_name(sock),
			 strerror(errno));
		s->p.stats->refused++;
		return false;
	}
	const char *why = NULL;
	bool allowed = peer_allowed(s, sock, fd, cred, &why);
	if (allowed && s->live_count >= KEYD_MAX_PEERS) {
		allowed = false;
		why = "too many peers";
		s->p.stats->refused_limit++;
	} else if (allowed && peers_of(s, sock, cred->uid) >= s->p.cfg->max_peers_per_uid) {
		allowed = false;
		why = "its uid holds max-peers-per-uid connections already";
		s->p.stats->refused_limit++;
	}
	if (!allowed) {
		moat_log(MOAT_LOG_NOTICE, "refused %s-socket peer (pid %d, uid %u, gid %u): %s",
			 keyd_socket_name(sock), (int)cred->pid, (unsigned)cred->uid, (unsigned)cred->gid, why);
		s->p.stats->refused++;
		return false;
	}
	return true;
}
