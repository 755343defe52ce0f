/*
 * offsets.h: a consumer's group offsets (offsets.c): the coordinator, commits of the done
 * watermarks, and the group's committed offsets as starting offsets. Used by consumer.c and by
 * the group member; it reports to the member only through c->group_ops.
 */
#ifndef KFK_CLIENT_OFFSETS_H
#define KFK_CLIENT_OFFSETS_H

#include "client/consumer/parts.h"

/* Commits every partition's done watermark past its committed offset; @p cb (optional) runs
 * when this round (or a later one it is folded into) ends. With c->commit_wait, a failed round
 * is sent again (its waiters hear the failure), not before c->commit_retry_at. */
kfk_err_t kfk__consumer_commit(kfk_consumer_t *c, kfk_commit_cb cb, void *opaque);
/* True when @p p's next records must wait for a commit (batch.commit.wait, or the partition
 * worker): its done watermark is past the offset the coordinator acknowledged. Never with the
 * offsets in transactions: the consumer sends no commit, and the handler marks a batch done
 * once the transaction holding its offsets committed. */
static inline int kfk__consumer_commit_pending(const kfk_consumer_t *c, const cpart_t *p) {
    return c->commit_wait && !c->offsets_in_txn && p->done >= 0 && p->done > p->committed;
}
/* For a revocation (classic or KIP-848 member): 1 while it must wait for the commit of the
 * revoking partitions' done watermarks (*@p sent records that it was asked for: once), 0 when
 * none is uncommitted, that commit ended (acknowledged or not), or @p deadline passed. Commits
 * of the partitions kept do not hold it up: a round is asked for, and the wait is for the
 * revoking partitions' offsets, not for a moment with no commit in flight. */
int kfk__consumer_revoke_commit_wait(kfk_consumer_t *c, int *sent, uint64_t now, uint64_t deadline);
/* Starts a FindCoordinator for group.id unless one is known, in flight or backing off. */
void kfk__consumer_find_coordinator(kfk_consumer_t *c);
/* True when the coordinator is known and connected; else arranges that it becomes so. */
int kfk__consumer_coordinator_up(kfk_consumer_t *c);
/* Ends the commit in flight: its waiters hear @p err; a round asked for meanwhile is sent (its
 * waiters go with it), or after a failure they hear @p err too. */
void kfk__consumer_finish_commit(kfk_consumer_t *c, kfk_err_t err);
/* Calls the waiters of commit rounds that ended without a request (nothing to commit, or the
 * worker's lock gone): from the consumer's loop, never inside the kfk_consumer_commit that
 * registered them. */
void kfk__consumer_run_settled(kfk_consumer_t *c);
/* Ends the commit waiters not sent within request.timeout.ms with KFK_ERR__TIMED_OUT (the group
 * error says why they were not sent); lowers @p next to the earliest deadline left. */
void kfk__consumer_run_commit_deadlines(kfk_consumer_t *c, uint64_t now, uint64_t *next);
/* Sends the explicit commits (kfk_consumer_commit_offsets) that can go now; ends those past
 * their deadline with KFK_ERR__TIMED_OUT, or all of them with KFK_ERR__DESTROYED once the client
 * is closing; lowers @p next to the earliest deadline left. */
void kfk__consumer_run_xcommits(kfk_consumer_t *c, uint64_t now, uint64_t *next);
/* Asks the coordinator for the committed offsets of partitions starting from STORED. */
void kfk__consumer_fetch_committed(kfk_consumer_t *c, uint64_t now);

#endif
