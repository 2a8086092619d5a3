/*  =========================================================================
    replay.h - replay from the broker's journal, on a ROUTER socket served
    by a thread of its own (private to the library)

    docs/replay.md is the protocol. A client (a DEALER) asks for the
    journaled events of one filter from a start (the first held, a journal
    sequence, a time, or where a durable consumer left off) with a window:
    how many events it takes in flight. The replay thread sends them, each
    with its journal sequence, never more than the window (and 4 MiB) ahead
    of the client's CREDIT messages, and ends with END and the journal's
    head. Reads are LMDB read transactions, so a replay never waits for the
    journal's writer, nor the writer for it, and forwarding for neither.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_REPLAY_PRIVATE_H_INCLUDED
#define JBUS_REPLAY_PRIVATE_H_INCLUDED

#include <stdatomic.h>
#include <stdint.h>
#include <czmq.h>

#include "jbus/error.h"
#include "journal.h"
#include "recorder.h"
#include "replay_request.h"
#include "rules.h"

//  Most replays served at once; a request past that is answered with an
//  error, so that many clients cannot grow the broker's memory.
#define JB__REPLAY_SESSIONS_MAX 256

//  The largest window (events in flight) a client may ask for.
//  Bytes a replay may have in flight whatever its window.
#define JB__REPLAY_WINDOW_BYTES (4 * 1024 * 1024)

//  The replay thread's counters, written by it, read by any.
typedef struct {
    _Atomic uint64_t replays;       //  replays begun
    _Atomic uint64_t events;        //  events sent
    _Atomic uint64_t errors;        //  requests answered with ERROR
} jb__replay_counters_t;

typedef struct jb__replay jb__replay_t;

//  Start serving router (a bound ROUTER, which the replay takes over: from
//  here its thread alone uses it) from journal (borrowed; must outlive the
//  replay). With rules (borrowed, NULL without CURVE), a client replays
//  only what its key may subscribe to. The thread counts into counters
//  (borrowed: they must outlive the replay); INFO answers with the
//  journal writer's counters, recorder (borrowed likewise). NULL with
//  JB_ENOMEM; router is destroyed then too. Durable consumers'
//  acknowledgements go to the journal's writer through *acks_p (from
//  jb__recorder_acks_new), which the replay takes over likewise.
jb__replay_t *
    jb__replay_new(zsock_t **router_p, zsock_t **acks_p, jb__journal_t *journal,
                   const jb__rules_t *rules, jb__replay_counters_t *counters,
                   const jb__recorder_counters_t *recorder, jb_error_t *error);

//  Stop the thread, close the socket, free; *self_p NULL. Accepts NULL.
void
    jb__replay_destroy(jb__replay_t **self_p);

//  A reload: the replay thread takes a copy of rules for the requests
//  from now (a replay under way keeps going). Without CURVE, nothing.
void
    jb__replay_reload(jb__replay_t *self, const jb__rules_t *rules);

#endif
