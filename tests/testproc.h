/*  =========================================================================
    testproc.h - start the jbus programs from integration tests

    What a test that runs bus/jbus-broker, the jbus tool or an example
    program needs: a temporary directory for files it writes and for the
    programs' stderr, spawning a program with its stdout on a pipe, reading
    that stdout line by line with a deadline, the broker's "ready" line with
    its bound endpoints, and waiting for a program's end with a deadline.

    Every program started is remembered until it is waited for; register
    testproc_reap_children as the teardown of each test that starts one,
    so that a failed assertion, which leaves the test midway, still kills
    and reaps what the test started. Nothing here waits without a deadline.

    One test file includes it (its state is static), having defined
    _POSIX_C_SOURCE 200809L before any include.
    ========================================================================= */

#ifndef JBUS_TESTPROC_H_INCLUDED
#define JBUS_TESTPROC_H_INCLUDED

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include <czmq.h>

#include "testutil.h"

extern char **environ;

//  The programs, as built.
#define TESTPROC_BROKER JBUS_BINARY_DIR "/bus/jbus-broker"
#define TESTPROC_JBUS   JBUS_BINARY_DIR "/clients/jbus"
#define TESTPROC_EXAMPLES JBUS_BINARY_DIR "/clients/examples"

//  Longest wait for anything; generous for sanitizer builds on a busy box.
#define TESTPROC_DEADLINE_MS 20000

//  Most arguments a test passes to a program, and programs alive at once.
#define TESTPROC_ARGS_MAX 32
#define TESTPROC_CHILDREN_MAX 8

//  The temporary directory for the test's files and captured stderr.
static char testproc_directory [PATH_MAX];
static unsigned testproc_files;

//  Programs started and not yet waited for; the teardown reaps them.
static pid_t testproc_children [TESTPROC_CHILDREN_MAX];

//  A running program.
typedef struct {
    pid_t pid;
    char name [64];                     //  argv[0], for messages
    int out;                            //  read end of its stdout; -1 at its end
    char *pending;                      //  stdout read but not yet taken, NUL-ended
    size_t pending_size;
    char err_path [PATH_MAX];           //  where its stderr goes
} testproc_t;

//  A finished program.
typedef struct {
    int status;                         //  exit code; 128 + signal when killed
    char *out;                          //  its stdout not taken by read_line
    char *err;                          //  all of its stderr
} testproc_outcome_t;

//  A running jbus-broker and the endpoints of its ready line.
typedef struct {
    testproc_t process;
    char frontend [JB_BROKER_ENDPOINT_MAX];
    char backend [JB_BROKER_ENDPOINT_MAX];
    char control [JB_BROKER_ENDPOINT_MAX];      //  "" for none
    char replay [JB_BROKER_ENDPOINT_MAX];       //  "" for none
    char http [JB_BROKER_ENDPOINT_MAX];         //  "" for none
} testproc_broker_t;

//  --------------------------------------------------------------------------
//  Fixtures: the group's temporary directory, and a teardown for each test
//  that starts programs.

static inline int
testproc_group_setup(void **state)
{
    (void) state;
    const char *tmp = getenv("TMPDIR");
    snprintf(testproc_directory, sizeof testproc_directory, "%s/jbus-test-XXXXXX",
             tmp && *tmp? tmp: "/tmp");
    if (!mkdtemp(testproc_directory)) {
        print_error("mkdtemp %s: %s\n", testproc_directory, strerror(errno));
        return -1;
    }
    return 0;
}

static inline int
testproc_group_teardown(void **state)
{
    (void) state;
    DIR *directory = opendir(testproc_directory);
    struct dirent *entry;
    while (directory && (entry = readdir(directory))) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        char path [PATH_MAX];
        int length = snprintf(path, sizeof path, "%s/%s", testproc_directory, entry->d_name);
        if (length > 0 && length < (int) sizeof path)
            unlink(path);
    }
    if (directory)
        closedir(directory);
    return rmdir(testproc_directory);
}

//  A failed assertion leaves the test midway: kill and reap what it started.
static inline int
testproc_reap_children(void **state)
{
    (void) state;
    for (int index = 0; index < TESTPROC_CHILDREN_MAX; index++)
        if (testproc_children[index] > 0) {
            kill(testproc_children[index], SIGKILL);
            while (waitpid(testproc_children[index], NULL, 0) < 0 && errno == EINTR)
                ;
            testproc_children[index] = 0;
        }
    return 0;
}

static inline void
testproc_child_add(pid_t pid)
{
    for (int index = 0; index < TESTPROC_CHILDREN_MAX; index++)
        if (testproc_children[index] == 0) {
            testproc_children[index] = pid;
            return;
        }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    fail_msg("more than %d programs at once", TESTPROC_CHILDREN_MAX);
}

