/*  consumer.c - uses an installed libjbus: converts a domain event */
#include <jbus.h>
#include <stdio.h>

int
main(void)
{
    jb_error_t error;
    jb_converter_t *converter = jb_converter_new("/jerry/work-tracking", "work_tracking", &error);
    jb_domain_event_t completed = jb_domain_event("TaskCompleted", "WORK-001", "{}");
    jb_event_t *event = NULL;
    int rc = converter? jb_converter_convert(converter, &completed, &event, &error): -1;
    if (rc == 0)
        printf("%s\n", jb_event_type(event));
    jb_event_destroy(&event);
    jb_converter_destroy(&converter);
    return rc == 0? 0: 1;
}
