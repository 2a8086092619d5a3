/*  =========================================================================
    broker.c - the jbus broker: an XSUB/XPUB forwarder in a CZMQ actor

    jb_broker_new() makes and binds every socket in the caller's thread, so
    that a bind failure comes back as an ordinary error with the endpoint
    named, then hands the sockets to the actor thread, which alone uses
    them from then on (thread creation is the memory barrier libzmq asks
    for when a socket changes threads).

    The actor's loop is zmq_proxy's, made cheaper: zmq_poll over the raw
    handles, and for each readable socket up to s_BATCH messages moved with
    ZMQ_DONTWAIT before polling again, so that under load one poll pays for
    many messages. Frames move with zmq_msg_recv/zmq_msg_send into one
    reused zmq_msg_t: libzmq hands the buffer over, nothing is copied.

    Strict mode has a loop of its own, chosen once per batch, so that the
    plain loop does no work for it: it gathers the frames of a message into
    zmq_msg_ts, decodes them in place (jb_frame_t views into the received
    buffers) and then sends them all or drops them all.

    A socket monitor on the frontend reports each publisher connection that
    ends on an inproc PAIR, which the loop polls beside the other sockets.

    With CURVE, the guard (guard.c) is bound as the ZeroMQ context's
    authentication handler before any socket, every socket is made a CURVE
    server, and the loop polls the handler and monitors of every socket
    too. Messages and subscriptions then go through loops of their own,
    chosen once per batch like strict mode's, which ask the guard about
    each: the plain loops stay as they were. The backend is an XPUB in
    manual mode, so that it applies only the subscriptions the guard
    grants.
    ========================================================================= */


#include "jbus.h"
#include "error.h"
#include "text.h"
#include "security_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <czmq.h>

//  Messages moved from one socket before the loop polls again: enough to
//  amortize zmq_poll, few enough that the other direction, the pipe and
//  the control socket are never starved for long.
#define s_BATCH 1000

//  The largest control request frame; a peer sending more is dropped by
//  libzmq. Requests are words like "STATS".
#define s_CONTROL_FRAME_MAX 4096

//  High-water marks of the control socket, which only ever has a request
//  or two in flight.
#define s_CONTROL_HWM 100

//  Room for the JSON answer to "STATS": nine 20-digit numbers and names.
#define s_REPLY_MAX 1024

//  Most frames of a message that fits the binding (structured mode).
#define s_FRAMES_MAX 3

//  Peer addresses remembered in strict mode, so that only the first
//  rejection from each is logged. Past this many, a stream of new peers
//  cannot grow the table: their rejections are counted, not logged.
#define s_PEERS_MAX 10000

//  Bytes of a rejected message's topic shown in the log line.
#define s_TOPIC_SHOWN 80

//  The largest configuration file read; the real one is a dozen lines.
#define s_CONFIG_FILE_MAX (64 * 1024)

//  Slots in jb_broker_config_t.owned, one per string field.
enum {
    s_OWNED_FRONTEND, s_OWNED_BACKEND, s_OWNED_CONTROL, s_OWNED_CURVE_CERT,
    s_OWNED_CURVE_CLIENTS, s_OWNED_COUNT
};
_Static_assert(s_OWNED_COUNT == sizeof ((jb_broker_config_t *) 0)->owned / sizeof (char *),
               "one owned slot per string field");

//  The broker as its owner sees it: the actor and what it bound.
struct jb_broker {
    zactor_t *actor;                            //  runs s_actor
    char frontend [JB_BROKER_ENDPOINT_MAX];     //  bound endpoints, for the
    char backend [JB_BROKER_ENDPOINT_MAX];      //  accessors; control is ""
    char control [JB_BROKER_ENDPOINT_MAX];      //  when there is none
};

//  The actor's state, made by jb_broker_new and freed by the actor.
typedef struct {
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
    zsock_t *backend_monitor;           //  CURVE: PAIRs, the backend's and the
    zsock_t *control_monitor;           //  control socket's monitors (NULL
                                        //  without CURVE or control)
    jb_broker_stats_t stats;            //  counters; uptime_ms filled on read
    int64_t started_ms;                 //  zclock_mono() at start
    int stats_interval_ms;              //  0 = no periodic line
    bool strict;                        //  check messages against the binding
    zhashx_t *peers;                    //  strict: peer addresses whose first
                                        //  rejection was logged; NULL when
                                        //  not strict
    bool peers_full;                    //  the table reached s_PEERS_MAX
} s_forwarder_t;

//  --------------------------------------------------------------------------
//  Configuration keys, shared by jb_broker_config_set (text from a file or
//  a flag) and the check jb_broker_new makes of a config filled in code.

typedef enum { s_STRING, s_PATH, s_INT, s_INT64, s_BOOL } s_kind_t;

typedef struct {
    const char *key;            //  as in the ZPL file
    s_kind_t kind;
    size_t offset;              //  of the field in jb_broker_config_t
    int64_t min, max;           //  numbers: the accepted range
    int owned;                  //  strings: slot in config->owned
} s_key_t;

static const s_key_t s_keys [] = {
    { "frontend",          s_STRING, offsetof(jb_broker_config_t, frontend), 0, 0,
      s_OWNED_FRONTEND },
    { "backend",           s_STRING, offsetof(jb_broker_config_t, backend), 0, 0,
      s_OWNED_BACKEND },
    { "control",           s_STRING, offsetof(jb_broker_config_t, control), 0, 0,
      s_OWNED_CONTROL },
    { "sndhwm",            s_INT,   offsetof(jb_broker_config_t, sndhwm), 0, INT_MAX, -1 },
    { "rcvhwm",            s_INT,   offsetof(jb_broker_config_t, rcvhwm), 0, INT_MAX, -1 },
    { "max_message_size",  s_INT64, offsetof(jb_broker_config_t, max_message_size),
      -1, INT64_MAX, -1 },
    { "linger",            s_INT,   offsetof(jb_broker_config_t, linger_ms), 0, INT_MAX, -1 },
    { "stats_interval",    s_INT,   offsetof(jb_broker_config_t, stats_interval_ms),
      0, INT_MAX, -1 },
    { "heartbeat_ivl",     s_INT,   offsetof(jb_broker_config_t, heartbeat_ivl_ms),
      0, INT_MAX, -1 },
    { "heartbeat_timeout", s_INT,   offsetof(jb_broker_config_t, heartbeat_timeout_ms),
      0, INT_MAX, -1 },
    { "strict",            s_BOOL,  offsetof(jb_broker_config_t, strict), 0, 1, -1 },
    { "curve_cert",        s_PATH,  offsetof(jb_broker_config_t, curve_cert), 0, 0,
      s_OWNED_CURVE_CERT },
    { "curve_clients",     s_PATH,  offsetof(jb_broker_config_t, curve_clients), 0, 0,
      s_OWNED_CURVE_CLIENTS },
};

