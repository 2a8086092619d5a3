/*  =========================================================================
    broker_config.c - the broker's configuration: defaults, keys, the ZPL
    file, and the check of a config filled in code

    One table of keys (s_keys) serves jb_broker_config_set, which takes
    text from a file or a flag, and jb__broker_config_check, which checks
    the fields of a config filled in code before the broker binds anything:
    a key is described once, with its kind, its field and its range.
    ========================================================================= */

#include <czmq.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>

#include "jbus.h"
#include "broker_config.h"
#include "monitoring.h"
#include "file.h"
#include "rules.h"
#include "text.h"

//  The largest configuration file read; the real one is a dozen lines.
#define s_CONFIG_FILE_MAX (64 * 1024)

//  Slots in jb_broker_config_t.owned, one per string field.
enum {
    s_OWNED_FRONTEND, s_OWNED_BACKEND, s_OWNED_CONTROL, s_OWNED_CURVE_CERT,
    s_OWNED_CURVE_CLIENTS, s_OWNED_JOURNAL, s_OWNED_JOURNAL_FILTERS, s_OWNED_REPLAY,
    s_OWNED_LOG_LEVEL, s_OWNED_LOG_FILE, s_OWNED_HTTP, s_OWNED_HTTP_TOKEN, s_OWNED_COUNT
};
_Static_assert(s_OWNED_COUNT == sizeof ((jb_broker_config_t *) 0)->owned / sizeof (char *),
               "one owned slot per string field");

//  --------------------------------------------------------------------------
//  Configuration keys, shared by jb_broker_config_set (text from a file or
//  a flag) and the check jb_broker_new makes of a config filled in code.

//  s_LIST: a string of lines, to which each set adds one.
//  s_MS, s_MS64: a duration (jbus/duration.h: "500ms", "5s", "1h"; a bare
//  number is milliseconds), kept as milliseconds in an int or an int64_t.
typedef enum { s_STRING, s_PATH, s_INT, s_INT64, s_BOOL, s_LIST, s_MS, s_MS64 } s_kind_t;

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
    { "max_frames",        s_INT,   offsetof(jb_broker_config_t, max_frames),
      1, JB_BROKER_FRAMES_MAX, -1 },
    { "max_message_bytes", s_INT64, offsetof(jb_broker_config_t, max_message_bytes),
      -1, INT64_MAX, -1 },
    { "announce_retain",   s_MS,    offsetof(jb_broker_config_t, announce_retain_ms),
      0, INT_MAX, -1 },
    { "linger",            s_MS,    offsetof(jb_broker_config_t, linger_ms), 0, INT_MAX, -1 },
    { "stats_interval",    s_MS,    offsetof(jb_broker_config_t, stats_interval_ms),
      0, INT_MAX, -1 },
    { "heartbeat_ivl",     s_MS,    offsetof(jb_broker_config_t, heartbeat_ivl_ms),
      0, INT_MAX, -1 },
    { "heartbeat_timeout", s_MS,    offsetof(jb_broker_config_t, heartbeat_timeout_ms),
      0, INT_MAX, -1 },
    { "strict",            s_BOOL,  offsetof(jb_broker_config_t, strict), 0, 1, -1 },
    { "curve_cert",        s_PATH,  offsetof(jb_broker_config_t, curve_cert), 0, 0,
      s_OWNED_CURVE_CERT },
    { "curve_clients",     s_PATH,  offsetof(jb_broker_config_t, curve_clients), 0, 0,
      s_OWNED_CURVE_CLIENTS },
    { "journal",           s_PATH,  offsetof(jb_broker_config_t, journal), 0, 0,
      s_OWNED_JOURNAL },
    { "journal_filter",    s_LIST,  offsetof(jb_broker_config_t, journal_filters), 0, 0,
      s_OWNED_JOURNAL_FILTERS },
    { "journal_max_bytes", s_INT64, offsetof(jb_broker_config_t, journal_max_bytes),
      1024 * 1024, INT64_MAX / 4, -1 },
    { "journal_max_age",   s_MS64, offsetof(jb_broker_config_t, journal_max_age_ms),
      0, INT64_MAX, -1 },
    { "journal_commit_ms", s_MS,    offsetof(jb_broker_config_t, journal_commit_ms),
      1, 60000, -1 },
    { "journal_commit_count", s_INT, offsetof(jb_broker_config_t, journal_commit_count),
      1, 1000000, -1 },
    { "journal_sync",      s_BOOL,  offsetof(jb_broker_config_t, journal_sync), 0, 1, -1 },
    { "journal_queue",     s_INT,   offsetof(jb_broker_config_t, journal_queue), 1, INT_MAX, -1 },
    { "replay",            s_STRING, offsetof(jb_broker_config_t, replay), 0, 0,
      s_OWNED_REPLAY },
    { "log_level",         s_PATH,  offsetof(jb_broker_config_t, log_level), 0, 0,
      s_OWNED_LOG_LEVEL },
    { "log_file",          s_PATH,  offsetof(jb_broker_config_t, log_file), 0, 0,
      s_OWNED_LOG_FILE },
    { "http",              s_STRING, offsetof(jb_broker_config_t, http), 0, 0, s_OWNED_HTTP },
    { "http_token",        s_PATH,  offsetof(jb_broker_config_t, http_token), 0, 0,
      s_OWNED_HTTP_TOKEN },
};

