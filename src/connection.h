/*  =========================================================================
    connection.h - wait, for a bounded time, until a client socket's
    connection to the broker is up, and say why it is not (private to the
    library)

    ZeroMQ connects in the background and retries for ever without a word:
    a subscriber pointed at a dead broker, at the publishers' endpoint or
    refused its CURVE key just receives nothing. libzmq's socket monitor
    tells each step of each try (connected, handshake succeeded, handshake
    failed and why, retried), which is what this module reads. It runs in
    the owner's thread, only while a publisher or subscriber is being
    created: libzmq sends monitor events with a blocking send, so a monitor
    left running with nobody reading it would, once its queue filled, stall
    the I/O thread, and with it every connection of the process.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_CONNECTION_PRIVATE_H_INCLUDED
#define JBUS_CONNECTION_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <czmq.h>

#include "jbus/error.h"

typedef struct jb__connection jb__connection_t;

//  Start watching handle, a client socket (SUB or XPUB) that is about to
//  connect to endpoint: call it before zmq_connect, so that no step is
//  missed. peer names what the socket must reach, for the messages ("the
//  broker's subscriber endpoint (its backend, an XPUB socket)"); curve
//  says whether the socket uses CURVE; both are borrowed until
//  jb__connection_end. Returns NULL with JB_ENOMEM or JB_ESOCKET in error.
jb__connection_t *
    jb__connection_watch(void *handle, const char *endpoint, const char *peer, bool curve,
                         jb_error_t *error);

//  Wait up to timeout_ms (more than 0) until the ZeroMQ handshake with the
//  peer has succeeded (with CURVE, the broker has let our key in).
//  Returns 0; JB_EDENIED when the broker refused our key; JB_ECONNECT when
//  a handshake failed (security mismatch, a wrong broker key, a peer that
//  is not the broker's endpoint of this kind, which ends the connection)
//  or no handshake succeeded within timeout_ms (nothing listening, or not
//  ZeroMQ); JB_EINTR when a signal arrived; JB_ESOCKET. A handshake
//  failure ends the wait at once: trying again would fail again.
int
    jb__connection_wait(jb__connection_t *self, int timeout_ms, jb_error_t *error);

//  Stop watching and free; sets *self_p to NULL. Accepts NULL.
void
    jb__connection_end(jb__connection_t **self_p);

//  True when endpoint is one that the monitor can watch: not inproc://,
//  whose connections have no handshake to report.
bool
    jb__connection_watchable(const char *endpoint);

//  What publishers and subscribers do with their endpoint: bind socket to
//  it, or connect it and, with connect_timeout_ms more than 0 (and not
//  inproc://), wait that long for the broker's handshake as above; peer
//  and curve as for jb__connection_watch. Returns 0; JB_EINVAL for a
//  malformed endpoint, JB_ESOCKET when it cannot be bound, or what
//  jb__connection_wait returns; the reason in error, naming the endpoint.
int
    jb__connection_open(zsock_t *socket, const char *endpoint, bool bind, int connect_timeout_ms,
                        const char *peer, bool curve, jb_error_t *error);

#endif
