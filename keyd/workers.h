/*
 * The signing threads: a fixed pool that takes prepared key operations from
 * one queue and hands the finished replies back to the event loop.
 *
 * Why threads: an RSA-2048 signature takes about a millisecond, RSA-4096
 * several. Done in the event loop, every peer would wait behind every other
 * peer's signatures, and PING or a refusal would too. With a pool the loop
 * only reads, checks and writes, and the machine's cores sign in parallel.
 *
 * Hand-off: a mutex-protected queue of pending jobs (condition variable for
 * the workers) and a list of done jobs announced on an eventfd the loop
 * polls. The loop owns a job except between submit and done. The threads are
 * started before the sandbox is installed (the seccomp filter is synced to
 * every thread) so serving needs no clone.
 *
 * A hand-off costs two thread wake-ups (worker, then loop) and their context
 * switches: more than an ECDSA P-256 signature itself. So the loop signs
 * cheap operations itself (schedule.c), and what it does hand over goes in
 * batches: one lock and at most one wake-up per idle thread for all the jobs
 * of a loop turn, one eventfd write for all the jobs finished before the
 * loop comes to take them.
 */
/*
 * Fairness: the pending jobs are served in rounds, one job per owner (a
 * peer: a frontd worker) per round, oldest first within a round. A peer
 * that hands over its whole max-inflight at once has its jobs spread over
 * that many rounds, and a job of a peer with nothing queued goes in the
 * round being served: so one busy peer with a deep queue cannot make the
 * others wait behind it, they wait for at most one job of each other peer.
 * (Reading is fair already: the loop reads at most READ_BUDGET packets of
 * each ready peer per turn, server_internal.h.)
 */
#ifndef MOAT_KEYD_WORKERS_H
#define MOAT_KEYD_WORKERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "ipc/ipc.h"
#include "keyd/ops.h"

struct keyd_job {
	struct keyd_job *next;
	void *owner;            /* the peer, for the loop; workers never look at it */
	/* The owner's next round (the fair queue's, above), kept by the owner; NULL: the round being served. */
	uint64_t *owner_next_round;
	uint32_t request_id;
	struct keyd_op op;
	moat_ipc_status status; /* set by keyd_job_run */
	size_t reply_len;       /* set by keyd_job_run */
	uint64_t run_ns;        /* set by keyd_job_run: how long the operation took (wall clock) */
	uint64_t read_ns;       /* monotonic, when the loop read the request (metrics: request latency) */
	uint8_t reply[KEYD_OP_REPLY_MAX];
};

struct keyd_workers;

/* Start n threads. Signals should be blocked by the caller first: the threads inherit the mask. */
MOAT_MUST_USE int keyd_workers_start(struct keyd_workers **out, size_t n);
/* The eventfd that becomes readable when jobs are done. */
int keyd_workers_fd(const struct keyd_workers *w);
/* Hand over a list of jobs (linked by next, NULL-terminated), in order. */
void keyd_workers_submit(struct keyd_workers *w, struct keyd_job *list);
/* How many threads wait for a job now (a hint: it may change as soon as it is read). */
size_t keyd_workers_idle(struct keyd_workers *w);
/* Clear the eventfd and take every finished job, oldest first (NULL if none). */
struct keyd_job *keyd_workers_take_done(struct keyd_workers *w);
/* Take back the jobs of owner that no thread has started yet (its peer went away). */
struct keyd_job *keyd_workers_cancel(struct keyd_workers *w, const void *owner);
/* Stop and join the threads; return every job not yet taken back (pending or done). */
struct keyd_job *keyd_workers_stop(struct keyd_workers *w);

/* Do the job's operation in the calling thread: what a worker does with it. */
void keyd_job_run(struct keyd_job *job);

/* Wipe and free a list of jobs, dropping their key references (ops.h). */
void keyd_jobs_free(struct keyd_job *list);

#endif