#define s_KEY_COUNT (sizeof s_keys / sizeof s_keys[0])

//  An endpoint that may be "" (none): the control, replay and monitoring
//  endpoints.
static bool
s_optional(const s_key_t *entry)
{
    return entry->owned == s_OWNED_CONTROL || entry->owned == s_OWNED_REPLAY
        || entry->owned == s_OWNED_HTTP;
}

//  The public config names the type of its rules, struct jb_broker_rules,
//  without defining it; this is it: a box around the table, whose own
//  type stays private.
struct jb_broker_rules {
    jb__rules_t *table;
};

//  --------------------------------------------------------------------------
//  The box at *rules_p, made with an empty table when there is none.
//  Returns its table, or NULL when out of memory.

static jb__rules_t *
s_rules_open(struct jb_broker_rules **rules_p)
{
    if (!*rules_p) {
        struct jb_broker_rules *rules = (struct jb_broker_rules *) calloc(1, sizeof *rules);
        if (!rules)
            return NULL;
        if (!(rules->table = jb__rules_new())) {
            free(rules);
            return NULL;
        }
        *rules_p = rules;
    }
    return (*rules_p)->table;
}

//  Free the box at *rules_p and its table; set *rules_p to NULL. Accepts
//  NULL.
static void
s_rules_destroy(struct jb_broker_rules **rules_p)
{
    struct jb_broker_rules *rules = *rules_p;
    if (rules) {
        jb__rules_destroy(&rules->table);
        free(rules);
        *rules_p = NULL;
    }
}

//  --------------------------------------------------------------------------

const jb__rules_t *
jb__broker_config_rules(const jb_broker_config_t *config)
{
    assert(config);
    return config->rules? config->rules->table: NULL;
}

//  --------------------------------------------------------------------------

int
jb__broker_error(jb_error_t *error, int code, const char *key, const char *format, ...)
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
    config->max_frames = 3;             //  structured mode's; a batch is
                                        //  sent as one message per event
    config->max_message_bytes = 0;      //  max_message_size
    config->announce_retain_ms = 60000;
    config->linger_ms = 1000;
    config->stats_interval_ms = 60000;
    config->heartbeat_ivl_ms = 5000;
    config->heartbeat_timeout_ms = 15000;
    config->strict = false;
    config->journal_max_bytes = (int64_t) 1 << 30;
    config->journal_max_age_ms = (int64_t) 7 * 24 * 3600 * 1000;
    config->journal_commit_ms = 10;
    config->journal_commit_count = 1000;
    config->journal_sync = true;
    config->journal_queue = 100000;
    config->replay = JB_BROKER_REPLAY_DEFAULT;
}

//  --------------------------------------------------------------------------