static inline void
testproc_child_forget(pid_t pid)
{
    for (int index = 0; index < TESTPROC_CHILDREN_MAX; index++)
        if (testproc_children[index] == pid)
            testproc_children[index] = 0;
}

//  --------------------------------------------------------------------------
//  snprintf that fails the test rather than truncate.

static inline void
testproc_format(char *buffer, size_t capacity, const char *format, ...) JB_PRINTF(3, 4);

static inline void
testproc_format(char *buffer, size_t capacity, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    int length = vsnprintf(buffer, capacity, format, args);
    va_end(args);
    assert_true(length >= 0 && (size_t) length < capacity);
}

//  --------------------------------------------------------------------------
//  Write text to a new file in the temporary directory; path (PATH_MAX)
//  gets its name, which is unique in the run.

static inline void
testproc_write_file(const char *name, const char *text, char *path)
{
    int length = snprintf(path, PATH_MAX, "%s/%03u-%s", testproc_directory, ++testproc_files,
                          name);
    assert_true(length > 0 && length < PATH_MAX);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(text, 1, strlen(text), file), strlen(text));
    assert_int_equal(fclose(file), 0);
}

//  --------------------------------------------------------------------------
//  Start the program at path with args (ended by NULL; argv[0] is the last
//  part of path), stdin from /dev/null, stdout on a pipe, stderr into a
//  file. The child starts with default signal handling and nothing
//  blocked, whatever CZMQ did to this process, and inherits no other
//  descriptor of ours that we opened here.

