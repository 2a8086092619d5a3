/*  =========================================================================
    recorder.h - the journal's writer: a thread that takes copies of the
    messages the broker forwards and records them in group commits
    (private to the library)

    The forwarder must never wait for a disk. It hands the recorder a copy
    of each message to journal (zero-copy: libzmq's messages share their
    buffers) with a non-blocking send on an inproc PUSH socket; the
    recorder, an actor on the other end, appends them to the journal and
    commits a group every commit_ms or commit_count messages, whichever
    comes first. When the recorder falls behind and its queue is full, the
    forwarder drops the copy, not the message, and counts it: the journal
    loses it, subscribers do not.

    What a crash can lose: a broker process killed loses the messages in
    the queue and in the pending group, at most commit_ms (or
    commit_count messages) of them; every committed group survives. A
    system crash or power loss with sync on loses the same; with sync off
    it may also undo the last committed group (LMDB's MDB_NOMETASYNC).

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_RECORDER_PRIVATE_H_INCLUDED
#define JBUS_RECORDER_PRIVATE_H_INCLUDED

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "jbus/error.h"
#include "journal.h"

typedef struct {
    jb__journal_options_t journal;
    int commit_ms;              //  commit a group this long after its first
                                //  message at the latest (more than 0)
    int commit_count;           //  or as soon as it holds this many
    int queue;                  //  messages the queue holds before copies
                                //  are dropped (more than 0)
} jb__recorder_options_t;

//  The recorder's counters: written by its thread, read by any (atomics,
//  so that the forwarder's STATS never waits for a commit).
typedef struct {
    _Atomic uint64_t journaled;     //  messages committed
    _Atomic uint64_t lost;          //  messages whose append or commit
                                    //  failed (a full disk)
    _Atomic uint64_t commits;       //  groups committed
    _Atomic uint64_t trimmed;       //  messages retention removed
    _Atomic uint64_t last;          //  the last sequence committed
} jb__recorder_counters_t;

typedef struct jb__recorder jb__recorder_t;

//  Open the journal and start the recorder's thread. Returns NULL with
//  the journal's error (JB_EIO naming the directory) or JB_ENOMEM.
jb__recorder_t *
    jb__recorder_new(const jb__recorder_options_t *options, jb_error_t *error);

//  Stop the thread after it has recorded what is queued and committed the
//  pending group, then close the journal; set *self_p to NULL. Accepts
//  NULL. The feed must be closed first.
void
    jb__recorder_destroy(jb__recorder_t **self_p);

//  A new PUSH socket connected to the recorder's queue, for the one
//  thread that feeds it (jb__recorder_record); the caller owns it.
zsock_t *
    jb__recorder_feed_new(jb__recorder_t *self);

//  Hand the recorder a copy of the message in frames (count frames,
//  1 .. JB__JOURNAL_FRAMES_MAX) through feed, without waiting: frames
//  keep their content. Returns false when the queue is full (or the copy
//  failed), the copy dropped.
bool
    jb__recorder_record(void *feed, zmq_msg_t *frames, size_t count);

//  A new PUSH socket connected to the recorder's acknowledgements, for
//  the one thread that sends them (jb__recorder_acknowledge); the caller
//  owns it.
zsock_t *
    jb__recorder_acks_new(jb__recorder_t *self);

//  Have the recorder note, in its next commit, that durable consumer name
//  has taken every event up to sequence, through acks, without waiting.
//  False when its queue is full (the acknowledgement is dropped: the
//  consumer gets those events again, at least once).
bool
    jb__recorder_acknowledge(void *acks, const char *name, uint64_t sequence);

//  The counters, for reading.
const jb__recorder_counters_t *
    jb__recorder_counters(const jb__recorder_t *self);

//  The journal, for readers (replay); borrowed while the recorder lives.
jb__journal_t *
    jb__recorder_journal(jb__recorder_t *self);

//  The journal's state and its durable consumers with their lag, as the
//  replay endpoint's INFO and /journalz give them (docs/replay.md), read
//  from journal in any thread, with the writer's counters: JSON, freshly
//  allocated (free() it), or NULL when the journal cannot be read or
//  memory is short.
char *
    jb__recorder_info_json(jb__journal_t *journal, const jb__recorder_counters_t *counters);

#endif
