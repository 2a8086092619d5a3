/*  =========================================================================
    forwarder.h - the broker's actor, between jbus sources

    broker.c makes the actor's state and opens its sockets in the caller's
    thread; forwarder.c runs the actor, which forwards until told to stop.
    Not installed.
    ========================================================================= */

#ifndef JBUS_PRIVATE_FORWARDER_H_INCLUDED
#define JBUS_PRIVATE_FORWARDER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include <czmq.h>

#include "jbus.h"
#include "guard.h"
#include "log_once.h"
#include "recorder.h"
#include "replay.h"
#include "retained.h"
#include "roster.h"

typedef struct jb__forwarder jb__forwarder_t;

//  The actor's state. jb_broker_new makes it (jb__forwarder_new), opens
//  its sockets and fills it in; from the start of jb__forwarder_actor the
//  actor alone uses it, and frees it at the end.
struct jb__forwarder {
    zsock_t *frontend;                  //  XSUB, publishers connect
    zsock_t *backend;                   //  XPUB, subscribers connect
    zsock_t *control;                   //  REP, or NULL
    void *frontend_handle;              //  their libzmq sockets, for the
    void *backend_handle;               //  hot loop
    void *control_handle;
    zsock_t *monitor;                   //  PAIR: the frontend's socket monitor
    void *monitor_handle;
    jb__guard_t *guard;                 //  CURVE: authentication and
                                        //  authorisation; NULL without
    jb__zap_t *zap;                     //  CURVE: the guard's ZAP handler
    jb__ledger_t *ledger;               //  and subscription ledger, borrowed
    zsock_t *backend_monitor;           //  PAIR: the backend's socket monitor
    zsock_t *control_monitor;           //  CURVE: PAIR, the control socket's
                                        //  monitor (NULL without CURVE or
                                        //  control)
    bool handshake_failed [JB__ROLE_COUNT];     //  a socket's monitor
                                        //  reported a failed handshake whose
                                        //  connection's end is still to come
    jb__roster_t *roster;               //  the connections and subscriptions
    zsock_t *monitoring;                //  REP on inproc for the monitoring
                                        //  endpoint's thread, or NULL
    jb_broker_stats_t stats;            //  counters; uptime_ms filled on read
    int64_t started_ms;                 //  zclock_mono() at start
    int stats_interval_ms;              //  0 = no periodic line
    int64_t next_stats_ms;              //  when the next periodic line is due
    bool strict;                        //  check messages against the binding
    bool inspected;                     //  strict or CURVE: messages take
                                        //  the inspected path
    jb__log_once_t *peers;              //  strict: peer addresses whose first
                                        //  rejection was logged; NULL when
                                        //  not strict
    size_t max_frames;                  //  bounds of a message from
    uint64_t max_bytes;                 //  publishers; UINT64_MAX for none
    jb__log_once_t *oversized_peers;    //  peer addresses whose first
                                        //  oversized message was logged
    jb__retained_t *retained;           //  final announcements sent again,
                                        //  or NULL when none are kept
    jb__recorder_t *recorder;           //  the journal's writer, or NULL;
                                        //  borrowed: the broker owns it
    zsock_t *journal_feed;              //  PUSH: copies to the recorder
    void *journal_feed_handle;          //  its libzmq socket, or NULL
    const jb__replay_counters_t *replay_counters;   //  or NULL; borrowed
    char *journal_filters;              //  the prefixes journaled, a copy,
                                        //  NUL-separated; NULL for every type
    size_t journal_filter_count;
    int64_t journal_drop_logged;        //  when a drop was last logged
    zmq_msg_t msg;                      //  for everything but messages
                                        //  from publishers, reused
    zmq_msg_t frames [JB_BROKER_FRAMES_MAX + 1];
                                        //  a message from publishers: its
                                        //  first max_frames frames, held
                                        //  until the last is in, and a
                                        //  spare for those past the bound
};

//  A forwarder with nothing open yet, its messages initialised, or NULL
//  when out of memory.
jb__forwarder_t *
    jb__forwarder_new(void);

//  Stop its monitors, close its sockets, the guard last, and free it; set
//  *self_p to NULL. Accepts NULL and a forwarder opened only in part.
void
    jb__forwarder_destroy(jb__forwarder_t **self_p);

//  zmq_msg_recv, again when a signal interrupts it: an embedding program's
//  signal handlers must not cost a message.
static inline int
jb__forwarder_recv(zmq_msg_t *msg, void *socket, int flags)
{
    int rc;
    do
        rc = zmq_msg_recv(msg, socket, flags);
    while (rc == -1 && zmq_errno() == EINTR);
    return rc;
}

//  The actor (a zactor_fn): args is the forwarder, opened, which the
//  actor owns from then on and destroys when told to stop ("$TERM").
//  Answers "STATS" on the pipe with a jb_broker_stats_t.
void
    jb__forwarder_actor(zsock_t *pipe, void *args);

#endif
