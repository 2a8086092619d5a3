/*  =========================================================================
    log.h - what other sources need of log.c beyond jbus/log.h (private to
    the library)

    Not installed. Non-static internals are named jb__<name> (STYLE.md).
    ========================================================================= */

#ifndef JBUS_LOG_PRIVATE_H_INCLUDED
#define JBUS_LOG_PRIVATE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Room for a time as jb__log_time writes it.
#define JB__LOG_TIME_MAX 40

//  time_ms (milliseconds since the epoch) as the log writes times, in
//  local time with its zone: "2026-12-07T20:42:04.123+00:00", into text
//  (at least JB__LOG_TIME_MAX bytes).
void
    jb__log_time(int64_t time_ms, char *text, size_t size);

#endif
