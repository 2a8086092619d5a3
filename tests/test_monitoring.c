/*  =========================================================================
    test_monitoring.c - the broker's monitoring endpoint, over real HTTP

    jbus-broker runs as ops run it, with --http on a port it picks; the
    test publishes and subscribes through the library, then reads /varz,
    /connz, /subsz, /journalz and /metrics with a plain HTTP/1.0 client on
    a socket, and checks every figure against what it did. A bearer token,
    the errors (404, 405, 401) and CURVE's rule for the endpoint are
    checked too.
    ========================================================================= */

#define _DEFAULT_SOURCE                 //  strdup, timeval, and POSIX

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <czmq.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"

#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

//  --------------------------------------------------------------------------
//  A response: status, headers and body, from a request sent over one
//  connection with HTTP/1.0, so that the server closes it at the end.

typedef struct {
    int status;
    char *head;                 //  the status line and the headers
    char *body;
} s_response_t;

static void
s_response_free(s_response_t *response)
{
    free(response->head);
    free(response->body);
    memset(response, 0, sizeof *response);
}

//  method path on endpoint ("127.0.0.1:PORT"), with header ("Name: value",
//  or NULL). Fails the test when the server does not answer in time.
static s_response_t
s_http(const char *endpoint, const char *method, const char *path, const char *header)
{
    char host [64];
    unsigned port = 0;
    assert_int_equal(sscanf(endpoint, "%63[^:]:%u", host, &port), 2);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t) port) };
    assert_int_equal(inet_pton(AF_INET, host, &address.sin_addr), 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval timeout = { s_DEADLINE_MS / 1000, 0 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    assert_int_equal(connect(fd, (struct sockaddr *) &address, sizeof address), 0);
    char request [512];
    int size = snprintf(request, sizeof request, "%s %s HTTP/1.0\r\nHost: %s\r\n%s%s\r\n",
                        method, path, endpoint, header? header: "", header? "\r\n": "");
    assert_int_equal(send(fd, request, (size_t) size, 0), size);
    size_t capacity = 65536, used = 0;
    char *text = (char *) malloc(capacity);
    assert_non_null(text);
    while (true) {
        if (used + 4096 > capacity) {
            capacity *= 2;
            text = (char *) realloc(text, capacity);
            assert_non_null(text);
        }
        ssize_t got = recv(fd, text + used, capacity - used - 1, 0);
        if (got < 0)
            fail_msg("no answer to %s %s from %s", method, path, endpoint);
        if (got == 0)
            break;
        used += (size_t) got;
    }
    close(fd);
    text[used] = '\0';
    s_response_t response = { 0, NULL, NULL };
    char *end = strstr(text, "\r\n\r\n");
    assert_non_null(end);
    *end = '\0';
    response.head = text;
    response.body = strdup(end + 4);
    assert_int_equal(sscanf(text, "HTTP/1.%*d %d", &response.status), 1);
    return response;
}

//  GET path: the body as JSON (to delete); fails unless 200 and JSON.
static cJSON *
s_get_json(const char *endpoint, const char *path, const char *header)
{
    s_response_t response = s_http(endpoint, "GET", path, header);
    if (response.status != 200)
        fail_msg("GET %s: %d %s", path, response.status, response.body);
    assert_non_null(strstr(response.head, "Content-Type: application/json"));
    cJSON *root = cJSON_Parse(response.body);
    if (!root)
        fail_msg("GET %s: not JSON: %s", path, response.body);
    s_response_free(&response);
    return root;
}

//  The number at a path of members (NULL-ended), failing when missing.
static double
s_number(const cJSON *root, ...)
{
    va_list names;
    va_start(names, root);
    const cJSON *item = root;
    for (const char *name = va_arg(names, const char *); name;
         name = va_arg(names, const char *))
        item = cJSON_GetObjectItemCaseSensitive(item, name);
    va_end(names);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

//  GET path until ready says its JSON has what the test waits for (to
//  delete), for s_DEADLINE_MS at most; what names it when it never does.
//  The broker's figures move when it reads its monitors and commits its
//  journal, and HTTP tells nobody when they do: asking every 20 ms is the
//  only wait there is.
static cJSON *
s_get_json_when(const char *endpoint, const char *path, const cJSON *(*ready)(const cJSON *),
                const char *what)
{
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        cJSON *root = s_get_json(endpoint, path, NULL);
        if (ready(root))
            return root;
        cJSON_Delete(root);
        if (zclock_mono() > deadline)
            fail_msg("waited %d ms for %s", s_DEADLINE_MS, what);
        zclock_sleep(20);
    }
}

//  /varz with two subscribers connected: the root, else NULL.
static const cJSON *
s_two_subscribers(const cJSON *varz)
{
    const cJSON *stats = cJSON_GetObjectItemCaseSensitive(varz, "stats");
    const cJSON *count = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(stats, "backend"), "subscribers");
    return cJSON_IsNumber(count) && count->valuedouble == 2? varz: NULL;
}

