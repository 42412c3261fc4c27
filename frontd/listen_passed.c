/*
 * Socket activation (systemd.socket(5), sd_listen_fds(3)): the listening
 * sockets systemd passed to the master, matched to the configuration's
 * `listen` lines by family, address and port. A line without one is bound
 * as usual; a passed socket no line names is an error, since nothing would
 * ever accept on it. Only the first generation takes them: a reload keeps
 * each address's socket, whoever made it.
 */
#include "frontd/listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/log.h"

/* SD_LISTEN_FDS_START: the first descriptor systemd passes. */
#define LISTEN_FDS_START 3

/* "1.2.3.4:443", "[::1]:443" */
static void addr_desc(const struct sockaddr_storage *ss, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
		(void)inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		snprintf(out, len, "%s:%u", host, (unsigned)ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;
		(void)inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		snprintf(out, len, "[%s]:%u", host, (unsigned)ntohs(in6->sin6_port));
	} else {
		snprintf(out, len, "(address family %u)", (unsigned)ss->ss_family);
	}
}

static bool same_addr(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a, *y = (const struct sockaddr_in *)b;
		return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a, *y = (const struct sockaddr_in6 *)b;
		return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
	}
	return false;
}

/*
 * How many listeners systemd passed (0 when LISTEN_PID is not this
 * process); the variables are removed either way, as sd_listen_fds(1)
 * does, so nothing started later takes them for its own.
 */
static int passed_count(size_t *count)
{
	const char *pid_s = getenv("LISTEN_PID"), *fds_s = getenv("LISTEN_FDS");
	*count = 0;
	int rc = MOAT_SUCCESS;
	if (pid_s != NULL && fds_s != NULL) {
		char *end1 = NULL, *end2 = NULL;
		errno = 0;
		unsigned long pid = strtoul(pid_s, &end1, 10);
		unsigned long n = strtoul(fds_s, &end2, 10);
		if (errno != 0 || end1 == pid_s || *end1 != '\0' || end2 == fds_s || *end2 != '\0') {
			moat_log(MOAT_LOG_ERR, "socket activation: LISTEN_PID=\"%s\" LISTEN_FDS=\"%s\" are not numbers", pid_s,
				 fds_s);
			rc = MOAT_FAILURE;
		} else if (pid == (unsigned long)getpid()) {
			if (n > FRONTD_MAX_LISTEN) {
				moat_log(MOAT_LOG_ERR, "socket activation: %lu sockets passed, at most %d can be used", n,
					 FRONTD_MAX_LISTEN);
				rc = MOAT_FAILURE;
			} else {
				*count = (size_t)n;
			}
		}
	}
	(void)unsetenv("LISTEN_PID");
	(void)unsetenv("LISTEN_FDS");
	(void)unsetenv("LISTEN_FDNAMES");
	if (rc != MOAT_SUCCESS)
		moat_error_raise(MOAT_ERR_INVALID_ARG, MOAT_HERE);
	return rc;
}

/* Which `listen` line the passed socket fd is for (index into cfg->listen), or a logged error. */
static int match_passed(const struct frontd_config *cfg, int fd, const int *taken_by, size_t *index)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char desc[80];
	int type = 0, listening = 0;
	socklen_t type_len = sizeof(type), listening_len = sizeof(listening);
	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0) {
		moat_log(MOAT_LOG_ERR, "socket activation: descriptor %d: %s", fd, strerror(errno));
		BAIL(MOAT_ERR_INVALID_ARG);
	}
	addr_desc(&ss, desc, sizeof(desc));
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &listening_len) != 0 || type != SOCK_STREAM ||
	    !listening || (ss.ss_family != AF_INET && ss.ss_family != AF_INET6)) {
		moat_log(MOAT_LOG_ERR, "socket activation: descriptor %d (%s) is not a listening TCP socket", fd, desc);
		BAIL(MOAT_ERR_INVALID_ARG);
	}
	for (size_t i = 0; i < cfg->listen_count; i++) {
		if (taken_by[i] < 0 && same_addr(&ss, &cfg->listen[i].addr)) {
			*index = i;
			return MOAT_SUCCESS;
		}
	}
	moat_log(MOAT_LOG_ERR,
		 "socket activation: the socket passed as descriptor %d (%s) matches no \"listen\" line of the "
		 "configuration", fd, desc);
	BAIL(MOAT_ERR_INVALID_ARG);
}

/* A passed socket made like a bound one: non-blocking, close-on-exec, no Nagle. */
static int prepare(int fd)
{
	int one = 1;
	int fl = fcntl(fd, F_GETFL);
	ENSURE(fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0, MOAT_ERR_IO);
	ENSURE(fcntl(fd, F_SETFD, FD_CLOEXEC) == 0, MOAT_ERR_IO);
	ENSURE(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0, MOAT_ERR_IO);
	return MOAT_SUCCESS;
}

int frontd_listen_take_passed(const struct frontd_config *cfg, int fds[FRONTD_MAX_LISTEN])
{
	ENSURE_REF(cfg);
	size_t npassed = 0;
	for (size_t i = 0; i < FRONTD_MAX_LISTEN; i++)
		fds[i] = -1;
	int rc = passed_count(&npassed);
	for (size_t k = 0; rc == MOAT_SUCCESS && k < npassed; k++) {
		size_t i = 0;
		int fd = LISTEN_FDS_START + (int)k;
		rc = match_passed(cfg, fd, fds, &i);
		if (rc == MOAT_SUCCESS && prepare(fd) < 0) {
			moat_log(MOAT_LOG_ERR, "cannot use the socket systemd passed for %s: %s", cfg->listen[i].desc,
				 strerror(errno));
			rc = MOAT_FAILURE;
		}
		if (rc == MOAT_SUCCESS) {
			fds[i] = fd;
			moat_log(MOAT_LOG_INFO, "listener %s passed by systemd (descriptor %d)", cfg->listen[i].desc, fd);
		}
	}
	if (rc != MOAT_SUCCESS) {
		/* None is used: close them all, so none lingers unaccepted. */
		for (size_t k = 0; k < npassed; k++)
			close(LISTEN_FDS_START + (int)k);
		for (size_t i = 0; i < FRONTD_MAX_LISTEN; i++)
			fds[i] = -1;
	}
	return rc;
}
