/*  =========================================================================
    test_cli_validate.c - the `jbus validate` command, run as a real program

    Every test spawns the built jbus binary with its stdin, stdout and
    stderr on files in a private temporary directory, waits for it, and
    checks its exit code and what it wrote. The CloudEvents conformance
    vectors run when JBUS_CONFORMANCE_DIR exists and are skipped otherwise.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "testutil.h"

extern char **environ;

#define s_JBUS JBUS_BINARY_DIR "/clients/jbus"

//  Most arguments a test passes to jbus.
#define s_ARGS_MAX 32

//  The temporary directory shared by the tests of this file.
typedef struct {
    char directory [PATH_MAX];  //  made by mkdtemp, removed by the teardown
    unsigned files;             //  files made so far, for unique names
} s_fixture_t;

//  What one run of jbus did.
typedef struct {
    int status;                 //  exit code; 128 + signal when killed
    char *out;                  //  all of its stdout, NUL-terminated
    char *err;                  //  all of its stderr, NUL-terminated
} s_result_t;

//  The CloudEvents SDK "sample extension attributes" that the conformance
//  vectors marked sampleExtensionAttributes rely on.
static const jb_extension_def_t s_sample_extensions [] = {
    { "extinteger",   JB_TYPE_INTEGER },
    { "extboolean",   JB_TYPE_BOOLEAN },
    { "extstring",    JB_TYPE_STRING },
    { "exturi",       JB_TYPE_URI },
    { "exturiref",    JB_TYPE_URI_REF },
    { "exttimestamp", JB_TYPE_TIMESTAMP },
    { "extbinary",    JB_TYPE_BINARY },
    { NULL, 0 }
};

static const char *s_sample_extension_args [] = {
    "--ext", "extinteger=Integer", "--ext", "extboolean=Boolean", "--ext", "extstring=String",
    "--ext", "exturi=URI", "--ext", "exturiref=URI-reference",
    "--ext", "exttimestamp=Timestamp", "--ext", "extbinary=Binary", NULL
};

#define s_MINIMAL_EVENT \
    "{\"specversion\":\"1.0\",\"id\":\"A234-1234-1234\",\"source\":\"/jerry/work-tracking\"," \
    "\"type\":\"jerry.work_tracking.task.completed\",\"time\":\"2018-04-05T17:31:00Z\"," \
    "\"data\":{\"task_id\":\"WORK-001\"}}"

//  --------------------------------------------------------------------------
//  Fixture: one temporary directory for the whole file.

static int
s_setup(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) calloc(1, sizeof *fixture);
    if (!fixture)
        return -1;
    const char *tmp = getenv("TMPDIR");
    snprintf(fixture->directory, sizeof fixture->directory, "%s/jbus-cli-XXXXXX",
             tmp && *tmp? tmp: "/tmp");
    if (!mkdtemp(fixture->directory)) {
        print_error("mkdtemp %s: %s\n", fixture->directory, strerror(errno));
        free(fixture);
        return -1;
    }
    *state = fixture;
    return 0;
}

//  --------------------------------------------------------------------------
//  Put the path of name in the fixture's directory into path (PATH_MAX).

static void
s_path(const s_fixture_t *fixture, const char *name, char *path)
{
    int length = snprintf(path, PATH_MAX, "%s/%s", fixture->directory, name);
    assert_true(length > 0 && length < PATH_MAX);
}

//  Remove the directory and what the tests left in it (files, and the one
//  directory that stands for an unreadable file).
static int
s_teardown(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    DIR *directory = opendir(fixture->directory);
    struct dirent *entry;
    while (directory && (entry = readdir(directory))) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char path [PATH_MAX];
        int length = snprintf(path, sizeof path, "%s/%s", fixture->directory, entry->d_name);
        if (length > 0 && length < (int) sizeof path && unlink(path) != 0)
            rmdir(path);
    }
    if (directory)
        closedir(directory);
    int rc = rmdir(fixture->directory);
    if (rc)
        print_error("rmdir %s: %s\n", fixture->directory, strerror(errno));
    free(fixture);
    return rc;
}

//  --------------------------------------------------------------------------
//  Write size bytes (SIZE_MAX: data is NUL-terminated) to a new file whose
//  name ends in name; its path goes into path (PATH_MAX bytes).

static void
s_write_file(s_fixture_t *fixture, const char *name, const void *data, size_t size, char *path)
{
    if (size == SIZE_MAX)
        size = strlen((const char *) data);
    char unique [NAME_MAX + 1];
    int length = snprintf(unique, sizeof unique, "%03u-%s", ++fixture->files, name);
    assert_true(length > 0 && length < (int) sizeof unique);
    s_path(fixture, unique, path);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(data, 1, size, file), size);
    assert_int_equal(fclose(file), 0);
}

//  --------------------------------------------------------------------------
//  Run jbus with args (NULL-terminated), stdin from input (NULL: /dev/null).
//  Free the result with s_result_free.

static void
s_run_program(s_fixture_t *fixture, const char *program, const char *input, const char *const *args,
              s_result_t *result)
{
    char *argv [s_ARGS_MAX + 2];
    size_t argc = 0;
    const char *slash = strrchr(program, '/');
    argv[argc++] = (char *) (slash? slash + 1: program);
    for (; *args; args++) {
        assert_true(argc <= s_ARGS_MAX);
        argv[argc++] = (char *) *args;
    }
    argv[argc] = NULL;

    char out_path [PATH_MAX], err_path [PATH_MAX];
    s_path(fixture, "stdout", out_path);
    s_path(fixture, "stderr", err_path);
    posix_spawn_file_actions_t actions;
    assert_int_equal(posix_spawn_file_actions_init(&actions), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
                     input? input: "/dev/null", O_RDONLY, 0), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path,
                     O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
    assert_int_equal(posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path,
                     O_WRONLY | O_CREAT | O_TRUNC, 0600), 0);
    pid_t pid;
    int rc = posix_spawn(&pid, program, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc)
        fail_msg("cannot start %s: %s", program, strerror(rc));

    int status;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    if (WIFEXITED(status))
        result->status = WEXITSTATUS(status);
    else {
        result->status = 128 + WTERMSIG(status);
        print_error("jbus was killed by signal %d\n", WTERMSIG(status));
    }
    result->out = testutil_read_file(out_path, NULL);
    result->err = testutil_read_file(err_path, NULL);
    assert_non_null(result->out);
    assert_non_null(result->err);
    unlink(out_path);
    unlink(err_path);
}

static void
s_run(s_fixture_t *fixture, const char *input, const char *const *args, s_result_t *result)
{
    s_run_program(fixture, s_JBUS, input, args, result);
}

static void
s_result_free(s_result_t *result)
{
    free(result->out);
    free(result->err);
    result->out = result->err = NULL;
}

//  --------------------------------------------------------------------------

static bool
s_starts_with(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

//  Number of lines in text (each ended by '\n').
static size_t
s_line_count(const char *text)
{
    size_t count = 0;
    for (; *text; text++)
        count += *text == '\n';
    return count;
}

//  --------------------------------------------------------------------------
//  True when the JSON texts input and output hold the same events (as
//  jb_event_equal sees them), both decoded with known. Says why not.

static bool
s_same_events(const char *input, const char *output, bool is_batch,
              const jb_extension_def_t *known)
{
    jb_error_t error;
    bool same = false;
    if (is_batch) {
        jb_batch_t *expected = NULL, *actual = NULL;
        if (jb_json_decode_batch(input, strlen(input), known, &expected, &error))
            print_error("input does not decode: %s\n", error.message);
        else
        if (jb_json_decode_batch(output, strlen(output), known, &actual, &error))
            print_error("output does not decode: %s\n", error.message);
        else
        if (jb_batch_size(expected) != jb_batch_size(actual))
            print_error("%zu events out of %zu\n", jb_batch_size(actual), jb_batch_size(expected));
        else {
            same = true;
            for (size_t index = 0; index < jb_batch_size(expected); index++)
                same &= jb_event_equal(jb_batch_at(expected, index), jb_batch_at(actual, index));
        }
        jb_batch_destroy(&expected);
        jb_batch_destroy(&actual);
    }
    else {
        jb_event_t *expected = NULL, *actual = NULL;
        if (jb_json_decode(input, strlen(input), known, &expected, &error))
            print_error("input does not decode: %s\n", error.message);
        else
        if (jb_json_decode(output, strlen(output), known, &actual, &error))
            print_error("output does not decode: %s\n", error.message);
        else
            same = jb_event_equal(expected, actual);
        jb_event_destroy(&expected);
        jb_event_destroy(&actual);
    }
    return same;
}

//  --------------------------------------------------------------------------
//  Load a conformance file (e.g. "valid-events.json"), or skip the test
//  when the vectors are not there. Free with cJSON_Delete.

static cJSON *
s_load_vectors(const char *name)
{
    char path [PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", JBUS_CONFORMANCE_DIR, name);
    char *text = testutil_read_file(path, NULL);
    if (!text) {
        print_message("skipped: no CloudEvents conformance vectors at %s "
                      "(set JBUS_CONFORMANCE_DIR)\n", path);
        skip();
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(root, "tests")));
    return root;
}

//  A vector's event or batch as a new JSON text (free with free()), and
//  whether it uses the sample extensions.
static char *
s_vector_json(const cJSON *vector, bool *sample_extensions)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(vector, "event");
    if (!value)
        value = cJSON_GetObjectItemCaseSensitive(vector, "batch");
    assert_non_null(value);
    if (sample_extensions)
        *sample_extensions = cJSON_IsTrue(
            cJSON_GetObjectItemCaseSensitive(vector, "sampleExtensionAttributes"));
    char *json = cJSON_PrintUnformatted(value);
    assert_non_null(json);
    return json;
}

static const char *
s_vector_id(const cJSON *vector)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(vector, "id"));
    assert_non_null(id);
    return id;
}

//  --------------------------------------------------------------------------
//  Run every valid vector of a file through jbus validate: exit 0, nothing
//  on stderr, one line on stdout that decodes to the same events.

static void
s_check_valid_vectors(s_fixture_t *fixture, const char *name, bool is_batch)
{
    cJSON *root = s_load_vectors(name);
    int failures = 0, count = 0;
    const cJSON *vector;
    cJSON_ArrayForEach(vector, cJSON_GetObjectItemCaseSensitive(root, "tests")) {
        bool sample_extensions;
        char *json = s_vector_json(vector, &sample_extensions);
        char path [PATH_MAX];
        s_write_file(fixture, s_vector_id(vector), json, SIZE_MAX, path);

        const char *args [s_ARGS_MAX] = { "validate" };
        size_t argc = 1;
        for (size_t index = 0; sample_extensions && s_sample_extension_args[index]; index++)
            args[argc++] = s_sample_extension_args[index];
        args[argc++] = path;
        args[argc] = NULL;
        s_result_t result;
        s_run(fixture, NULL, args, &result);
        if (result.status != 0 || *result.err || s_line_count(result.out) != 1
        || !s_same_events(json, result.out, is_batch,
                          sample_extensions? s_sample_extensions: NULL)) {
            print_error("%s: exit %d, stdout: %s, stderr: %s\n",
                        s_vector_id(vector), result.status, result.out, result.err);
            failures++;
        }
        count++;
        s_result_free(&result);
        free(json);
    }
    cJSON_Delete(root);
    assert_true(count > 0);
    assert_int_equal(failures, 0);
}

//  --------------------------------------------------------------------------
//  Run every invalid vector of a file: exit 1, nothing on stdout, stderr
//  "FILE: " and then prefix.

static void
s_check_invalid_vectors(s_fixture_t *fixture, const char *name, const char *prefix)
{
    cJSON *root = s_load_vectors(name);
    int failures = 0, count = 0;
    const cJSON *vector;
    cJSON_ArrayForEach(vector, cJSON_GetObjectItemCaseSensitive(root, "tests")) {
        char *json = s_vector_json(vector, NULL);
        char path [PATH_MAX];
        s_write_file(fixture, s_vector_id(vector), json, SIZE_MAX, path);
        char expected [PATH_MAX + 32];
        snprintf(expected, sizeof expected, "%s: %s", path, prefix);

        s_result_t result;
        s_run(fixture, NULL, (const char *[]) { "validate", path, NULL }, &result);
        if (result.status != 1 || *result.out || !s_starts_with(result.err, expected)
        || s_line_count(result.err) != 1) {
            print_error("%s: exit %d, stdout: %s, stderr: %s\n",
                        s_vector_id(vector), result.status, result.out, result.err);
            failures++;
        }
        count++;
        s_result_free(&result);
        free(json);
    }
    cJSON_Delete(root);
    assert_true(count > 0);
    assert_int_equal(failures, 0);
}

//  --------------------------------------------------------------------------
//  How the command is used: give it a file, get the event back normalized
//  on one line and exit code 0.

static void
test_validate_prints_a_valid_event_as_one_line_of_json(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "event.json",
                 "{\n  \"specversion\": \"1.0\",\n  \"id\": \"A234-1234-1234\",\n"
                 "  \"source\": \"/jerry/work-tracking\",\n"
                 "  \"type\": \"jerry.work_tracking.task.completed\",\n"
                 "  \"time\": \"2018-04-05T17:31:00Z\",\n"
                 "  \"data\": {\"task_id\": \"WORK-001\"}\n}\n", SIZE_MAX, path);
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", path, NULL }, &result);
    assert_int_equal(result.status, 0);
    assert_string_equal(result.err, "");
    assert_int_equal(s_line_count(result.out), 1);
    assert_non_null(strstr(result.out, "\"type\":\"jerry.work_tracking.task.completed\""));
    assert_true(s_same_events(s_MINIMAL_EVENT, result.out, false, NULL));
    s_result_free(&result);
}

static void
test_validate_accepts_every_valid_conformance_event(void **state)
{
    s_check_valid_vectors((s_fixture_t *) *state, "valid-events.json", false);
}

static void
test_validate_accepts_every_valid_conformance_batch(void **state)
{
    s_check_valid_vectors((s_fixture_t *) *state, "valid-batches.json", true);
}

static void
test_validate_rejects_every_invalid_conformance_event_naming_the_attribute(void **state)
{
    s_check_invalid_vectors((s_fixture_t *) *state, "invalid-events.json", "attribute '");
}

static void
test_validate_rejects_every_invalid_conformance_batch(void **state)
{
    s_check_invalid_vectors((s_fixture_t *) *state, "invalid-batches.json", "");
}

//  --------------------------------------------------------------------------

static void
test_validate_reads_standard_input_without_file_or_with_dash(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "stdin.json", s_MINIMAL_EVENT, SIZE_MAX, path);
    const char *const *command_lines [] = {
        (const char *[]) { "validate", NULL },
        (const char *[]) { "validate", "-", NULL },
    };
    for (size_t index = 0; index < 2; index++) {
        s_result_t result;
        s_run(fixture, path, command_lines[index], &result);
        assert_int_equal(result.status, 0);
        assert_string_equal(result.err, "");
        assert_int_equal(s_line_count(result.out), 1);
        assert_true(s_same_events(s_MINIMAL_EVENT, result.out, false, NULL));
        s_result_free(&result);
    }
}

static void
test_validate_calls_standard_input_stdin_in_errors(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "bad-time.json",
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/a\",\"type\":\"t\","
                 "\"time\":\"2018-04-05T18:31Z\"}", SIZE_MAX, path);
    s_result_t result;
    s_run(fixture, path, (const char *[]) { "validate", NULL }, &result);
    assert_int_equal(result.status, 1);
    assert_string_equal(result.out, "");
    assert_string_equal(result.err,
        "<stdin>: attribute 'time': not an RFC 3339 timestamp: \"2018-04-05T18:31Z\"\n");
    s_result_free(&result);
}

static void
test_validate_reads_a_large_batch_whole(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    //  about 600 KB: much more than any one read
    size_t count = 5000, capacity = count * 160 + 16, size = 0;
    char *batch = (char *) malloc(capacity);
    assert_non_null(batch);
    batch[size++] = '[';
    for (size_t index = 0; index < count; index++)
        size += (size_t) snprintf(batch + size, capacity - size,
            "%s{\"specversion\":\"1.0\",\"id\":\"event-%zu\",\"source\":\"/jerry/test\","
            "\"type\":\"jerry.test.item.created\",\"data\":{\"index\":%zu}}",
            index? ",": "", index, index);
    batch[size++] = ']';
    batch[size] = '\0';
    char path [PATH_MAX];
    s_write_file(fixture, "large.json", batch, size, path);

    s_result_t result;
    s_run(fixture, path, (const char *[]) { "validate", "--convention", NULL }, &result);
    assert_int_equal(result.status, 0);
    assert_string_equal(result.err, "");
    assert_true(s_same_events(batch, result.out, true, NULL));
    s_result_free(&result);
    free(batch);
}

//  --------------------------------------------------------------------------

static void
test_quiet_prints_nothing_for_valid_input(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "quiet.json", s_MINIMAL_EVENT, SIZE_MAX, path);
    const char *const *command_lines [] = {
        (const char *[]) { "validate", "--quiet", path, NULL },
        (const char *[]) { "validate", path, "-q", NULL },
    };
    for (size_t index = 0; index < 2; index++) {
        s_result_t result;
        s_run(fixture, NULL, command_lines[index], &result);
        assert_int_equal(result.status, 0);
        assert_string_equal(result.out, "");
        assert_string_equal(result.err, "");
        s_result_free(&result);
    }
}

static void
test_quiet_still_reports_invalid_input(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "quiet-invalid.json", "{\"specversion\":\"1.0\"}", SIZE_MAX, path);
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", "-q", path, NULL }, &result);
    assert_int_equal(result.status, 1);
    assert_string_equal(result.out, "");
    assert_true(s_starts_with(result.err, path));
    s_result_free(&result);
}

//  --------------------------------------------------------------------------

static void
test_help_exits_0_and_shows_usage(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    const char *const *command_lines [] = {
        (const char *[]) { "--help", NULL },
        (const char *[]) { "-h", NULL },
        (const char *[]) { "help", NULL },
        (const char *[]) { "validate", "--help", NULL },
        (const char *[]) { "help", "validate", NULL },
        (const char *[]) { "help", "--help", NULL },
        (const char *[]) { "help", "-h", NULL },
        (const char *[]) { "help", "help", NULL },
    };
    for (size_t index = 0; index < sizeof command_lines / sizeof command_lines[0]; index++) {
        s_result_t result;
        s_run(fixture, NULL, command_lines[index], &result);
        assert_int_equal(result.status, 0);
        assert_string_equal(result.err, "");
        assert_true(s_starts_with(result.out, "Usage: jbus"));
        assert_non_null(strstr(result.out, "validate"));
        assert_non_null(strstr(result.out, "Exit codes"));
        s_result_free(&result);
    }
}

//  The scripts answer --help as the tool does: usage on stdout, exit 0.
static void
test_scripts_help_exits_0_with_usage_on_stdout(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    const char *scripts [] = { "fuzz", "test", "bench", "soak", "deps" };
    for (size_t index = 0; index < sizeof scripts / sizeof scripts[0]; index++) {
        char path [PATH_MAX];
        snprintf(path, sizeof path, "%s/scripts/%s", JBUS_SOURCE_DIR, scripts[index]);
        s_result_t result;
        s_run_program(fixture, path, NULL, (const char *[]) { "--help", NULL }, &result);
        if (result.status != 0 || strstr(result.out, "sage") == NULL)
            fail_msg("scripts/%s --help: exit %d, stdout \"%s\", stderr \"%s\"", scripts[index],
                     result.status, result.out, result.err);
        s_result_free(&result);
    }
}

static void
test_version_prints_the_version_of_the_library(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char expected [64];
    snprintf(expected, sizeof expected, "jbus %d.%d.%d\n",
             JBUS_VERSION_MAJOR, JBUS_VERSION_MINOR, JBUS_VERSION_PATCH);
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "--version", NULL }, &result);
    assert_int_equal(result.status, 0);
    assert_string_equal(result.out, expected);
    s_result_free(&result);
}

//  A bad command line exits 2 with a message and a hint, and reads nothing.
static void
s_check_usage_error(s_fixture_t *fixture, const char *const *args, const char *hint)
{
    s_result_t result;
    s_run(fixture, NULL, args, &result);
    assert_int_equal(result.status, 2);
    assert_string_equal(result.out, "");
    assert_non_null(strstr(result.err, hint));
    s_result_free(&result);
}

static void
test_unknown_option_is_a_usage_error(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    s_check_usage_error(fixture, (const char *[]) { "validate", "--no-such-option", NULL },
                        "Try 'jbus validate --help'.");
    s_check_usage_error(fixture, (const char *[]) { "validate", "-Z", NULL },
                        "Try 'jbus validate --help'.");
    s_check_usage_error(fixture, (const char *[]) { "--no-such-option", NULL },
                        "Try 'jbus --help'.");
}

static void
test_bad_ext_definition_is_a_usage_error(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    const char *definitions [] = {
        "extbinary", "=Binary", "extbinary=", "extbinary=Blob", "ExtBinary=Binary",
        "ext.binary=Binary", "data=String", NULL
    };
    for (size_t index = 0; definitions[index]; index++)
        s_check_usage_error(fixture,
                            (const char *[]) { "validate", "--ext", definitions[index], NULL },
                            "Try 'jbus validate --help'.");
    s_check_usage_error(fixture, (const char *[]) { "validate", "--ext", NULL },
                        "Try 'jbus validate --help'.");
    s_check_usage_error(fixture, (const char *[]) { "validate", "--ext", "a=String",
                                                    "--ext", "a=URI", NULL },
                        "declared twice");
}

static void
test_unknown_command_is_a_usage_error(void **state)
{
    s_check_usage_error((s_fixture_t *) *state, (const char *[]) { "frobnicate", NULL },
                        "unknown command 'frobnicate'");
    s_check_usage_error((s_fixture_t *) *state, (const char *[]) { "help", "frobnicate", NULL },
                        "unknown command 'frobnicate'");
}

static void
test_no_arguments_prints_usage_and_exits_2(void **state)
{
    s_check_usage_error((s_fixture_t *) *state, (const char *[]) { NULL }, "Usage: jbus");
}

//  --------------------------------------------------------------------------

static void
test_one_invalid_file_among_valid_ones_fails_only_that_file(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char first [PATH_MAX], invalid [PATH_MAX], last [PATH_MAX];
    s_write_file(fixture, "first.json", s_MINIMAL_EVENT, SIZE_MAX, first);
    s_write_file(fixture, "invalid.json",
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/a\"}", SIZE_MAX, invalid);
    s_write_file(fixture, "last.json", "[" s_MINIMAL_EVENT "]", SIZE_MAX, last);
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", first, invalid, last, NULL }, &result);
    assert_int_equal(result.status, 1);
    char expected [PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: attribute 'type': ", invalid);
    assert_true(s_starts_with(result.err, expected));
    assert_int_equal(s_line_count(result.err), 1);
    assert_null(strstr(result.err, first));
    assert_null(strstr(result.err, last));
    //  the valid inputs are still printed, one line each
    assert_int_equal(s_line_count(result.out), 2);
    s_result_free(&result);
}

static void
test_unreadable_file_is_reported_and_fails(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char missing [PATH_MAX], directory [PATH_MAX];
    s_path(fixture, "no-such-file.json", missing);
    s_path(fixture, "a-directory.json", directory);
    assert_int_equal(mkdir(directory, 0700), 0);

    const char *paths [] = { missing, directory };
    const char *reasons [] = { strerror(ENOENT), strerror(EISDIR) };
    for (size_t index = 0; index < 2; index++) {
        char expected [PATH_MAX + 128];
        snprintf(expected, sizeof expected, "%s: cannot read: %s\n", paths[index], reasons[index]);
        s_result_t result;
        s_run(fixture, NULL, (const char *[]) { "validate", paths[index], NULL }, &result);
        assert_int_equal(result.status, 1);
        assert_string_equal(result.out, "");
        assert_string_equal(result.err, expected);
        s_result_free(&result);
    }
}

static void
test_garbage_bytes_are_rejected_with_a_message(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    //  bytes that are not UTF-8 with a NUL inside, and JSON that goes wrong
    //  after a good start
#define s_BYTES(text) { text, sizeof text - 1 }
    static const struct {
        const char *bytes;
        size_t size;
    } inputs [] = {
        s_BYTES("\x89PNG\r\n\x1a\n\x00\xff\xfe{\"id\":"),
        s_BYTES("{\"id\":\"\x00\"}"),
        s_BYTES("{\"specversion\":\"1.0\""),
        s_BYTES("[{\"specversion\":\"1.0\"}"),
        s_BYTES("[1,2"),
        s_BYTES("nul"),
        s_BYTES("[]]"),
        s_BYTES("{} {}"),
        s_BYTES("\xef\xbb\xbf{}"),
    };
#undef s_BYTES
    for (size_t index = 0; index < sizeof inputs / sizeof inputs[0]; index++) {
        char path [PATH_MAX];
        s_write_file(fixture, "garbage.bin", inputs[index].bytes, inputs[index].size, path);
        char prefix [PATH_MAX + 8];
        snprintf(prefix, sizeof prefix, "%s: ", path);
        s_result_t result;
        s_run(fixture, NULL, (const char *[]) { "validate", path, NULL }, &result);
        assert_int_equal(result.status, 1);
        assert_string_equal(result.out, "");
        assert_true(s_starts_with(result.err, prefix));
        assert_true(strlen(result.err) > strlen(prefix) + 1);
        s_result_free(&result);
    }
}

static void
test_empty_file_is_rejected_with_a_message(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    const char *contents [] = { "", " \r\n\t\n" };
    for (size_t index = 0; index < 2; index++) {
        char path [PATH_MAX];
        s_write_file(fixture, "empty.json", contents[index], SIZE_MAX, path);
        char expected [PATH_MAX + 64];
        snprintf(expected, sizeof expected, "%s: empty input", path);
        s_result_t result;
        s_run(fixture, NULL, (const char *[]) { "validate", path, NULL }, &result);
        assert_int_equal(result.status, 1);
        assert_string_equal(result.out, "");
        assert_true(s_starts_with(result.err, expected));
        s_result_free(&result);
    }
    //  and an empty standard input
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", NULL }, &result);
    assert_int_equal(result.status, 1);
    assert_true(s_starts_with(result.err, "<stdin>: empty input"));
    s_result_free(&result);
}

//  --------------------------------------------------------------------------

static void
test_ext_binary_keeps_the_extension_binary(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    cJSON *root = s_load_vectors("valid-events.json");
    const cJSON *vector, *found = NULL;
    cJSON_ArrayForEach(vector, cJSON_GetObjectItemCaseSensitive(root, "tests"))
        if (strcmp(s_vector_id(vector), "validAllExtensionTypes") == 0)
            found = vector;
    assert_non_null(found);
    char *json = s_vector_json(found, NULL);
    cJSON_Delete(root);
    char path [PATH_MAX];
    s_write_file(fixture, "all-extension-types.json", json, SIZE_MAX, path);

    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", "--ext", "extbinary=Binary", path, NULL },
          &result);
    assert_int_equal(result.status, 0);
    assert_string_equal(result.err, "");
    assert_non_null(strstr(result.out, "\"extbinary\":\"TWE=\""));
    //  read back as Binary, it is the two bytes "Ma"
    static const jb_extension_def_t binary [] = { { "extbinary", JB_TYPE_BINARY }, { NULL, 0 } };
    jb_event_t *event = NULL;
    assert_int_equal(jb_json_decode(result.out, strlen(result.out), binary, &event, NULL), 0);
    const jb_value_t *value = jb_event_extension(event, "extbinary");
    assert_non_null(value);
    assert_int_equal(value->type, JB_TYPE_BINARY);
    assert_int_equal(value->as.binary.size, 2);
    assert_memory_equal(value->as.binary.bytes, "Ma", 2);
    assert_true(s_same_events(json, result.out, false, binary));
    jb_event_destroy(&event);
    s_result_free(&result);
    free(json);
}

static void
test_ext_types_are_enforced_and_case_insensitive(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char path [PATH_MAX];
    s_write_file(fixture, "ext.json",
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/a\",\"type\":\"t\","
                 "\"extbinary\":\"not base64!\"}", SIZE_MAX, path);
    //  undeclared, the extension is a String and the event is valid
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", path, NULL }, &result);
    assert_int_equal(result.status, 0);
    s_result_free(&result);

    char expected [PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: attribute 'extbinary': ", path);
    s_run(fixture, NULL, (const char *[]) { "validate", "--ext", "extbinary=bInArY", path, NULL },
          &result);
    assert_int_equal(result.status, 1);
    assert_string_equal(result.out, "");
    assert_true(s_starts_with(result.err, expected));
    s_result_free(&result);
}

static void
test_convention_rejects_types_that_do_not_follow_it(void **state)
{
    s_fixture_t *fixture = (s_fixture_t *) *state;
    char follows [PATH_MAX], breaks [PATH_MAX], batch [PATH_MAX];
    s_write_file(fixture, "follows.json", s_MINIMAL_EVENT, SIZE_MAX, follows);
    s_write_file(fixture, "breaks.json",
                 "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"/a\","
                 "\"type\":\"io.cloudevents.test\"}", SIZE_MAX, breaks);
    s_write_file(fixture, "batch.json",
                 "[" s_MINIMAL_EVENT ",{\"specversion\":\"1.0\",\"id\":\"2\",\"source\":\"/a\","
                 "\"type\":\"jerry.Work.task.completed\"}]", SIZE_MAX, batch);

    //  without --convention every one is a valid CloudEvent
    s_result_t result;
    s_run(fixture, NULL, (const char *[]) { "validate", "-q", follows, breaks, batch, NULL },
          &result);
    assert_int_equal(result.status, 0);
    assert_string_equal(result.err, "");
    s_result_free(&result);

    s_run(fixture, NULL,
          (const char *[]) { "validate", "--convention", follows, breaks, batch, NULL }, &result);
    assert_int_equal(result.status, 1);
    assert_int_equal(s_line_count(result.out), 1);            //  follows.json
    char expected [PATH_MAX + 64];
    snprintf(expected, sizeof expected, "%s: attribute 'type': ", breaks);
    assert_true(s_starts_with(result.err, expected));
    snprintf(expected, sizeof expected, "\n%s: attribute 'type': ", batch);
    char *batch_error = strstr(result.err, expected);
    assert_non_null(batch_error);
    assert_non_null(strstr(batch_error, "(event 2 of the batch)\n"));
    assert_null(strstr(result.err, follows));
    s_result_free(&result);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test(test_validate_prints_a_valid_event_as_one_line_of_json),
        cmocka_unit_test(test_validate_accepts_every_valid_conformance_event),
        cmocka_unit_test(test_validate_accepts_every_valid_conformance_batch),
        cmocka_unit_test(test_validate_rejects_every_invalid_conformance_event_naming_the_attribute),
        cmocka_unit_test(test_validate_rejects_every_invalid_conformance_batch),
        cmocka_unit_test(test_validate_reads_standard_input_without_file_or_with_dash),
        cmocka_unit_test(test_validate_calls_standard_input_stdin_in_errors),
        cmocka_unit_test(test_validate_reads_a_large_batch_whole),
        cmocka_unit_test(test_quiet_prints_nothing_for_valid_input),
        cmocka_unit_test(test_quiet_still_reports_invalid_input),
        cmocka_unit_test(test_help_exits_0_and_shows_usage),
        cmocka_unit_test(test_version_prints_the_version_of_the_library),
        cmocka_unit_test_setup_teardown(test_scripts_help_exits_0_with_usage_on_stdout,
                                        s_setup, s_teardown),
        cmocka_unit_test(test_unknown_option_is_a_usage_error),
        cmocka_unit_test(test_bad_ext_definition_is_a_usage_error),
        cmocka_unit_test(test_unknown_command_is_a_usage_error),
        cmocka_unit_test(test_no_arguments_prints_usage_and_exits_2),
        cmocka_unit_test(test_one_invalid_file_among_valid_ones_fails_only_that_file),
        cmocka_unit_test(test_unreadable_file_is_reported_and_fails),
        cmocka_unit_test(test_garbage_bytes_are_rejected_with_a_message),
        cmocka_unit_test(test_empty_file_is_rejected_with_a_message),
        cmocka_unit_test(test_ext_binary_keeps_the_extension_binary),
        cmocka_unit_test(test_ext_types_are_enforced_and_case_insensitive),
        cmocka_unit_test(test_convention_rejects_types_that_do_not_follow_it),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