//  /journalz's first durable consumer, or NULL.
static const cJSON *
s_first_consumer(const cJSON *journalz)
{
    return cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(journalz, "journal"), "consumers"), 0);
}

//  The line of /metrics for series (name and labels): its value.
static double
s_metric(const char *metrics, const char *series)
{
    char prefix [160];
    snprintf(prefix, sizeof prefix, "\n%s ", series);
    const char *line = strstr(metrics, prefix);
    if (!line)
        fail_msg("no %s in /metrics:\n%s", series, metrics);
    return strtod(line + strlen(prefix), NULL);
}

//  --------------------------------------------------------------------------

static jb_publisher_t *
s_publisher(const char *endpoint)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    jb_publisher_t *publisher = jb_publisher_new(endpoint, &options, NULL);
    assert_non_null(publisher);
    return publisher;
}

static jb_subscriber_t *
s_subscriber(const testproc_broker_t *broker, const char *prefix, const char *durable)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    if (durable) {
        options.replay_endpoint = broker->replay;
        options.durable = durable;
        options.replay_start = "first";
    }
    jb_subscriber_t *subscriber = jb_subscriber_new(broker->backend, &options, NULL);
    assert_non_null(subscriber);
    assert_int_equal(jb_subscriber_subscribe(subscriber, prefix, NULL), 0);
    return subscriber;
}

static void
s_receive(jb_subscriber_t *subscriber, int count)
{
    for (int index = 0; index < count; index++) {
        jb_event_t *event = NULL;
        assert_int_equal(jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, NULL), 0);
        jb_event_destroy(&event);
    }
}

//  --------------------------------------------------------------------------
//  Every endpoint, each figure checked against what the test did: one
//  publisher, two live subscribers of one prefix, a durable consumer.

