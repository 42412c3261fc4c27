/*
 * Where each key operation is signed: by the loop itself, or by the
 * signing threads (workers.c).
 *
 * A thread hand-off costs two wake-ups and their context switches, which
 * is more than an ECDSA P-256 signature: such cheap operations are signed
 * here, by the loop, and answered with the turn's other replies. Cheap
 * means that the key's fastest operation so far took at most inline-sign;
 * a key not measured yet goes to the threads, which measure it. The
 * fastest run is the estimate because a run is only ever made slower (the
 * thread was preempted), never faster, than the key's real cost.
 *
 * The turn's inline signing stops at INLINE_TURN_NS (one operation at
 * least), so a PING or another peer waits at most about that; the rest, and
 * every slow operation (RSA, P-384), go to the threads in one batch, handed
 * over first so that on a machine with several cores they sign while the
 * loop does.
 *
 * When more cheap work came than the loop does quickly (SPLIT_MIN_NS) and
 * keyd may use several CPUs, the loop keeps only its share of it, as if it
 * were one more thread, and the idle threads get the rest: under load the
 * cores still sign in parallel.
 *
 * A peer's in_flight counts its operations from the turn's list until they
 * are answered or taken back; its cap (max-inflight, requests.c) and the
 * freeing of a closed peer (peer.c) both rest on it.
 */
#include <sched.h>

#include "common/clock.h"
#include "keyd/server_internal.h"

/*
 * How long the loop may spend signing in one turn (at least one operation is
 * allowed): what inline signing may add to a PING's or another peer's wait.
 */
#define INLINE_TURN_NS (1 * MOAT_NS_PER_MS)
/*
 * inline-sign when the config does not say: ECDSA P-256 (20-30 us) is signed
 * inline, RSA-2048 (~300 us), P-384 and P-521 go to the threads, which
 * sign them in parallel on other cores for about 5% more CPU. When keyd may
 * run on one CPU only (its affinity at startup, as with taskset or a
 * systemd CPUAffinity= of one CPU), the threads cannot sign in parallel and
 * only add the hand-off: then whatever fits in a turn is signed inline, and
 * only what is slower than INLINE_TURN_NS (RSA-4096) still goes to them,
 * so that it never holds up the loop.
 */
#define INLINE_DEFAULT_NS (100 * 1000)
/*
 * Inline work in a turn above which, on a machine where keyd may use
 * several CPUs, idle threads are given a share: the loop is falling behind
 * (about eight P-256 signatures came at once), and waking a thread costs
 * less than that.
 */
#define SPLIT_MIN_NS (200 * 1000)

static bool one_cpu(void)
{
	cpu_set_t cpus;
	CPU_ZERO(&cpus);
	return sched_getaffinity(0, sizeof(cpus), &cpus) == 0 && CPU_COUNT(&cpus) == 1;
}

static uint64_t inline_max_ns(const struct keyd_server *s)
{
	if (s->p.cfg->inline_sign_us != KEYD_INLINE_SIGN_AUTO)
		return (uint64_t)s->p.cfg->inline_sign_us * 1000u;
	return s->one_cpu ? INLINE_TURN_NS : INLINE_DEFAULT_NS;
}

int keyd_schedule_init(struct keyd_server *s)
{
	s->one_cpu = one_cpu();
	s->inline_max_ns = inline_max_ns(s);
	if (s->inline_max_ns == 0)
		moat_log(MOAT_LOG_INFO, "every key operation goes to the signing threads (inline-sign 0)");
	else
		moat_log(MOAT_LOG_INFO, "the event loop signs operations of at most %llu us itself%s",
			 (unsigned long long)(s->inline_max_ns / 1000u),
			 s->p.cfg->inline_sign_us != KEYD_INLINE_SIGN_AUTO ? ""
			 : s->inline_max_ns == INLINE_TURN_NS ? " (default for a single CPU)" : " (default)");
	return MOAT_SUCCESS;
}

void keyd_schedule_free(struct keyd_server *s)
{
	keyd_jobs_free(s->turn);
	s->turn = s->turn_tail = NULL;
}

