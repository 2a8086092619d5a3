/*  =========================================================================
    connection.c - wait until a client's connection to the broker is up,
    or say why it is not, from libzmq's socket monitor

    What each failure looks like to the monitor of a connecting socket, in
    libzmq 4.3:
      - nothing listening (refused, no route, no such host): each try ends
        without CONNECTED, then CONNECT_RETRIED, every 100 ms or so;
      - a peer whose socket type does not pair with ours (a subscriber at
        the publishers' endpoint): CONNECTED, then DISCONNECTED with no
        handshake event, and no retry;
      - CURVE on one side only: HANDSHAKE_FAILED_PROTOCOL, mechanism
        mismatch;
      - a key the broker does not let in: HANDSHAKE_FAILED_AUTH, with the
        ZAP status code (400);
      - a wrong broker key: HANDSHAKE_FAILED_NO_DETAIL (the broker cannot
        read our HELLO and hangs up), retried;
      - success: HANDSHAKE_SUCCEEDED.
    Any handshake failure is final: the next try would meet the same keys
    and the same peer. Only "nothing answered" is worth waiting out, as a
    broker that is starting answers soon.
    ========================================================================= */

#include <czmq.h>
#include <errno.h>
#include <string.h>

#include "jbus.h"
#include "connection.h"
#include "error.h"

//  The events read: each step of a try, nothing per message.
#define s_EVENTS (ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_CONNECT_RETRIED     \
                | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL          \
                | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)

//  Longest endpoint quoted in a message.
#define s_QUOTE_MAX 200

struct jb__connection {
    void *handle;               //  the socket watched, borrowed
    zsock_t *events;            //  PAIR: the monitor's events
    const char *endpoint;       //  where it connects, borrowed
    const char *peer;           //  what it must reach, borrowed
    bool curve;                 //  it uses CURVE
};

//  --------------------------------------------------------------------------

bool
jb__connection_watchable(const char *endpoint)
{
    assert(endpoint);
    return strncmp(endpoint, "inproc://", 9) != 0;
}

//  --------------------------------------------------------------------------

