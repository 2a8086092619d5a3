/*  =========================================================================
    jbus/converter.h - domain events to CloudEvents, at a context's boundary

    A converter belongs to one bounded context: made from its source
    ("/jerry/work-tracking") and its name in types ("work_tracking"), it
    turns TaskCompleted into a CloudEvent of type
    "jerry.work_tracking.task.completed" with that source, subject = the
    aggregate id, time = the domain event's timestamp, data = its payload
    (datacontenttype "application/json"), a fresh id and specversion 1.0.

    Example:
        jb_converter_t *converter =
            jb_converter_new ("/jerry/work-tracking", "work_tracking", &error);
        jb_domain_event_t completed =
            jb_domain_event ("TaskCompleted", "WORK-001", "{\"task_id\":\"WORK-001\"}");
        jb_event_t *event;
        if (jb_converter_convert (converter, &completed, &event, &error) == 0) ...
    ========================================================================= */

#ifndef JBUS_CONVERTER_H_INCLUDED
#define JBUS_CONVERTER_H_INCLUDED

#include "jbus/export.h"
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/domain_event.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jb_converter jb_converter_t;

//  Create a converter for the context whose events have source (a
//  URI-reference) and whose types read jerry.<context>.*; context is
//  snake_case. Returns NULL when either is invalid (JB_EINVAL, details in
//  error) or memory runs out (JB_ENOMEM). Free with jb_converter_destroy().
JB_EXPORT jb_converter_t *
    jb_converter_new(const char *source, const char *context, jb_error_t *error);

//  Destroy the converter and set *self_p to NULL. Accepts *self_p NULL,
//  so it is safe to call twice.
JB_EXPORT void
    jb_converter_destroy(jb_converter_t **self_p);

//  The converter's source and context. Borrowed, valid while it lives.
JB_EXPORT const char *
    jb_converter_source(const jb_converter_t *self);
JB_EXPORT const char *
    jb_converter_context(const jb_converter_t *self);

//  Convert domain_event into a new, valid CloudEvent in *event_p (free with
//  jb_event_destroy). Returns 0, JB_ECONVERT when the name and explicit
//  aggregate yield no type (see jb_event_type_build) or the name is NULL,
//  JB_EPARSE when the payload is not JSON, JB_EINVALID when the result is
//  not a valid CloudEvent (e.g. an aggregate id with control characters),
//  or JB_ENOMEM; details in error, and *event_p untouched on failure.
JB_EXPORT int
    jb_converter_convert(const jb_converter_t *self, const jb_domain_event_t *domain_event,
                         jb_event_t **event_p, jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