static void
test_every_endpoint_reports_what_happened(void **state)
{
    (void) state;
    char journal [PATH_MAX];
    testproc_format(journal, sizeof journal, "%s/monitoring-journal", testproc_directory);
    const char *args [] = {
        "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
        "--control", "tcp://127.0.0.1:*", "--replay", "tcp://127.0.0.1:*",
        "--journal", journal, "--stats-interval", "0", "--http", "0", NULL
    };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    assert_true(strncmp(broker.http, "127.0.0.1:", 10) == 0);

    enum { s_EVENTS = 40 };
    jb_subscriber_t *first = s_subscriber(&broker, "jerry.work_tracking.", NULL);
    jb_subscriber_t *second = s_subscriber(&broker, "jerry.work_tracking.", NULL);
    jb_publisher_t *publisher = s_publisher(broker.frontend);
    jb_error_t error;
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.work_tracking.task.completed",
                                           s_DEADLINE_MS, &error), 0);
    for (int index = 0; index < s_EVENTS; index++) {
        jb_event_t *event = jb_event_new("jerry.work_tracking.task.completed", "/jerry/test");
        assert_non_null(event);
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        jb_event_destroy(&event);
    }
    s_receive(first, s_EVENTS);
    s_receive(second, s_EVENTS);
    testproc_wait_committed(broker.control, s_EVENTS);
    jb_subscriber_t *durable = s_subscriber(&broker, "jerry.", "monitor");
    s_receive(durable, s_EVENTS);
    jb_subscriber_destroy(&durable);        //  acknowledges all it handed over

    //  /varz: what the broker is, its config, its counters, once the
    //  durable consumer's end has been seen
    cJSON *varz = s_get_json_when(broker.http, "/varz", s_two_subscribers,
                                  "the durable consumer's connection to end");
    assert_true(s_number(varz, "pid", NULL) == broker.process.pid);
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(varz, "config");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(config, "frontend")->valuestring,
                        broker.frontend);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(config, "http")->valuestring,
                        broker.http);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(varz, "version")));
    assert_int_equal(s_number(varz, "stats", "frontend", "messages_in", NULL), s_EVENTS);
    assert_int_equal(s_number(varz, "stats", "frontend", "publishers", NULL), 1);
    assert_int_equal(s_number(varz, "stats", "backend", "messages_out", NULL), s_EVENTS);
    assert_int_equal(s_number(varz, "stats", "backend", "deliveries", NULL), 2 * s_EVENTS);
    assert_int_equal(s_number(varz, "stats", "backend", "subscribers", NULL), 2);
    assert_int_equal(s_number(varz, "stats", "backend", "subscriptions", NULL), 2);
    assert_int_equal(s_number(varz, "stats", "backend", "prefixes", NULL), 1);
    assert_int_equal(s_number(varz, "stats", "journal", "committed", NULL), s_EVENTS);
    cJSON_Delete(varz);

    //  /connz: the publisher and both subscribers, each with its figures
    cJSON *connz = s_get_json(broker.http, "/connz", NULL);
    const cJSON *connections = cJSON_GetObjectItemCaseSensitive(connz, "connections");
    assert_int_equal(s_number(connz, "count", NULL), 3);
    const cJSON *connection;
    int publishers = 0, subscribers = 0;
    cJSON_ArrayForEach(connection, connections) {
        const char *side = cJSON_GetObjectItemCaseSensitive(connection, "side")->valuestring;
        const char *peer = cJSON_GetObjectItemCaseSensitive(connection, "peer")->valuestring;
        assert_true(strncmp(peer, "127.0.0.1:", 10) == 0);
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(connection, "key")));
        //  announcements are messages on the wire too
        assert_true(s_number(connection, "messages", NULL) >= s_EVENTS);
        assert_true(s_number(connection, "bytes", NULL) > 0);
        assert_true(s_number(connection, "since_ms", NULL) > 0);
        const cJSON *prefixes = cJSON_GetObjectItemCaseSensitive(connection, "subscriptions");
        if (streq(side, "publisher")) {
            publishers++;
            assert_int_equal(cJSON_GetArraySize(prefixes), 0);
        }
        else {
            subscribers++;
            assert_string_equal(cJSON_GetArrayItem(prefixes, 0)->valuestring,
                                "jerry.work_tracking.");
        }
    }
    assert_int_equal(publishers, 1);
    assert_int_equal(subscribers, 2);
    cJSON_Delete(connz);

    //  /subsz: one prefix, shared by two
    cJSON *subsz = s_get_json(broker.http, "/subsz", NULL);
    const cJSON *entry = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(subsz, "list"), 0);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(entry, "prefix")->valuestring,
                        "jerry.work_tracking.");
    assert_int_equal(s_number(entry, "subscribers", NULL), 2);
    cJSON_Delete(subsz);

    //  /journalz: the durable consumer, caught up once its acknowledgement
    //  is committed (the journal's next commit)
    cJSON *journalz = s_get_json_when(broker.http, "/journalz", s_first_consumer,
                                      "a durable consumer in /journalz");
    const cJSON *consumer = s_first_consumer(journalz);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(consumer, "name")->valuestring,
                        "monitor");
    assert_int_equal(s_number(consumer, "position", NULL), s_EVENTS);
    assert_int_equal(s_number(consumer, "lag", NULL), 0);
    cJSON_Delete(journalz);

    //  Ten more events: the consumer lags by ten
    for (int index = 0; index < 10; index++) {
        jb_event_t *event = jb_event_new("jerry.work_tracking.task.created", "/jerry/test");
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        jb_event_destroy(&event);
    }
    s_receive(first, 10);
    testproc_wait_committed(broker.control, s_EVENTS + 10);

    //  /metrics: Prometheus text, the same figures
    s_response_t metrics = s_http(broker.http, "GET", "/metrics", NULL);
    assert_int_equal(metrics.status, 200);
    assert_non_null(strstr(metrics.head, "Content-Type: text/plain; version=0.0.4"));
    assert_non_null(strstr(metrics.body, "# TYPE jbus_messages_in_total counter\n"));
    assert_int_equal(s_metric(metrics.body, "jbus_messages_in_total"), s_EVENTS + 10);
    assert_int_equal(s_metric(metrics.body, "jbus_deliveries_total"), 2 * (s_EVENTS + 10));
    assert_int_equal(s_metric(metrics.body, "jbus_subscribers"), 2);
    assert_int_equal(s_metric(metrics.body, "jbus_publishers"), 1);
    assert_int_equal(s_metric(metrics.body, "jbus_journal_committed_total"), s_EVENTS + 10);
    assert_int_equal(s_metric(metrics.body, "jbus_consumer_lag{consumer=\"monitor\"}"), 10);
    assert_int_equal(s_metric(metrics.body, "jbus_disconnects_total{side=\"subscriber\"}"), 1);
    s_response_free(&metrics);

    //  The status page, and what is not there
    s_response_t page = s_http(broker.http, "GET", "/", NULL);
    assert_int_equal(page.status, 200);
    assert_non_null(strstr(page.head, "Content-Type: text/html"));
    assert_non_null(strstr(page.body, "</html>"));
    s_response_free(&page);
    s_response_t missing = s_http(broker.http, "GET", "/nothing", NULL);
    assert_int_equal(missing.status, 404);
    s_response_free(&missing);
    s_response_t posted = s_http(broker.http, "POST", "/varz", NULL);
    assert_int_equal(posted.status, 405);
    s_response_free(&posted);

    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&first);
    jb_subscriber_destroy(&second);
    testproc_broker_stop(&broker);
    testproc_journal_remove(journal);
}

