/*  =========================================================================
    filters.h - a subscriber's filters and the handlers on them, matched
    against received types (private to the library)

    A policy object: it records subscriptions and decides which filters and
    handlers an event's type matches; the subscriber does the socket I/O.

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_FILTERS_PRIVATE_H_INCLUDED
#define JBUS_FILTERS_PRIVATE_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include "jbus/error.h"
#include "jbus/event.h"
#include "jbus/filter.h"
#include "jbus/subscriber.h"

typedef struct jb__filters jb__filters_t;

//  An empty set of filters, or NULL when out of memory.
jb__filters_t *
    jb__filters_new(void);

//  Free the filters and their handlers; set *self_p to NULL. Accepts NULL.
//  Not while handlers are being called.
void
    jb__filters_destroy(jb__filters_t **self_p);

//  Check filter's syntax: a segment that holds "*" or ">" must be just that
//  character, and ">" only the last segment. *is_pattern_p: it has such a
//  segment; *subscription_size_p: the bytes of filter that ZeroMQ
//  subscribes to, all of it or the text before the first wildcard. 0 or
//  JB_EINVAL with the reason in error.
int
    jb__filter_parse(const char *filter, bool *is_pattern_p, size_t *subscription_size_p,
                     jb_error_t *error);

//  Record one subscription to filter and, when handler is not NULL,
//  handler(event, arg) on it, called after the handlers registered before.
//  *subscription_size_p as for jb__filter_parse. 0, JB_EINVAL (malformed
//  filter) or JB_ENOMEM; nothing is recorded on failure.
int
    jb__filters_add(jb__filters_t *self, const char *filter, jb_handler_fn *handler, void *arg,
                    size_t *subscription_size_p, jb_error_t *error);

//  Take back the last jb__filters_add of filter, made with a handler when
//  with_handler: for a subscription that ZeroMQ refused.
void
    jb__filters_undo_add(jb__filters_t *self, const char *filter, bool with_handler);

//  True when filter is subscribed; *subscription_size_p as for
//  jb__filter_parse.
bool
    jb__filters_find(jb__filters_t *self, const char *filter, size_t *subscription_size_p);

//  Undo one subscription to filter, which jb__filters_find found; the last
//  takes the filter's handlers with it (a dispatch in progress skips them).
void
    jb__filters_remove(jb__filters_t *self, const char *filter);

//  True when some filter is a pattern.
bool
    jb__filters_has_patterns(const jb__filters_t *self);

//  True when one of the filters has exactly the size bytes at prefix as its
//  ZeroMQ subscription: the filter itself for a prefix, the text before
//  the first wildcard for a pattern.
bool
    jb__filters_subscribed(jb__filters_t *self, const char *prefix, size_t size);

//  True when type matches at least one filter.
bool
    jb__filters_match_any(jb__filters_t *self, const char *type);

//  Collect, in registration order, every handler whose filter matches
//  type, for jb__filters_call; *count_p gets how many. 0 or JB_ENOMEM.
int
    jb__filters_collect(jb__filters_t *self, const char *type, size_t *count_p);

//  Call the count handlers just collected with event. They may add and
//  remove filters: a handler removed meanwhile is not called, one added is
//  not among these.
void
    jb__filters_call(jb__filters_t *self, const jb_event_t *event, size_t count);

#endif
