/*
 * queue.h - the bounded FIFO of job ids between the HTTP threads (which
 * push) and the workers (which pop).
 *
 * Bounded so that a burst of requests is refused with 503 queue-full
 * instead of growing memory without limit; srv_queue_push_force() goes
 * past the bound for the jobs re-queued at start-up, which were accepted
 * before the restart. srv_queue_close() wakes every waiting worker; after
 * it, pop returns false at once and the ids still queued stay where they
 * are (they are persisted as queued and run after the next start).
 *
 * Ownership: the queue copies the ids; thread-safe.
 */
#ifndef SRV_QUEUE_H
#define SRV_QUEUE_H

#include "ids.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct srv_queue srv_queue;

srv_queue *srv_queue_create(size_t capacity);
void srv_queue_destroy(srv_queue *q);
/* false when the queue is full or closed. */
bool srv_queue_push(srv_queue *q, const char *id);
/* Ignores the capacity (not a closed queue); false only when out of memory. */
bool srv_queue_push_force(srv_queue *q, const char *id);
/* Blocks until an id is available (true) or the queue is closed (false). */
bool srv_queue_pop(srv_queue *q, char out[SRV_ID_MAX]);
/* Removes id if queued (a canceled job); true when it was there. */
bool srv_queue_remove(srv_queue *q, const char *id);
void srv_queue_close(srv_queue *q);
size_t srv_queue_depth(srv_queue *q);
size_t srv_queue_capacity(const srv_queue *q);

#endif
