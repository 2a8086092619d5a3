/*  =========================================================================
    work_tracking_context.c - an example bounded context that publishes

    The work-tracking context keeps lightweight domain events inside
    (TaskCreated, TaskCompleted). At its boundary a converter turns them into
    CloudEvents (jerry.work_tracking.task.created, source /jerry/work-tracking)
    and a publisher sends them to the broker, in-process. On a bus with
    CURVE (docs/security.md) it shows its certificate and the broker's key.

        work_tracking_context [--endpoint EP] [--tasks N] [--wait DURATION]
                              [--curve-cert FILE --curve-server KEY|FILE]

    Exit codes: 0 every event published, 1 a failure, 2 usage error.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include <jbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Publish one domain event through the context's converter.
static int
s_publish(jb_publisher_t *publisher, const jb_converter_t *converter,
          const jb_domain_event_t *domain_event)
{
    jb_error_t error;
    jb_event_t *event = NULL;
    int rc = jb_converter_convert(converter, domain_event, &event, &error);
    if (rc == 0)
        rc = jb_publisher_publish(publisher, event, &error);
    if (rc)
        fprintf(stderr, "work_tracking_context: %s: %s\n", domain_event->name, error.message);
    jb_event_destroy(&event);
    return rc;
}

//  A whole number from 0 to INT32_MAX, or -1 when text is not one.
static int
s_number(const char *text)
{
    char *end = NULL;
    long value = strtol(text, &end, 10);
    return *text && *end == '\0' && value >= 0 && value <= 2147483647? (int) value: -1;
}

//  A duration ("500ms", "5s", "2m"; bare: milliseconds) up to INT32_MAX
//  ms, in ms, or -1 when text is not one.
static int
s_duration(const char *text)
{
    int64_t ms = 0;
    return jb_duration_parse(text, 1, &ms, NULL) == 0 && ms <= 2147483647? (int) ms: -1;
}

int
main(int argc, char *argv[])
{
    const char *endpoint = JB_DEFAULT_PUBLISH_ENDPOINT;
    const char *curve_cert = NULL, *curve_server = NULL;
    int tasks = 3;
    int wait_ms = 2000;
    for (int index = 1; index < argc; index++) {
        if (strcmp(argv[index], "--endpoint") == 0 && index + 1 < argc)
            endpoint = argv[++index];
        else
        if (strcmp(argv[index], "--curve-cert") == 0 && index + 1 < argc)
            curve_cert = argv[++index];
        else
        if (strcmp(argv[index], "--curve-server") == 0 && index + 1 < argc)
            curve_server = argv[++index];
        else
        if (strcmp(argv[index], "--tasks") == 0 && index + 1 < argc
        &&  (tasks = s_number(argv[index + 1])) >= 0)
            index++;
        else
        if (strcmp(argv[index], "--wait") == 0 && index + 1 < argc
        &&  (wait_ms = s_duration(argv[index + 1])) >= 0)
            index++;
        else {
            fprintf(stderr, "usage: work_tracking_context [--endpoint EP] [--tasks N] "
                    "[--wait DURATION] [--curve-cert FILE --curve-server KEY|FILE]\n"
                    "(a DURATION: 500ms, 5s, 2m; a bare number is milliseconds)\n");
            return 2;
        }
    }
    //  CURVE: our key pair from our secret certificate, the broker's public
    //  key as text or from its certificate; both or neither
    jb_error_t error;
    jb_curve_cert_t cert;
    char server_key [JB_CURVE_KEY_SIZE];
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    //  no broker, or one that will not have us, is said at once, not waited
    //  out in silence
    options.connect_timeout_ms = 2000;
    if (!curve_cert != !curve_server) {
        fprintf(stderr, "work_tracking_context: --curve-cert and --curve-server go together\n");
        return 2;
    }
    if (curve_cert) {
        if (jb_curve_cert_load(&cert, curve_cert, &error)
        ||  jb_curve_key_read(curve_server, server_key, &error)) {
            fprintf(stderr, "work_tracking_context: %s\n", error.message);
            return 2;
        }
        options.curve_server_key = server_key;
        options.curve_public_key = cert.public_key;
        options.curve_secret_key = cert.secret_key;
    }
    jb_converter_t *converter = jb_converter_new("/jerry/work-tracking", "work_tracking", &error);
    jb_publisher_t *publisher = converter? jb_publisher_new(endpoint, &options, &error): NULL;
    if (curve_cert)
        jb_curve_cert_clear(&cert);
    if (!converter || !publisher) {
        fprintf(stderr, "work_tracking_context: %s\n", error.message);
        jb_converter_destroy(&converter);
        return error.code == JB_EINVAL? 2: 1;
    }
    //  a short-lived publisher: wait (bounded) until the bus has a subscriber,
    //  so the first events are not lost to a slow join
    if (jb_publisher_wait_for(publisher, "jerry.work_tracking.", wait_ms, NULL))
        fprintf(stderr, "work_tracking_context: no subscriber yet, publishing anyway\n");

    int rc = 0;
    for (int task = 1; rc == 0 && task <= tasks; task++) {
        char task_id [32], payload [128];
        snprintf(task_id, sizeof task_id, "WORK-%03d", task);
        snprintf(payload, sizeof payload, "{\"task_id\":\"%s\",\"title\":\"Task %d\"}", task_id, task);
        jb_domain_event_t created = jb_domain_event("TaskCreated", task_id, payload);
        rc = s_publish(publisher, converter, &created);
        snprintf(payload, sizeof payload, "{\"task_id\":\"%s\",\"quality\":\"high\"}", task_id);
        jb_domain_event_t completed = jb_domain_event("TaskCompleted", task_id, payload);
        if (rc == 0)
            rc = s_publish(publisher, converter, &completed);
    }
    jb_publisher_destroy(&publisher);       //  flushes within the linger period
    jb_converter_destroy(&converter);
    return rc? 1: 0;
}