void keyd_schedule_add(struct keyd_server *s, struct peer *p, struct keyd_job *job)
{
	job->owner = p;
	job->owner_next_round = &p->next_round;
	job->reply_len = 0;
	job->run_ns = 0;
	job->next = NULL;
	p->in_flight++;
	if (s->turn_tail != NULL)
		s->turn_tail->next = job;
	else
		s->turn = job;
	s->turn_tail = job;
}

/* The job's key's fastest run: kept in the key, so a key added at run time starts unmeasured. */
static uint64_t *key_cost(const struct keyd_job *job)
{
	return &job->op.key->fastest_ns;
}

/* Answer a job that was run (here or by a thread) and free it. */
static void finish_job(struct keyd_server *s, struct keyd_job *job)
{
	struct peer *p = job->owner;
	p->in_flight--;
	if (job->status == MOAT_IPC_OK) {
		/* Failures are not counted in the estimate: they may stop early. */
		uint64_t *cost = key_cost(job);
		if (*cost == 0 || job->run_ns < *cost)
			*cost = job->run_ns > 0 ? job->run_ns : 1;
		if (job->op.opcode == MOAT_IPC_SIGN) {
			s->p.stats->signs++;
			job->op.key->signs++;
			s->p.stats->signs_by_kind[job->op.kind < KEYD_STATS_SIGN_KINDS ? job->op.kind : 0]++;
		} else {
			s->p.stats->decrypts++;
			job->op.key->decrypts++;
		}
		keyd_metrics_observe(s->p.stats, moat_clock_monotonic_ns() - job->read_ns);
	} else {
		keyd_count_status(s, job->status);
	}
	if (!p->closed) {
		if (job->reply_len == 0)
			keyd_peer_drop(s, p, "dropped: no reply could be built");
		else
			keyd_send_packet(s, p, job->reply, job->reply_len);
	}
	keyd_jobs_free(job);
}

/* Free a job whose peer went away before it was run: a flood then a hang-up wastes no signatures. */
static void forget_job(struct keyd_job *job)
{
	struct peer *p = job->owner;
	p->in_flight--;
	keyd_jobs_free(job);
}

void keyd_schedule_run_turn(struct keyd_server *s)
{
	struct keyd_job *list = s->turn;
	struct keyd_job *here = NULL, *here_tail = NULL, *pool = NULL, *pool_tail = NULL;
	uint64_t planned = 0;
	s->turn = s->turn_tail = NULL;
	while (list != NULL) {
		struct keyd_job *job = list;
		list = job->next;
		job->next = NULL;
		if (((struct peer *)job->owner)->closed) {
			forget_job(job);
			continue;
		}
		uint64_t cost = *key_cost(job);
		bool inline_ok = cost != 0 && cost <= s->inline_max_ns &&
				 (planned == 0 || planned + cost <= INLINE_TURN_NS);
		struct keyd_job **head = inline_ok ? &here : &pool, **tail = inline_ok ? &here_tail : &pool_tail;
		if (inline_ok)
			planned += cost;
		if (*tail != NULL)
			(*tail)->next = job;
		else
			*head = job;
		*tail = job;
	}
	if (planned > SPLIT_MIN_NS && !s->one_cpu) {
		size_t idle = keyd_workers_idle(s->p.workers);
		uint64_t keep = planned / (idle + 1), kept = 0;
		for (struct keyd_job **j = &here; idle > 0 && *j != NULL; j = &(*j)->next) {
			kept += *key_cost(*j);
			if (kept > keep && j != &here) {
				/* *j and the jobs after it go to the threads. */
				if (pool_tail != NULL)
					pool_tail->next = *j;
				else
					pool = *j;
				*j = NULL;
				break;
			}
		}
	}
	keyd_workers_submit(s->p.workers, pool);
	while (here != NULL) {
		struct keyd_job *job = here;
		here = job->next;
		job->next = NULL;
		/* An earlier reply may have cost the peer its connection (its queue was full). */
		if (((struct peer *)job->owner)->closed) {
			forget_job(job);
			continue;
		}
		keyd_job_run(job);
		finish_job(s, job);
	}
}

void keyd_schedule_take_done(struct keyd_server *s)
{
	struct keyd_job *list = keyd_workers_take_done(s->p.workers);
	while (list != NULL) {
		struct keyd_job *job = list;
		list = job->next;
		job->next = NULL;
		finish_job(s, job);
	}
}
