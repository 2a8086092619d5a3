/*  =========================================================================
    jbus/filter.h - the filter rules of jbus subscribers

    A filter is a type prefix, "jerry.work_tracking." (bytes, as ZeroMQ
    matches them), or a segment pattern, "jerry.*.task.completed" or
    "jerry.work_tracking.>", where "*" is exactly one segment and ">" one or
    more trailing segments (jbus/subscriber.h says more).
    ========================================================================= */

#ifndef JBUS_FILTER_H_INCLUDED
#define JBUS_FILTER_H_INCLUDED

#include <stdbool.h>
#include "jbus/export.h"

#ifdef __cplusplus
extern "C" {
#endif

//  True when type matches filter (prefix or pattern) by the rules above;
//  false also for a malformed pattern. For tools that filter on their own.
JB_EXPORT bool
    jb_filter_matches(const char *filter, const char *type);

#ifdef __cplusplus
}
#endif

#endif
