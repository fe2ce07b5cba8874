/* queue.c - bounded FIFO of job ids (see queue.h). */
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char id[SRV_ID_MAX];
} slot;

struct srv_queue {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	slot *ring;
	size_t alloc; /* slots in ring (grows only past capacity, by force) */
	size_t head, count;
	size_t capacity; /* the bound for srv_queue_push */
	bool closed;
};

srv_queue *srv_queue_create(size_t capacity)
{
	if (capacity == 0) capacity = 1;
	srv_queue *q = calloc(1, sizeof *q);
	if (!q) return NULL;
	q->ring = calloc(capacity, sizeof *q->ring);
	if (!q->ring) {
		free(q);
		return NULL;
	}
	q->alloc = q->capacity = capacity;
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	return q;
}

void srv_queue_destroy(srv_queue *q)
{
	if (!q) return;
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->nonempty);
	free(q->ring);
	free(q);
}

static bool grow(srv_queue *q)
{
	size_t alloc = q->alloc * 2;
	slot *r = calloc(alloc, sizeof *r);
	if (!r) return false;
	for (size_t i = 0; i < q->count; i++)
		r[i] = q->ring[(q->head + i) % q->alloc];
	free(q->ring);
	q->ring = r;
	q->alloc = alloc;
	q->head = 0;
	return true;
}

static bool push(srv_queue *q, const char *id, bool force)
{
	bool ok = false;
	pthread_mutex_lock(&q->lock);
	if (!q->closed && (force || q->count < q->capacity) && (q->count < q->alloc || grow(q))) {
		slot *s = &q->ring[(q->head + q->count) % q->alloc];
		strncpy(s->id, id, SRV_ID_MAX - 1);
		s->id[SRV_ID_MAX - 1] = '\0';
		q->count++;
		ok = true;
		pthread_cond_signal(&q->nonempty);
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

bool srv_queue_push(srv_queue *q, const char *id)
{
	return push(q, id, false);
}

bool srv_queue_push_force(srv_queue *q, const char *id)
{
	return push(q, id, true);
}

bool srv_queue_pop(srv_queue *q, char out[SRV_ID_MAX])
{
	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->count == 0)
		pthread_cond_wait(&q->nonempty, &q->lock);
	bool ok = !q->closed;
	if (ok) {
		memcpy(out, q->ring[q->head].id, SRV_ID_MAX);
		q->head = (q->head + 1) % q->alloc;
		q->count--;
	}
	pthread_mutex_unlock(&q->lock);
	return ok;
}

bool srv_queue_remove(srv_queue *q, const char *id)
{
	bool found = false;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->count && !found; i++) {
		if (strcmp(q->ring[(q->head + i) % q->alloc].id, id) != 0) continue;
		for (size_t j = i; j + 1 < q->count; j++) /* keep FIFO order */
			q->ring[(q->head + j) % q->alloc] = q->ring[(q->head + j + 1) % q->alloc];
		q->count--;
		found = true;
	}
	pthread_mutex_unlock(&q->lock);
	return found;
}

void srv_queue_close(srv_queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

size_t srv_queue_depth(srv_queue *q)
{
	pthread_mutex_lock(&q->lock);
	size_t n = q->count;
	pthread_mutex_unlock(&q->lock);
	return n;
}

size_t srv_queue_capacity(const srv_queue *q)
{
	return q->capacity;
}