#define s_KEY_COUNT (sizeof s_keys / sizeof s_keys[0])

//  --------------------------------------------------------------------------
//  Like jb__error, but the attribute is a configuration key or a socket
//  role, which jb__error would announce as a CloudEvents attribute.

static int
s_error(jb_error_t *error, int code, const char *key, const char *format, ...)
    JB_PRINTF(4, 5);

static int
s_error(jb_error_t *error, int code, const char *key, const char *format, ...)
{
    if (!error)
        return code;
    error->code = code;
    snprintf(error->attribute, sizeof error->attribute, "%s", key? key: "");
    va_list args;
    va_start(args, format);
    vsnprintf(error->message, sizeof error->message, format, args);
    va_end(args);
    return code;
}

//  --------------------------------------------------------------------------

void
jb_broker_config_defaults(jb_broker_config_t *config)
{
    assert(config);
    memset(config, 0, sizeof *config);
    config->frontend = JB_BROKER_FRONTEND_DEFAULT;
    config->backend = JB_BROKER_BACKEND_DEFAULT;
    config->control = JB_BROKER_CONTROL_DEFAULT;
    config->sndhwm = 100000;
    config->rcvhwm = 100000;
    config->max_message_size = 1024 * 1024;
    config->linger_ms = 1000;
    config->stats_interval_ms = 60000;
    config->heartbeat_ivl_ms = 5000;
    config->heartbeat_timeout_ms = 15000;
    config->strict = false;
}

//  --------------------------------------------------------------------------

void
jb_broker_config_reset(jb_broker_config_t *config)
{
    assert(config);
    for (size_t slot = 0; slot < sizeof config->owned / sizeof config->owned[0]; slot++)
        free(config->owned[slot]);
    jb__rules_destroy(&config->rules);
    jb_broker_config_defaults(config);
}

//  --------------------------------------------------------------------------
//  Parse text as a decimal integer in min..max. Only digits and a leading
//  minus: "0x10", " 5", "5k" and "" are refused rather than half-read.

static bool
s_parse_number(const char *text, int64_t min, int64_t max, int64_t *number)
{
    const char *digits = text[0] == '-'? text + 1: text;
    if (*digits == '\0' || strspn(digits, "0123456789") != strlen(digits))
        return false;
    errno = 0;
    char *end;
    long long value = strtoll(text, &end, 10);
    if (errno == ERANGE || *end != '\0' || value < min || value > max)
        return false;
    *number = value;
    return true;
}

//  --------------------------------------------------------------------------

static const s_key_t *
s_key_find(const char *key)
{
    for (size_t index = 0; index < s_KEY_COUNT; index++)
        if (streq(s_keys[index].key, key))
            return &s_keys[index];
    return NULL;
}

//  --------------------------------------------------------------------------

