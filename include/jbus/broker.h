/*  =========================================================================
    jbus/broker.h - the jbus broker: an XSUB/XPUB forwarder in a CZMQ actor

    Publishers connect to the broker's frontend (an XSUB socket) and
    subscribers to its backend (an XPUB socket). The broker forwards every
    message from the frontend to the backend, frame by frame and without
    copying, and every subscription from the backend to the frontend, so
    that publishers filter at the source. It counts what it forwards and
    answers "STATS" on an optional control endpoint (a REP socket).

    In strict mode (config.strict) the broker also checks every message
    from a publisher against the binding (docs/zeromq-binding.md) before
    forwarding it: the frame count, the topic equal to the event's type,
    and an event that decodes and validates (jb_message_decode). A message
    that does not fit is dropped whole and counted (stats.rejected); the
    first one from each peer address is logged with its reason
    (zsys_warning). A peer is the address libzmq reports for the
    connection ("Peer-Address"): the IP address for tcp:// (so every
    publisher on one host is one peer), the process for ipc://, and one
    peer for all of inproc://. Without strict mode the broker does not look
    into messages at all.

    The broker runs in its own thread (a CZMQ actor) and can be embedded in
    any process; bus/jbus-broker is the standalone program around it.
    Endpoints may be tcp://, ipc:// or inproc:// (the last for peers in the
    same process, which then share CZMQ's global context).

    The library installs no signal handlers and does not watch for
    interrupts; the broker stops only when destroyed. CZMQ itself installs
    SIGINT/SIGTERM handlers the first time a socket is made unless the
    program calls zsys_handler_set(NULL) or sets ZSYS_SIGHANDLER=false.

    Example:
        jb_broker_config_t config;
        jb_broker_config_defaults (&config);
        config.frontend = "tcp://127.0.0.1:*";
        config.backend = "tcp://127.0.0.1:*";
        jb_error_t error;
        jb_broker_t *broker = jb_broker_new (&config, &error);
        if (!broker)
            fprintf (stderr, "%s\n", error.message);
        else {
            printf ("publish to %s\n", jb_broker_endpoint_frontend (broker));
            ...
            jb_broker_destroy (&broker);
        }
    ========================================================================= */

#ifndef JBUS_BROKER_H_INCLUDED
#define JBUS_BROKER_H_INCLUDED

#include <stdbool.h>
#include <stdint.h>
#include "jbus/export.h"
#include "jbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jb_broker jb_broker_t;

//  Default endpoints: publishers, subscribers, control.
#define JB_BROKER_FRONTEND_DEFAULT "tcp://127.0.0.1:7780"
#define JB_BROKER_BACKEND_DEFAULT  "tcp://127.0.0.1:7781"
#define JB_BROKER_CONTROL_DEFAULT  "tcp://127.0.0.1:7782"

//  Longest endpoint, bound or configured, including the NUL.
#define JB_BROKER_ENDPOINT_MAX 256

//  How to run a broker. Fill it with jb_broker_config_defaults(), then
//  change fields directly, or through jb_broker_config_set() and
//  jb_broker_config_load(), which check what they are given.
//
//  The endpoint strings are borrowed: jb_broker_new() copies them. Strings
//  set through jb_broker_config_set() or _load() are copies that the
//  config owns in owned[]; release them with jb_broker_config_reset().
//  A config that owns strings must not be copied by value.
typedef struct {
    const char *frontend;       //  where publishers connect (XSUB bind)
    const char *backend;        //  where subscribers connect (XPUB bind)
    const char *control;        //  REP bind for "STATS"; NULL or "" for none
    int sndhwm;                 //  ZMQ_SNDHWM on frontend and backend; 0 = none
    int rcvhwm;                 //  ZMQ_RCVHWM on frontend and backend; 0 = none
    int64_t max_message_size;   //  largest frame, in bytes, a publisher may send
                                //  (or a subscriber as a subscription), else
                                //  libzmq disconnects it; -1 = no limit
    int linger_ms;              //  how long unsent messages outlive destroy
    int stats_interval_ms;      //  period of the counters log line; 0 = never
    int heartbeat_ivl_ms;       //  ZMTP heartbeat period; 0 = no heartbeats
    int heartbeat_timeout_ms;   //  a silent peer is dropped after this, and
                                //  its subscriptions with it
    bool strict;                //  check every message from publishers
                                //  against the binding; drop and count
                                //  those that do not fit
    char *owned [3];            //  private: copies made by _set and _load
} jb_broker_config_t;

