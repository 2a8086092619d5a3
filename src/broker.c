/*  =========================================================================
    broker.c - the jbus broker: an XSUB/XPUB forwarder in a CZMQ actor

    jb_broker_new() makes and binds every socket in the caller's thread, so
    that a bind failure comes back as an ordinary error with the endpoint
    named, then hands the sockets to the actor thread, which alone uses
    them from then on (thread creation is the memory barrier libzmq asks
    for when a socket changes threads).

    The actor (forwarder.c) forwards messages from publishers to
    subscribers and subscriptions the other way, and answers "STATS".

    With CURVE, the guard, whose ZAP handler (zap.c) is the ZeroMQ
    context's authentication handler, is made before any socket, every
    socket is made a CURVE server, and every socket gets a monitor, for
    refused handshakes. The backend is an XPUB in manual mode, so that it
    applies only the subscriptions granted.
    ========================================================================= */

#include <cjson/cJSON.h>
#include <czmq.h>
#include <errno.h>

#include "jbus.h"
#include "broker_config.h"
#include "forwarder.h"
#include "monitoring.h"
#include "recorder.h"
#include "replay.h"
#include "text.h"

//  The largest control request frame; a peer sending more is dropped by
//  libzmq. Requests are words like "STATS".
#define s_CONTROL_FRAME_MAX 4096

//  High-water marks of the control socket, which only ever has a request
//  or two in flight.
#define s_CONTROL_HWM 100

//  Peer addresses remembered in strict mode, and for messages past the
//  bounds, so that only the first rejection from each is logged. Past this many, a stream of new peers
//  cannot grow the table: their rejections are counted, not logged.
#define s_PEERS_MAX 10000

//  The broker as its owner sees it: the actor and what it bound.
struct jb_broker {
    zactor_t *actor;                            //  runs jb__forwarder_actor
    jb__recorder_t *recorder;                   //  the journal's writer, or
                                                //  NULL; outlives the actor
    jb__replay_t *replay;                       //  serves the replay endpoint,
                                                //  or NULL; ends before the
                                                //  actor, whose ZAP and rules
                                                //  it uses
    char frontend [JB_BROKER_ENDPOINT_MAX];     //  bound endpoints, for the
    char backend [JB_BROKER_ENDPOINT_MAX];      //  accessors; control is ""
    char control [JB_BROKER_ENDPOINT_MAX];      //  when there is none
    char replay_endpoint [JB_BROKER_ENDPOINT_MAX];  //  "" when there is none
    char monitoring_actor [64];                 //  inproc REP of the actor for
                                                //  the monitoring endpoint
    jb__monitoring_t *monitoring;               //  the HTTP endpoint, or NULL;
                                                //  ends before the actor it asks
    char http [JB_BROKER_ENDPOINT_MAX];         //  its address, "" for none
    jb__replay_counters_t replay_counters;      //  the replay's, read by the
                                                //  actor: they outlive both
    bool curve;                                 //  CURVE is on: rules apply
};

//  --------------------------------------------------------------------------
//  Make a socket of type, set its options and bind it to endpoint, then
//  read back the endpoint as bound (a "*" port becomes a number). role
//  says who connects there, for the error message. libzmq is called
//  directly: zsock_bind has its own idea of "*" (a scan of a port range)
//  and the zsock_set_* setters assert on a refused value. With zap, the
//  socket is a CURVE server for zap_role before it is bound, and an XPUB
//  applies only the subscriptions the broker grants (manual mode).

