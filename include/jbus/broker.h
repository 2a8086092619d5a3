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

    With CURVE (config.curve_cert and config.curve_clients, see
    docs/security.md) every socket of the broker, the control endpoint
    included, is a CURVE server: a peer connects only with a key pair whose
    public key has a certificate in the curve_clients directory, and knowing
    the broker's public key; any other is refused, counted
    (stats.auth_failures) and logged. Rules (jb_broker_config_allow(), or
    the `clients` section of the config file) then say, per client key,
    which type prefixes it may publish and subscribe to: a message outside
    its publisher's prefixes is dropped and counted (stats.
    forbidden_messages); a subscription outside its subscriber's prefixes,
    a shorter one ("jerry." where "jerry.work_tracking." is allowed, or "")
    included, is refused, never forwarded or narrowed, and counted (stats.
    forbidden_subscriptions). A client without a rule, and without a "*"
    rule for every other client, may do neither; a client is let onto the
    publisher (subscriber) endpoint only if it may publish (subscribe to)
    something, and onto the control endpoint if it has a certificate. A
    config that asks for CURVE but lacks a piece (a certificate with the
    secret key, a readable directory) is refused: the broker never starts
    without it.

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
//  Default replay endpoint, bound when a journal is on.
#define JB_BROKER_REPLAY_DEFAULT   "tcp://127.0.0.1:7783"

//  Longest endpoint, bound or configured, including the NUL.
#define JB_BROKER_ENDPOINT_MAX 256

//  Longest path (curve_cert, curve_clients), including the NUL.
#define JB_BROKER_PATH_MAX 4096

//  What a rule lets a client do with a type prefix.
typedef enum {
    JB_BROKER_PUBLISH = 1,      //  publish events whose type starts with it
    JB_BROKER_SUBSCRIBE = 2     //  subscribe to it or to longer prefixes
} jb_broker_right_t;

//  Private: the authorisation rules a config holds.
struct jb_broker_rules;

//  How to run a broker. Fill it with jb_broker_config_defaults(), then
//  change fields directly, or through jb_broker_config_set() and
//  jb_broker_config_load(), which check what they are given.
//
//  The endpoint and path strings are borrowed: jb_broker_new() copies
//  them. Strings set through jb_broker_config_set() or _load(), and rules
//  added by jb_broker_config_allow() or _load(), are owned by the config
//  (owned[], rules); release them with jb_broker_config_reset(). A config
//  that owns strings or rules must not be copied by value.
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
                                //  its subscriptions with it; below
                                //  heartbeat_ivl, jb_broker_new warns
    bool strict;                //  check every message from publishers
                                //  against the binding; drop and count
                                //  those that do not fit
    const char *curve_cert;     //  the broker's secret certificate (its key
                                //  pair, as jbus keygen writes it): CURVE on
                                //  every socket; NULL or "" for none
    const char *curve_clients;  //  directory of the certificates of the
                                //  clients let in; required with curve_cert,
                                //  read again when it changes
    char *owned [12];           //  private: copies made by _set and _load
    struct jb_broker_rules *rules;      //  private: made by _allow and _load
    int max_frames;             //  most frames in a message from a
                                //  publisher, 1..JB_BROKER_FRAMES_MAX
    int64_t max_message_bytes;  //  most bytes in such a message, all frames
                                //  together; 0 = max_message_size, -1 = no
                                //  limit. A message past either bound is
                                //  dropped whole, counted (oversized) and
                                //  its publisher disconnected
    int announce_retain_ms;     //  how long a closing publisher's final
                                //  announcements are sent again, once a
                                //  second, for subscribers that were behind
                                //  (docs/zeromq-binding.md 4.2); 0 = not
    const char *journal;        //  directory of the durable journal (LMDB,
                                //  made when missing): every event
                                //  forwarded of the types below is kept
                                //  there under a sequence that goes on
                                //  across restarts; NULL or "" for none
    const char *journal_filters;        //  the type prefixes journaled, one
                                //  a line; NULL for every type. The broker
                                //  subscribes to them upstream itself, so
                                //  publishers send them with no subscriber
                                //  attached. jb_broker_config_set adds one
                                //  per "journal_filter"
    int64_t journal_max_bytes;  //  retention: the journal's records keep
                                //  under this many bytes, the oldest going
                                //  first; default 1 GiB
    int64_t journal_max_age_ms; //  retention: records older than this go;
                                //  default 7 days, 0 = no age bound
    int journal_commit_ms;      //  a group of records commits this long
                                //  after its first at the latest (default
                                //  10): what a broker crash can lose
    int journal_commit_count;   //  or once it holds this many (default 1000)
    bool journal_sync;          //  fsync every commit (default true); false:
                                //  a system crash, not a broker crash, may
                                //  also undo the last committed group
    int journal_queue;          //  records waiting for the journal's thread
                                //  before more are dropped from the journal
                                //  (not from forwarding) and counted;
                                //  default 100000
    const char *replay;         //  with a journal: the ROUTER where clients
                                //  replay it (docs/replay.md); default
                                //  JB_BROKER_REPLAY_DEFAULT, NULL or "" for
                                //  none
    const char *log_level;      //  for the program that runs the broker (its
                                //  flags win): "error", "warn", "info" or
                                //  "debug" (jbus/log.h); NULL for info
    const char *log_file;       //  likewise: the file the log is appended
                                //  to; NULL or "" for stderr
    const char *http;           //  the monitoring endpoint (HTTP: /varz,
                                //  /connz, /subsz, /journalz, /metrics and
                                //  a status page at /; docs/monitoring.md),
                                //  "ADDR:PORT", or "PORT" for loopback; a
                                //  port of 0 picks a free one; NULL or ""
                                //  for none (the default)
    const char *http_token;     //  a bearer token every request for data
                                //  must carry ("Authorization: Bearer
                                //  TOKEN"); NULL or "" for none. With CURVE
                                //  on, a monitoring endpoint without a
                                //  token must be on loopback
} jb_broker_config_t;

