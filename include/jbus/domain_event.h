/*  =========================================================================
    jbus/domain_event.h - a lightweight domain event, inside a context

    Bounded contexts keep their own domain events: a name, the aggregate it
    happened to, when, and a JSON payload. They stay this light inside the
    context; only when one crosses the boundary does a jb_converter turn it
    into a CloudEvent. The struct is a plain value whose strings are
    borrowed: it owns nothing and needs no destructor.
    ========================================================================= */

#ifndef JBUS_DOMAIN_EVENT_H_INCLUDED
#define JBUS_DOMAIN_EVENT_H_INCLUDED

#include "jbus/export.h"
#include "jbus/timestamp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    const char *name;           //  CamelCase event name, e.g. "TaskCompleted"
    const char *aggregate_id;   //  the aggregate instance, e.g. "WORK-001", which
                                //  becomes the subject; NULL for no subject
    jb_timestamp_t timestamp;   //  when it happened
    const char *payload;        //  JSON text, or NULL for none
    const char *aggregate;      //  explicit aggregate name in snake_case, e.g.
                                //  "work_item", or NULL to take it from name
} jb_domain_event_t;

//  A domain event that happened now (UTC), with no explicit aggregate.
JB_EXPORT jb_domain_event_t
    jb_domain_event(const char *name, const char *aggregate_id, const char *payload);

#ifdef __cplusplus
}
#endif

#endif