static zsock_t *
s_socket_bind(int type, const char *endpoint, const char *role, const jb_broker_config_t *config,
              int hwm_limit, int64_t frame_max, jb__zap_t *zap, jb__role_t zap_role,
              char *bound, jb_error_t *error)
{
    zsock_t *socket = zsock_new(type);
    if (!socket) {
        jb__broker_error(error, JB_ESOCKET, NULL,
                         "socket for %s: %s", role, zmq_strerror(zmq_errno()));
        return NULL;
    }
    void *handle = zsock_resolve(socket);
    int sndhwm = hwm_limit? hwm_limit: config->sndhwm;
    int rcvhwm = hwm_limit? hwm_limit: config->rcvhwm;
    struct {
        int option;
        const void *value;
        size_t size;
        const char *name;
    } options [] = {
        { ZMQ_LINGER, &config->linger_ms, sizeof(int), "linger" },
        { ZMQ_SNDHWM, &sndhwm, sizeof(int), "sndhwm" },
        { ZMQ_RCVHWM, &rcvhwm, sizeof(int), "rcvhwm" },
        { ZMQ_MAXMSGSIZE, &frame_max, sizeof(int64_t), "max_message_size" },
        { ZMQ_HEARTBEAT_IVL, &config->heartbeat_ivl_ms, sizeof(int), "heartbeat_ivl" },
        { ZMQ_HEARTBEAT_TIMEOUT, &config->heartbeat_timeout_ms, sizeof(int),
          "heartbeat_timeout" },
    };
    for (size_t index = 0; index < sizeof options / sizeof options[0]; index++)
        if (zmq_setsockopt(handle, options[index].option, options[index].value,
                           options[index].size) == -1) {
            jb__broker_error(error, JB_ECONFIG, options[index].name, "socket for %s: %s: %s", role,
                             options[index].name, zmq_strerror(zmq_errno()));
            zsock_destroy(&socket);
            return NULL;
        }
    //  Every subscription reaches the broker, which counts subscribers
    //  (roster.c); the manual mode below passes them all anyway
    int verbose = 1;
    if (type == ZMQ_XPUB
    &&  zmq_setsockopt(handle, ZMQ_XPUB_VERBOSE, &verbose, sizeof verbose) == -1) {
        jb__broker_error(error, JB_ESOCKET, NULL, "socket for %s: %s", role,
                         zmq_strerror(zmq_errno()));
        zsock_destroy(&socket);
        return NULL;
    }
    if (zap) {
        int manual = 1;
        int rc = jb__zap_secure(zap, handle, zap_role, error);
        if (rc == 0 && type == ZMQ_XPUB
        &&  zmq_setsockopt(handle, ZMQ_XPUB_MANUAL, &manual, sizeof manual) == -1)
            rc = jb__broker_error(error, JB_ESOCKET, NULL, "socket for %s: %s", role,
                                  zmq_strerror(zmq_errno()));
        if (rc) {
            zsock_destroy(&socket);
            return NULL;
        }
    }
    if (zmq_bind(handle, endpoint) == -1) {
        jb__broker_error(error, JB_ESOCKET, NULL, "endpoint %s for %s: %s", endpoint, role,
                         zmq_strerror(zmq_errno()));
        zsock_destroy(&socket);
        return NULL;
    }
    size_t size = JB_BROKER_ENDPOINT_MAX;
    if (zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, bound, &size) == -1)
        snprintf(bound, JB_BROKER_ENDPOINT_MAX, "%s", endpoint);
    return socket;
}

//  --------------------------------------------------------------------------
//  Have socket report events to a new PAIR of ours, *monitor_p, on an
//  inproc endpoint unique to this broker: a UUID, because a name made from
//  an address could still be bound by a broker just destroyed (libzmq
//  closes sockets, and frees their names, asynchronously). role names the
//  socket in messages. Returns 0, JB_ENOMEM or JB_ESOCKET.

