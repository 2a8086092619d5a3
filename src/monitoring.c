/*  =========================================================================
    monitoring.c - the broker's monitoring endpoint: HTTP

    libmicrohttpd runs the server in one thread of its own (its internal
    polling thread), so every handler runs there, one at a time: the
    DEALER that asks the actor is made and used in that thread alone, and
    needs no lock. A DEALER, not a REQ, so that an answer that comes too
    late is told from the next one (each request carries its number in its
    envelope, which the actor's REP sends back) rather than wedging the
    socket.

    What a peer sends never reaches a terminal here; what the broker's
    peers sent (prefixes, names) reaches the JSON through cJSON, which
    escapes it, and /metrics' label values escape it as Prometheus asks.
    ========================================================================= */

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <czmq.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <unistd.h>

#include "jbus.h"
#include "monitoring.h"
#include "buffer.h"
#include "error.h"
#include "text.h"

//  How long a handler waits for the actor: it answers between two
//  batches of forwarding, so this is only ever reached when it is stuck.
#define s_ACTOR_TIMEOUT_MS 2000

//  Connections the server holds at once, and how long an idle one stays:
//  a scraper or a page needs one or two; the bound keeps a flood from
//  costing more than a few file descriptors.
#define s_CONNECTIONS_MAX 32
#define s_IDLE_SECONDS 30

//  The status page (src/http_page.html, embedded at build time).
extern const char jb__http_page [];
extern const size_t jb__http_page_size;

struct jb__monitoring {
    struct MHD_Daemon *daemon;
    char endpoint [INET6_ADDRSTRLEN + 16];
    char *token;                //  or NULL
    char *actor;                //  inproc endpoint of the actor's REP
    char *config_json;
    jb__journal_t *journal;     //  or NULL
    const jb__recorder_counters_t *counters;
    int64_t started_ms;         //  wall clock
    //  The server thread's alone:
    zsock_t *dealer;            //  made at the first request
    uint64_t request;           //  the number of the last request sent
};

//  --------------------------------------------------------------------------