//  The largest max_frames: a message's frames are held until its last is
//  in, so that one past a bound is never sent in part.
#define JB_BROKER_FRAMES_MAX 64

//  What a broker has forwarded since it started.
typedef struct {
    uint64_t messages_in;       //  messages received from publishers
    uint64_t bytes_in;          //  their bytes, all frames
    uint64_t messages_out;      //  of those, messages forwarded: each counts
                                //  once, however many subscribers got it
    uint64_t bytes_out;         //  their bytes, all frames
    uint64_t deliveries;        //  messages forwarded times the subscriber
                                //  connections whose prefixes matched: what
                                //  the backend queued (it silently skips a
                                //  subscriber sndhwm messages behind)
    uint64_t bytes_delivered;   //  their bytes
    uint64_t publishers;        //  publisher connections now (tcp, ipc)
    uint64_t subscribers;       //  subscriber connections now (tcp, ipc;
                                //  inproc subscribers are not counted)
    uint64_t subscriptions;     //  (subscriber, prefix) pairs now
    uint64_t prefixes;          //  distinct prefixes subscribed now
    uint64_t uptime_ms;         //  time since the broker started
    uint64_t rejected;          //  strict mode: messages from publishers
                                //  dropped for not fitting the binding;
                                //  with CURVE, also structured messages
                                //  whose JSON type is not their topic
                                //  (counted in messages_in, not _out)
    uint64_t disconnects;       //  publisher connections that ended
                                //  normally: the peer closed or died, or
                                //  missed its heartbeats
    uint64_t subscriber_disconnects;    //  likewise, subscriber connections
    uint64_t cut;               //  connections the broker cut: a message
                                //  past the bounds, a key removed from
                                //  curve_clients (not in disconnects)
    uint64_t auth_failures;     //  CURVE: connections refused at the
                                //  handshake, on any socket: no keys, the
                                //  wrong server key, a key not let in (a
                                //  refused peer retries: each try counts)
    uint64_t forbidden_messages;        //  CURVE: messages dropped because
                                //  their type is outside their publisher's
                                //  prefixes (counted in messages_in, not
                                //  _out)
    uint64_t forbidden_subscriptions;   //  CURVE: subscriptions refused for
                                //  being outside their subscriber's prefixes
    uint64_t oversized;         //  messages from publishers dropped for
                                //  having more than max_frames frames or
                                //  max_message_bytes bytes (counted in
                                //  messages_in and bytes_in, not _out);
                                //  their publishers were disconnected
    uint64_t announcements;     //  publishers' announcements forwarded (not
                                //  in messages_ or bytes_)
    uint64_t reannounced;       //  final announcements sent again from the
                                //  broker's memory
    bool journal;               //  a journal is on; the journal_ counters
                                //  below are 0 without one
    uint64_t journal_committed; //  events committed to the journal
    uint64_t journal_dropped;   //  events forwarded but not journaled: the
                                //  journal's queue was full
    uint64_t journal_lost;      //  events the journal could not write (a
                                //  full disk): forwarded, not journaled
    uint64_t journal_commits;   //  groups committed
    uint64_t journal_trimmed;   //  events retention removed
    uint64_t journal_last;      //  the last journal sequence committed
    uint64_t replays;           //  replays begun on the replay endpoint
    uint64_t replayed;          //  events they sent
} jb_broker_stats_t;