static int
s_monitor_start(zsock_t *socket, int events, const char *role, zsock_t **monitor_p,
                jb_error_t *error)
{
    zuuid_t *uuid = zuuid_new();
    if (!uuid)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "inproc://jbus-broker-monitor-%s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    if (zmq_socket_monitor(zsock_resolve(socket), endpoint, events) == -1)
        return jb__broker_error(error, JB_ESOCKET, NULL, "monitor for %s: %s", role,
                                zmq_strerror(zmq_errno()));
    *monitor_p = zsock_new(ZMQ_PAIR);
    if (!*monitor_p || zmq_connect(zsock_resolve(*monitor_p), endpoint) == -1) {
        jb__broker_error(error, JB_ESOCKET, NULL,
                         "monitor for %s: %s", role, zmq_strerror(zmq_errno()));
        zmq_socket_monitor(zsock_resolve(socket), NULL, 0);
        zsock_destroy(monitor_p);
        return JB_ESOCKET;
    }
    return 0;
}

//  The monitors: the frontend's and the backend's always, for the roster
//  (connections accepted and ended, handshakes failed); with CURVE the
//  control socket's too, for refused handshakes.
static int
s_monitors_start(jb__forwarder_t *self, jb_error_t *error)
{
    const int refused = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                      | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    const int connections = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED | refused;
    int rc = s_monitor_start(self->frontend, connections, "publishers", &self->monitor, error);
    if (rc == 0)
        rc = s_monitor_start(self->backend, connections, "subscribers", &self->backend_monitor,
                             error);
    if (rc == 0 && self->guard && self->control)
        rc = s_monitor_start(self->control, refused, "control", &self->control_monitor, error);
    return rc;
}

//  --------------------------------------------------------------------------
//  The monitoring endpoint's way to the actor: a REP on an inproc endpoint
//  unique to this broker, which the actor serves as it serves control.

static int
s_monitoring_bind(jb__forwarder_t *self, jb_broker_t *broker, jb_error_t *error)
{
    zuuid_t *uuid = zuuid_new();
    if (!uuid)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    snprintf(broker->monitoring_actor, sizeof broker->monitoring_actor,
             "inproc://jbus-broker-monitoring-%s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    self->monitoring = zsock_new(ZMQ_REP);
    if (!self->monitoring || zsock_bind(self->monitoring, "%s", broker->monitoring_actor) == -1)
        return jb__broker_error(error, JB_ESOCKET, "http", "monitoring: %s",
                                zmq_strerror(zmq_errno()));
    return 0;
}

//  The config in use, as /varz shows it: endpoints as bound, no secrets
//  (paths, not keys; whether a token is set, not the token). The
//  monitoring endpoint adds its own address once bound.
static char *
s_config_json(const jb_broker_config_t *config, const jb_broker_t *self)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    cJSON_AddStringToObject(root, "frontend", self->frontend);
    cJSON_AddStringToObject(root, "backend", self->backend);
    cJSON_AddStringToObject(root, "control", self->control);
    cJSON_AddStringToObject(root, "replay", self->replay_endpoint);
    cJSON_AddStringToObject(root, "journal", config->journal? config->journal: "");
    cJSON_AddBoolToObject(root, "http_token", config->http_token && *config->http_token);
    cJSON_AddBoolToObject(root, "strict", config->strict);
    cJSON_AddBoolToObject(root, "curve", self->curve);
    cJSON_AddStringToObject(root, "curve_clients", self->curve && config->curve_clients?
                            config->curve_clients: "");
    cJSON_AddNumberToObject(root, "sndhwm", config->sndhwm);
    cJSON_AddNumberToObject(root, "rcvhwm", config->rcvhwm);
    cJSON_AddNumberToObject(root, "max_message_size", (double) config->max_message_size);
    cJSON_AddNumberToObject(root, "max_frames", config->max_frames);
    cJSON_AddNumberToObject(root, "max_message_bytes", (double) config->max_message_bytes);
    cJSON_AddNumberToObject(root, "heartbeat_ivl_ms", config->heartbeat_ivl_ms);
    cJSON_AddNumberToObject(root, "heartbeat_timeout_ms", config->heartbeat_timeout_ms);
    cJSON_AddNumberToObject(root, "linger_ms", config->linger_ms);
    cJSON_AddNumberToObject(root, "stats_interval_ms", config->stats_interval_ms);
    cJSON_AddNumberToObject(root, "announce_retain_ms", config->announce_retain_ms);
    if (config->journal && *config->journal) {
        cJSON_AddNumberToObject(root, "journal_max_bytes", (double) config->journal_max_bytes);
        cJSON_AddNumberToObject(root, "journal_max_age_ms", (double) config->journal_max_age_ms);
        cJSON_AddBoolToObject(root, "journal_sync", config->journal_sync);
    }
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}

