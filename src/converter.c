/*  =========================================================================
    converter.c - domain events to CloudEvents for one bounded context
    ========================================================================= */

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "jbus.h"
#include "error.h"
#include "text.h"

struct jb_converter {
    char *source;               //  e.g. "/jerry/work-tracking"
    char *context;              //  e.g. "work_tracking"
};

//  --------------------------------------------------------------------------

jb_domain_event_t
jb_domain_event(const char *name, const char *aggregate_id, const char *payload)
{
    jb_domain_event_t domain_event;
    domain_event.name = name;
    domain_event.aggregate_id = aggregate_id;
    domain_event.timestamp = jb_timestamp_now();
    domain_event.payload = payload;
    domain_event.aggregate = NULL;
    return domain_event;
}

//  --------------------------------------------------------------------------

jb_converter_t *
jb_converter_new(const char *source, const char *context, jb_error_t *error)
{
    assert(source);
    assert(context);
    if (*source == '\0' || !jb_uri_is_reference(source, strlen(source))) {
        jb__error(error, JB_EINVAL, "source", "not a non-empty URI-reference: \"%.200s\"", source);
        return NULL;
    }
    if (!jb_event_type_is_segment(context, strlen(context))) {
        jb__error(error, JB_EINVAL, NULL,
                  "context \"%.100s\" is not lower-case snake_case (e.g. work_tracking)", context);
        return NULL;
    }
    jb_converter_t *self = (jb_converter_t *) calloc(1, sizeof(jb_converter_t));
    if (self) {
        self->source = jb__strndup(source, strlen(source));
        self->context = jb__strndup(context, strlen(context));
        if (!self->source || !self->context)
            jb_converter_destroy(&self);
    }
    if (!self)
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
    return self;
}

//  --------------------------------------------------------------------------

void
jb_converter_destroy(jb_converter_t **self_p)
{
    assert(self_p);
    jb_converter_t *self = *self_p;
    if (self) {
        free(self->source);
        free(self->context);
        free(self);
        *self_p = NULL;
    }
}

const char *
jb_converter_source(const jb_converter_t *self)
{
    assert(self);
    return self->source;
}

const char *
jb_converter_context(const jb_converter_t *self)
{
    assert(self);
    return self->context;
}

//  --------------------------------------------------------------------------

int
jb_converter_convert(const jb_converter_t *self, const jb_domain_event_t *domain_event,
                     jb_event_t **event_p, jb_error_t *error)
{
    assert(self);
    assert(domain_event);
    assert(event_p);
    if (!domain_event->name)
        return jb__error(error, JB_ECONVERT, NULL, "a domain event needs a name");
    char type [JB_EVENT_TYPE_MAX];
    int rc = jb_event_type_build(self->context, domain_event->name, domain_event->aggregate,
                                 type, sizeof type, error);
    if (rc)
        return rc;
    jb_event_t *event = jb_event_new(type, self->source);
    if (!event)
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    jb_event_set_time(event, &domain_event->timestamp);
    if (domain_event->aggregate_id && jb_event_set_subject(event, domain_event->aggregate_id))
        rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    if (rc == 0 && domain_event->payload) {
        rc = jb_event_set_data_json(event, domain_event->payload, SIZE_MAX, error);
        if (rc == 0 && jb_event_set_datacontenttype(event, "application/json"))
            rc = jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    if (rc == 0)
        rc = jb_event_validate(event, error);
    if (rc == 0)
        *event_p = event;
    else
        jb_event_destroy(&event);
    return rc;
}
