/*  =========================================================================
    testalarm.h - a signal that interrupts a blocking call, for tests

    Needs POSIX (_POSIX_C_SOURCE 200809L before the first include).
    ========================================================================= */

#ifndef JBUS_TESTALARM_H_INCLUDED
#define JBUS_TESTALARM_H_INCLUDED

#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "testutil.h"

//  A signal that interrupts a blocking call: SIGALRM in ms milliseconds,
//  caught by a handler that does nothing and installed without SA_RESTART,
//  so the poll underway fails with EINTR as it would for Ctrl-C. 0 disarms
//  the timer and puts the default action back.
static inline void
testutil_alarm_caught(int signal_number)
{
    (void) signal_number;
}

static inline void
testutil_alarm_in(int ms)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = ms > 0? testutil_alarm_caught: SIG_DFL;
    sigemptyset(&action.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &action, NULL), 0);
    struct itimerval timer;
    memset(&timer, 0, sizeof timer);
    timer.it_value.tv_sec = ms / 1000;
    timer.it_value.tv_usec = (ms % 1000) * 1000;
    assert_int_equal(setitimer(ITIMER_REAL, &timer, NULL), 0);
}

#endif