//  Start the monitoring endpoint, once the actor that answers it runs.
static int
s_monitoring_start(jb_broker_t *self, const jb_broker_config_t *config, jb_error_t *error)
{
    char *config_json = s_config_json(config, self);
    if (!config_json)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    jb__monitoring_options_t options = {
        .address = config->http, .token = config->http_token, .actor = self->monitoring_actor,
        .config_json = config_json,
        .journal = self->recorder? jb__recorder_journal(self->recorder): NULL,
        .counters = self->recorder? jb__recorder_counters(self->recorder): NULL
    };
    jb_error_t detail;
    self->monitoring = jb__monitoring_new(&options, &detail);
    free(config_json);
    if (!self->monitoring)
        return jb__broker_error(error, detail.code, "http", "%s", detail.message);
    snprintf(self->http, sizeof self->http, "%s", jb__monitoring_endpoint(self->monitoring));
    if (!config->http_token || !*config->http_token)
        jb_log(self->curve? JB_LOG_INFO: JB_LOG_DEBUG, "http: the monitoring endpoint %s has no "
               "token: anyone who can reach it can read it%s", self->http,
               self->curve? " (with CURVE on it is on loopback only)": "");
    return 0;
}

//  --------------------------------------------------------------------------

//  Open what the actor will own: the guard, the authentication handler,
//  before any socket that needs it (libzmq lets every key in when there
//  is none), then the sockets, bound, with their endpoints as bound in
//  broker, then the monitors. Returns 0, or -1 with error filled; what
//  was opened is then left for s_forwarder_destroy.

//  The journal: its writer thread, the forwarder's feed to it, the
//  prefixes it keeps, and a subscription upstream to each, so that
//  publishers send them even with no subscriber attached (an XSUB counts
//  its own subscriptions with the subscribers', so theirs leaving never
//  withdraws it).
static int
s_journal_open(jb__forwarder_t *self, const jb_broker_config_t *config, jb_broker_t *broker,
               jb_error_t *error)
{
    jb__recorder_options_t options = {
        .journal = { config->journal, (uint64_t) config->journal_max_bytes,
                     config->journal_max_age_ms, config->journal_sync },
        .commit_ms = config->journal_commit_ms, .commit_count = config->journal_commit_count,
        .queue = config->journal_queue
    };
    jb_error_t detail;
    broker->recorder = jb__recorder_new(&options, &detail);
    if (!broker->recorder)
        return jb__broker_error(error, detail.code == JB_ENOMEM? JB_ENOMEM: JB_ECONFIG,
                                "journal", "%s", detail.message);
    self->recorder = broker->recorder;
    self->journal_feed = jb__recorder_feed_new(broker->recorder);
    if (!self->journal_feed)
        return jb__broker_error(error, JB_ENOMEM, "journal", "out of memory");
    self->journal_feed_handle = zsock_resolve(self->journal_feed);
    const char *filters = config->journal_filters;
    bool every = !filters;
    if (filters) {
        self->journal_filters = jb__strndup(filters, strlen(filters));
        if (!self->journal_filters)
            return jb__broker_error(error, JB_ENOMEM, "journal", "out of memory");
        self->journal_filter_count = 1;
        for (char *line = self->journal_filters; *line; line++)
            if (*line == '\n') {
                *line = '\0';
                self->journal_filter_count++;
            }
    }
    const char *filter = every? "": self->journal_filters;
    for (size_t index = 0; index < (every? 1: self->journal_filter_count); index++) {
        size_t size = strlen(filter);
        char subscription [JB_BROKER_ENDPOINT_MAX + 1];
        subscription[0] = 1;
        memcpy(subscription + 1, filter, size);
        if (zmq_send(zsock_resolve(self->frontend), subscription, size + 1, 0) == -1)
            return jb__broker_error(error, JB_ESOCKET, "journal", "cannot subscribe to \"%s\" "
                                    "upstream: %s", filter, zmq_strerror(zmq_errno()));
        filter += size + 1;
    }
    if (!config->replay || !*config->replay)
        return 0;
    zsock_t *router = s_socket_bind(ZMQ_ROUTER, config->replay, "replay clients", config,
                                    JB__REPLAY_WINDOW_MAX + 16, s_CONTROL_FRAME_MAX, self->zap,
                                    JB__ROLE_SUBSCRIBERS, broker->replay_endpoint, error);
    if (!router)
        return -1;
    zsock_t *acks = jb__recorder_acks_new(broker->recorder);
    if (!acks) {
        zsock_destroy(&router);
        return jb__broker_error(error, JB_ENOMEM, "replay", "out of memory");
    }
    broker->replay = jb__replay_new(&router, &acks, jb__recorder_journal(broker->recorder),
                                    self->guard? jb__guard_rules(self->guard): NULL,
                                    &broker->replay_counters,
                                    jb__recorder_counters(broker->recorder), &detail);
    if (!broker->replay)
        return jb__broker_error(error, detail.code, "replay", "%s", detail.message);
    self->replay_counters = &broker->replay_counters;
    return 0;
}

