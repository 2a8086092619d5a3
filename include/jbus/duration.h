/*  =========================================================================
    jbus/duration.h - durations as people write them: "500ms", "5s", "2m",
    "1h", "7d", "1m30s"

    Every time a jbus program takes, on its command line or in its config,
    is a duration: a whole number followed by a unit (ms, s, m, h, d), or
    several ("1h30m"). A bare number keeps the unit the option has always
    had: milliseconds for every jbus option but `jbus bench --duration`
    (seconds).
    ========================================================================= */

#ifndef JBUS_DURATION_H_INCLUDED
#define JBUS_DURATION_H_INCLUDED

#include <stdint.h>
#include "jbus/export.h"
#include "jbus/error.h"

#ifdef __cplusplus
extern "C" {
#endif

//  Parse text, a duration, into *ms_p (milliseconds); a bare number is
//  bare_unit_ms milliseconds each (1 for milliseconds, 1000 for seconds).
//  Returns 0, or JB_EINVAL with the reason in error (an empty text, a
//  sign, a fraction, an unknown unit, a unit twice, more than INT64_MAX
//  ms).
JB_EXPORT int
    jb_duration_parse(const char *text, int64_t bare_unit_ms, int64_t *ms_p,
                      jb_error_t *error);

#ifdef __cplusplus
}
#endif

#endif