static inline void
testproc_spawn(const char *path, const char *const *args, testproc_t *process)
{
    memset(process, 0, sizeof *process);
    process->out = -1;
    const char *slash = strrchr(path, '/');
    //  the name is only for messages: a long one is cut short
    snprintf(process->name, sizeof process->name, "%.*s", (int) sizeof process->name - 1,
             slash? slash + 1: path);
    char *argv [TESTPROC_ARGS_MAX + 2];
    size_t argc = 0;
    argv[argc++] = (char *) process->name;
    for (; *args; args++) {
        assert_true(argc <= TESTPROC_ARGS_MAX);
        argv[argc++] = (char *) *args;
    }
    argv[argc] = NULL;

    int length = snprintf(process->err_path, sizeof process->err_path, "%s/%03u-%s-stderr",
                          testproc_directory, ++testproc_files, process->name);
    assert_true(length > 0 && length < (int) sizeof process->err_path);
    int out [2];
    assert_int_equal(pipe(out), 0);
    //  Later children must not hold this pipe: only this child's end of
    //  file should close it. dup2 in the child clears the flag on its fd 1.
    fcntl(out[0], F_SETFD, FD_CLOEXEC);
    fcntl(out[1], F_SETFD, FD_CLOEXEC);
    posix_spawn_file_actions_t actions;
    assert_int_equal(posix_spawn_file_actions_init(&actions), 0);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, process->err_path,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawnattr_t attributes;
    assert_int_equal(posix_spawnattr_init(&attributes), 0);
    sigset_t signals;
    sigemptyset(&signals);
    posix_spawnattr_setsigmask(&attributes, &signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGPIPE);
    posix_spawnattr_setsigdefault(&attributes, &signals);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(&process->pid, path, &actions, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    if (rc) {
        close(out[0]);
        fail_msg("cannot start %s: %s", path, strerror(rc));
    }
    testproc_child_add(process->pid);
    process->out = out[0];
}

//  Read what the program has written to stdout, waiting until deadline
//  (zclock_mono) at most for some to come. Returns false at its end of
//  file or at the deadline.
static inline bool
testproc_read_some(testproc_t *process, int64_t deadline)
{
    if (process->out < 0)
        return false;
    int64_t left = deadline - zclock_mono();
    struct pollfd item = { process->out, POLLIN, 0 };
    int ready;
    do
        ready = poll(&item, 1, left > 0? (int) left: 0);
    while (ready < 0 && errno == EINTR);
    if (ready <= 0)
        return false;
    char chunk [4096];
    ssize_t got;
    do
        got = read(process->out, chunk, sizeof chunk);
    while (got < 0 && errno == EINTR);
    if (got <= 0) {
        close(process->out);
        process->out = -1;
        return false;
    }
    char *grown = (char *) realloc(process->pending, process->pending_size + (size_t) got + 1);
    assert_non_null(grown);
    memcpy(grown + process->pending_size, chunk, (size_t) got);
    process->pending = grown;
    process->pending_size += (size_t) got;
    process->pending[process->pending_size] = '\0';
    return true;
}

//  The next line of the program's stdout, without its newline, waiting
//  until deadline (zclock_mono) at most. Returns a string to free, or NULL
//  when the program ended or the deadline passed before a whole line; what
//  was read of a partial line stays for the next call (or the outcome).
static inline char *
testproc_read_line(testproc_t *process, int64_t deadline)
{
    while (true) {
        char *newline = process->pending?
            (char *) memchr(process->pending, '\n', process->pending_size): NULL;
        if (newline) {
            size_t length = (size_t) (newline - process->pending);
            char *line = (char *) malloc(length + 1);
            assert_non_null(line);
            memcpy(line, process->pending, length);
            line[length] = '\0';
            process->pending_size -= length + 1;
            memmove(process->pending, newline + 1, process->pending_size + 1);
            return line;
        }
        if (zclock_mono() >= deadline || !testproc_read_some(process, deadline))
            return NULL;
    }
}

//  Wait up to timeout_ms for the program to end (end of file on its
//  stdout, which the programs keep open until they exit, then waitpid),
//  killing it when the time is up. Collect its exit status, the rest of
//  its stdout and all of its stderr into outcome, whose strings the caller
//  frees with testproc_outcome_free.
static inline void
testproc_wait(testproc_t *process, int timeout_ms, testproc_outcome_t *outcome)
{
    int64_t deadline = zclock_mono() + timeout_ms;
    while (testproc_read_some(process, deadline))
        ;
    if (process->out >= 0) {
        print_error("%s did not end within %d ms; killing it\n", process->name, timeout_ms);
        kill(process->pid, SIGKILL);
        close(process->out);
        process->out = -1;
    }
    int status;
    while (waitpid(process->pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    testproc_child_forget(process->pid);
    outcome->status = WIFEXITED(status)? WEXITSTATUS(status): 128 + WTERMSIG(status);
    outcome->out = process->pending? process->pending: strdup("");
    assert_non_null(outcome->out);
    process->pending = NULL;
    process->pending_size = 0;
    outcome->err = testutil_read_file(process->err_path, NULL);
    assert_non_null(outcome->err);
    unlink(process->err_path);
}

static inline void
testproc_outcome_free(testproc_outcome_t *outcome)
{
    free(outcome->out);
    free(outcome->err);
    outcome->out = NULL;
    outcome->err = NULL;
}

//  Run the program at path to its end, at most TESTPROC_DEADLINE_MS.
static inline void
testproc_run(const char *path, const char *const *args, testproc_outcome_t *outcome)
{
    testproc_t process;
    testproc_spawn(path, args, &process);
    testproc_wait(&process, TESTPROC_DEADLINE_MS, outcome);
}

//  --------------------------------------------------------------------------
//  Start jbus-broker with args and wait for its ready line; fill the
//  endpoints. Returns true when it is ready. Otherwise, when it ended
//  without one (e.g. an endpoint in use), returns false with its outcome,
//  to free; no ready line from a running broker fails the test.

static inline bool
testproc_broker_try_start(const char *const *args, testproc_broker_t *broker,
                          testproc_outcome_t *outcome)
{
    testproc_spawn(TESTPROC_BROKER, args, &broker->process);
    char *line = testproc_read_line(&broker->process, zclock_mono() + TESTPROC_DEADLINE_MS);
    char control [JB_BROKER_ENDPOINT_MAX];
    broker->replay[0] = '\0';
    if (line && sscanf(line, "jbus-broker: ready frontend=%255s backend=%255s control=%255s "
                       "replay=%255s", broker->frontend, broker->backend, control,
                       broker->replay) >= 3) {
        snprintf(broker->control, sizeof broker->control, "%s",
                 streq(control, "none")? "": control);
        const char *http = strstr(line, " http=");
        broker->http[0] = '\0';
        if (http)
            sscanf(http, " http=%255s", broker->http);
        free(line);
        return true;
    }
    bool ended = !line && broker->process.out < 0;
    if (!ended)
        kill(broker->process.pid, SIGKILL);
    testproc_wait(&broker->process, TESTPROC_DEADLINE_MS, outcome);
    if (!ended) {
        print_error("jbus-broker stderr: %s\n", outcome->err);
        testproc_outcome_free(outcome);
        char got [1024];
        snprintf(got, sizeof got, "%s", line? line: "");
        free(line);
        fail_msg("no ready line from jbus-broker, got \"%s\"", got);
    }
    return false;
}

//  Start jbus-broker with args and wait for its ready line; fill the
//  endpoints. Fails the test when there is none.
static inline void
testproc_broker_start(const char *const *args, testproc_broker_t *broker)
{
    testproc_outcome_t outcome;
    if (!testproc_broker_try_start(args, broker, &outcome)) {
        print_error("jbus-broker stderr: %s\n", outcome.err);
        testproc_outcome_free(&outcome);
        fail_msg("jbus-broker ended without a ready line (exit status %d)", outcome.status);
    }
}

//  Stop a broker program with SIGTERM, as ops do; fails the test unless it
//  exits 0 within the deadline.
static inline void
testproc_broker_stop(testproc_broker_t *broker)
{
    kill(broker->process.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&broker->process, TESTPROC_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
}

//  --------------------------------------------------------------------------
//  Wait up to timeout_ms for ZMQ_EVENT_DISCONNECTED on monitor, a PAIR
//  connected to a zmq_socket_monitor endpoint; other events are skipped.
//  Fails the test with what, naming the socket, when none comes.

static inline void
testproc_expect_disconnect(zsock_t *monitor, int timeout_ms, const char *what)
{
    zsock_set_rcvtimeo(monitor, timeout_ms);
    while (true) {
        zmsg_t *event = zmsg_recv(monitor);
        if (!event)
            fail_msg("%s was not disconnected within %d ms", what, timeout_ms);
        uint16_t kind = 0;
        if (zframe_size(zmsg_first(event)) >= sizeof kind)
            memcpy(&kind, zframe_data(zmsg_first(event)), sizeof kind);
        zmsg_destroy(&event);
        if (kind == ZMQ_EVENT_DISCONNECTED)
            return;
    }
}

//  --------------------------------------------------------------------------
//  The broker's answer to "STATS" on control (a JSON object, to free), or
//  NULL when none came within timeout_ms.

static inline char *
testproc_stats(const char *control, int timeout_ms)
{
    zsock_t *request = zsock_new_req(control);
    assert_non_null(request);
    zsock_set_rcvtimeo(request, timeout_ms);
    assert_int_equal(zstr_send(request, "STATS"), 0);
    char *reply = zstr_recv(request);
    zsock_destroy(&request);
    return reply;
}

//  --------------------------------------------------------------------------
//  A counter of the journal's part of the broker's STATS ("committed",
//  "dropped", "lost", ...); fails the test when there is none.

static inline uint64_t
testproc_journal_counter(const char *control, const char *name)
{
    char *reply = testproc_stats(control, TESTPROC_DEADLINE_MS);
    assert_non_null(reply);
    cJSON *root = cJSON_Parse(reply);
    zstr_free(&reply);
    cJSON *item = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "journal"), name);
    assert_true(cJSON_IsNumber(item));
    uint64_t value = (uint64_t) item->valuedouble;
    cJSON_Delete(root);
    return value;
}

//  Wait up to TESTPROC_DEADLINE_MS until the broker's journal has
//  committed total events; fails the test when it has not. STATS answers
//  when asked and tells nobody when a count moves, so it is asked every
//  20 ms: the one poll of the tests' journal waits.

static inline void
testproc_wait_committed(const char *control, uint64_t total)
{
    int64_t deadline = zclock_mono() + TESTPROC_DEADLINE_MS;
    uint64_t committed;
    while ((committed = testproc_journal_counter(control, "committed")) < total) {
        if (zclock_mono() > deadline)
            fail_msg("the journal committed %llu of %llu events in %d ms",
                     (unsigned long long) committed, (unsigned long long) total,
                     TESTPROC_DEADLINE_MS);
        zclock_sleep(20);
    }
}

//  --------------------------------------------------------------------------
//  Wait up to timeout_ms for a subscription to prefix on observer, an XPUB
//  connected to a broker's frontend: the broker forwards a prefix when its
//  first subscriber has it, so then that subscriber is attached. Other
//  subscriptions are skipped; none in time fails the test.

static inline void
testproc_expect_subscription(zsock_t *observer, const char *prefix, int timeout_ms)
{
    size_t length = strlen(prefix);
    int64_t deadline = zclock_mono() + timeout_ms;
    while (zclock_mono() < deadline) {
        zframe_t *frame = zframe_recv(observer);
        if (!frame)
            break;
        bool seen = zframe_size(frame) == length + 1 && zframe_data(frame)[0] == 1
                 && memcmp(zframe_data(frame) + 1, prefix, length) == 0;
        zframe_destroy(&frame);
        if (seen)
            return;
    }
    fail_msg("no subscription to \"%s\" reached the broker's frontend", prefix);
}

//  --------------------------------------------------------------------------
//  Remove a journal directory at path (a stopped broker's), its files first.
static inline void
testproc_journal_remove(const char *path)
{
    const char *files [] = { "data.mdb", "lock.mdb", "jbus.lock" };
    for (size_t index = 0; index < sizeof files / sizeof files[0]; index++) {
        char file [PATH_MAX];
        testproc_format(file, sizeof file, "%s/%s", path, files[index]);
        unlink(file);
    }
    rmdir(path);
}

#endif