static int
s_forwarder_open(jb__forwarder_t *self, const jb_broker_config_t *config, jb_broker_t *broker,
                 jb_error_t *error)
{
    if (config->curve_cert && *config->curve_cert) {
        self->guard = jb__guard_new(config->curve_cert, config->curve_clients,
                                    jb__broker_config_rules(config), error);
        if (!self->guard)
            return -1;
        self->zap = jb__guard_zap(self->guard);
        self->ledger = jb__guard_ledger(self->guard);
    }
    self->frontend = s_socket_bind(ZMQ_XSUB, config->frontend, "publishers", config, 0,
                                   config->max_message_size, self->zap,
                                   JB__ROLE_PUBLISHERS, broker->frontend, error);
    if (!self->frontend)
        return -1;
    //  Subscribers send only subscriptions, which are no longer than the
    //  topics they match; the same limit keeps a peer from sending more.
    self->backend = s_socket_bind(ZMQ_XPUB, config->backend, "subscribers", config, 0,
                                  config->max_message_size, self->zap,
                                  JB__ROLE_SUBSCRIBERS, broker->backend, error);
    if (!self->backend)
        return -1;
    if (config->control && *config->control) {
        self->control = s_socket_bind(ZMQ_REP, config->control, "control", config,
                                      s_CONTROL_HWM, s_CONTROL_FRAME_MAX, self->zap,
                                      JB__ROLE_CONTROL, broker->control, error);
        if (!self->control)
            return -1;
    }
    if (s_monitors_start(self, error))
        return -1;
    if (config->http && *config->http && s_monitoring_bind(self, broker, error))
        return -1;
    char oversized_warning [200];
    snprintf(oversized_warning, sizeof oversized_warning, "%d peers have sent "
             "messages past the bounds; those of further peers are counted, not logged",
             s_PEERS_MAX);
    if (!(self->oversized_peers = jb__log_once_new(s_PEERS_MAX, oversized_warning))) {
        jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
        return -1;
    }
    if (config->strict || self->guard) {
        char full_warning [200];
        snprintf(full_warning, sizeof full_warning, "%d peers have sent "
                 "messages that were rejected (strict mode's binding check, or with CURVE a "
                 "type that is not the topic); those of further peers are counted, not logged", s_PEERS_MAX);
        if (!(self->peers = jb__log_once_new(s_PEERS_MAX, full_warning))) {
            jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
            return -1;
        }
    }
    self->frontend_handle = zsock_resolve(self->frontend);
    self->backend_handle = zsock_resolve(self->backend);
    self->control_handle = self->control? zsock_resolve(self->control): NULL;
    self->monitor_handle = zsock_resolve(self->monitor);
    self->started_ms = zclock_mono();
    self->stats_interval_ms = config->stats_interval_ms;
    self->next_stats_ms = self->started_ms + self->stats_interval_ms;
    self->strict = config->strict;
    self->max_frames = (size_t) config->max_frames;
    int64_t max_bytes = config->max_message_bytes == 0? config->max_message_size
                                                       : config->max_message_bytes;
    self->max_bytes = max_bytes < 0? UINT64_MAX: (uint64_t) max_bytes;
    self->inspected = self->strict || self->guard;
    if (config->announce_retain_ms > 0
    &&  !(self->retained = jb__retained_new(config->announce_retain_ms))) {
        jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
        return -1;
    }
    if (config->journal && *config->journal && s_journal_open(self, config, broker, error))
        return -1;
    return 0;
}

