/*
 * Signing thread pool (see workers.h).
 *
 * Thread stacks are set small (256 KiB) on purpose: keyd locks all its
 * memory (mlockall), so the default 8 MiB stack of every thread would be
 * locked RAM that signing never touches.
 */
#include "keyd/workers.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/secmem.h"

#define WORKER_STACK (256u * 1024u)
/* Rounds of the fair queue: more than a peer's max-inflight (KEYD_MAX_INFLIGHT_LIMIT), a power of two. */
#define ROUNDS 2048u

struct job_list {
	struct keyd_job *head, *tail;
};

struct keyd_workers {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/*
	 * Pending jobs by round (workers.h, fairness): rounds[r % ROUNDS] holds
	 * the jobs of round r, oldest first; every pending job's round is in
	 * [round, round + ROUNDS). round is the one being served.
	 */
	struct job_list rounds[ROUNDS];
	uint64_t round;
	size_t pending;
	struct keyd_job *done, *done_tail;
	bool stopping;
	int event_fd;
	size_t count;
	size_t running; /* threads past their start-up, see keyd_workers_start */
	size_t idle;    /* threads waiting for a job: how many a batch may need to wake */
	pthread_t threads[];
};

static void append(struct keyd_job **head, struct keyd_job **tail, struct keyd_job *job)
{
	job->next = NULL;
	if (*tail != NULL)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

void keyd_job_run(struct keyd_job *job)
{
	uint64_t start = moat_clock_monotonic_ns();
	struct moat_buf out;
	moat_buf_init_fixed(&out, job->reply, sizeof(job->reply));
	if (keyd_op_perform(&job->op, job->request_id, &out, &job->status) != MOAT_SUCCESS) {
		/* Not even a status fits: cannot happen with KEYD_OP_REPLY_MAX; the loop drops the peer. */
		job->status = MOAT_IPC_INTERNAL;
		out.len = 0;
	}
	job->reply_len = out.len;
	job->run_ns = moat_clock_monotonic_ns() - start;
}

/* Queue a job in its owner's next round (lock held). */
static void enqueue(struct keyd_workers *w, struct keyd_job *job)
{
	uint64_t r = w->round;
	if (job->owner_next_round != NULL) {
		if (*job->owner_next_round > r)
			r = *job->owner_next_round;
		/* Never the case while a peer keeps to max-inflight; were it, the job waits in the last round. */
		if (r - w->round >= ROUNDS)
			r = w->round + ROUNDS - 1;
		*job->owner_next_round = r + 1;
	}
	struct job_list *l = &w->rounds[r % ROUNDS];
	append(&l->head, &l->tail, job);
	w->pending++;
}

/* The next job: the oldest of the lowest round that has one (lock held, w->pending > 0). */
static struct keyd_job *dequeue(struct keyd_workers *w)
{
	struct job_list *l = &w->rounds[w->round % ROUNDS];
	while (l->head == NULL) {
		w->round++;
		l = &w->rounds[w->round % ROUNDS];
	}
	struct keyd_job *job = l->head;
	l->head = job->next;
	if (l->head == NULL)
		l->tail = NULL;
	job->next = NULL;
	w->pending--;
	return job;
}

/* Take every pending job out, in the order they would have run (lock held). */
static struct keyd_job *dequeue_all(struct keyd_workers *w)
{
	struct keyd_job *all = NULL, *all_tail = NULL;
	while (w->pending > 0)
		append(&all, &all_tail, dequeue(w));
	return all;
}

static void *worker_main(void *arg)
{
	struct keyd_workers *w = arg;
	pthread_mutex_lock(&w->lock);
	w->running++;
	pthread_cond_broadcast(&w->wake);
	for (;;) {
		while (w->pending == 0 && !w->stopping) {
			w->idle++;
			pthread_cond_wait(&w->wake, &w->lock);
			w->idle--;
		}
		if (w->stopping)
			break;
		struct keyd_job *job = dequeue(w);
		pthread_mutex_unlock(&w->lock);

		keyd_job_run(job);

		pthread_mutex_lock(&w->lock);
		bool was_empty = w->done == NULL;
		append(&w->done, &w->done_tail, job);
		if (was_empty) {
			/* One wake-up per batch: the loop takes the whole done list at once. */
			uint64_t one = 1;
			ssize_t n = write(w->event_fd, &one, sizeof(one));
			(void)n; /* an eventfd only refuses at 2^64-1, and any value wakes the loop */
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

int keyd_workers_start(struct keyd_workers **out, size_t n)
{
	ENSURE_REF(out);
	ENSURE(n >= 1, MOAT_ERR_INVALID_ARG);
	struct keyd_workers *w = calloc(1, sizeof(*w) + n * sizeof(w->threads[0]));
	ENSURE(w != NULL, MOAT_ERR_ALLOC);
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->wake, NULL);
	w->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (w->event_fd < 0) {
		free(w);
		BAIL(MOAT_ERR_IO);
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	for (size_t i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], &attr, worker_main, w) != 0) {
			pthread_attr_destroy(&attr);
			keyd_jobs_free(keyd_workers_stop(w));
			BAIL(MOAT_ERR_ALLOC);
		}
		w->count++;
	}
	pthread_attr_destroy(&attr);
	/*
	 * Wait until every thread runs: a new thread's first steps (glibc's
	 * set_robust_list, rseq) are syscalls the sandbox, installed next,
	 * does not allow.
	 */
	pthread_mutex_lock(&w->lock);
	while (w->running < w->count)
		pthread_cond_wait(&w->wake, &w->lock);
	pthread_mutex_unlock(&w->lock);
	*out = w;
	return MOAT_SUCCESS;
}

int keyd_workers_fd(const struct keyd_workers *w)
{
	return w->event_fd;
}

void keyd_workers_submit(struct keyd_workers *w, struct keyd_job *list)
{
	if (list == NULL)
		return;
	size_t n = 0;
	pthread_mutex_lock(&w->lock);
	for (struct keyd_job *j = list, *next; j != NULL; j = next) {
		next = j->next;
		enqueue(w, j);
		n++;
	}
	/*
	 * A woken thread keeps taking jobs until the queue is empty, so one
	 * wake-up per job is only needed while threads are idle; waking the
	 * others would cost each a context switch to find nothing left.
	 */
	if (n >= w->idle)
		pthread_cond_broadcast(&w->wake);
	else
		for (size_t i = 0; i < n; i++)
			pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
}

size_t keyd_workers_idle(struct keyd_workers *w)
{
	pthread_mutex_lock(&w->lock);
	/* Jobs already queued will wake threads that now count as idle. */
	size_t idle = w->pending < w->idle ? w->idle - w->pending : 0;
	pthread_mutex_unlock(&w->lock);
	return idle;
}

struct keyd_job *keyd_workers_take_done(struct keyd_workers *w)
{
	uint64_t v;
	while (read(w->event_fd, &v, sizeof(v)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&w->lock);
	struct keyd_job *list = w->done;
	w->done = w->done_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	return list;
}

struct keyd_job *keyd_workers_cancel(struct keyd_workers *w, const void *owner)
{
	struct keyd_job *taken = NULL, *taken_tail = NULL;
	pthread_mutex_lock(&w->lock);
	for (size_t r = 0; r < ROUNDS && w->pending > 0; r++) {
		struct job_list *l = &w->rounds[r];
		struct keyd_job *keep = NULL, *keep_tail = NULL;
		for (struct keyd_job *j = l->head, *next; j != NULL; j = next) {
			next = j->next;
			if (j->owner == owner) {
				append(&taken, &taken_tail, j);
				w->pending--;
			} else {
				append(&keep, &keep_tail, j);
			}
		}
		l->head = keep;
		l->tail = keep_tail;
	}
	pthread_mutex_unlock(&w->lock);
	return taken;
}

struct keyd_job *keyd_workers_stop(struct keyd_workers *w)
{
	if (w == NULL)
		return NULL;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_broadcast(&w->wake);
	pthread_mutex_unlock(&w->lock);
	for (size_t i = 0; i < w->count; i++)
		pthread_join(w->threads[i], NULL);

	struct keyd_job *rest = dequeue_all(w);
	if (rest == NULL) {
		rest = w->done;
	} else {
		struct keyd_job *last = rest;
		while (last->next != NULL)
			last = last->next;
		last->next = w->done;
	}
	close(w->event_fd);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return rest;
}

void keyd_jobs_free(struct keyd_job *list)
{
	while (list != NULL) {
		struct keyd_job *next = list->next;
		keyd_op_wipe(&list->op);
		moat_wipe(list, sizeof(*list));
		free(list);
		list = next;
	}
}