jb__connection_t *
jb__connection_watch(void *handle, const char *endpoint, const char *peer, bool curve,
                     jb_error_t *error)
{
    assert(handle);
    assert(endpoint);
    assert(peer);
    jb__connection_t *self = (jb__connection_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->handle = handle;
    self->endpoint = endpoint;
    self->peer = peer;
    self->curve = curve;
    //  the socket's address names the monitor: unique while it lives
    char monitor [64];
    snprintf(monitor, sizeof monitor, "inproc://jbus-connection-%p", handle);
    if (zmq_socket_monitor(handle, monitor, s_EVENTS) == -1) {
        jb__error(error, JB_ESOCKET, NULL, "cannot monitor the socket: %s",
                  zmq_strerror(zmq_errno()));
        free(self);
        return NULL;
    }
    self->events = zsock_new_pair(monitor);
    if (!self->events) {
        jb__error(error, JB_ESOCKET, NULL, "cannot read the socket's monitor: %s",
                  zmq_strerror(zmq_errno()));
        jb__connection_end(&self);
    }
    return self;
}

//  --------------------------------------------------------------------------

void
jb__connection_end(jb__connection_t **self_p)
{
    assert(self_p);
    jb__connection_t *self = *self_p;
    if (self) {
        zmq_socket_monitor(self->handle, NULL, 0);
        zsock_destroy(&self->events);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  libzmq takes a tcp:// port it cannot use (0, 99999) and fails only
//  when it tries to connect, as if no broker were there: such an endpoint
//  is caught here as the caller's mistake. True when endpoint is tcp://
//  to connect to and its port is no number from 1 to 65535 (a bind's
//  port has more forms: "*", CZMQ's "!" and ranges, all checked there).

static bool
s_tcp_port_malformed(const char *endpoint, bool bind)
{
    if (bind || strncmp(endpoint, "tcp://", 6) != 0)
        return false;
    const char *colon = strrchr(endpoint + 6, ':');
    if (!colon)
        return false;                   //  libzmq says so itself
    const char *port = colon + 1;
    if (*port == '\0' || strspn(port, "0123456789") != strlen(port) || strlen(port) > 5)
        return true;
    long number = strtol(port, NULL, 10);
    return number < 1 || number > 65535;
}

//  --------------------------------------------------------------------------

int
jb__connection_open(zsock_t *socket, const char *endpoint, bool bind, int connect_timeout_ms,
                    const char *peer, bool curve, jb_error_t *error)
{
    assert(socket);
    assert(endpoint);
    void *handle = zsock_resolve(socket);
    if (s_tcp_port_malformed(endpoint, bind))
        return jb__error(error, JB_EINVAL, NULL, "cannot %s \"%.*s\": not an endpoint (the "
                         "port is a number from 1 to 65535); one is tcp://HOST:PORT, "
                         "ipc://PATH or inproc://NAME", bind? "bind": "connect to", s_QUOTE_MAX,
                         endpoint);
    jb__connection_t *connection = NULL;
    if (!bind && connect_timeout_ms > 0 && jb__connection_watchable(endpoint)) {
        connection = jb__connection_watch(handle, endpoint, peer, curve, error);
        if (!connection)
            return error? error->code: JB_ESOCKET;
    }
    //  CZMQ's, for its endpoint forms ("tcp://127.0.0.1:!" and the like)
    int rc = bind? zsock_bind(socket, "%s", endpoint)
                 : zsock_connect(socket, "%s", endpoint);
    int errnum = zmq_errno();
    int waited = rc != -1 && connection
               ? jb__connection_wait(connection, connect_timeout_ms, error): 0;
    jb__connection_end(&connection);
    if (rc != -1)
        return waited;
    //  a malformed endpoint is the caller's input; anything else (address
    //  in use, no such interface) is the environment's
    if (errnum == EINVAL || errnum == EPROTONOSUPPORT || errnum == ENOCOMPATPROTO
    ||  errnum == ENAMETOOLONG)
        return jb__error(error, JB_EINVAL, NULL, "cannot %s \"%.*s\": not an endpoint (%s); "
                         "one is tcp://HOST:PORT, ipc://PATH or inproc://NAME",
                         bind? "bind": "connect to", s_QUOTE_MAX, endpoint, zmq_strerror(errnum));
    return jb__error(error, JB_ESOCKET, NULL, "cannot %s \"%.*s\": %s", bind? "bind": "connect to",
                     s_QUOTE_MAX, endpoint, zmq_strerror(errnum));
}

//  --------------------------------------------------------------------------
//  Read one event: its number and value. Returns 0, or -1 when none could
//  be read whole.

static int
s_event_read(jb__connection_t *self, uint16_t *event_p, uint32_t *value_p)
{
    zmsg_t *message = zmsg_recv(self->events);
    if (!message)
        return -1;
    zframe_t *head = zmsg_first(message);
    int rc = -1;
    if (head && zframe_size(head) == sizeof(uint16_t) + sizeof(uint32_t)) {
        //  libzmq writes them unaligned, in host order
        memcpy(event_p, zframe_data(head), sizeof(uint16_t));
        memcpy(value_p, zframe_data(head) + sizeof(uint16_t), sizeof(uint32_t));
        rc = 0;
    }
    zmsg_destroy(&message);
    return rc;
}

//  The error for a peer that ended the connection in the handshake, with
//  why (NULL: unknown).
static int
s_ended(jb__connection_t *self, const char *why, jb_error_t *error)
{
    return jb__error(error, JB_ECONNECT, NULL, "%.*s ended the connection during the ZeroMQ "
                     "handshake%s%s%s: it is not %s%s", s_QUOTE_MAX, self->endpoint,
                     why? " (": "", why? why: "", why? ")": "", self->peer,
                     self->curve? "": ", or it requires CURVE keys, which we have not "
                                      "(docs/security.md)");
}

//  The error for a handshake that failed with event and value.
static int
s_handshake_failed(jb__connection_t *self, uint16_t event, uint32_t value, jb_error_t *error)
{
    int quote = s_QUOTE_MAX;
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
        return jb__error(error, JB_EDENIED, NULL, "Authorization Violation: the broker at %.*s "
                         "refused our CURVE key (ZAP status %u): its clients directory has no "
                         "certificate for it, or its rules give it no right here", quote,
                         self->endpoint, value);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
    &&  value == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH)
        return jb__error(error, JB_ECONNECT, NULL, "security mismatch with %.*s: %s", quote,
                         self->endpoint, self->curve
                         ? "we use CURVE and it does not"
                         : "it requires CURVE: give our certificate and the broker's key "
                           "(docs/security.md)");
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL)
        return jb__error(error, JB_ECONNECT, NULL, "the ZeroMQ handshake with %.*s failed: "
                         "protocol error 0x%x", quote, self->endpoint, value);
    if (self->curve)
        return jb__error(error, JB_ECONNECT, NULL, "the CURVE handshake with %.*s failed (%s): "
                         "the broker's public key we have is not the right one, or the peer "
                         "is not %s", quote, self->endpoint, zmq_strerror((int) value),
                         self->peer);
    //  a peer of a socket type that does not pair with ours, or a broker
    //  that requires CURVE, may hang up before our side has read why
    return s_ended(self, zmq_strerror((int) value), error);
}

int
jb__connection_wait(jb__connection_t *self, int timeout_ms, jb_error_t *error)
{
    assert(self);
    assert(timeout_ms > 0);
    int quote = s_QUOTE_MAX;
    int64_t deadline = zclock_mono() + timeout_ms;
    bool connected = false;     //  a try got a connection, its handshake not done
    unsigned tries = 1;
    while (true) {
        int64_t remaining = deadline - zclock_mono();
        if (remaining <= 0)
            break;
        zmq_pollitem_t item = { zsock_resolve(self->events), 0, ZMQ_POLLIN, 0 };
        int ready = zmq_poll(&item, 1, (long) remaining);
        if (ready == -1) {
            if (zmq_errno() == EINTR)
                return jb__error(error, JB_EINTR, NULL, "interrupted by a signal");
            return jb__error(error, JB_ESOCKET, NULL, "poll: %s", zmq_strerror(zmq_errno()));
        }
        uint16_t event;
        uint32_t value;
        if (ready == 0 || s_event_read(self, &event, &value))
            continue;
        switch (event) {
            case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
                return 0;
            case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
            case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
            case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
                return s_handshake_failed(self, event, value, error);
            case ZMQ_EVENT_CONNECTED:
                connected = true;
                break;
            case ZMQ_EVENT_DISCONNECTED:
                //  a peer that ends the connection before any handshake
                //  event: libzmq found our socket types do not pair
                if (connected)
                    return s_ended(self, NULL, error);
                break;
            case ZMQ_EVENT_CONNECT_RETRIED:
                connected = false;
                tries++;
                break;
            default:
                break;
        }
    }
    if (connected)
        return jb__error(error, JB_ECONNECT, NULL, "%.*s took the connection but did not "
                         "complete a ZeroMQ handshake within %d ms: is it a jbus broker?", quote,
                         self->endpoint, timeout_ms);
    return jb__error(error, JB_ECONNECT, NULL, "no broker at %.*s: %u tr%s to connect in %d ms "
                     "failed (nothing listening there, or it cannot be reached)", quote,
                     self->endpoint, tries, tries == 1? "y": "ies", timeout_ms);
}