//  --------------------------------------------------------------------------

jb_broker_t *
jb_broker_new(const jb_broker_config_t *config, jb_error_t *error)
{
    jb_broker_config_t defaults;
    jb_broker_config_defaults(&defaults);
    if (!config)
        config = &defaults;
    if (jb__broker_config_check(config, error))
        return NULL;
    //  Valid to libzmq, which waits heartbeat_timeout for traffic after
    //  each ping, but a peer then has less time to answer than the period
    //  between pings, and 0 waits for nothing: most likely the two values
    //  were swapped or the timeout was forgotten. A warning, not a refusal:
    //  a tight timeout on a fast link is a choice someone may make.
    if (config->heartbeat_ivl_ms > 0 && config->heartbeat_timeout_ms < config->heartbeat_ivl_ms)
        jb_log(JB_LOG_WARN, "heartbeat_timeout (%d ms) is below heartbeat_ivl (%d ms): a "
                     "peer must answer each ping sooner than pings are sent; libzmq's own "
                     "default timeout is the interval", config->heartbeat_timeout_ms,
                     config->heartbeat_ivl_ms);
    jb_broker_t *self = (jb_broker_t *) calloc(1, sizeof *self);
    if (self)
        self->curve = config->curve_cert && *config->curve_cert;
    jb__forwarder_t *forwarder = jb__forwarder_new();
    if (!self || !forwarder) {
        jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
        goto failed;
    }
    if (s_forwarder_open(forwarder, config, self, error))
        goto failed;
    char curve [JB_BROKER_PATH_MAX + 64] = "";
    if (forwarder->guard) {
        char summary [JB_BROKER_PATH_MAX + 48];
        jb__guard_describe(forwarder->guard, summary, sizeof summary);
        snprintf(curve, sizeof curve, " curve (%s)", summary);
    }
    //  From here the actor owns the forwarder and its sockets.
    self->actor = zactor_new(jb__forwarder_actor, forwarder);
    if (!self->actor) {
        jb__broker_error(error, JB_ENOMEM, NULL, "cannot start the broker thread");
        goto failed;
    }
    if (config->http && *config->http && s_monitoring_start(self, config, error)) {
        jb__replay_destroy(&self->replay);  //  before the actor, as in destroy
        zactor_destroy(&self->actor);
        forwarder = NULL;                   //  the actor destroyed it
        goto failed;
    }
    jb_log(JB_LOG_INFO, "jbus broker started: frontend=%s backend=%s control=%s%s%s%s%s%s%s%s%s",
              self->frontend, self->backend, *self->control? self->control: "none",
              config->strict? " strict": "", curve, self->recorder? " journal=": "",
              self->recorder? config->journal: "", *self->replay_endpoint? " replay=": "",
              self->replay_endpoint, *self->http? " http=": "", self->http);
    return self;

failed:
    if (self)
        jb__replay_destroy(&self->replay);
    jb__forwarder_destroy(&forwarder);
    if (self)
        jb__recorder_destroy(&self->recorder);
    free(self);
    return NULL;
}

