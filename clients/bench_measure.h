/*  =========================================================================
    bench_measure.h - clocks, latency histograms and digit stamps for the
    benchmark programs

    Shared by `jbus bench` (clients/cmd_bench.c) and its raw-libzmq baseline
    (tests/bench_raw.c), so that both measure the same way and report
    figures that can be set side by side. Header only and libc only: the
    baseline links no jbus code.
    ========================================================================= */

#ifndef JBUS_BENCH_MEASURE_H_INCLUDED
#define JBUS_BENCH_MEASURE_H_INCLUDED

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>

//  Digits of the "benchsent" stamp: CLOCK_MONOTONIC in nanoseconds.
#define BENCH_STAMP_DIGITS 20

//  The latency histogram: values below BENCH_LINEAR_BUCKETS ns are exact,
//  then each power of two is cut into BENCH_SUB_BUCKETS.
#define BENCH_LINEAR_BUCKETS 256
#define BENCH_SUB_BUCKETS 128
#define BENCH_LATENCY_BUCKETS (58 * BENCH_SUB_BUCKETS)

//  Latencies in nanoseconds, log-linear (see bench_latency_index).
typedef struct {
    uint64_t counts [BENCH_LATENCY_BUCKETS];
    uint64_t total;             //  values added
    uint64_t max;               //  the largest, exactly
} bench_latency_t;

//  --------------------------------------------------------------------------
//  Clocks.

static inline int64_t
bench_clock_ns(clockid_t clock)
{
    struct timespec now;
    clock_gettime(clock, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

static inline int64_t
bench_now_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

//  Sleep until the CLOCK_MONOTONIC instant due_ns: pacing for --rate.
static inline void
bench_sleep_until(int64_t due_ns)
{
    struct timespec due = { (time_t) (due_ns / 1000000000), (long) (due_ns % 1000000000) };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) == EINTR)
        ;
}

//  CPU time this whole process has used, from getrusage.
static inline int64_t
bench_process_cpu_ns(void)
{
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return ((int64_t) usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000000
         + ((int64_t) usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1000;
}

static inline double
bench_us(uint64_t ns)
{
    return (double) ns / 1000.0;
}

//  --------------------------------------------------------------------------
//  Decimal stamps of a fixed width, written over and read back from frames.

//  Write the width low decimal digits of value, zero-padded, at out; no
//  terminator.
static inline void
bench_write_digits(char *out, uint64_t value, int width)
{
    for (int index = width - 1; index >= 0; index--) {
        out[index] = (char) ('0' + value % 10);
        value /= 10;
    }
}

//  Read exactly width decimal digits at text into *value. Returns false
//  when one is not a digit or the text ends first.
static inline bool
bench_read_digits(const char *text, int width, uint64_t *value)
{
    uint64_t result = 0;
    for (int index = 0; index < width; index++) {
        if (text[index] < '0' || text[index] > '9')
            return false;
        result = result * 10 + (uint64_t) (text[index] - '0');
    }
    *value = result;
    return true;
}

//  --------------------------------------------------------------------------
//  The latency histogram.

//  Bucket of a value: the value itself below BENCH_LINEAR_BUCKETS; above,
//  the power of two it lies in and its next 7 bits.
static inline size_t
bench_latency_index(uint64_t value)
{
    if (value < BENCH_LINEAR_BUCKETS)
        return (size_t) value;
    int shift = 63 - __builtin_clzll(value) - 7;          //  >= 1
    return (size_t) shift * BENCH_SUB_BUCKETS + (size_t) (value >> shift);
}

//  The middle of bucket index, in ns.
static inline uint64_t
bench_latency_value(size_t index)
{
    if (index < BENCH_LINEAR_BUCKETS)
        return index;
    int shift = (int) (index / BENCH_SUB_BUCKETS) - 1;
    uint64_t mantissa = index - (size_t) shift * BENCH_SUB_BUCKETS;
    return (mantissa << shift) + ((UINT64_C(1) << shift) >> 1);
}

static inline void
bench_latency_add(bench_latency_t *self, int64_t value)
{
    uint64_t positive = value > 0? (uint64_t) value: 0;
    self->counts[bench_latency_index(positive)]++;
    self->total++;
    if (positive > self->max)
        self->max = positive;
}

static inline void
bench_latency_merge(bench_latency_t *self, const bench_latency_t *other)
{
    for (size_t index = 0; index < BENCH_LATENCY_BUCKETS; index++)
        self->counts[index] += other->counts[index];
    self->total += other->total;
    if (other->max > self->max)
        self->max = other->max;
}

//  The value below which a fraction of the values lie (nearest rank), in
//  ns; 0 for an empty histogram. The top bucket reports the exact maximum.
static inline uint64_t
bench_latency_percentile(const bench_latency_t *self, double fraction)
{
    if (self->total == 0)
        return 0;
    double exact = fraction * (double) self->total;
    uint64_t rank = (uint64_t) exact;
    if ((double) rank < exact || rank < 1)
        rank++;                 //  the nearest rank rounds up
    uint64_t seen = 0;
    for (size_t index = 0; index < BENCH_LATENCY_BUCKETS; index++) {
        seen += self->counts[index];
        if (seen >= rank) {
            uint64_t value = bench_latency_value(index);
            return value > self->max? self->max: value;
        }
    }
    return self->max;
}

#endif