//  Set every field of config to its default: the endpoints above, HWMs of
//  100000, max_message_size 1 MiB, messages of at most 3 frames (the
//  most the binding has) and max_message_size bytes, linger 1000 ms, a
//  stats line every 60000 ms, heartbeats every 5000 ms with a 15000 ms
//  timeout, strict
//  mode off, no CURVE, no rules, and no owned strings. Use it on a fresh config; a config that
//  owns strings goes through jb_broker_config_reset() instead.
JB_EXPORT void
    jb_broker_config_defaults(jb_broker_config_t *config);

//  Free the strings and rules config owns and set it to the defaults.
JB_EXPORT void
    jb_broker_config_reset(jb_broker_config_t *config);

//  Set one field from text, as in a configuration file or on a command
//  line. key is one of frontend, backend, control, sndhwm, rcvhwm,
//  max_message_size, max_frames, max_message_bytes, announce_retain, linger,
//  journal, journal_filter (each call adds a prefix), journal_max_bytes,
//  journal_max_age, journal_commit_ms, journal_commit_count, journal_sync,
//  journal_queue, replay,
//  stats_interval, heartbeat_ivl, heartbeat_timeout, strict, curve_cert,
//  curve_clients; numbers are
//  decimal, strict is one of "true", "false", "1", "0", the curve_ keys
//  are paths ("" for none). String values are copied (owned by config). Returns 0, or JB_ECONFIG for an unknown key or a
//  value out of range (config is then unchanged; error->attribute names
//  the key, error->message the problem), or JB_ENOMEM.
JB_EXPORT int
    jb_broker_config_set(jb_broker_config_t *config, const char *key, const char *value,
                         jb_error_t *error);

//  Let the client whose CURVE public key is client_key (40 characters of
//  Z85), or every client without a rule of its own when it is "*",
//  publish or subscribe (right) to the types that start with prefix (""
//  for every type). Rules need CURVE (curve_cert): jb_broker_new() refuses
//  rules without it. Returns 0, JB_ECONFIG for a bad key or right (config
//  is then unchanged), or JB_ENOMEM.
JB_EXPORT int
    jb_broker_config_allow(jb_broker_config_t *config, const char *client_key,
                           jb_broker_right_t right, const char *prefix, jb_error_t *error);

//  Read the `broker` section of the ZPL file at path into config, key by
//  key as for jb_broker_config_set(); keys the file does not mention keep
//  their value. A `clients` section replaces config's rules: one
//  subsection per client, named as the log should name it, with one
//  `key` (a public key, or "*") and any number of `publish` and
//  `subscribe` prefixes (bus/jbus-broker.cfg shows one). Returns 0, JB_EIO
//  when the file cannot be read, JB_ECONFIG when it is not valid ZPL
//  (CZMQ logs the line) or holds an unknown section or key or a bad
//  value, or JB_ENOMEM; the message names the file, the key and the
//  value, e.g.
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
//  peers; later ones are only counted), and with CURVE a warning for each
//  refusal (the first of each client, or each socket and reason once a
//  minute when the peer cannot be told). Returns the broker, or NULL with
//  error filled: JB_ECONFIG for a bad setting, among them a CURVE setting
//  without the other, a broker certificate without its secret key, an
//  unreadable certificate or directory, rules without CURVE, or an
//  inproc:// endpoint with CURVE (inproc has no security mechanism);
//  JB_ESOCKET when an endpoint cannot be bound, e.g.
//      endpoint tcp://127.0.0.1:7780 for publishers: Address already in use
//  or when another CURVE broker or a zauth actor already serves ZeroMQ's
//  authentication in this process (there is one handler per context).
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
//  The replay endpoint, "" when there is none (no journal, or replay off).
JB_EXPORT const char *
    jb_broker_endpoint_replay(const jb_broker_t *self);
//  The monitoring endpoint (HTTP) as bound, "127.0.0.1:8222", "" when
//  there is none.
JB_EXPORT const char *
    jb_broker_endpoint_http(const jb_broker_t *self);

//  Reload: check config, then apply its client rules and read the CURVE
//  clients directory again, for handshakes, publishing and subscriptions
//  from now on (subscriptions granted before stay). The rest of config
//  (endpoints, bounds, the journal) needs a restart. Returns 0, or
//  JB_ECONFIG with the reason (the broker goes on as it was), among them
//  a config that would turn CURVE on or off. Call it from the thread that
//  owns the broker.
JB_EXPORT int
    jb_broker_reload(jb_broker_t *self, const jb_broker_config_t *config, jb_error_t *error);

//  Fill stats with the broker's counters. Call it from the thread that
//  owns the broker. Returns 0, or JB_ECLOSED when the broker's thread has
//  ended (its ZeroMQ context was terminated).
JB_EXPORT int
    jb_broker_stats(jb_broker_t *self, jb_broker_stats_t *stats);

#ifdef __cplusplus
}
#endif

#endif
