/*
 * test_srv_queue.c - the bounded job queue (server/queue.c): FIFO order,
 * the bound and the forced push past it, removal, close waking a blocked
 * consumer.
 */
#include "../server/queue.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

Test(srv_queue, fifo_and_bound)
{
	srv_queue *q = srv_queue_create(3);
	cr_assert_not_null(q);
	cr_assert(srv_queue_push(q, "a"));
	cr_assert(srv_queue_push(q, "b"));
	cr_assert(srv_queue_push(q, "c"));
	cr_assert_not(srv_queue_push(q, "d"), "a full queue refuses");
	cr_assert_eq(srv_queue_depth(q), 3);
	cr_assert_eq(srv_queue_capacity(q), 3);
	cr_assert(srv_queue_push_force(q, "e"), "forced pushes go past the bound");
	char id[SRV_ID_MAX];
	const char *want[] = {"a", "b", "c", "e"};
	for (int i = 0; i < 4; i++) {
		cr_assert(srv_queue_pop(q, id));
		cr_assert_str_eq(id, want[i]);
	}
	cr_assert_eq(srv_queue_depth(q), 0);
	srv_queue_destroy(q);
}

Test(srv_queue, wraps_around_many_times)
{
	srv_queue *q = srv_queue_create(4);
	char id[SRV_ID_MAX], want[SRV_ID_MAX];
	for (int i = 0; i < 100; i++) {
		snprintf(want, sizeof want, "j%d", i);
		cr_assert(srv_queue_push(q, want));
		if (i % 2) {
			cr_assert(srv_queue_pop(q, id));
			snprintf(want, sizeof want, "j%d", i / 2);
			cr_assert_str_eq(id, want);
		}
		if (srv_queue_depth(q) == 4) break;
	}
	srv_queue_destroy(q);
}

Test(srv_queue, remove_keeps_order)
{
	srv_queue *q = srv_queue_create(8);
	const char *ids[] = {"a", "b", "c", "d"};
	for (int i = 0; i < 4; i++)
		srv_queue_push(q, ids[i]);
	cr_assert(srv_queue_remove(q, "b"));
	cr_assert_not(srv_queue_remove(q, "b"));
	cr_assert_not(srv_queue_remove(q, "zz"));
	char id[SRV_ID_MAX];
	const char *want[] = {"a", "c", "d"};
	for (int i = 0; i < 3; i++) {
		cr_assert(srv_queue_pop(q, id));
		cr_assert_str_eq(id, want[i]);
	}
	srv_queue_destroy(q);
}

Test(srv_queue, forced_growth_keeps_order)
{
	srv_queue *q = srv_queue_create(2);
	char id[SRV_ID_MAX], want[SRV_ID_MAX];
	srv_queue_push(q, "j0");
	srv_queue_push(q, "j1");
	cr_assert(srv_queue_pop(q, id)); /* head moves, so growth must unwrap */
	srv_queue_push(q, "j2");
	for (int i = 3; i < 20; i++) {
		snprintf(want, sizeof want, "j%d", i);
		cr_assert(srv_queue_push_force(q, want));
	}
	for (int i = 1; i < 20; i++) {
		snprintf(want, sizeof want, "j%d", i);
		cr_assert(srv_queue_pop(q, id));
		cr_assert_str_eq(id, want);
	}
	srv_queue_destroy(q);
}

static void *consumer(void *arg)
{
	char id[SRV_ID_MAX];
	return srv_queue_pop(arg, id) ? (void *)1 : NULL;
}

Test(srv_queue, close_wakes_consumers_and_refuses_pushes)
{
	srv_queue *q = srv_queue_create(2);
	pthread_t t;
	pthread_create(&t, NULL, consumer, q);
	nanosleep(&(struct timespec){0, 20000000L}, NULL); /* let it block */
	srv_queue_close(q);
	void *got = (void *)1;
	pthread_join(t, &got);
	cr_assert_null(got, "pop returns false once closed");
	cr_assert_not(srv_queue_push(q, "x"));
	cr_assert_not(srv_queue_push_force(q, "x"));
	srv_queue_destroy(q);
}

Test(srv_queue, closed_queue_keeps_its_ids_unpopped)
{
	srv_queue *q = srv_queue_create(2);
	srv_queue_push(q, "a");
	srv_queue_close(q);
	char id[SRV_ID_MAX];
	cr_assert_not(srv_queue_pop(q, id), "queued jobs stay for the next start");
	cr_assert_eq(srv_queue_depth(q), 1);
	srv_queue_destroy(q);
}
