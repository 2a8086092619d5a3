/*  =========================================================================
    test_fuzz_regressions.c - every fuzz seed and saved reproducer, in the suite

    The libFuzzer targets (tests/fuzz/, scripts/fuzz) run only on request.
    What they found must stay fixed in every build, so this test runs each
    file of tests/fuzz/regressions/<target>/ (minimized inputs that once
    crashed or broke a property) and of tests/fuzz/corpus/<target>/ (the
    seeds) through the targets' own entry points, fuzz_<target>() in
    tests/fuzz/, which check the same properties as under libFuzzer. Under
    -DJBUS_SANITIZE=ON the sanitizers check each input as the fuzzer did;
    every input is copied into a heap block of its exact size first, as
    libFuzzer hands it over, so that a read past its end is seen.

    An input that breaks a property fails the test naming the file. One
    that crashes (an assert, a sanitizer report) ends the process; each
    regression input is named before it runs, and a SIGABRT handler names
    the input that was running, so the file is known either way.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L
#include "testutil.h"
#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include "fuzz/fuzz.h"

#define s_FUZZ_DIR JBUS_SOURCE_DIR "/tests/fuzz"

typedef const char *(*s_entry_t)(const uint8_t *data, size_t size);

//  The input running now, for the SIGABRT handler.
static char s_current [4096];

static void
s_name_current_input(int signal_number)
{
    static const char prefix [] = "\ntest_fuzz_regressions: aborted on input ";
    ssize_t ignored = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    ignored = write(STDERR_FILENO, s_current, strlen(s_current));
    ignored = write(STDERR_FILENO, "\n", 1);
    (void) ignored;
    signal(signal_number, SIG_DFL);
    raise(signal_number);
}

static int
s_compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

//  Run every regular file in s_FUZZ_DIR/kind/target through entry, in name
//  order; fail naming the file and the broken property. Returns how many
//  ran; 0 when the directory does not exist.
static size_t
s_run_directory(const char *kind, const char *target, s_entry_t entry)
{
    char dir_path [2048];
    snprintf(dir_path, sizeof dir_path, "%s/%s/%s", s_FUZZ_DIR, kind, target);
    DIR *dir = opendir(dir_path);
    if (!dir)
        return 0;
    char **names = NULL;
    size_t count = 0;
    struct dirent *entry_name;
    while ((entry_name = readdir(dir))) {
        if (entry_name->d_name[0] == '.')
            continue;
        names = (char **) realloc(names, (count + 1) * sizeof *names);
        assert_non_null(names);
        names[count] = strdup(entry_name->d_name);
        assert_non_null(names[count]);
        count++;
    }
    closedir(dir);
    if (count)
        qsort(names, count, sizeof *names, s_compare_names);
    size_t ran = 0;
    for (size_t index = 0; index < count; index++) {
        char path [4096];
        snprintf(path, sizeof path, "%s/%s", dir_path, names[index]);
        struct stat status;
        if (stat(path, &status) == 0 && S_ISREG(status.st_mode)) {
            size_t size = 0;
            char *text = testutil_read_file(path, &size);
            if (!text)
                fail_msg("cannot read %s", path);
            void *input = fuzz_copy(text, size);
            assert_non_null(input);
            free(text);
            if (strcmp(kind, "regressions") == 0)
                print_message("  %s/%s\n", target, names[index]);
            snprintf(s_current, sizeof s_current, "%s", path);
            const char *problem = entry((const uint8_t *) input, size);
            s_current[0] = '\0';
            free(input);
            if (problem)
                fail_msg("%s: %s", path, problem);
            ran++;
        }
        free(names[index]);
    }
    free(names);
    return ran;
}

//  The seeds (which must be there) and the reproducers (when any) of target.
static void
s_run_target(const char *target, s_entry_t entry)
{
    size_t seeds = s_run_directory("corpus", target, entry);
    if (seeds == 0)
        fail_msg("no seeds in %s/corpus/%s: the corpus is part of the source tree",
                 s_FUZZ_DIR, target);
    size_t regressions = s_run_directory("regressions", target, entry);
    print_message("  %-16s %4zu seeds, %3zu regression inputs: every property holds\n",
                  target, seeds, regressions);
}

//  --------------------------------------------------------------------------
//  A fuzz entry point takes any bytes and says which property, if any, they
//  broke: NULL for a valid event that survives every round trip, and NULL
//  for bytes that are rejected cleanly.

static void
test_a_fuzz_entry_point_names_a_broken_property_or_returns_null(void **state)
{
    (void) state;
    const char *event = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/s\",\"type\":\"t\"}";
    assert_null(fuzz_json_event((const uint8_t *) event, strlen(event)));
    assert_null(fuzz_json_event((const uint8_t *) "{\"id\":", 6));

    char batch [256];
    snprintf(batch, sizeof batch, "[%s,%s]", event, event);
    assert_null(fuzz_json_batch((const uint8_t *) batch, strlen(batch)));

    //  fuzz_binary: "\x01t" is the topic "t", then a map that lacks id
    const char binary [] = "\x01t\x82\xabspecversion\xa3" "1.0\xa6source\xa2/s";
    assert_null(fuzz_binary((const uint8_t *) binary, sizeof binary - 1));

    //  fuzz_frames: no frames at all, then one frame
    assert_null(fuzz_frames((const uint8_t *) "\x00", 1));
    assert_null(fuzz_frames((const uint8_t *) "\x01topic", 6));

    //  fuzz_replay_request: [REPLAY] [jerry.] [first] [10], then [CREDIT]
    //  without its number, refused
    const char replay [] = "\x04\x06" "REPLAY" "\x06" "jerry." "\x05" "first" "10";
    assert_null(fuzz_replay_request((const uint8_t *) replay, sizeof replay - 1));
    assert_null(fuzz_replay_request((const uint8_t *) "\x01" "CREDIT", 7));
}

static void
test_fuzz_json_event_inputs_keep_every_property(void **state)
{
    (void) state;
    s_run_target("fuzz_json_event", fuzz_json_event);
}

static void
test_fuzz_json_batch_inputs_keep_every_property(void **state)
{
    (void) state;
    s_run_target("fuzz_json_batch", fuzz_json_batch);
}

static void
test_fuzz_binary_inputs_keep_every_property(void **state)
{
    (void) state;
    s_run_target("fuzz_binary", fuzz_binary);
}

static void
test_fuzz_frames_inputs_keep_every_property(void **state)
{
    (void) state;
    s_run_target("fuzz_frames", fuzz_frames);
}

static void
test_fuzz_replay_request_inputs_keep_every_property(void **state)
{
    (void) state;
    s_run_target("fuzz_replay_request", fuzz_replay_request);
}

int
main(void)
{
    signal(SIGABRT, s_name_current_input);
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_a_fuzz_entry_point_names_a_broken_property_or_returns_null),
        cmocka_unit_test(test_fuzz_json_event_inputs_keep_every_property),
        cmocka_unit_test(test_fuzz_json_batch_inputs_keep_every_property),
        cmocka_unit_test(test_fuzz_binary_inputs_keep_every_property),
        cmocka_unit_test(test_fuzz_frames_inputs_keep_every_property),
        cmocka_unit_test(test_fuzz_replay_request_inputs_keep_every_property),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
