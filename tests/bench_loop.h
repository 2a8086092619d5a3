/*  =========================================================================
    bench_loop.h - what the in-process benchmark programs share

    bench_codec and bench_replacements run named figures, each for about a
    given time or, with --count N, exactly N times (so that valgrind
    --tool=callgrind counts repeatable instructions: the difference between
    two counts over the difference of N is the cost of one run). One
    program includes this once (its state is static).
    ========================================================================= */

#ifndef JBUS_BENCH_LOOP_H_INCLUDED
#define JBUS_BENCH_LOOP_H_INCLUDED

#include <stdbool.h>
#include <string.h>
#include <time.h>

//  The typical work-tracking payload both measure with.
#define BENCH_LOOP_PAYLOAD                                                      \
    "{\"task_id\":\"WORK-001\",\"title\":\"Write the CloudEvents binding\","     \
    "\"completed_by\":\"alice@example.com\",\"duration_minutes\":42,"           \
    "\"tags\":[\"bus\",\"spec\"],\"quality\":\"high\"}"

//  --count: runs per figure, 0 to run each for a time instead.
static long bench_loop_count;
//  The figures named on the command line, or none for all.
static char **bench_loop_figures;
static int bench_loop_figure_count;

static inline bool
bench_loop_wanted(const char *figure)
{
    for (int index = 0; index < bench_loop_figure_count; index++)
        if (strcmp(bench_loop_figures[index], figure) == 0)
            return true;
    return bench_loop_figure_count == 0;
}

static inline double
bench_loop_now(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) now.tv_sec + (double) now.tv_nsec / 1e9;
}

//  When figure is wanted, run body for about seconds (in batches of 1,000)
//  or exactly bench_loop_count times, and set ns to the nanoseconds per
//  run; otherwise set ns to -1.
#define BENCH_LOOP(figure, seconds, ns, body) do {                              \
    (ns) = -1;                                                                  \
    if (!bench_loop_wanted(figure))                                             \
        break;                                                                  \
    long iterations = 0;                                                        \
    double start = bench_loop_now(), elapsed;                                   \
    if (bench_loop_count > 0) {                                                 \
        for (; iterations < bench_loop_count; iterations++) { body; }           \
        elapsed = bench_loop_now() - start;                                     \
    }                                                                           \
    else                                                                        \
    do {                                                                        \
        for (int batch_index = 0; batch_index < 1000; batch_index++) { body; } \
        iterations += 1000;                                                     \
        elapsed = bench_loop_now() - start;                                     \
    } while (elapsed < (seconds));                                              \
    (ns) = elapsed * 1e9 / (double) iterations;                                 \
} while (0)

#endif
