/*
 * due — the one timer for work that falls due at a time rather than on a
 * message: alerts not delivered in time (alert.h), confirmations owed by
 * USSD sessions that timed out (fallback.h), appointment reminders
 * (remind.h), check-in windows and incidents no one acknowledged
 * (watch.h).
 *
 * When it fires, everything due is done in one transaction of its own
 * (batch_own_transaction), and the timer is set to the soonest deadline
 * left, read from the tables: a restart loses and doubles nothing. A
 * commit of the daemon's that changed a deadline (store_deadlines_changed)
 * wakes it for the next loop turn. What another process plans or queues
 * (chabarctl adding or moving an appointment) is seen within LOOK_SECONDS:
 * the timer never sleeps longer, a look that finds nothing costs a few
 * index reads, and when the database's data_version says another
 * connection committed, the outbox is woken too.
 *
 * Lifecycle: due_new() → due_wake() … → due_free(). Loop thread only.
 */
#ifndef CHABAR_DUE_H
#define CHABAR_DUE_H

struct daemon;
struct due;

/* NULL if out of memory. Looks at once: what fell due while stopped. */
struct due *due_new(struct daemon *d);
void due_free(struct due *due);

/* Deadlines changed: look again in the next loop turn. NULL: nothing. */
void due_wake(struct due *due);

#endif