void
jb_broker_config_reset(jb_broker_config_t *config)
{
    assert(config);
    for (size_t slot = 0; slot < sizeof config->owned / sizeof config->owned[0]; slot++)
        free(config->owned[slot]);
    s_rules_destroy(&config->rules);
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
        return jb__broker_error(error, JB_ECONFIG, key, "unknown key \"%.100s\"", key);
    char *field = (char *) config + entry->offset;
    if (entry->kind == s_LIST) {
        //  one more line; a type holds no control character, so no prefix
        //  worth filtering on holds a newline
        if (strchr(value, '\n') || strlen(value) >= JB_BROKER_ENDPOINT_MAX)
            return jb__broker_error(error, JB_ECONFIG, key, "\"%.60s\" is no type prefix (one "
                                    "line of at most %d bytes)", value,
                                    JB_BROKER_ENDPOINT_MAX - 1);
        const char *lines;
        memcpy(&lines, field, sizeof lines);
        size_t before = lines? strlen(lines) + 1: 0;
        char *joined = (char *) malloc(before + strlen(value) + 1);
        if (!joined)
            return jb__broker_error(error, JB_ENOMEM, key, "out of memory");
        if (lines) {
            memcpy(joined, lines, before - 1);
            joined[before - 1] = '\n';
        }
        strcpy(joined + before, value);
        free(config->owned[entry->owned]);
        config->owned[entry->owned] = joined;
        memcpy(field, &joined, sizeof joined);
        return 0;
    }
    if (entry->kind == s_STRING || entry->kind == s_PATH) {
        if (entry->kind == s_STRING && strlen(value) >= JB_BROKER_ENDPOINT_MAX)
            return jb__broker_error(error, JB_ECONFIG, key,
                                    "endpoint \"%.60s...\" is longer than %d bytes",
                                    value, JB_BROKER_ENDPOINT_MAX - 1);
        if (entry->kind == s_PATH && strlen(value) >= JB_BROKER_PATH_MAX)
            return jb__broker_error(error, JB_ECONFIG, key,
                                    "path \"%.60s...\" is longer than %d bytes",
                                    value, JB_BROKER_PATH_MAX - 1);
        if (*value == '\0' && entry->kind == s_STRING && !s_optional(entry))
            return jb__broker_error(error, JB_ECONFIG, key, "\"\" is not an endpoint");
        char *copy = jb__strndup(value, strlen(value));
        if (!copy)
            return jb__broker_error(error, JB_ENOMEM, key, "out of memory");
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
            return jb__broker_error(error, JB_ECONFIG, key,
                                    "\"%.100s\" is not one of true, false, 1, 0", value);
        memcpy(field, &flag, sizeof flag);
        return 0;
    }
    int64_t number;
    if (entry->kind == s_MS || entry->kind == s_MS64) {
        jb_error_t detail;
        if (jb_duration_parse(value, 1, &number, &detail))
            return jb__broker_error(error, JB_ECONFIG, key, "%s", detail.message);
        if (number < entry->min || number > entry->max)
            return jb__broker_error(error, JB_ECONFIG, key, "%.100s is not from %" PRId64
                                    " ms to %" PRId64 " ms", value, entry->min, entry->max);
    }
    else
    if (!s_parse_number(value, entry->min, entry->max, &number))
        return jb__broker_error(error, JB_ECONFIG, key,
                                "\"%.100s\" is not a whole number from %" PRId64 " to %" PRId64,
                                value, entry->min, entry->max);
    if (entry->kind == s_INT || entry->kind == s_MS) {
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
    jb__rules_t *rules = s_rules_open(&config->rules);
    if (!rules)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    jb_error_t detail;
    int rc = jb__rules_allow(rules, client_key, (int) right, prefix, &detail);
    if (rc && made)
        s_rules_destroy(&config->rules);
    return rc? jb__broker_error(error, rc, "clients", "%s", detail.message): 0;
}

//  --------------------------------------------------------------------------
//  Add the rule of one subsection of the clients section to rules: its
//  name, one key, publish and subscribe prefixes.

static int
s_config_client(jb__rules_t *rules, zconfig_t *client, const char *path, jb_error_t *error)
{
    const char *name = zconfig_name(client);
    if (zconfig_value(client) && *zconfig_value(client))
        return jb__broker_error(error, JB_ECONFIG, "clients",
                                "config file %s: clients/%.100s: a client is a subsection (key, "
                                "publish, subscribe), not a value", path, name);
    const char *key = NULL;
    for (zconfig_t *entry = zconfig_child(client); entry; entry = zconfig_next(entry)) {
        const char *what = zconfig_name(entry);
        if (zconfig_child(entry)
        ||  (!streq(what, "key") && !streq(what, "publish") && !streq(what, "subscribe")))
            return jb__broker_error(error, JB_ECONFIG, "clients",
                                    "config file %s: clients/%.100s/%.100s: unknown %s (a "
                                    "client has key, publish and subscribe)", path, name, what,
                                    zconfig_child(entry)? "subsection": "key");
        if (streq(what, "key")) {
            if (key)
                return jb__broker_error(error, JB_ECONFIG, "clients",
                                        "config file %s: clients/%.100s: more than one key",
                                        path, name);
            key = zconfig_value(entry)? zconfig_value(entry): "";
        }
    }
    if (!key)
        return jb__broker_error(error, JB_ECONFIG, "clients",
                                "config file %s: clients/%.100s: no key (the client's public "
                                "key, or \"*\" for every client without a rule)", path, name);
    jb_error_t detail;
    int rc = jb__rules_add_client(rules, key, name, &detail);
    for (zconfig_t *entry = zconfig_child(client); rc == 0 && entry; entry = zconfig_next(entry)) {
        const char *what = zconfig_name(entry);
        if (!streq(what, "key"))
            rc = jb__rules_allow(rules, key,
                                 streq(what, "publish")? JB_BROKER_PUBLISH: JB_BROKER_SUBSCRIBE,
                                 zconfig_value(entry)? zconfig_value(entry): "", &detail);
    }
    return rc? jb__broker_error(error, rc,
                                "clients", "config file %s: clients/%.100s: %s", path, name,
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
            jb__rules_t *rules = s_rules_open(&config->rules);
            if (!rules)
                return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
            for (zconfig_t *client = zconfig_child(section); client;
                 client = zconfig_next(client)) {
                int rc = s_config_client(rules, client, path, error);
                if (rc)
                    return rc;
            }
            continue;
        }
        if (!streq(name, "broker"))
            return jb__broker_error(error, JB_ECONFIG, name,
                                    "config file %s: unknown section \"%.100s\" (the broker reads "
                                    "\"broker\" and \"clients\")", path, name);
        for (zconfig_t *entry = zconfig_child(section); entry; entry = zconfig_next(entry)) {
            const char *key = zconfig_name(entry);
            const char *value = zconfig_value(entry)? zconfig_value(entry): "";
            if (zconfig_child(entry))
                return jb__broker_error(error, JB_ECONFIG, key,
                                        "config file %s: broker/%.100s: unexpected subsection "
                                        "\"%.100s\"", path, key,
                                        zconfig_name(zconfig_child(entry)));
            if (!s_key_find(key))
                return jb__broker_error(error, JB_ECONFIG, key,
                                        "config file %s: unknown key \"broker/%.100s\"", path,
                                        key);
            jb_error_t detail;
            int rc = jb_broker_config_set(config, key, value, &detail);
            if (rc)
                return jb__broker_error(error, rc, key, "config file %s: broker/%s: %s", path, key,
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
    char *text;
    size_t size;
    int read_errno = jb__file_read(path, s_CONFIG_FILE_MAX, &text, &size);
    if (read_errno == ENOMEM)
        return jb__broker_error(error, JB_ENOMEM, NULL, "out of memory");
    if (read_errno == EFBIG)
        return jb__broker_error(error, JB_ECONFIG, NULL, "config file %s: larger than %d bytes",
                                path, s_CONFIG_FILE_MAX);
    if (read_errno)
        return jb__broker_error(error, JB_EIO, NULL, "config file %s: %s", path,
                                strerror(read_errno));
    zconfig_t *root = zconfig_str_load(text);
    free(text);
    if (!root)
        return jb__broker_error(error, JB_ECONFIG, NULL,
                                "config file %s: not valid ZPL (the log names the line)", path);
    jb_broker_config_t loaded = *config;
    memset(loaded.owned, 0, sizeof loaded.owned);
    loaded.rules = NULL;                //  the file's, when it has any
    int rc = s_config_apply(&loaded, root, path, error);
    zconfig_destroy(&root);
    if (rc)
        s_rules_destroy(&loaded.rules);
    else
    if (loaded.rules) {
        s_rules_destroy(&config->rules);
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

//  The monitoring endpoint: an address it can bind, a token that is one,
//  and with CURVE on, loopback unless a token guards it.
static int
s_http_check(const jb_broker_config_t *config, bool curve, jb_error_t *error)
{
    bool token = config->http_token && *config->http_token;
    if (token) {
        size_t size = strlen(config->http_token);
        for (size_t index = 0; index < size; index++) {
            unsigned char next = (unsigned char) config->http_token[index];
            if (next <= ' ' || next >= 0x7F)
                return jb__broker_error(error, JB_ECONFIG, "http_token", "http_token: only "
                                        "printable ASCII without spaces may be a bearer token");
        }
        if (size < JB__MONITORING_TOKEN_MIN)
            return jb__broker_error(error, JB_ECONFIG, "http_token", "http_token: %zu "
                                    "characters is too short to guard anything; use at least "
                                    "%d random ones", size, JB__MONITORING_TOKEN_MIN);
    }
    if (!config->http || !*config->http)
        return 0;
    jb__monitoring_address_t address;
    jb_error_t detail;
    if (jb__monitoring_address_parse(config->http, &address, &detail))
        return jb__broker_error(error, JB_ECONFIG, "http", "http: %s", detail.message);
    if (curve && !token && !address.loopback)
        return jb__broker_error(error, JB_ECONFIG, "http", "http: %s is not loopback: with "
                                "CURVE on, the monitoring endpoint must be guarded by "
                                "http_token, or bind to loopback only (127.0.0.1:PORT, or "
                                "just PORT)", config->http);
    return 0;
}

int
jb__broker_config_check(const jb_broker_config_t *config, jb_error_t *error)
{
    jb_log_level_t level;
    jb_error_t detail;
    if (config->log_level && *config->log_level
    &&  jb_log_level_parse(config->log_level, &level, &detail))
        return jb__broker_error(error, JB_ECONFIG, "log_level", "log_level: %s", detail.message);
    for (size_t index = 0; index < s_KEY_COUNT; index++) {
        const s_key_t *entry = &s_keys[index];
        const char *field = (const char *) config + entry->offset;
        if (entry->kind == s_PATH) {
            const char *value;
            memcpy(&value, field, sizeof value);
            if (value && strlen(value) >= JB_BROKER_PATH_MAX)
                return jb__broker_error(error, JB_ECONFIG, entry->key,
                                        "%s: path \"%.60s...\" is longer than %d bytes",
                                        entry->key, value, JB_BROKER_PATH_MAX - 1);
            continue;
        }
        if (entry->kind == s_STRING) {
            const char *value;
            memcpy(&value, field, sizeof value);
            if (!s_optional(entry) && (!value || *value == '\0'))
                return jb__broker_error(error, JB_ECONFIG, entry->key,
                                        "%s: no endpoint given", entry->key);
            if (value && strlen(value) >= JB_BROKER_ENDPOINT_MAX)
                return jb__broker_error(error, JB_ECONFIG, entry->key,
                                        "%s: endpoint \"%.60s...\" is longer than %d bytes",
                                        entry->key, value, JB_BROKER_ENDPOINT_MAX - 1);
            continue;
        }
        if (entry->kind == s_LIST) {
            const char *lines;
            memcpy(&lines, field, sizeof lines);
            for (const char *line = lines; line && *line; ) {
                size_t size = strcspn(line, "\n");
                if (size >= JB_BROKER_ENDPOINT_MAX)
                    return jb__broker_error(error, JB_ECONFIG, entry->key, "%s: \"%.60s...\" is "
                                            "longer than %d bytes", entry->key, line,
                                            JB_BROKER_ENDPOINT_MAX - 1);
                line += size + (line[size] == '\n');
            }
            continue;
        }
        if (entry->kind == s_BOOL)
            continue;                   //  always in range
        int64_t number;
        if (entry->kind == s_INT || entry->kind == s_MS) {
            int narrow;
            memcpy(&narrow, field, sizeof narrow);
            number = narrow;
        }
        else
            memcpy(&number, field, sizeof number);
        if (number < entry->min || number > entry->max)
            return jb__broker_error(error, JB_ECONFIG, entry->key,
                                    "%s: %" PRId64 " is not from %" PRId64 " to %" PRId64,
                                    entry->key, number, entry->min, entry->max);
    }
    //  CURVE is all or nothing: a piece missing never means "no security"
    bool cert = config->curve_cert && *config->curve_cert;
    bool clients = config->curve_clients && *config->curve_clients;
    if (cert != clients)
        return jb__broker_error(error, JB_ECONFIG, cert? "curve_clients": "curve_cert",
                                "%s is set but %s is not: CURVE needs both the broker's secret "
                                "certificate and the directory of the clients it lets in",
                                cert? "curve_cert": "curve_clients",
                                cert? "curve_clients": "curve_cert");
    if (!cert && config->rules && jb__rules_size(config->rules->table) > 0)
        return jb__broker_error(error, JB_ECONFIG, "clients",
                                "clients: rules about client keys need CURVE: set curve_cert and "
                                "curve_clients");
    const char *endpoints [] = { config->frontend, config->backend, config->control,
                                 config->journal && *config->journal? config->replay: NULL };
    const char *roles [] = { "frontend", "backend", "control", "replay" };
    for (size_t index = 0; cert && index < 4; index++)
        if (endpoints[index] && strncmp(endpoints[index], "inproc://", 9) == 0)
            return jb__broker_error(error, JB_ECONFIG, roles[index],
                                    "%s: %s: inproc:// has no security mechanism, so CURVE "
                                    "cannot guard it; use tcp:// or ipc://", roles[index],
                                    endpoints[index]);
    return s_http_check(config, cert, error);
}