//  --------------------------------------------------------------------------

void
jb_broker_destroy(jb_broker_t **self_p)
{
    assert(self_p);
    jb_broker_t *self = *self_p;
    if (self) {
        //  the monitoring endpoint and the replay first: they ask the
        //  actor and read the journal, and the replay's clients' CURVE
        //  handshakes and rules are the actor's
        jb__monitoring_destroy(&self->monitoring);
        jb__replay_destroy(&self->replay);
        zactor_destroy(&self->actor);
        //  after the actor, which fed it: it records what is queued, commits
        jb__recorder_destroy(&self->recorder);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  A reload: the rules and the clients directory, for what comes from now.

int
jb_broker_reload(jb_broker_t *self, const jb_broker_config_t *config, jb_error_t *error)
{
    assert(self);
    assert(config);
    if (jb__broker_config_check(config, error))
        return error? error->code: JB_ECONFIG;
    bool curve = config->curve_cert && *config->curve_cert;
    if (curve != self->curve)
        return jb__broker_error(error, JB_ECONFIG, "curve_cert", "CURVE cannot be turned %s by "
                                "a reload: restart the broker", curve? "on": "off");
    if (!self->curve)
        return 0;                           //  without CURVE, no rules apply
    const jb__rules_t *rules = jb__broker_config_rules(config);
    jb__rules_t *copy = rules? jb__rules_dup(rules): jb__rules_new();
    if (!copy)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    size_t count = jb__rules_size(copy);
    if (zsock_send(self->actor, "sp", "RELOAD", copy) == -1) {
        jb__rules_destroy(&copy);
        return jb__broker_error(error, JB_ECLOSED, NULL, "the broker's thread has ended");
    }
    zsock_wait(self->actor);                //  the actor has taken copy
    if (self->replay) {
        jb__rules_t *none = rules? NULL: jb__rules_new();
        if (rules || none)
            jb__replay_reload(self->replay, rules? rules: none);
        jb__rules_destroy(&none);
    }
    jb_log(JB_LOG_INFO, "reloaded: %zu client rules, the clients directory read again",
           count);
    return 0;
}

//  --------------------------------------------------------------------------

const char *
jb_broker_endpoint_frontend(const jb_broker_t *self)
{
    assert(self);
    return self->frontend;
}

const char *
jb_broker_endpoint_backend(const jb_broker_t *self)
{
    assert(self);
    return self->backend;
}

const char *
jb_broker_endpoint_control(const jb_broker_t *self)
{
    assert(self);
    return self->control;
}

const char *
jb_broker_endpoint_replay(const jb_broker_t *self)
{
    assert(self);
    return self->replay_endpoint;
}

const char *
jb_broker_endpoint_http(const jb_broker_t *self)
{
    assert(self);
    return self->http;
}

//  --------------------------------------------------------------------------

int
jb_broker_stats(jb_broker_t *self, jb_broker_stats_t *stats)
{
    assert(self);
    assert(stats);
    memset(stats, 0, sizeof *stats);
    if (zstr_send(self->actor, "STATS") == -1)
        return JB_ECLOSED;
    //  The reply is the struct itself; anything else is the signal the
    //  actor's thread sends as it ends.
    jb_broker_stats_t reply;
    int size;
    do
        size = zmq_recv(zsock_resolve(self->actor), &reply, sizeof reply, 0);
    while (size == -1 && zmq_errno() == EINTR);
    if (size != (int) sizeof reply)
        return JB_ECLOSED;
    *stats = reply;
    return 0;
}
