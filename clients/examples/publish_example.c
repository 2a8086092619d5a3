/*  =========================================================================
    publish_example.c - the README's library example, built with the project
    so that it always compiles

    A work-tracking context turns a TaskCompleted domain event into a
    CloudEvent and prints it in the JSON event format.
    ========================================================================= */

#include <jbus.h>
#include <stdio.h>
#include <stdlib.h>

int
main(void)
{
    jb_error_t error;
    jb_converter_t *converter =
        jb_converter_new("/jerry/work-tracking", "work_tracking", &error);
    if (!converter) {
        fprintf(stderr, "converter: %s\n", error.message);
        return 1;
    }
    jb_domain_event_t completed =
        jb_domain_event("TaskCompleted", "WORK-001", "{\"task_id\":\"WORK-001\"}");

    jb_event_t *event = NULL;
    char *json = NULL;
    int rc = jb_converter_convert(converter, &completed, &event, &error);
    if (rc == 0)
        rc = jb_json_encode(event, &json, NULL, &error);
    if (rc == 0)
        printf("%s\n", json);   //  {"specversion":"1.0","id":"…","type":"jerry.work_tracking.task.completed",…}
    else
        fprintf(stderr, "%s: %s\n", jb_error_name(rc), error.message);

    free(json);
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
    return rc == 0? 0: 1;
}
