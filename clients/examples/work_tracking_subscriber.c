/*  =========================================================================
    work_tracking_subscriber.c - an example context that listens

    Another bounded context reacts to work-tracking events: it subscribes to
    the jerry.work_tracking. prefix, with one handler for completed tasks
    (a pattern) and one for everything in the context, and prints what it
    gets until it has seen --count events or --timeout passes. On a bus with
    CURVE (docs/security.md) it shows its certificate and the broker's key.

        work_tracking_subscriber [--endpoint EP] [--count N] [--timeout DURATION]
                                 [--curve-cert FILE --curve-server KEY|FILE]

    Exit codes: 0 --count events seen (or none asked), 1 timeout or failure,
    2 usage error.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include <jbus.h>
#include <czmq.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
s_on_any(const jb_event_t *event, void *arg)
{
    int *seen = (int *) arg;
    (*seen)++;
    printf("%s %s\n", jb_event_type(event), jb_event_subject(event)? jb_event_subject(event): "-");
    fflush(stdout);
}

static void
s_on_completed(const jb_event_t *event, void *arg)
{
    (void) arg;
    printf("  completed: %s\n", jb_event_subject(event)? jb_event_subject(event): "-");
    fflush(stdout);
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
    const char *endpoint = JB_DEFAULT_SUBSCRIBE_ENDPOINT;
    const char *curve_cert = NULL, *curve_server = NULL;
    int count = 0;
    int timeout_ms = 10000;
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
        if (strcmp(argv[index], "--count") == 0 && index + 1 < argc
        &&  (count = s_number(argv[index + 1])) >= 0)
            index++;
        else
        if (strcmp(argv[index], "--timeout") == 0 && index + 1 < argc
        &&  (timeout_ms = s_duration(argv[index + 1])) >= 0)
            index++;
        else {
            fprintf(stderr, "usage: work_tracking_subscriber [--endpoint EP] [--count N] "
                    "[--timeout DURATION] [--curve-cert FILE --curve-server KEY|FILE]\n"
                    "(a DURATION: 500ms, 5s, 2m; a bare number is milliseconds)\n");
            return 2;
        }
    }
    //  CURVE: our key pair from our secret certificate, the broker's public
    //  key as text or from its certificate; both or neither
    jb_error_t error;
    jb_curve_cert_t cert;
    char server_key [JB_CURVE_KEY_SIZE];
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    //  no broker, or one that will not have us, is said at once, not waited
    //  out in silence
    options.connect_timeout_ms = 2000;
    if (!curve_cert != !curve_server) {
        fprintf(stderr, "work_tracking_subscriber: --curve-cert and --curve-server go together\n");
        return 2;
    }
    if (curve_cert) {
        if (jb_curve_cert_load(&cert, curve_cert, &error)
        ||  jb_curve_key_read(curve_server, server_key, &error)) {
            fprintf(stderr, "work_tracking_subscriber: %s\n", error.message);
            return 2;
        }
        options.curve_server_key = server_key;
        options.curve_public_key = cert.public_key;
        options.curve_secret_key = cert.secret_key;
    }
    jb_subscriber_t *subscriber = jb_subscriber_new(endpoint, &options, &error);
    if (curve_cert)
        jb_curve_cert_clear(&cert);
    if (!subscriber) {
        fprintf(stderr, "work_tracking_subscriber: %s\n", error.message);
        return error.code == JB_EINVAL? 2: 1;
    }
    int seen = 0;
    jb_subscriber_on(subscriber, "jerry.work_tracking.", s_on_any, &seen, NULL);
    jb_subscriber_on(subscriber, "jerry.work_tracking.*.completed", s_on_completed, NULL, NULL);
    int64_t deadline = zclock_mono() + timeout_ms;
    int rc = 0;
    while (count == 0 || seen < count) {
        int64_t remaining = deadline - zclock_mono();
        if (remaining <= 0
        ||  (rc = jb_subscriber_dispatch(subscriber, (int) remaining, &error)) != 0)
            break;
    }
    //  a refused subscription: the broker's rules do not let us have it
    if (rc == JB_EDENIED)
        fprintf(stderr, "work_tracking_subscriber: %s\n", error.message);
    jb_subscriber_destroy(&subscriber);
    return rc == JB_EDENIED || (count > 0 && seen < count)? 1: 0;
}
