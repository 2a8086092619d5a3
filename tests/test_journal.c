/*  =========================================================================
    test_journal.c - src/journal.c on its own: the broker's LMDB journal

    A real LMDB environment in a temporary directory for each test. What
    is committed is read back frame for frame, across a reopen and across
    a writer killed with SIGKILL in the middle of a group; sequences run on
    without a gap; retention keeps the bytes and the age in bounds; a
    durable consumer's position never moves back.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "journal.h"

static char s_directory [256];

static int
s_setup(void **state)
{
    (void) state;
    snprintf(s_directory, sizeof s_directory, "/tmp/jbus-test-journal-XXXXXX");
    assert_non_null(mkdtemp(s_directory));
    return 0;
}

static int
s_teardown(void **state)
{
    (void) state;
    DIR *directory = opendir(s_directory);
    if (directory) {
        struct dirent *entry;
        while ((entry = readdir(directory)) != NULL) {
            char path [512];
            snprintf(path, sizeof path, "%s/%s", s_directory, entry->d_name);
            if (entry->d_name[0] != '.')
                unlink(path);
        }
        closedir(directory);
    }
    rmdir(s_directory);
    return 0;
}

static jb__journal_t *
s_open(uint64_t max_bytes, int64_t max_age_ms)
{
    jb__journal_options_t options = { s_directory, max_bytes, max_age_ms, true };
    jb_error_t error;
    jb__journal_t *journal = jb__journal_open(&options, &error);
    if (!journal)
        fail_msg("open: %s", error.message);
    return journal;
}

//  Append the message "jerry.test.thing.done" / "body N" at time_ms.
static uint64_t
s_append(jb__journal_t *journal, unsigned number, int64_t time_ms)
{
    char body [32];
    int size = snprintf(body, sizeof body, "body %u", number);
    jb_frame_t frames [2] = { { "jerry.test.thing.done", 21 }, { body, (size_t) size } };
    uint64_t sequence = 0;
    jb_error_t error;
    if (jb__journal_append(journal, frames, 2, time_ms, &sequence, &error))
        fail_msg("append: %s", error.message);
    return sequence;
}

//  Collects what a read gives: sequences, and the body numbers.
typedef struct {
    uint64_t sequences [64];
    unsigned numbers [64];
    size_t count;
    size_t stop_after;          //  0: never stop
    bool numbered;              //  body N must be sequence N
} s_collected_t;

static bool
s_collect(const jb__journal_entry_t *entry, void *arg)
{
    s_collected_t *collected = (s_collected_t *) arg;
    assert_int_equal(entry->frame_count, 2);
    assert_int_equal(entry->frames[0].size, 21);
    assert_memory_equal(entry->frames[0].data, "jerry.test.thing.done", 21);
    char body [32] = "";
    memcpy(body, entry->frames[1].data, entry->frames[1].size < 31? entry->frames[1].size: 31);
    unsigned number = 0;
    assert_int_equal(sscanf(body, "body %u", &number), 1);
    if (collected->numbered)
        assert_int_equal(number, entry->sequence);
    if (collected->count < 64) {
        collected->sequences[collected->count] = entry->sequence;
        collected->numbers[collected->count] = number;
    }
    collected->count++;
    return collected->stop_after == 0 || collected->count < collected->stop_after;
}

//  --------------------------------------------------------------------------
//  The example: append a group, commit, read it back; the journal's
//  numbers start at 1.

static void
test_committed_messages_read_back_frame_for_frame_in_order(void **state)
{
    (void) state;
    jb__journal_t *journal = s_open(0, 0);
    for (unsigned number = 1; number <= 5; number++)
        assert_int_equal(s_append(journal, number, 1000 + number), number);
    assert_int_equal(jb__journal_pending(journal), 5);
    //  a reader sees nothing of the pending group
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.count, 0);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.first, 1);
    assert_int_equal(info.last, 5);
    assert_int_equal(info.count, 5);
    assert_int_equal(info.oldest_ms, 1001);
    assert_true(info.bytes > 5 * (21 + 6));

    s_collected_t collected = { .count = 0 };
    uint64_t next = 0;
    assert_int_equal(jb__journal_read(journal, 0, 0, s_collect, &collected, &next), 0);
    assert_int_equal(collected.count, 5);
    for (size_t index = 0; index < 5; index++) {
        assert_int_equal(collected.sequences[index], index + 1);
        assert_int_equal(collected.numbers[index], index + 1);
    }
    assert_int_equal(next, 6);
    //  from a sequence, with a limit, and stopped by the callback
    collected = (s_collected_t) { .count = 0 };
    assert_int_equal(jb__journal_read(journal, 3, 2, s_collect, &collected, &next), 0);
    assert_int_equal(collected.count, 2);
    assert_int_equal(collected.sequences[0], 3);
    assert_int_equal(next, 5);
    collected = (s_collected_t) { .count = 0, .stop_after = 1 };
    assert_int_equal(jb__journal_read(journal, 2, 0, s_collect, &collected, &next), 0);
    assert_int_equal(collected.count, 1);
    assert_int_equal(next, 3);
    //  one writer per directory: a second open is refused while it lives
    jb_error_t error;
    jb__journal_options_t options = { s_directory, 0, 0, true };
    assert_null(jb__journal_open(&options, &error));
    assert_int_equal(error.code, JB_EIO);
    assert_non_null(strstr(error.message, "in use by another process"));
    jb__journal_close(&journal);
    assert_null(journal);
}

//  --------------------------------------------------------------------------
//  Closed and opened again, the journal goes on from its last sequence;
//  a group never committed is gone and its numbers are given again, so
//  the sequence has no gap.

static void
test_the_sequence_goes_on_across_a_reopen_without_a_gap(void **state)
{
    (void) state;
    jb__journal_t *journal = s_open(0, 0);
    for (unsigned number = 1; number <= 3; number++)
        s_append(journal, number, 10);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    s_append(journal, 4, 10);                  //  never committed
    jb__journal_close(&journal);

    journal = s_open(0, 0);
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.last, 3);
    assert_int_equal(s_append(journal, 40, 20), 4);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    s_collected_t collected = { .count = 0 };
    assert_int_equal(jb__journal_read(journal, 1, 0, s_collect, &collected, NULL), 0);
    assert_int_equal(collected.count, 4);
    assert_int_equal(collected.numbers[3], 40);
    jb__journal_close(&journal);
}

//  --------------------------------------------------------------------------
//  A writer killed with SIGKILL in the middle of a group: every group it
//  committed is there, whole, and nothing of the one it had not; the
//  journal opens without any repair step.

static void
test_a_writer_killed_mid_group_leaves_every_committed_group_whole(void **state)
{
    (void) state;
    int ready [2];
    assert_int_equal(pipe(ready), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(ready[0]);
        jb__journal_options_t options = { s_directory, 0, 0, true };
        jb__journal_t *journal = jb__journal_open(&options, NULL);
        if (!journal)
            _exit(2);
        unsigned number = 0;
        for (int group = 0; group < 10; group++) {
            for (int index = 0; index < 100; index++) {
                char body [32];
                int size = snprintf(body, sizeof body, "body %u", ++number);
                jb_frame_t frames [2] = { { "jerry.test.thing.done", 21 }, { body, (size_t) size } };
                if (jb__journal_append(journal, frames, 2, 1, NULL, NULL))
                    _exit(3);
            }
            if (jb__journal_commit(journal, NULL))
                _exit(4);
        }
        //  half a group more, then say so and wait to be killed
        for (int index = 0; index < 50; index++) {
            char body [32];
            int size = snprintf(body, sizeof body, "body %u", ++number);
            jb_frame_t frames [2] = { { "jerry.test.thing.done", 21 }, { body, (size_t) size } };
            jb__journal_append(journal, frames, 2, 1, NULL, NULL);
        }
        if (write(ready[1], "k", 1) != 1)
            _exit(5);
        pause();
        _exit(0);
    }
    close(ready[1]);
    char byte;
    assert_int_equal(read(ready[0], &byte, 1), 1);
    close(ready[0]);
    assert_int_equal(kill(child, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFSIGNALED(status));

    jb__journal_t *journal = s_open(0, 0);
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.first, 1);
    assert_int_equal(info.last, 1000);
    assert_int_equal(info.count, 1000);
    //  all there, in order, each frame intact: message N under sequence N
    uint64_t next = 0;
    s_collected_t collected = { .count = 0, .numbered = true };
    assert_int_equal(jb__journal_read(journal, 1, 0, s_collect, &collected, &next), 0);
    assert_int_equal(collected.count, 1000);
    assert_int_equal(next, 1001);
    assert_int_equal(s_append(journal, 1001, 2), 1001);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    jb__journal_close(&journal);
}

//  --------------------------------------------------------------------------
//  Retention: by bytes at every append (the oldest make room), and by age
//  at a trim. The sequence goes on; the first held moves up.

static void
test_retention_keeps_the_bytes_and_the_age_in_bounds(void **state)
{
    (void) state;
    jb__journal_t *journal = s_open(4000, 0);
    for (unsigned number = 1; number <= 1000; number++) {
        s_append(journal, number, number);
        if (number % 100 == 0)
            assert_int_equal(jb__journal_commit(journal, NULL), 0);
    }
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_true(info.bytes <= 4000);
    assert_true(info.count > 50);
    assert_int_equal(info.last, 1000);
    assert_int_equal(info.first, info.last - info.count + 1);
    s_collected_t collected = { .count = 0 };
    assert_int_equal(jb__journal_read(journal, 0, 1, s_collect, &collected, NULL), 0);
    assert_int_equal(collected.sequences[0], info.first);
    assert_int_equal(collected.numbers[0], info.first);
    jb__journal_close(&journal);

    //  by age, in a journal of its own: at time 1000, keeping 100 ms keeps
    //  the times 900 .. 1000
    s_teardown(NULL);
    s_setup(NULL);
    journal = s_open(0, 100);
    assert_int_equal(jb__journal_trim(journal, 1000), 0);     //  nothing old yet
    for (unsigned number = 1; number <= 1000; number++)
        s_append(journal, number, number);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    uint64_t dropped = jb__journal_trim(journal, 1000);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.first, 900);
    assert_int_equal(info.oldest_ms, 900);
    assert_int_equal(dropped, 899 + 0);
    assert_int_equal(info.count, 1000 - 899);
    jb__journal_close(&journal);
}

//  --------------------------------------------------------------------------
//  By time: the first message at or after a time, with times kept from
//  going back (a clock stepped back gives the last time again).

static void
test_a_time_finds_the_first_message_at_or_after_it(void **state)
{
    (void) state;
    jb__journal_t *journal = s_open(0, 0);
    uint64_t sequence = 0;
    assert_int_equal(jb__journal_find_time(journal, 5, &sequence), 0);
    assert_int_equal(sequence, 1);                  //  empty: the next one
    for (unsigned number = 1; number <= 100; number++)
        s_append(journal, number, 10 * (int64_t) number);      //  10, 20, .. 1000
    s_append(journal, 101, 5);                      //  the clock went back
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    assert_int_equal(jb__journal_find_time(journal, 0, &sequence), 0);
    assert_int_equal(sequence, 1);
    assert_int_equal(jb__journal_find_time(journal, 15, &sequence), 0);
    assert_int_equal(sequence, 2);
    assert_int_equal(jb__journal_find_time(journal, 500, &sequence), 0);
    assert_int_equal(sequence, 50);
    assert_int_equal(jb__journal_find_time(journal, 1000, &sequence), 0);
    assert_int_equal(sequence, 100);                //  101 was given 1000 too
    assert_int_equal(jb__journal_find_time(journal, 1001, &sequence), 0);
    assert_int_equal(sequence, 102);
    jb__journal_close(&journal);
}

//  --------------------------------------------------------------------------
//  Durable consumers' positions: committed with the group, never back.

static void
s_count_position(const char *name, uint64_t sequence, void *arg)
{
    (void) name;
    (void) sequence;
    (*(int *) arg)++;
}

static void
test_a_consumers_position_commits_with_the_group_and_never_moves_back(void **state)
{
    (void) state;
    jb__journal_t *journal = s_open(0, 0);
    uint64_t position = 99;
    assert_int_equal(jb__journal_position(journal, "billing", &position), JB_ENOTFOUND);
    assert_int_equal(position, 0);
    assert_int_equal(jb__journal_acknowledge(journal, "billing", 7, NULL), 0);
    assert_int_equal(jb__journal_position(journal, "billing", &position), JB_ENOTFOUND);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    assert_int_equal(jb__journal_position(journal, "billing", &position), 0);
    assert_int_equal(position, 7);
    assert_int_equal(jb__journal_acknowledge(journal, "billing", 3, NULL), 0);
    assert_int_equal(jb__journal_acknowledge(journal, "sessions", 1, NULL), 0);
    assert_int_equal(jb__journal_commit(journal, NULL), 0);
    assert_int_equal(jb__journal_position(journal, "billing", &position), 0);
    assert_int_equal(position, 7);
    int consumers = 0;
    assert_int_equal(jb__journal_each_position(journal, s_count_position, &consumers), 0);
    assert_int_equal(consumers, 2);
    jb_error_t error;
    char long_name [JB__JOURNAL_NAME_MAX + 2];
    memset(long_name, 'n', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    assert_int_equal(jb__journal_acknowledge(journal, long_name, 1, &error), JB_EINVAL);
    assert_int_equal(jb__journal_acknowledge(journal, "", 1, &error), JB_EINVAL);
    jb__journal_close(&journal);
}

//  --------------------------------------------------------------------------
//  A full disk: a 1 MiB tmpfs mounted for the test (root only; skipped
//  with a message elsewhere). A commit that cannot be written fails with
//  the reason, its group is counted lost, and the journal goes on with
//  what it had committed, its sequence without a gap.

static void
test_a_full_disk_loses_the_group_counted_and_the_journal_goes_on(void **state)
{
    (void) state;
    char mount_point [300];
    snprintf(mount_point, sizeof mount_point, "%s/small", s_directory);
    assert_int_equal(mkdir(mount_point, 0700), 0);
    char command [400];
    snprintf(command, sizeof command, "mount -t tmpfs -o size=1m jbus-test %s 2>/dev/null",
             mount_point);
    if (getuid() != 0 || system(command) != 0) {
        rmdir(mount_point);
        print_message("SKIPPED: cannot mount a small tmpfs (needs root and mount)\n");
        skip();
    }
    jb__journal_options_t options = { mount_point, 0, 0, true };
    jb_error_t error;
    jb__journal_t *journal = jb__journal_open(&options, &error);
    assert_non_null(journal);
    char body [1000];
    memset(body, 'x', sizeof body);
    jb_frame_t frames [2] = { { "jerry.test.thing.done", 21 }, { body, sizeof body } };
    uint64_t committed = 0;
    int rc = 0;
    for (int group = 0; group < 100 && rc == 0; group++) {
        for (int index = 0; index < 20 && rc == 0; index++)
            rc = jb__journal_append(journal, frames, 2, 1, NULL, &error);
        if (rc == 0)
            rc = jb__journal_commit(journal, &error);
        if (rc == 0)
            committed += 20;
    }
    assert_int_equal(rc, JB_EIO);
    print_message("full disk after %llu messages: %s\n", (unsigned long long) committed,
                  error.message);
    assert_true(jb__journal_lost(journal) >= 1);
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    assert_int_equal(info.count, committed);
    assert_int_equal(info.last, committed);
    jb__journal_close(&journal);
    snprintf(command, sizeof command, "umount %s", mount_point);
    assert_int_equal(system(command), 0);
    rmdir(mount_point);
}

//  --------------------------------------------------------------------------
//  A directory that cannot be made is an error naming it.

static void
test_a_journal_that_cannot_be_opened_says_where(void **state)
{
    (void) state;
    jb__journal_options_t options = { "/proc/jbus-journal-here", 0, 0, true };
    jb_error_t error;
    assert_null(jb__journal_open(&options, &error));
    assert_int_equal(error.code, JB_EIO);
    assert_non_null(strstr(error.message, "/proc/jbus-journal-here"));
}

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_setup_teardown(test_committed_messages_read_back_frame_for_frame_in_order,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_the_sequence_goes_on_across_a_reopen_without_a_gap,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_writer_killed_mid_group_leaves_every_committed_group_whole,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_retention_keeps_the_bytes_and_the_age_in_bounds,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_a_time_finds_the_first_message_at_or_after_it,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_consumers_position_commits_with_the_group_and_never_moves_back,
            s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_full_disk_loses_the_group_counted_and_the_journal_goes_on,
            s_setup, s_teardown),
        cmocka_unit_test(test_a_journal_that_cannot_be_opened_says_where),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