//  What a broker has forwarded since it started.
typedef struct {
    uint64_t messages_in;       //  messages received from publishers
    uint64_t bytes_in;          //  their bytes, all frames
    uint64_t messages_out;      //  of those, messages handed to the backend,
                                //  which copies each to every matching
                                //  subscriber (and silently skips one that
                                //  is sndhwm messages behind)
    uint64_t bytes_out;         //  their bytes, all frames
    uint64_t subscriptions;     //  subscribe messages passed to publishers
    uint64_t unsubscriptions;   //  unsubscribe messages passed to publishers
    uint64_t uptime_ms;         //  time since the broker started
    uint64_t rejected;          //  strict mode: messages from publishers
                                //  dropped for not fitting the binding
                                //  (counted in messages_in, not _out)
    uint64_t disconnects;       //  publisher connections that ended, for
                                //  any reason: the peer closed or died, a
                                //  frame above max_message_size, a missed
                                //  heartbeat, a failed handshake
} jb_broker_stats_t;

//  Set every field of config to its default: the endpoints above, HWMs of
//  100000, max_message_size 1 MiB, linger 1000 ms, a stats line every
//  60000 ms, heartbeats every 5000 ms with a 15000 ms timeout, strict
//  mode off, and no owned strings. Use it on a fresh config; a config that
//  owns strings goes through jb_broker_config_reset() instead.
JB_EXPORT void
    jb_broker_config_defaults(jb_broker_config_t *config);

//  Free the strings config owns and set it to the defaults.
JB_EXPORT void
    jb_broker_config_reset(jb_broker_config_t *config);

//  Set one field from text, as in a configuration file or on a command
//  line. key is one of frontend, backend, control, sndhwm, rcvhwm,
//  max_message_size, linger, stats_interval, heartbeat_ivl,
//  heartbeat_timeout, strict; numbers are decimal, strict is one of
//  "true", "false", "1", "0". String values are copied
//  (owned by config). Returns 0, or JB_ECONFIG for an unknown key or a
//  value out of range (config is then unchanged; error->attribute names
//  the key, error->message the problem), or JB_ENOMEM.
JB_EXPORT int
    jb_broker_config_set(jb_broker_config_t *config, const char *key, const char *value,
                         jb_error_t *error);

//  Read the `broker` section of the ZPL file at path into config, key by
//  key as for jb_broker_config_set(); keys the file does not mention keep
//  their value. Returns 0, JB_EIO when the file cannot be read, JB_ECONFIG
//  when it is not valid ZPL (CZMQ logs the line) or holds an unknown
//  section or key or a bad value, or JB_ENOMEM; the message names the
//  file, the key and the value, e.g.
//      config file /etc/jbus/broker.cfg: broker/linger: "soon" is not a
//      whole number from 0 to 2147483647
//  On failure config is unchanged.
JB_EXPORT int
    jb_broker_config_load(jb_broker_config_t *config, const char *path, jb_error_t *error);

//  Start a broker: bind its sockets and start forwarding. config may be
//  NULL for the defaults; it is not used after the call. Logs one line
//  with the bound endpoints (zsys_info), one with the counters every
//  stats_interval_ms and at the end, and in strict mode a warning for the
//  first rejected message of each peer address (of the first 10000 such
//  peers; later ones are only counted). Returns the broker, or NULL with
//  error filled and nothing logged: JB_ECONFIG for a bad setting,
//  JB_ESOCKET when an endpoint cannot be bound, e.g.
//      endpoint tcp://127.0.0.1:7780 for publishers: Address already in use
JB_EXPORT jb_broker_t *
    jb_broker_new(const jb_broker_config_t *config, jb_error_t *error);

//  Stop the broker and free it; set *self_p to NULL. Accepts NULL. Returns
//  at once; messages not yet delivered get up to linger_ms to leave when
//  the process ends its ZeroMQ context (zsys_shutdown), which must come
//  after every broker is destroyed.
JB_EXPORT void
    jb_broker_destroy(jb_broker_t **self_p);

//  The endpoints as bound, e.g. "tcp://127.0.0.1:41234" for a configured
//  "tcp://127.0.0.1:*". Borrowed, valid until the broker is destroyed.
//  The control endpoint is "" when there is none.
JB_EXPORT const char *
    jb_broker_endpoint_frontend(const jb_broker_t *self);
JB_EXPORT const char *
    jb_broker_endpoint_backend(const jb_broker_t *self);
JB_EXPORT const char *
    jb_broker_endpoint_control(const jb_broker_t *self);

//  Fill stats with the broker's counters. Call it from the thread that
//  owns the broker. Returns 0, or JB_ECLOSED when the broker's thread has
//  ended (its ZeroMQ context was terminated).
JB_EXPORT int
    jb_broker_stats(jb_broker_t *self, jb_broker_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