int
jb_broker_config_set(jb_broker_config_t *config, const char *key, const char *value,
                     jb_error_t *error)
{
    assert(config);
    assert(key);
    assert(value);
    const s_key_t *entry = s_key_find(key);
    if (!entry)
        return s_error(error, JB_ECONFIG, key, "unknown key \"%.100s\"", key);
    char *field = (char *) config + entry->offset;
    if (entry->kind == s_STRING || entry->kind == s_PATH) {
        if (entry->kind == s_STRING && strlen(value) >= JB_BROKER_ENDPOINT_MAX)
            return s_error(error, JB_ECONFIG, key, "endpoint \"%.60s...\" is longer than %d bytes",
                           value, JB_BROKER_ENDPOINT_MAX - 1);
        if (entry->kind == s_PATH && strlen(value) >= JB_BROKER_PATH_MAX)
            return s_error(error, JB_ECONFIG, key, "path \"%.60s...\" is longer than %d bytes",
                           value, JB_BROKER_PATH_MAX - 1);
        if (*value == '\0' && entry->kind == s_STRING && entry->owned != s_OWNED_CONTROL)
            return s_error(error, JB_ECONFIG, key, "\"\" is not an endpoint");
        char *copy = jb__strndup(value, strlen(value));
        if (!copy)
            return s_error(error, JB_ENOMEM, key, "out of memory");
        free(config->owned[entry->owned]);
        config->owned[entry->owned] = copy;
        memcpy(field, &copy, sizeof copy);
        return 0;
    }
    if (entry->kind == s_BOOL) {
        bool flag;
        if (streq(value, "true") || streq(value, "1"))
            flag = true;
        else
        if (streq(value, "false") || streq(value, "0"))
            flag = false;
        else
            return s_error(error, JB_ECONFIG, key,
                           "\"%.100s\" is not one of true, false, 1, 0", value);
        memcpy(field, &flag, sizeof flag);
        return 0;
    }
    int64_t number;
    if (!s_parse_number(value, entry->min, entry->max, &number))
        return s_error(error, JB_ECONFIG, key,
                       "\"%.100s\" is not a whole number from %" PRId64 " to %" PRId64,
                       value, entry->min, entry->max);
    if (entry->kind == s_INT) {
        int narrow = (int) number;
        memcpy(field, &narrow, sizeof narrow);
    }
    else
        memcpy(field, &number, sizeof number);
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_broker_config_allow(jb_broker_config_t *config, const char *client_key,
                       jb_broker_right_t right, const char *prefix, jb_error_t *error)
{
    assert(config);
    assert(client_key);
    assert(prefix);
    bool made = !config->rules;
    if (made && !(config->rules = jb__rules_new()))
        return s_error(error, JB_ENOMEM, NULL, "out of memory");
    jb_error_t detail;
    int rc = jb__rules_allow(config->rules, client_key, (int) right, prefix, &detail);
    if (rc && made)
        jb__rules_destroy(&config->rules);
    return rc? s_error(error, rc, "clients", "%s", detail.message): 0;
}

//  --------------------------------------------------------------------------
//  Add the rule of one subsection of the clients section to rules: its
//  name, one key, publish and subscribe prefixes.

static int
s_config_client(jb__rules_t *rules, zconfig_t *client, const char *path, jb_error_t *error)
{
    const char *name = zconfig_name(client);
    if (zconfig_value(client) && *zconfig_value(client))
        return s_error(error, JB_ECONFIG, "clients",
                       "config file %s: clients/%.100s: a client is a subsection (key, "
                       "publish, subscribe), not a value", path, name);
    const char *key = NULL;
    for (zconfig_t *entry = zconfig_child(client); entry; entry = zconfig_next(entry)) {
        const char *what = zconfig_name(entry);
        if (zconfig_child(entry)
        ||  (!streq(what, "key") && !streq(what, "publish") && !streq(what, "subscribe")))
            return s_error(error, JB_ECONFIG, "clients",
                           "config file %s: clients/%.100s/%.100s: unknown %s (a client has "
                           "key, publish and subscribe)", path, name, what,
                           zconfig_child(entry)? "subsection": "key");
        if (streq(what, "key")) {
            if (key)
                return s_error(error, JB_ECONFIG, "clients",
                               "config file %s: clients/%.100s: more than one key", path, name);
            key = zconfig_value(entry)? zconfig_value(entry): "";
        }
    }
    if (!key)
        return s_error(error, JB_ECONFIG, "clients",
                       "config file %s: clients/%.100s: no key (the client's public key, or "
                       "\"*\" for every client without a rule)", path, name);
    jb_error_t detail;
    int rc = jb__rules_add_client(rules, key, name, &detail);
    for (zconfig_t *entry = zconfig_child(client); rc == 0 && entry; entry = zconfig_next(entry)) {
        const char *what = zconfig_name(entry);
        if (!streq(what, "key"))
            rc = jb__rules_allow(rules, key,
                                 streq(what, "publish")? JB_BROKER_PUBLISH: JB_BROKER_SUBSCRIBE,
                                 zconfig_value(entry)? zconfig_value(entry): "", &detail);
    }
    return rc? s_error(error, rc, "clients", "config file %s: clients/%.100s: %s", path, name,
                       detail.message): 0;
}

//  --------------------------------------------------------------------------
//  Apply every key of the broker section to config, or fail at the first
//  bad one with the file, the key and the value named. A clients section
//  puts new rules in config->rules, which held none.

static int
s_config_apply(jb_broker_config_t *config, zconfig_t *root, const char *path,
               jb_error_t *error)
{
    for (zconfig_t *section = zconfig_child(root); section; section = zconfig_next(section)) {
        const char *name = zconfig_name(section);
        if (streq(name, "clients")) {
            if (!config->rules && !(config->rules = jb__rules_new()))
                return s_error(error, JB_ENOMEM, NULL, "out of memory");
            for (zconfig_t *client = zconfig_child(section); client;
                 client = zconfig_next(client)) {
                int rc = s_config_client(config->rules, client, path, error);
                if (rc)
                    return rc;
            }
            continue;
        }
        if (!streq(name, "broker"))
            return s_error(error, JB_ECONFIG, name,
                           "config file %s: unknown section \"%.100s\" (the broker reads "
                           "\"broker\" and \"clients\")", path, name);
        for (zconfig_t *entry = zconfig_child(section); entry; entry = zconfig_next(entry)) {
            const char *key = zconfig_name(entry);
            const char *value = zconfig_value(entry)? zconfig_value(entry): "";
            if (zconfig_child(entry))
                return s_error(error, JB_ECONFIG, key,
                               "config file %s: broker/%.100s: unexpected subsection \"%.100s\"",
                               path, key, zconfig_name(zconfig_child(entry)));
            if (!s_key_find(key))
                return s_error(error, JB_ECONFIG, key,
                               "config file %s: unknown key \"broker/%.100s\"", path, key);
            jb_error_t detail;
            int rc = jb_broker_config_set(config, key, value, &detail);
            if (rc)
                return s_error(error, rc, key, "config file %s: broker/%s: %s", path, key,
                               detail.message);
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The file is applied to a copy, so that a bad key halfway leaves config
//  as it was; the copy's owned strings then move into config.

int
jb_broker_config_load(jb_broker_config_t *config, const char *path, jb_error_t *error)
{
    assert(config);
    assert(path);
    //  The file is read here rather than by zconfig_load, which tells a
    //  missing file from bad ZPL only by a NULL for both, and leaks on
    //  the second (CZMQ 4.2).
    FILE *file = fopen(path, "rb");
    if (!file)
        return s_error(error, JB_EIO, NULL, "config file %s: %s", path, strerror(errno));
    char *text = (char *) malloc(s_CONFIG_FILE_MAX + 1);
    size_t size = text? fread(text, 1, s_CONFIG_FILE_MAX + 1, file): 0;
    int read_errno = ferror(file)? errno: 0;
    fclose(file);
    if (!text)
        return s_error(error, JB_ENOMEM, NULL, "out of memory");
    if (read_errno || size > s_CONFIG_FILE_MAX) {
        free(text);
        return read_errno? s_error(error, JB_EIO, NULL, "config file %s: %s", path,
                                   strerror(read_errno))
                         : s_error(error, JB_ECONFIG, NULL, "config file %s: larger than %d bytes",
                                   path, s_CONFIG_FILE_MAX);
    }
    text[size] = '\0';
    zconfig_t *root = zconfig_str_load(text);
    free(text);
    if (!root)
        return s_error(error, JB_ECONFIG, NULL,
                       "config file %s: not valid ZPL (the log names the line)", path);
    jb_broker_config_t loaded = *config;
    memset(loaded.owned, 0, sizeof loaded.owned);
    loaded.rules = NULL;                //  the file's, when it has any
    int rc = s_config_apply(&loaded, root, path, error);
    zconfig_destroy(&root);
    if (rc)
        jb__rules_destroy(&loaded.rules);
    else
    if (loaded.rules) {
        jb__rules_destroy(&config->rules);
        config->rules = loaded.rules;
    }
    loaded.rules = config->rules;
    for (size_t slot = 0; slot < sizeof loaded.owned / sizeof loaded.owned[0]; slot++) {
        if (!loaded.owned[slot])
            continue;
        if (rc)
            free(loaded.owned[slot]);
        else {
            free(config->owned[slot]);
            config->owned[slot] = loaded.owned[slot];
        }
    }
    if (rc == 0) {
        memcpy(loaded.owned, config->owned, sizeof loaded.owned);
        *config = loaded;
    }
    return rc;
}

//  --------------------------------------------------------------------------
//  Check a config filled in code before anything is bound.

static int
s_config_check(const jb_broker_config_t *config, jb_error_t *error)
{
    for (size_t index = 0; index < s_KEY_COUNT; index++) {
        const s_key_t *entry = &s_keys[index];
        const char *field = (const char *) config + entry->offset;
        if (entry->kind == s_PATH) {
            const char *value;
            memcpy(&value, field, sizeof value);
            if (value && strlen(value) >= JB_BROKER_PATH_MAX)
                return s_error(error, JB_ECONFIG, entry->key,
                               "%s: path \"%.60s...\" is longer than %d bytes",
                               entry->key, value, JB_BROKER_PATH_MAX - 1);
            continue;
        }
        if (entry->kind == s_STRING) {
            const char *value;
            memcpy(&value, field, sizeof value);
            bool optional = entry->owned == s_OWNED_CONTROL;
            if (!optional && (!value || *value == '\0'))
                return s_error(error, JB_ECONFIG, entry->key, "%s: no endpoint given", entry->key);
            if (value && strlen(value) >= JB_BROKER_ENDPOINT_MAX)
                return s_error(error, JB_ECONFIG, entry->key,
                               "%s: endpoint \"%.60s...\" is longer than %d bytes",
                               entry->key, value, JB_BROKER_ENDPOINT_MAX - 1);
            continue;
        }
        if (entry->kind == s_BOOL)
            continue;                   //  a bool is always in range
        int64_t number;
        if (entry->kind == s_INT) {
            int narrow;
            memcpy(&narrow, field, sizeof narrow);
            number = narrow;
        }
        else
            memcpy(&number, field, sizeof number);
        if (number < entry->min || number > entry->max)
            return s_error(error, JB_ECONFIG, entry->key,
                           "%s: %" PRId64 " is not from %" PRId64 " to %" PRId64,
                           entry->key, number, entry->min, entry->max);
    }
    //  CURVE is all or nothing: a piece missing never means "no security"
    bool cert = config->curve_cert && *config->curve_cert;
    bool clients = config->curve_clients && *config->curve_clients;
    if (cert != clients)
        return s_error(error, JB_ECONFIG, cert? "curve_clients": "curve_cert",
                       "%s is set but %s is not: CURVE needs both the broker's secret "
                       "certificate and the directory of the clients it lets in",
                       cert? "curve_cert": "curve_clients", cert? "curve_clients": "curve_cert");
    if (!cert && config->rules && jb__rules_size(config->rules) > 0)
        return s_error(error, JB_ECONFIG, "clients",
                       "clients: rules about client keys need CURVE: set curve_cert and "
                       "curve_clients");
    const char *endpoints [] = { config->frontend, config->backend, config->control };
    const char *roles [] = { "frontend", "backend", "control" };
    for (size_t index = 0; cert && index < 3; index++)
        if (endpoints[index] && strncmp(endpoints[index], "inproc://", 9) == 0)
            return s_error(error, JB_ECONFIG, roles[index],
                           "%s: %s: inproc:// has no security mechanism, so CURVE cannot "
                           "guard it; use tcp:// or ipc://", roles[index], endpoints[index]);
    return 0;
}

//  --------------------------------------------------------------------------
//  Make a socket of type, set its options and bind it to endpoint, then
//  read back the endpoint as bound (a "*" port becomes a number). role
//  says who connects there, for the error message. libzmq is called
//  directly: zsock_bind has its own idea of "*" (a scan of a port range)
//  and the zsock_set_* setters assert on a refused value. With guard, the
//  socket is a CURVE server for guard_role before it is bound, and an
//  XPUB applies only the subscriptions the guard grants (manual mode).

static zsock_t *
s_socket_bind(int type, const char *endpoint, const char *role, const jb_broker_config_t *config,
              int hwm_limit, int64_t frame_max, jb__guard_t *guard, jb__role_t guard_role,
              char *bound, jb_error_t *error)
{
    zsock_t *socket = zsock_new(type);
    if (!socket) {
        s_error(error, JB_ESOCKET, NULL, "socket for %s: %s", role, zmq_strerror(zmq_errno()));
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
            s_error(error, JB_ECONFIG, options[index].name, "socket for %s: %s: %s", role,
                    options[index].name, zmq_strerror(zmq_errno()));
            zsock_destroy(&socket);
            return NULL;
        }
    if (guard) {
        int manual = 1;
        int rc = jb__guard_secure(guard, handle, guard_role, error);
        if (rc == 0 && type == ZMQ_XPUB
        &&  zmq_setsockopt(handle, ZMQ_XPUB_MANUAL, &manual, sizeof manual) == -1)
            rc = s_error(error, JB_ESOCKET, NULL, "socket for %s: %s", role,
                         zmq_strerror(zmq_errno()));
        if (rc) {
            zsock_destroy(&socket);
            return NULL;
        }
    }
    if (zmq_bind(handle, endpoint) == -1) {
        s_error(error, JB_ESOCKET, NULL, "endpoint %s for %s: %s", endpoint, role,
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

static void
s_forwarder_destroy(s_forwarder_t **self_p)
{
    s_forwarder_t *self = *self_p;
    if (self) {
        if (self->monitor)
            zmq_socket_monitor(zsock_resolve(self->frontend), NULL, 0);
        if (self->backend_monitor)
            zmq_socket_monitor(zsock_resolve(self->backend), NULL, 0);
        if (self->control_monitor)
            zmq_socket_monitor(zsock_resolve(self->control), NULL, 0);
        zsock_destroy(&self->monitor);
        zsock_destroy(&self->backend_monitor);
        zsock_destroy(&self->control_monitor);
        zsock_destroy(&self->frontend);
        zsock_destroy(&self->backend);
        zsock_destroy(&self->control);
        //  Last: while a CURVE socket is open, its handler must be there
        jb__guard_destroy(&self->guard);
        zhashx_destroy(&self->peers);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Receive and send, retrying when a signal interrupts the call: an
//  embedding program's signal handlers must not cost a message.

static int
s_recv(zmq_msg_t *msg, void *socket, int flags)
{
    int rc;
    do
        rc = zmq_msg_recv(msg, socket, flags);
    while (rc == -1 && zmq_errno() == EINTR);
    return rc;
}

static int
s_send(zmq_msg_t *msg, void *socket, int flags)
{
    int rc;
    do
        rc = zmq_msg_send(msg, socket, flags);
    while (rc == -1 && zmq_errno() == EINTR);
    return rc;
}

//  --------------------------------------------------------------------------
//  Move a message whose first frame is in msg from source to sink, frame
//  by frame. The frames of a message arrive together, so once the first is
//  in, the rest are there. *bytes gets the size of all frames, *sent false
//  when the sink refused the message (XPUB and XSUB never do, short of a
//  terminated context). Returns -1 when the context is gone.

static int
s_move(zmq_msg_t *msg, void *source, void *sink, uint64_t *bytes, bool *sent)
{
    *bytes = 0;
    *sent = true;
    while (true) {
        *bytes += zmq_msg_size(msg);
        bool more = zmq_msg_more(msg);
        if (*sent && s_send(msg, sink, ZMQ_DONTWAIT | (more? ZMQ_SNDMORE: 0)) == -1) {
            if (zmq_errno() == ETERM)
                return -1;
            *sent = false;
        }
        if (!more)
            return 0;
        if (s_recv(msg, source, ZMQ_DONTWAIT) == -1)
            return -1;
    }
}

//  --------------------------------------------------------------------------
//  Forward up to s_BATCH messages from publishers to subscribers. Returns
//  -1 when the context is gone.

static int
s_forward_messages(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        uint64_t bytes;
        bool sent;
        if (s_move(msg, self->frontend_handle, self->backend_handle, &bytes, &sent))
            return -1;
        self->stats.messages_in++;
        self->stats.bytes_in += bytes;
        if (sent) {
            self->stats.messages_out++;
            self->stats.bytes_out += bytes;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  0 when the count frames of a message fit the binding, else a JB_E* code
//  with the reason in error. They are decoded where they lie (jb_frame_t
//  views into the zmq_msg_ts) into an event that is thrown away. frames
//  holds the first s_FRAMES_MAX of count.

static int
s_check(zmq_msg_t *frames, size_t count, jb_error_t *error)
{
    if (count > s_FRAMES_MAX)
        return s_error(error, JB_EFRAME, NULL,
                       "a jbus message has 2 frames (binary mode) or 3 (structured mode), "
                       "this one has %zu", count);
    jb_frame_t views [s_FRAMES_MAX];
    for (size_t index = 0; index < count; index++) {
        views[index].data = zmq_msg_data(&frames[index]);
        views[index].size = zmq_msg_size(&frames[index]);
    }
    jb_event_t *event = NULL;
    int rc = jb_message_decode(views, count, NULL, &event, error);
    jb_event_destroy(&event);
    return rc;
}

//  --------------------------------------------------------------------------
//  Count a rejected message; log it when it is the first from its peer.
//  first is its frame 0, which carries the connection's metadata.

static void
s_reject(s_forwarder_t *self, zmq_msg_t *first, const jb_error_t *error)
{
    self->stats.rejected++;
    //  inproc connections have no address; they are one peer, ""
    const char *peer = zmq_msg_gets(first, "Peer-Address");
    if (!peer)
        peer = "";
    if (zhashx_lookup(self->peers, peer))
        return;
    if (zhashx_size(self->peers) >= s_PEERS_MAX) {
        if (!self->peers_full)
            zsys_warning("jbus broker: strict: %d peers have sent messages that do not fit "
                         "the binding; those of further peers are counted, not logged",
                         s_PEERS_MAX);
        self->peers_full = true;
        return;
    }
    //  A set: only the key matters, the item need only be non-NULL.
    zhashx_insert(self->peers, peer, self);
    //  The topic is whatever the peer sent: show printable ASCII only.
    char topic [s_TOPIC_SHOWN + 4];
    size_t size = zmq_msg_size(first);
    size_t shown = size < s_TOPIC_SHOWN? size: s_TOPIC_SHOWN;
    const unsigned char *bytes = (const unsigned char *) zmq_msg_data(first);
    for (size_t index = 0; index < shown; index++)
        topic[index] = bytes[index] >= 0x20 && bytes[index] < 0x7f && bytes[index] != '"'?
                       (char) bytes[index]: '?';
    snprintf(topic + shown, sizeof topic - shown, "%s", size > shown? "...": "");
    zsys_warning("jbus broker: strict: rejected a message from %s%s (topic \"%s\"): %s; "
                 "later ones from this peer are counted, not logged",
                 *peer? "": "an inproc peer", peer, topic, error->message);
}

//  --------------------------------------------------------------------------
//  Receive the frames of a message after its first, which is in frames[0]:
//  frames holds s_FRAMES_MAX + 1 initialised messages, and frames past
//  s_FRAMES_MAX of a longer message all land in the last one. The frames
//  of a message arrive together: once the first is in, the rest are
//  there. Counts the message in. Returns -1 when the context is gone.

static int
s_gather(s_forwarder_t *self, zmq_msg_t *frames, size_t *count_p, uint64_t *bytes_p)
{
    size_t count = 1;
    uint64_t bytes = zmq_msg_size(&frames[0]);
    bool more = zmq_msg_more(&frames[0]);
    while (more) {
        zmq_msg_t *frame = &frames[count < s_FRAMES_MAX? count: s_FRAMES_MAX];
        if (s_recv(frame, self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return -1;
        count++;
        bytes += zmq_msg_size(frame);
        more = zmq_msg_more(frame);
    }
    self->stats.messages_in++;
    self->stats.bytes_in += bytes;
    *count_p = count;
    *bytes_p = bytes;
    return 0;
}

//  --------------------------------------------------------------------------
//  Strict mode, one message whose first frame is in frames[0]: gather its
//  frames, check them, then forward them all or drop them all. Returns -1
//  when the context is gone.

static int
s_forward_one_checked(s_forwarder_t *self, zmq_msg_t *frames)
{
    size_t count;
    uint64_t bytes;
    if (s_gather(self, frames, &count, &bytes))
        return -1;
    jb_error_t error;
    if (s_check(frames, count, &error)) {
        s_reject(self, &frames[0], &error);
        return 0;
    }
    assert(count <= s_FRAMES_MAX);  //  s_check refuses more
    bool sent = true;
    for (size_t index = 0; sent && index < count; index++)
        if (s_send(&frames[index], self->backend_handle,
                   ZMQ_DONTWAIT | (index + 1 < count? ZMQ_SNDMORE: 0)) == -1) {
            if (zmq_errno() == ETERM)
                return -1;
            sent = false;
        }
    if (sent) {
        self->stats.messages_out++;
        self->stats.bytes_out += bytes;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Strict mode's s_forward_messages. Returns -1 when the context is gone.

static int
s_forward_checked(s_forwarder_t *self, zmq_msg_t *frames)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(&frames[0], self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        if (s_forward_one_checked(self, frames))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  CURVE's s_forward_messages: a message whose publisher may not publish
//  its type is dropped whole and counted (the guard logs it); the others
//  go on as in strict or plain mode. Returns -1 when the context is gone.

static int
s_forward_guarded(s_forwarder_t *self, zmq_msg_t *frames)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(&frames[0], self->frontend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        if (!jb__guard_may_publish(self->guard, &frames[0], &self->stats)) {
            size_t count;
            uint64_t bytes;
            if (s_gather(self, frames, &count, &bytes))
                return -1;
            continue;
        }
        if (self->strict) {
            if (s_forward_one_checked(self, frames))
                return -1;
            continue;
        }
        uint64_t bytes;
        bool sent;
        if (s_move(&frames[0], self->frontend_handle, self->backend_handle, &bytes, &sent))
            return -1;
        self->stats.messages_in++;
        self->stats.bytes_in += bytes;
        if (sent) {
            self->stats.messages_out++;
            self->stats.bytes_out += bytes;
        }
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Read what a socket monitor (monitor, of the socket of role) has
//  reported, until nothing is left: the loop polls the frontend monitor's
//  ZMQ_FD, which signals again only once the socket has been read dry.
//  That is at most the monitor's and the PAIR's high-water marks of
//  events. An event is two frames: 6 bytes (uint16 event, uint32 value),
//  then the endpoint. Publisher disconnects are counted; failed handshakes
//  go to the guard. The events are read rather than assumed.

static void
s_monitor_read(s_forwarder_t *self, void *monitor, jb__role_t role, zmq_msg_t *msg)
{
    while (true) {
        if (s_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
            return;
        uint16_t kind = 0;
        uint32_t value = 0;
        if (zmq_msg_size(msg) >= sizeof kind + sizeof value) {
            memcpy(&kind, zmq_msg_data(msg), sizeof kind);
            memcpy(&value, (const uint8_t *) zmq_msg_data(msg) + sizeof kind, sizeof value);
        }
        if (kind == ZMQ_EVENT_DISCONNECTED && role == JB__ROLE_PUBLISHERS)
            self->stats.disconnects++;
        else
        if (self->guard)
            jb__guard_monitor_event(self->guard, role, kind, value, &self->stats);
        while (zmq_msg_more(msg))
            if (s_recv(msg, monitor, ZMQ_DONTWAIT) == -1)
                return;
    }
}

//  Every monitor: the frontend's and, with CURVE, the others.
static void
s_monitors_read(s_forwarder_t *self, zmq_msg_t *msg)
{
    s_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, msg);
    if (self->backend_monitor)
        s_monitor_read(self, zsock_resolve(self->backend_monitor), JB__ROLE_SUBSCRIBERS, msg);
    if (self->control_monitor)
        s_monitor_read(self, zsock_resolve(self->control_monitor), JB__ROLE_CONTROL, msg);
}

//  --------------------------------------------------------------------------
//  Forward up to s_BATCH subscription messages from subscribers to
//  publishers. XPUB passes only the first subscription to a prefix and
//  the last unsubscription from it: publishers hear of a topic once.

static int
s_forward_subscriptions(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1)
            return zmq_errno() == ETERM? -1: 0;
        //  Byte 0 is 1 for subscribe, 0 for unsubscribe; read it before
        //  sending empties the frame.
        int kind = zmq_msg_size(msg) > 0? *(const uint8_t *) zmq_msg_data(msg): -1;
        uint64_t bytes;
        bool sent;
        if (s_move(msg, self->backend_handle, self->frontend_handle, &bytes, &sent))
            return -1;
        if (kind == 1)
            self->stats.subscriptions++;
        else
        if (kind == 0)
            self->stats.unsubscriptions++;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  CURVE's s_forward_subscriptions: the XPUB is in manual mode and passes
//  every subscription and unsubscription, which the guard grants or
//  refuses and forwards, counting, when it is the first or the last of
//  its prefix.

static int
s_forward_subscriptions_guarded(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int message = 0; message < s_BATCH; message++) {
        if (s_recv(msg, self->backend_handle, ZMQ_DONTWAIT) == -1) {
            if (zmq_errno() == ETERM)
                return -1;
            jb__guard_subscriptions_drained(self->guard);
            return 0;
        }
        if (jb__guard_subscription(self->guard, msg, self->backend_handle,
                                   self->frontend_handle, &self->stats))
            return -1;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  The counters as of now. Disconnects and refused handshakes that the
//  monitors have reported are counted first, so that a peer's disconnect
//  that happened before the request is in the answer.

static jb_broker_stats_t
s_stats_snapshot(s_forwarder_t *self)
{
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    s_monitors_read(self, &msg);
    zmq_msg_close(&msg);
    jb_broker_stats_t stats = self->stats;
    stats.uptime_ms = (uint64_t) (zclock_mono() - self->started_ms);
    return stats;
}

//  --------------------------------------------------------------------------
//  One log line with every counter; what says why ("stats", "stopped").

static void
s_log_stats(s_forwarder_t *self, const char *what)
{
    jb_broker_stats_t stats = s_stats_snapshot(self);
    char strict [128] = "";
    if (self->strict)
        snprintf(strict, sizeof strict, ", strict: rejected %" PRIu64 " messages from %zu%s peers",
                 stats.rejected, zhashx_size(self->peers), self->peers_full? " or more": "");
    char curve [160] = "";
    if (self->guard)
        snprintf(curve, sizeof curve, ", curve: refused %" PRIu64 " handshakes, dropped %" PRIu64
                 " messages, refused %" PRIu64 " subscriptions", stats.auth_failures,
                 stats.forbidden_messages, stats.forbidden_subscriptions);
    zsys_info("jbus broker %s: in %" PRIu64 " messages %" PRIu64 " bytes, "
              "out %" PRIu64 " messages %" PRIu64 " bytes, "
              "%" PRIu64 " subscriptions, %" PRIu64 " unsubscriptions, uptime %" PRIu64 " ms, "
              "%" PRIu64 " publisher disconnects%s%s",
              what, stats.messages_in, stats.bytes_in, stats.messages_out, stats.bytes_out,
              stats.subscriptions, stats.unsubscriptions, stats.uptime_ms, stats.disconnects,
              strict, curve);
}

//  --------------------------------------------------------------------------
//  Answer up to s_BATCH control requests. REP strips the envelope and drops
//  requests without one; what reaches us is the body, which is "STATS" or
//  is answered with an error. Every frame is read, so that the socket is
//  ready for the reply, whatever a peer sent.

static void
s_control_serve(s_forwarder_t *self, zmq_msg_t *msg)
{
    for (int request = 0; request < s_BATCH; request++) {
        if (s_recv(msg, self->control_handle, ZMQ_DONTWAIT) == -1)
            return;
        bool is_stats = !zmq_msg_more(msg) && zmq_msg_size(msg) == 5
                     && memcmp(zmq_msg_data(msg), "STATS", 5) == 0;
        while (zmq_msg_more(msg))
            if (s_recv(msg, self->control_handle, ZMQ_DONTWAIT) == -1)
                return;
        char reply [s_REPLY_MAX];
        int size;
        if (is_stats) {
            jb_broker_stats_t stats = s_stats_snapshot(self);
            size = snprintf(reply, sizeof reply,
                "{\"frontend\":{\"messages_in\":%" PRIu64 ",\"bytes_in\":%" PRIu64 ","
                "\"rejected\":%" PRIu64 ",\"disconnects\":%" PRIu64 ","
                "\"forbidden\":%" PRIu64 "},"
                "\"backend\":{\"messages_out\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ","
                "\"subscriptions\":%" PRIu64 ",\"unsubscriptions\":%" PRIu64 ","
                "\"forbidden\":%" PRIu64 "},"
                "\"strict\":%s,\"curve\":%s,\"auth_failures\":%" PRIu64 ","
                "\"uptime_ms\":%" PRIu64 "}",
                stats.messages_in, stats.bytes_in, stats.rejected, stats.disconnects,
                stats.forbidden_messages, stats.messages_out, stats.bytes_out,
                stats.subscriptions, stats.unsubscriptions, stats.forbidden_subscriptions,
                self->strict? "true": "false", self->guard? "true": "false",
                stats.auth_failures, stats.uptime_ms);
        }
        else
            size = snprintf(reply, sizeof reply, "{\"error\":\"unknown request\"}");
        assert(size > 0 && (size_t) size < sizeof reply);
        int rc;
        do
            rc = zmq_send(self->control_handle, reply, (size_t) size, ZMQ_DONTWAIT);
        while (rc == -1 && zmq_errno() == EINTR);
    }
}

//  --------------------------------------------------------------------------
//  A command from the owner on the actor pipe. Returns false on "$TERM".

static bool
s_pipe_serve(s_forwarder_t *self, zsock_t *pipe)
{
    zmsg_t *request = zmsg_recv(pipe);
    if (!request)
        return zmq_errno() == EINTR;    //  else the context is gone
    char *command = zmsg_popstr(request);
    bool running = true;
    if (command && streq(command, "$TERM"))
        running = false;
    else
    if (command && streq(command, "STATS")) {
        jb_broker_stats_t stats = s_stats_snapshot(self);
        zframe_t *reply = zframe_new(&stats, sizeof stats);
        if (reply)
            zframe_send(&reply, pipe, 0);
    }
    else
        zsys_error("jbus broker: unknown command \"%s\" on the actor pipe", command? command: "");
    free(command);
    zmsg_destroy(&request);
    return running;
}

//  --------------------------------------------------------------------------
//  The actor: forward until told to stop.

static void
s_actor(zsock_t *pipe, void *args)
{
    s_forwarder_t *self = (s_forwarder_t *) args;
    zsock_signal(pipe, 0);
    //  The monitor is polled by its file descriptor, not as a socket, so
    //  that it costs the loop nothing per turn beyond one more descriptor
    //  in poll(): zmq_poll asks each socket item for ZMQ_EVENTS, which
    //  checks the socket's mailbox, every time it is called. Without the
    //  descriptor (the context is ending), poll() skips the item (-1) and
    //  disconnects are still counted whenever the counters are read.
    int monitor_fd = -1;
    size_t fd_size = sizeof monitor_fd;
    if (zmq_getsockopt(self->monitor_handle, ZMQ_FD, &monitor_fd, &fd_size) == -1)
        monitor_fd = -1;
    enum { s_PIPE, s_FRONTEND, s_BACKEND, s_MONITOR, s_ITEMS_MAX = 8 };
    zmq_pollitem_t items [s_ITEMS_MAX] = {
        { zsock_resolve(pipe), 0, ZMQ_POLLIN, 0 },
        { self->frontend_handle, 0, ZMQ_POLLIN, 0 },
        { self->backend_handle, 0, ZMQ_POLLIN, 0 },
        { NULL, monitor_fd, ZMQ_POLLIN, 0 },
    };
    int item_count = s_MONITOR + 1;
    //  The optional items follow, where they exist; -1 where they do not
    int control = -1, zap = -1, backend_monitor = -1, control_monitor = -1;
    if (self->control_handle) {
        control = item_count++;
        items[control] = (zmq_pollitem_t) { self->control_handle, 0, ZMQ_POLLIN, 0 };
    }
    if (self->guard) {
        zap = item_count++;
        items[zap] = (zmq_pollitem_t) { jb__guard_zap_handle(self->guard), 0, ZMQ_POLLIN, 0 };
        backend_monitor = item_count++;
        items[backend_monitor] = (zmq_pollitem_t) {
            zsock_resolve(self->backend_monitor), 0, ZMQ_POLLIN, 0 };
        if (self->control_monitor) {
            control_monitor = item_count++;
            items[control_monitor] = (zmq_pollitem_t) {
                zsock_resolve(self->control_monitor), 0, ZMQ_POLLIN, 0 };
        }
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    s_monitors_read(self, &msg);        //  arms the descriptor
    zmq_msg_t frames [s_FRAMES_MAX + 1];        //  strict mode's
    for (size_t index = 0; index < s_FRAMES_MAX + 1; index++)
        zmq_msg_init(&frames[index]);
    int64_t next_stats = self->started_ms + self->stats_interval_ms;
    bool running = true;
    while (running) {
        long timeout = -1;
        if (self->stats_interval_ms > 0) {
            int64_t now = zclock_mono();
            timeout = next_stats > now? (long) (next_stats - now): 0;
        }
        if (zmq_poll(items, item_count, timeout) == -1) {
            if (zmq_errno() == EINTR)
                continue;
            zsys_error("jbus broker: poll failed: %s", zmq_strerror(zmq_errno()));
            break;
        }
        //  Subscriptions first: they open the way for messages.
        if ((items[s_BACKEND].revents & ZMQ_POLLIN)
        &&  (self->guard? s_forward_subscriptions_guarded(self, &msg)
                        : s_forward_subscriptions(self, &msg)) == -1)
            break;
        if ((items[s_FRONTEND].revents & ZMQ_POLLIN)
        &&  (self->guard? s_forward_guarded(self, frames)
             : self->strict? s_forward_checked(self, frames)
             : s_forward_messages(self, &msg)) == -1)
            break;
        if (items[s_MONITOR].revents & ZMQ_POLLIN)
            s_monitor_read(self, self->monitor_handle, JB__ROLE_PUBLISHERS, &msg);
        if (zap >= 0 && (items[zap].revents & ZMQ_POLLIN))
            jb__guard_zap_serve(self->guard, &self->stats);
        if (backend_monitor >= 0 && (items[backend_monitor].revents & ZMQ_POLLIN))
            s_monitor_read(self, items[backend_monitor].socket, JB__ROLE_SUBSCRIBERS, &msg);
        if (control_monitor >= 0 && (items[control_monitor].revents & ZMQ_POLLIN))
            s_monitor_read(self, items[control_monitor].socket, JB__ROLE_CONTROL, &msg);
        if (control >= 0 && (items[control].revents & ZMQ_POLLIN))
            s_control_serve(self, &msg);
        if (items[s_PIPE].revents & ZMQ_POLLIN)
            running = s_pipe_serve(self, pipe);
        if (self->stats_interval_ms > 0 && zclock_mono() >= next_stats) {
            s_log_stats(self, "stats");
            //  A late tick does not cause a burst of lines to catch up.
            next_stats += self->stats_interval_ms;
            if (next_stats <= zclock_mono())
                next_stats = zclock_mono() + self->stats_interval_ms;
        }
    }
    zmq_msg_close(&msg);
    for (size_t index = 0; index < s_FRAMES_MAX + 1; index++)
        zmq_msg_close(&frames[index]);
    s_log_stats(self, "stopped");
    s_forwarder_destroy(&self);
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
        return s_error(error, JB_ENOMEM, NULL, "out of memory");
    char endpoint [64];
    snprintf(endpoint, sizeof endpoint, "inproc://jbus-broker-monitor-%s", zuuid_str(uuid));
    zuuid_destroy(&uuid);
    if (zmq_socket_monitor(zsock_resolve(socket), endpoint, events) == -1)
        return s_error(error, JB_ESOCKET, NULL, "monitor for %s: %s", role,
                       zmq_strerror(zmq_errno()));
    *monitor_p = zsock_new(ZMQ_PAIR);
    if (!*monitor_p || zmq_connect(zsock_resolve(*monitor_p), endpoint) == -1) {
        s_error(error, JB_ESOCKET, NULL, "monitor for %s: %s", role, zmq_strerror(zmq_errno()));
        zmq_socket_monitor(zsock_resolve(socket), NULL, 0);
        zsock_destroy(monitor_p);
        return JB_ESOCKET;
    }
    return 0;
}

//  The monitors: the frontend's always, for disconnects; with CURVE every
//  socket's, for refused handshakes.
static int
s_monitors_start(s_forwarder_t *self, jb_error_t *error)
{
    const int refused = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
                      | ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    int rc = s_monitor_start(self->frontend, ZMQ_EVENT_DISCONNECTED | (self->guard? refused: 0),
                             "publishers", &self->monitor, error);
    if (rc == 0 && self->guard)
        rc = s_monitor_start(self->backend, refused, "subscribers", &self->backend_monitor,
                             error);
    if (rc == 0 && self->guard && self->control)
        rc = s_monitor_start(self->control, refused, "control", &self->control_monitor, error);
    return rc;
}

//  --------------------------------------------------------------------------

jb_broker_t *
jb_broker_new(const jb_broker_config_t *config, jb_error_t *error)
{
    jb_broker_config_t defaults;
    jb_broker_config_defaults(&defaults);
    if (!config)
        config = &defaults;
    if (s_config_check(config, error))
        return NULL;
    jb_broker_t *self = (jb_broker_t *) calloc(1, sizeof *self);
    s_forwarder_t *forwarder = (s_forwarder_t *) calloc(1, sizeof *forwarder);
    if (!self || !forwarder) {
        free(self);
        free(forwarder);
        s_error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    //  The guard, the authentication handler, before any socket that
    //  needs it: libzmq lets every key in when there is none.
    if (config->curve_cert && *config->curve_cert) {
        forwarder->guard = jb__guard_new(config->curve_cert, config->curve_clients,
                                         config->rules, error);
        if (!forwarder->guard) {
            s_forwarder_destroy(&forwarder);
            free(self);
            return NULL;
        }
    }
    forwarder->frontend = s_socket_bind(ZMQ_XSUB, config->frontend, "publishers", config, 0,
                                        config->max_message_size, forwarder->guard,
                                        JB__ROLE_PUBLISHERS, self->frontend, error);
    //  Subscribers send only subscriptions, which are no longer than the
    //  topics they match; the same limit keeps a peer from sending more.
    if (forwarder->frontend)
        forwarder->backend = s_socket_bind(ZMQ_XPUB, config->backend, "subscribers", config, 0,
                                           config->max_message_size, forwarder->guard,
                                           JB__ROLE_SUBSCRIBERS, self->backend, error);
    if (forwarder->backend && config->control && *config->control)
        forwarder->control = s_socket_bind(ZMQ_REP, config->control, "control", config,
                                           s_CONTROL_HWM, s_CONTROL_FRAME_MAX, forwarder->guard,
                                           JB__ROLE_CONTROL, self->control, error);
    if (!forwarder->backend || (config->control && *config->control && !forwarder->control)
    ||  s_monitors_start(forwarder, error)) {
        s_forwarder_destroy(&forwarder);
        free(self);
        return NULL;
    }
    if (config->strict) {
        forwarder->peers = zhashx_new();
        if (!forwarder->peers) {
            s_forwarder_destroy(&forwarder);
            free(self);
            s_error(error, JB_ENOMEM, NULL, "out of memory");
            return NULL;
        }
    }
    forwarder->frontend_handle = zsock_resolve(forwarder->frontend);
    forwarder->backend_handle = zsock_resolve(forwarder->backend);
    forwarder->control_handle = forwarder->control? zsock_resolve(forwarder->control): NULL;
    forwarder->monitor_handle = zsock_resolve(forwarder->monitor);
    forwarder->started_ms = zclock_mono();
    forwarder->stats_interval_ms = config->stats_interval_ms;
    forwarder->strict = config->strict;
    char curve [JB_BROKER_PATH_MAX + 64] = "";
    if (forwarder->guard) {
        char summary [JB_BROKER_PATH_MAX + 48];
        jb__guard_describe(forwarder->guard, summary, sizeof summary);
        snprintf(curve, sizeof curve, " curve (%s)", summary);
    }
    //  From here the actor owns the forwarder and its sockets.
    self->actor = zactor_new(s_actor, forwarder);
    if (!self->actor) {
        s_forwarder_destroy(&forwarder);
        free(self);
        s_error(error, JB_ENOMEM, NULL, "cannot start the broker thread");
        return NULL;
    }
    zsys_info("jbus broker started: frontend=%s backend=%s control=%s%s%s",
              self->frontend, self->backend, *self->control? self->control: "none",
              config->strict? " strict": "", curve);
    return self;
}

//  --------------------------------------------------------------------------

void
jb_broker_destroy(jb_broker_t **self_p)
{
    assert(self_p);
    jb_broker_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);
        free(self);
        *self_p = NULL;
    }
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