int
jb__monitoring_address_parse(const char *text, jb__monitoring_address_t *address,
                             jb_error_t *error)
{
    assert(text);
    assert(address);
    memset(address, 0, sizeof *address);
    char host [INET6_ADDRSTRLEN + 2] = "127.0.0.1";
    const char *port_text = text;
    const char *colon = strrchr(text, ':');
    if (colon) {
        size_t size = (size_t) (colon - text);
        if (size == 0 || size >= sizeof host)
            return jb__error(error, JB_EINVAL, NULL, "\"%.80s\" is not PORT, HOST:PORT or "
                                 "[IPV6]:PORT", text);
        memcpy(host, text, size);
        host[size] = '\0';
        port_text = colon + 1;
    }
    char *end = NULL;
    errno = 0;
    long port = strtol(port_text, &end, 10);
    if (!*port_text || *end || errno || port < 0 || port > 65535)
        return jb__error(error, JB_EINVAL, NULL, "\"%.80s\": the port is not a number from 0 "
                             "to 65535", text);
    if (streq(host, "localhost"))
        strcpy(host, "127.0.0.1");
    struct sockaddr_in *ip4 = (struct sockaddr_in *) &address->address;
    struct sockaddr_in6 *ip6 = (struct sockaddr_in6 *) &address->address;
    size_t host_size = strlen(host);
    if (streq(host, "*")) {
        ip4->sin_family = AF_INET;
        ip4->sin_addr.s_addr = htonl(INADDR_ANY);
        ip4->sin_port = htons((uint16_t) port);
        address->size = sizeof *ip4;
    }
    else
    if (host[0] == '[' && host_size > 2 && host[host_size - 1] == ']') {
        host[host_size - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &ip6->sin6_addr) != 1)
            return jb__error(error, JB_EINVAL, NULL, "\"%.80s\" is not an IPv6 address", host + 1);
        ip6->sin6_family = AF_INET6;
        ip6->sin6_port = htons((uint16_t) port);
        address->size = sizeof *ip6;
        address->loopback = IN6_IS_ADDR_LOOPBACK(&ip6->sin6_addr);
    }
    else {
        if (inet_pton(AF_INET, host, &ip4->sin_addr) != 1)
            return jb__error(error, JB_EINVAL, NULL, "\"%.80s\" is not an IPv4 address, "
                                 "\"localhost\", \"*\" or [IPV6]", host);
        ip4->sin_family = AF_INET;
        ip4->sin_port = htons((uint16_t) port);
        address->size = sizeof *ip4;
        address->loopback = (ntohl(ip4->sin_addr.s_addr) >> 24) == 127;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Ask the actor (STATS, CONNZ, SUBSZ): its answer, freshly allocated, or
//  NULL when it did not answer in time.

static char *
s_actor_ask(jb__monitoring_t *self, const char *command)
{
    if (!self->dealer) {
        self->dealer = zsock_new(ZMQ_DEALER);
        if (!self->dealer || zsock_connect(self->dealer, "%s", self->actor) == -1) {
            zsock_destroy(&self->dealer);
            return NULL;
        }
        zsock_set_linger(self->dealer, 0);
        //  An actor that is gone, or answers none, must not hang the server
        zsock_set_sndtimeo(self->dealer, s_ACTOR_TIMEOUT_MS);
    }
    uint64_t number = ++self->request;
    if (zmq_send(zsock_resolve(self->dealer), &number, sizeof number, ZMQ_SNDMORE) == -1
    ||  zmq_send(zsock_resolve(self->dealer), "", 0, ZMQ_SNDMORE) == -1
    ||  zmq_send(zsock_resolve(self->dealer), command, strlen(command), 0) == -1)
        return NULL;
    int64_t deadline = zclock_mono() + s_ACTOR_TIMEOUT_MS;
    while (true) {
        int64_t left = deadline - zclock_mono();
        zmq_pollitem_t item = { zsock_resolve(self->dealer), 0, ZMQ_POLLIN, 0 };
        if (left <= 0 || zmq_poll(&item, 1, (long) left) <= 0)
            return NULL;
        zmsg_t *reply = zmsg_recv(self->dealer);
        if (!reply)
            return NULL;
        zframe_t *envelope = zmsg_first(reply);
        bool ours = zmsg_size(reply) == 3 && zframe_size(envelope) == sizeof number
                 && memcmp(zframe_data(envelope), &number, sizeof number) == 0;
        char *text = NULL;
        if (ours) {
            zframe_t *body = zmsg_last(reply);
            text = jb__strndup((const char *) zframe_data(body), zframe_size(body));
        }
        zmsg_destroy(&reply);
        if (ours)
            return text;                //  else one that came too late
    }
}

//  --------------------------------------------------------------------------
//  /metrics: Prometheus text exposition (version 0.0.4).

//  Append a formatted piece of a line (names, help, a number: short) to
//  out, the encoders' growable buffer, which latches a failure.
static void
s_append(jb__buffer_t *out, const char *format, ...) JB_PRINTF(2, 3);

static void
s_append(jb__buffer_t *out, const char *format, ...)
{
    char piece [512];
    va_list args;
    va_start(args, format);
    int size = vsnprintf(piece, sizeof piece, format, args);
    va_end(args);
    if (size < 0 || (size_t) size >= sizeof piece)
        out->failed = true;
    else
        jb__buffer_append(out, piece, (size_t) size);
}

//  A number from object's member name, 0 when missing.
static double
s_number(const cJSON *object, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(object, name);
    return cJSON_IsNumber(item)? item->valuedouble: 0;
}

//  A label value as Prometheus reads it: \, " and newline escaped.
static void
s_label_value(jb__buffer_t *out, const char *value)
{
    for (const char *next = value; *next; next++)
        if (*next == '\\' || *next == '"')
            jb__buffer_append(out, (const char []) { '\\', *next }, 2);
        else
        if (*next == '\n')
            jb__buffer_append(out, "\\n", 2);
        else
            jb__buffer_append(out, next, 1);
}

//  The series of /metrics, each from a number of the STATS answer: in
//  object (NULL: the top level) under field, times scale. A series without
//  type and help is another of the metric above it, with other labels.
//  Those in "journal" are left out when there is no journal.
typedef struct {
    const char *name, *labels, *type, *help;
    const char *object, *field;
    double scale;
} s_series_t;

static const s_series_t s_series [] = {
    { "jbus_uptime_seconds", NULL, "gauge", "Time since the broker started.",
      NULL, "uptime_ms", 1e-3 },
    { "jbus_publishers", NULL, "gauge", "Publisher connections now (tcp, ipc).",
      "frontend", "publishers", 1 },
    { "jbus_subscribers", NULL, "gauge", "Subscriber connections now (tcp, ipc).",
      "backend", "subscribers", 1 },
    { "jbus_subscriptions", NULL, "gauge", "Subscriptions now, one per subscriber and prefix.",
      "backend", "subscriptions", 1 },
    { "jbus_prefixes", NULL, "gauge", "Distinct prefixes subscribed now.",
      "backend", "prefixes", 1 },
    { "jbus_messages_in_total", NULL, "counter", "Messages received from publishers.",
      "frontend", "messages_in", 1 },
    { "jbus_bytes_in_total", NULL, "counter", "Bytes of the messages received from publishers.",
      "frontend", "bytes_in", 1 },
    { "jbus_messages_forwarded_total", NULL, "counter", "Messages forwarded, once each however "
      "many subscribers got them.", "backend", "messages_out", 1 },
    { "jbus_bytes_forwarded_total", NULL, "counter", "Bytes of the messages forwarded.",
      "backend", "bytes_out", 1 },
    { "jbus_deliveries_total", NULL, "counter", "Messages forwarded times the subscribers "
      "whose prefixes matched.", "backend", "deliveries", 1 },
    { "jbus_bytes_delivered_total", NULL, "counter", "Bytes of the deliveries.",
      "backend", "bytes_delivered", 1 },
    { "jbus_messages_dropped_total", "reason=\"binding\"", "counter", "Messages from "
      "publishers dropped, by reason.", "frontend", "rejected", 1 },
    { "jbus_messages_dropped_total", "reason=\"oversized\"", NULL, NULL,
      "frontend", "oversized", 1 },
    { "jbus_messages_dropped_total", "reason=\"forbidden\"", NULL, NULL,
      "frontend", "forbidden", 1 },
    { "jbus_subscriptions_refused_total", NULL, "counter", "Subscriptions refused by the CURVE "
      "rules.", "backend", "forbidden", 1 },
    { "jbus_disconnects_total", "side=\"publisher\"", "counter", "Connections that ended "
      "normally, by side.", "frontend", "disconnects", 1 },
    { "jbus_disconnects_total", "side=\"subscriber\"", NULL, NULL,
      "backend", "disconnects", 1 },
    { "jbus_connections_cut_total", NULL, "counter", "Connections the broker cut: a message "
      "past the bounds, a key removed.", NULL, "cut", 1 },
    { "jbus_handshakes_refused_total", NULL, "counter", "Connections refused at the handshake.",
      NULL, "auth_failures", 1 },
    { "jbus_announcements_total", NULL, "counter", "Publishers' announcements forwarded.",
      "frontend", "announcements", 1 },
    { "jbus_announcements_resent_total", NULL, "counter", "Final announcements sent again.",
      "backend", "reannounced", 1 },
    { "jbus_journal_committed_total", NULL, "counter", "Events committed to the journal.",
      "journal", "committed", 1 },
    { "jbus_journal_dropped_total", NULL, "counter", "Events forwarded but not journaled: its "
      "queue was full.", "journal", "dropped", 1 },
    { "jbus_journal_lost_total", NULL, "counter", "Events the journal could not write.",
      "journal", "lost", 1 },
    { "jbus_journal_commits_total", NULL, "counter", "Journal commits.",
      "journal", "commits", 1 },
    { "jbus_journal_trimmed_total", NULL, "counter", "Events retention removed.",
      "journal", "trimmed", 1 },
    { "jbus_journal_last_sequence", NULL, "gauge", "The last journal sequence committed.",
      "journal", "last", 1 },
    { "jbus_replays_total", NULL, "counter", "Replays begun.", "journal", "replays", 1 },
    { "jbus_replayed_events_total", NULL, "counter", "Events replays sent.",
      "journal", "replayed", 1 },
};

static char *
s_metrics(const char *stats_json, const char *journal_json)
{
    cJSON *stats = cJSON_Parse(stats_json);
    if (!stats)
        return NULL;
    jb__buffer_t out = { NULL, 0, 0, false };
    jb__buffer_reserve(&out, 8192);
    for (size_t index = 0; index < sizeof s_series / sizeof s_series[0]; index++) {
        const s_series_t *series = &s_series[index];
        const cJSON *object = series->object?
            cJSON_GetObjectItemCaseSensitive(stats, series->object): stats;
        if (!cJSON_IsObject(object))
            continue;                       //  no journal
        if (series->type)
            s_append(&out, "# HELP %s %s\n# TYPE %s %s\n", series->name, series->help,
                     series->name, series->type);
        s_append(&out, "%s%s%s%s %.15g\n", series->name, series->labels? "{": "",
                 series->labels? series->labels: "", series->labels? "}": "",
                 s_number(object, series->field) * series->scale);
    }
    cJSON *info = journal_json? cJSON_Parse(journal_json): NULL;
    const cJSON *consumers = cJSON_GetObjectItemCaseSensitive(info, "consumers");
    if (cJSON_GetArraySize(consumers) > 0) {
        const char *names [] = { "jbus_consumer_lag", "jbus_consumer_position" };
        const char *helps [] = { "Events a durable consumer has not acknowledged.",
                                 "The last journal sequence a durable consumer acknowledged." };
        const char *fields [] = { "lag", "position" };
        for (size_t metric = 0; metric < 2; metric++) {
            s_append(&out, "# HELP %s %s\n# TYPE %s gauge\n", names[metric], helps[metric],
                     names[metric]);
            const cJSON *consumer;
            cJSON_ArrayForEach(consumer, consumers) {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(consumer, "name");
                s_append(&out, "%s{consumer=\"", names[metric]);
                s_label_value(&out, cJSON_IsString(name)? name->valuestring: "");
                s_append(&out, "\"} %.15g\n", s_number(consumer, fields[metric]));
            }
        }
    }
    cJSON_Delete(info);
    cJSON_Delete(stats);
    if (out.failed) {
        jb__buffer_free(&out);
        return NULL;
    }
    return out.data;                        //  the caller's to free()
}

//  --------------------------------------------------------------------------
//  The routes.

//  /journalz's body: {"journal": INFO or null}.
static char *
s_journal(jb__monitoring_t *self)
{
    char *info = self->journal? jb__recorder_info_json(self->journal, self->counters): NULL;
    if (self->journal && !info)
        return NULL;
    char *text = zsys_sprintf("{\"journal\":%s}", info? info: "null");
    free(info);
    return text;
}

//  /varz's body: what the broker is, its config in use and its counters.
static char *
s_varz(jb__monitoring_t *self, const char *stats)
{
    return zsys_sprintf("{\"version\":\"%d.%d.%d\",\"pid\":%ld,\"now_ms\":%" PRId64 ","
                        "\"started_ms\":%" PRId64 ",\"config\":%s,\"stats\":%s}",
                        JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH,
                        (long) getpid(), zclock_time(), self->started_ms, self->config_json,
                        stats);
}

static enum MHD_Result
s_respond(struct MHD_Connection *connection, unsigned int status, const char *type,
          char *body, bool owned)
{
    struct MHD_Response *response = MHD_create_response_from_buffer(
        strlen(body), body, owned? MHD_RESPMEM_MUST_FREE: MHD_RESPMEM_PERSISTENT);
    if (!response) {
        if (owned)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", type);
    MHD_add_response_header(response, "Cache-Control", "no-store");
    MHD_add_response_header(response, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(response, "WWW-Authenticate", "Bearer realm=\"jbus\"");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(response, "Allow", "GET, HEAD");
    enum MHD_Result result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

//  An error as JSON: {"error": "..."}; what is constant text.
static enum MHD_Result
s_error(struct MHD_Connection *connection, unsigned int status, const char *what)
{
    char *body = zsys_sprintf("{\"error\":\"%s\"}", what);
    if (!body)
        return MHD_NO;
    return s_respond(connection, status, "application/json", body, true);
}

//  True when the request carries the bearer token, or none is asked for.
//  The comparison takes the same time wherever the first difference is.
static bool
s_authorized(const jb__monitoring_t *self, struct MHD_Connection *connection)
{
    if (!self->token)
        return true;
    const char *header = MHD_lookup_connection_value(connection, MHD_HEADER_KIND,
                                                     "Authorization");
    if (!header || strncmp(header, "Bearer ", 7) != 0)
        return false;
    const char *given = header + 7;
    size_t size = strlen(self->token);
    if (strlen(given) != size)
        return false;
    unsigned char difference = 0;
    for (size_t index = 0; index < size; index++)
        difference |= (unsigned char) (given[index] ^ self->token[index]);
    return difference == 0;
}

static enum MHD_Result
s_handle(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
         const char *version, const char *upload_data, size_t *upload_data_size, void **state)
{
    (void) version;
    (void) upload_data;
    jb__monitoring_t *self = (jb__monitoring_t *) cls;
    if (!*state) {
        //  The headers are in; answer once the body (there is none) is
        static int headers_seen;
        *state = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;              //  a body is read and ignored
        return MHD_YES;
    }
    if (!streq(method, "GET") && !streq(method, "HEAD"))
        return s_error(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD");
    if (streq(url, "/") || streq(url, "/index.html"))
        return s_respond(connection, MHD_HTTP_OK, "text/html; charset=utf-8",
                         (char *) jb__http_page, false);
    const char *routes [] = { "/varz", "/connz", "/subsz", "/journalz", "/metrics" };
    size_t route = 0;
    while (route < sizeof routes / sizeof routes[0] && !streq(url, routes[route]))
        route++;
    if (route == sizeof routes / sizeof routes[0])
        return s_error(connection, MHD_HTTP_NOT_FOUND, "no such page: see /varz, /connz, "
                       "/subsz, /journalz, /metrics, or / for the status page");
    if (!s_authorized(self, connection))
        return s_error(connection, MHD_HTTP_UNAUTHORIZED, "a bearer token is required");
    char *body = NULL;
    const char *type = "application/json";
    if (route == 1 || route == 2)
        body = s_actor_ask(self, route == 1? "CONNZ": "SUBSZ");
    else
    if (route == 3)
        body = s_journal(self);
    else {
        char *stats = s_actor_ask(self, "STATS");
        if (stats && route == 0)
            body = s_varz(self, stats);
        else
        if (stats) {
            char *journal = self->journal? jb__recorder_info_json(self->journal,
                                                                  self->counters): NULL;
            body = s_metrics(stats, journal);
            free(journal);
            type = "text/plain; version=0.0.4; charset=utf-8";
        }
        free(stats);
    }
    if (!body)
        return s_error(connection, MHD_HTTP_SERVICE_UNAVAILABLE, "the broker did not answer "
                       "in time, or memory is short");
    return s_respond(connection, MHD_HTTP_OK, type, body, true);
}

//  libmicrohttpd's own complaints go to the log at debug: a peer that
//  hangs up early is not the operator's business.
static void
s_mhd_log(void *cls, const char *format, va_list args)
{
    (void) cls;
    char text [512];
    vsnprintf(text, sizeof text, format, args);
    text[strcspn(text, "\n")] = '\0';
    char shown [512];
    jb__text_escape(text, shown, sizeof shown);
    jb_log(JB_LOG_DEBUG, "http: %s", shown);
}

//  --------------------------------------------------------------------------

jb__monitoring_t *
jb__monitoring_new(const jb__monitoring_options_t *options, jb_error_t *error)
{
    assert(options);
    assert(options->address);
    assert(options->actor);
    jb__monitoring_address_t address;
    if (jb__monitoring_address_parse(options->address, &address, error))
        return NULL;
    jb__monitoring_t *self = (jb__monitoring_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->actor = jb__strndup(options->actor, strlen(options->actor));
    self->config_json = jb__strndup(options->config_json, strlen(options->config_json));
    if (options->token && *options->token)
        self->token = jb__strndup(options->token, strlen(options->token));
    self->journal = options->journal;
    self->counters = options->counters;
    self->started_ms = zclock_time();
    if (!self->actor || !self->config_json || (options->token && *options->token && !self->token)) {
        jb__monitoring_destroy(&self);
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG
                       | (address.address.ss_family == AF_INET6? MHD_USE_IPv6: 0);
    self->daemon = MHD_start_daemon(flags, 0, NULL, NULL, s_handle, self,
                                    MHD_OPTION_SOCK_ADDR, (struct sockaddr *) &address.address,
                                    MHD_OPTION_CONNECTION_LIMIT, (unsigned int) s_CONNECTIONS_MAX,
                                    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int) s_IDLE_SECONDS,
                                    MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
                                    MHD_OPTION_END);
    if (!self->daemon) {
        jb__error(error, JB_ESOCKET, NULL, "http: cannot listen on %s: %s", options->address,
                      strerror(errno));
        jb__monitoring_destroy(&self);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon,
                                                           MHD_DAEMON_INFO_BIND_PORT);
    char host [INET6_ADDRSTRLEN] = "";
    const void *raw = address.address.ss_family == AF_INET6?
        (const void *) &((const struct sockaddr_in6 *) &address.address)->sin6_addr:
        (const void *) &((const struct sockaddr_in *) &address.address)->sin_addr;
    inet_ntop(address.address.ss_family, raw, host, sizeof host);
    snprintf(self->endpoint, sizeof self->endpoint, address.address.ss_family == AF_INET6?
             "[%s]:%u": "%s:%u", host, info? info->port: 0);
    //  The config shows where this endpoint is, now that it is bound
    cJSON *config = cJSON_Parse(self->config_json);
    char *shown = NULL;
    if (config && cJSON_IsObject(config)) {
        cJSON_DeleteItemFromObjectCaseSensitive(config, "http");
        cJSON_AddStringToObject(config, "http", self->endpoint);
        shown = cJSON_PrintUnformatted(config);
    }
    cJSON_Delete(config);
    if (shown) {
        free(self->config_json);
        self->config_json = shown;
    }
    return self;
}

void
jb__monitoring_destroy(jb__monitoring_t **self_p)
{
    assert(self_p);
    jb__monitoring_t *self = *self_p;
    if (self) {
        if (self->daemon)
            MHD_stop_daemon(self->daemon);      //  joins the server thread
        zsock_destroy(&self->dealer);
        free(self->token);
        free(self->actor);
        free(self->config_json);
        free(self);
        *self_p = NULL;
    }
}

const char *
jb__monitoring_endpoint(const jb__monitoring_t *self)
{
    assert(self);
    return self->endpoint;
}