//  --------------------------------------------------------------------------
//  A token guards the data; the page (which holds none) is open.

static void
test_a_bearer_token_guards_every_data_endpoint(void **state)
{
    (void) state;
    const char *token = "0123456789abcdef0123";
    const char *args [] = {
        "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
        "--control", "tcp://127.0.0.1:*", "--http", "127.0.0.1:0", "--http-token", token, NULL
    };
    testproc_broker_t broker;
    testproc_broker_start(args, &broker);
    const char *paths [] = { "/varz", "/connz", "/subsz", "/journalz", "/metrics" };
    for (size_t index = 0; index < sizeof paths / sizeof paths[0]; index++) {
        s_response_t refused = s_http(broker.http, "GET", paths[index], NULL);
        assert_int_equal(refused.status, 401);
        assert_non_null(strstr(refused.head, "WWW-Authenticate: Bearer"));
        s_response_free(&refused);
        s_response_t wrong = s_http(broker.http, "GET", paths[index],
                                    "Authorization: Bearer 0123456789abcdef0124");
        assert_int_equal(wrong.status, 401);
        s_response_free(&wrong);
        char header [128];
        snprintf(header, sizeof header, "Authorization: Bearer %s", token);
        s_response_t let_in = s_http(broker.http, "GET", paths[index], header);
        assert_int_equal(let_in.status, 200);
        s_response_free(&let_in);
    }
    s_response_t page = s_http(broker.http, "GET", "/", NULL);
    assert_int_equal(page.status, 200);
    s_response_free(&page);
    testproc_broker_stop(&broker);

    //  A token too short is no guard: refused at start
    const char *short_args [] = { "--http", "0", "--http-token", "abc", NULL };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_BROKER, short_args, &outcome);
    assert_int_equal(outcome.status, 2);
    assert_non_null(strstr(outcome.err, "too short"));
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  With CURVE on, the endpoint is on loopback or behind a token; a bad
//  address is refused with its reason.

static void
test_curve_keeps_the_endpoint_on_loopback_without_a_token(void **state)
{
    (void) state;
    jb_broker_config_t config;
    jb_broker_config_defaults(&config);
    config.curve_cert = "/nonexistent/broker_secret";
    config.curve_clients = "/nonexistent/clients";
    config.http = "0.0.0.0:0";
    jb_error_t error;
    assert_null(jb_broker_new(&config, &error));
    assert_int_equal(error.code, JB_ECONFIG);
    assert_non_null(strstr(error.message, "is not loopback"));
    config.http = "nohost:80";
    assert_null(jb_broker_new(&config, &error));
    assert_non_null(strstr(error.message, "http: "));
    config.http = "127.0.0.1:99999";
    assert_null(jb_broker_new(&config, &error));
    assert_non_null(strstr(error.message, "port"));
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(test_every_endpoint_reports_what_happened,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_bearer_token_guards_every_data_endpoint,
                                  testproc_reap_children),
        cmocka_unit_test(test_curve_keeps_the_endpoint_on_loopback_without_a_token),
    };
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
