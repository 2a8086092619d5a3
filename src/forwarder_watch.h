/*  =========================================================================
    forwarder_watch.h - what the broker's actor learns of its sockets and
    says of itself (private to the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_FORWARDER_WATCH_PRIVATE_H_INCLUDED
#define JBUS_FORWARDER_WATCH_PRIVATE_H_INCLUDED

#include "forwarder.h"

//  Read what the socket monitor (a PAIR) of the socket of role has
//  reported, until nothing is left: connections accepted and ended go to
//  the roster and the counters, failed handshakes to the counters and the
//  guard. msg is a reused message.
void
    jb__forwarder_monitor_read(jb__forwarder_t *self, void *monitor, jb__role_t role,
                               zmq_msg_t *msg);

//  Every monitor: the frontend's, the backend's and, with CURVE, the
//  control socket's.
void
    jb__forwarder_monitors_read(jb__forwarder_t *self, zmq_msg_t *msg);

//  The counters as of now, after what the monitors have reported.
jb_broker_stats_t
    jb__forwarder_stats(jb__forwarder_t *self);

//  One log line with every counter; what says why ("stats", "stopped").
void
    jb__forwarder_stats_log(jb__forwarder_t *self, const char *what);

//  Answer the requests waiting on socket, a REP (the control endpoint, or
//  the monitoring endpoint's inproc socket): STATS, CONNZ, SUBSZ.
void
    jb__forwarder_requests_serve(jb__forwarder_t *self, void *socket, zmq_msg_t *msg);

#endif
