/*  =========================================================================
    jbus/event_type.h - the jerry.{context}.{aggregate}.{verb} type convention

    Integration events in Jerry are typed "jerry.<context>.<aggregate>.<verb>"
    with lower-case snake_case segments, e.g. jerry.work_tracking.task.completed.
    Subscribers route on these prefixes, so business data never goes into the
    type. These functions check the convention and derive a type from a
    domain event's CamelCase name, keeping every word:
        TaskCompleted   -> task.completed
        WorkItemCreated -> work_item.created
        HTTPRequestSent -> http_request.sent
        Phase2Started   -> phase2.started
    ========================================================================= */

#ifndef JBUS_EVENT_TYPE_H_INCLUDED
#define JBUS_EVENT_TYPE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "jbus/export.h"
#include "jbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  The first segment of every type that follows the convention.
#define JB_EVENT_TYPE_ROOT "jerry"

//  Longest type jb_event_type_build writes, with its NUL: a longer type is
//  refused, so a buffer of this size is always enough.
#define JB_EVENT_TYPE_MAX 256

//  True when the size bytes at segment are one lower-case snake_case
//  segment: a letter, then letters, digits and single underscores, not
//  ending in an underscore ("task", "work_item", "phase2"). segment need
//  not be NUL-terminated; size 0 is not a segment.
JB_EXPORT bool
    jb_event_type_is_segment(const char *segment, size_t size);

//  Check that type follows jerry.{context}.{aggregate}.{verb}: exactly four
//  segments, the first "jerry", each a segment as above. Returns 0, or
//  JB_EINVALID with the reason in error (attribute "type").
JB_EXPORT int
    jb_event_type_check(const char *type, jb_error_t *error);

//  Write the type for a domain event named name in context (snake_case,
//  e.g. "work_tracking") into buffer (size bytes; JB_EVENT_TYPE_MAX is
//  always enough). name is CamelCase letters and digits starting with a
//  letter, e.g. "WorkItemCreated" (a lower-case first letter, as in
//  "workItemCreated", is accepted). A word starts at the first letter, at
//  a capital after a lower-case letter or a digit, and at the last capital
//  of a run that a lower-case letter follows, save a plural "s": so
//  "HTTPRequestSent" is HTTP, Request, Sent; "UserIDsMerged" is User, IDs,
//  Merged; "Phase2Started" is Phase2, Started. The last word is the
//  verb and the words before it the aggregate. When aggregate (snake_case)
//  is given it is the aggregate segment, and the verb is what remains of
//  the name after the aggregate's words, or the whole name when it does
//  not start with them. Returns 0; JB_ECONVERT when the name is not
//  CamelCase, yields no aggregate or no verb, aggregate is not snake_case,
//  or the type would exceed JB_EVENT_TYPE_MAX - 1 characters; JB_EINVAL
//  when context is not snake_case or the type does not fit in buffer.
//  Details in error; buffer is untouched on failure.
JB_EXPORT int
    jb_event_type_build(const char *context, const char *name, const char *aggregate,
                        char *buffer, size_t size, jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
