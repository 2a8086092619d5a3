/*  =========================================================================
    test_recorder.c - the broker program's journal (issue 11, the journal):
    what the broker forwards is journaled, on disk, in a temporary
    directory

    The broker program runs with --journal; the test publishes through the
    library, reads the broker's counters over its control endpoint, and
    opens the journal's LMDB files itself (src/journal.c is compiled in)
    to see what is there: the events as sent, under sequences 1, 2, ...
    that go on across a SIGKILL and a restart; only the filtered types;
    the bytes kept under the bound; and, on a full disk, forwarding that
    goes on while the journal's loss is counted.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <sys/stat.h>
#include <czmq.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"
#include "journal.h"

#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

//  --------------------------------------------------------------------------

static void
s_broker_start(testproc_broker_t *broker, const char *journal, const char *const *more)
{
    const char *args [TESTPROC_ARGS_MAX] = {
        "--frontend", "tcp://127.0.0.1:*", "--backend", "tcp://127.0.0.1:*",
        "--control", "tcp://127.0.0.1:*", "--stats-interval", "0", "--journal", journal,
        "--replay", "tcp://127.0.0.1:*"
    };
    size_t count = 12;
    for (size_t index = 0; more && more[index]; index++)
        args[count++] = more[index];
    args[count] = NULL;
    testproc_broker_start(args, broker);
}

//  The broker's answer to STATS, parsed (to delete).
static cJSON *
s_stats(const char *control)
{
    char *reply = testproc_stats(control, s_DEADLINE_MS);
    if (!reply)
        fail_msg("no STATS answer from %s", control);
    cJSON *root = cJSON_Parse(reply);
    zstr_free(&reply);
    assert_non_null(root);
    return root;
}

static uint64_t
s_journal_counter(cJSON *root, const char *name)
{
    cJSON *journal = cJSON_GetObjectItemCaseSensitive(root, "journal");
    cJSON *item = cJSON_GetObjectItemCaseSensitive(journal, name);
    if (!cJSON_IsNumber(item))
        fail_msg("no counter journal.%s", name);
    return (uint64_t) item->valuedouble;
}

//  Wait until the journal has committed and lost, together, at least
//  count events; returns the committed ones.
static uint64_t
s_await_journal(const char *control, uint64_t count)
{
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        cJSON *root = s_stats(control);
        uint64_t committed = s_journal_counter(root, "committed");
        uint64_t lost = s_journal_counter(root, "lost");
        uint64_t dropped = s_journal_counter(root, "dropped");
        cJSON_Delete(root);
        if (committed + lost + dropped >= count)
            return committed;
        if (zclock_mono() > deadline)
            fail_msg("the journal has %llu of %llu events", (unsigned long long) committed,
                     (unsigned long long) count);
        zclock_sleep(20);       //  polling a counter: nothing to wait on
    }
}

static jb_publisher_t *
s_publisher(const char *endpoint)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.linger_ms = 5000;
    jb_error_t error;
    jb_publisher_t *publisher = jb_publisher_new(endpoint, &options, &error);
    if (!publisher)
        fail_msg("publisher: %s", error.message);
    return publisher;
}

//  Publish count events of type, subjects "first + 0", "first + 1", ...
static void
s_publish(jb_publisher_t *publisher, const char *type, unsigned first, unsigned count,
          size_t pad)
{
    char *data = (char *) malloc(pad + 16);
    assert_non_null(data);
    int used = sprintf(data, "{\"pad\":\"");
    memset(data + used, 'x', pad);
    strcpy(data + used + pad, "\"}");
    for (unsigned index = 0; index < count; index++) {
        jb_event_t *event = jb_event_new(type, "/jerry/recorder");
        char subject [32];
        snprintf(subject, sizeof subject, "%u", first + index);
        assert_int_equal(jb_event_set_subject(event, subject), 0);
        assert_int_equal(jb_event_set_data_json(event, data, SIZE_MAX, NULL), 0);
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        jb_event_destroy(&event);
    }
    free(data);
}

//  What the journal holds, read back: each event decoded, its subject
//  the number it was published with.
typedef struct {
    uint64_t count;
    uint64_t first_sequence, last_sequence;
    bool in_order;              //  sequences without a gap, subjects rising
    unsigned last_subject;
    char type [64];             //  the type of every event, when one
    bool one_type;
} s_contents_t;

static bool
s_read(const jb__journal_entry_t *entry, void *arg)
{
    s_contents_t *contents = (s_contents_t *) arg;
    jb_event_t *event = NULL;
    jb_error_t error;
    if (jb_message_decode(entry->frames, entry->frame_count, NULL, &event, &error))
        fail_msg("journal entry %llu is no event: %s", (unsigned long long) entry->sequence,
                 error.message);
    unsigned subject = (unsigned) strtoul(jb_event_subject(event), NULL, 10);
    if (contents->count == 0) {
        contents->first_sequence = entry->sequence;
        snprintf(contents->type, sizeof contents->type, "%s", jb_event_type(event));
        contents->in_order = contents->one_type = true;
    }
    else {
        if (entry->sequence != contents->last_sequence + 1 || subject <= contents->last_subject)
            contents->in_order = false;
        if (strcmp(contents->type, jb_event_type(event)) != 0)
            contents->one_type = false;
    }
    contents->last_sequence = entry->sequence;
    contents->last_subject = subject;
    contents->count++;
    jb_event_destroy(&event);
    return true;
}

static s_contents_t
s_journal_read(const char *directory)
{
    jb__journal_options_t options = { directory, 0, 0, true };
    jb_error_t error;
    jb__journal_t *journal = jb__journal_open(&options, &error);
    if (!journal)
        fail_msg("journal: %s", error.message);
    s_contents_t contents = { 0 };
    assert_int_equal(jb__journal_read(journal, 0, 0, s_read, &contents, NULL), 0);
    jb__journal_close(&journal);
    return contents;
}

static void
s_directory_remove(const char *directory)
{
    char path [PATH_MAX];
    const char *files [] = { "data.mdb", "lock.mdb", "jbus.lock" };
    for (size_t index = 0; index < 3; index++) {
        testproc_format(path, sizeof path, "%s/%s", directory, files[index]);
        unlink(path);
    }
    rmdir(directory);
}

//  --------------------------------------------------------------------------
//  The example: a broker with a journal keeps what publishers send, even
//  with no subscriber attached (it subscribes upstream itself, so the
//  publisher's wait for a subscriber ends at once); killed with SIGKILL
//  and started again on the same directory, it has every event it
//  committed and goes on numbering after the last.

static void
test_the_journal_keeps_what_is_forwarded_across_a_sigkill_and_a_restart(void **state)
{
    (void) state;
    char directory [PATH_MAX];
    testproc_format(directory, sizeof directory, "%s/journal-restart", testproc_directory);
    testproc_broker_t broker;
    s_broker_start(&broker, directory, NULL);
    jb_publisher_t *publisher = s_publisher(broker.frontend);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.recorder.", 5000, NULL), 0);
    s_publish(publisher, "jerry.recorder.item.added", 0, 1000, 100);
    assert_int_equal(s_await_journal(broker.control, 1000), 1000);
    jb_publisher_destroy(&publisher);
    kill(broker.process.pid, SIGKILL);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 128 + SIGKILL);
    testproc_outcome_free(&outcome);

    s_contents_t contents = s_journal_read(directory);
    assert_int_equal(contents.count, 1000);
    assert_int_equal(contents.first_sequence, 1);
    assert_int_equal(contents.last_sequence, 1000);
    assert_true(contents.in_order);
    assert_string_equal(contents.type, "jerry.recorder.item.added");

    s_broker_start(&broker, directory, NULL);
    publisher = s_publisher(broker.frontend);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.recorder.", 5000, NULL), 0);
    s_publish(publisher, "jerry.recorder.item.added", 1000, 500, 100);
    assert_int_equal(s_await_journal(broker.control, 500), 500);
    cJSON *root = s_stats(broker.control);
    assert_int_equal(s_journal_counter(root, "last"), 1500);
    cJSON_Delete(root);
    jb_publisher_destroy(&publisher);
    kill(broker.process.pid, SIGTERM);
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
    contents = s_journal_read(directory);
    assert_int_equal(contents.count, 1500);
    assert_int_equal(contents.last_sequence, 1500);
    assert_true(contents.in_order);
    s_directory_remove(directory);
}

//  --------------------------------------------------------------------------
//  --journal-filter: only the types under a filter are journaled; the
//  others are forwarded as ever. --journal-max-bytes keeps the records
//  under the bound, the oldest going first.

static void
test_filters_choose_the_types_and_the_byte_bound_holds(void **state)
{
    (void) state;
    char directory [PATH_MAX];
    testproc_format(directory, sizeof directory, "%s/journal-filter", testproc_directory);
    const char *more [] = { "--journal-filter", "jerry.recorder.kept.",
                            "--journal-max-bytes", "1048576", NULL };
    testproc_broker_t broker;
    s_broker_start(&broker, directory, more);
    jb_publisher_t *publisher = s_publisher(broker.frontend);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.recorder.kept.", 5000, NULL), 0);
    //  the other type has no subscriber: a publisher sends it to nobody
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.recorder.other.", 200, NULL),
                     JB_ETIMEDOUT);
    s_publish(publisher, "jerry.recorder.other.thing", 0, 100, 100);
    //  about 4 MB of the kept type, four times the bound
    s_publish(publisher, "jerry.recorder.kept.thing", 0, 4000, 1000);
    assert_int_equal(s_await_journal(broker.control, 4000), 4000);
    cJSON *root = s_stats(broker.control);
    assert_true(s_journal_counter(root, "trimmed") == 0);      //  the bound, not age
    cJSON_Delete(root);
    jb_publisher_destroy(&publisher);
    kill(broker.process.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);

    jb__journal_options_t options = { directory, 0, 0, true };
    jb__journal_t *journal = jb__journal_open(&options, NULL);
    assert_non_null(journal);
    jb__journal_info_t info;
    assert_int_equal(jb__journal_info(journal, &info), 0);
    jb__journal_close(&journal);
    print_message("journal under a 1 MiB bound: %llu events, %llu bytes, sequences %llu .. %llu\n",
                  (unsigned long long) info.count, (unsigned long long) info.bytes,
                  (unsigned long long) info.first, (unsigned long long) info.last);
    assert_true(info.bytes <= 1048576);
    assert_int_equal(info.last, 4000);
    assert_true(info.count > 500 && info.count < 4000);
    s_contents_t contents = s_journal_read(directory);
    assert_true(contents.one_type);
    assert_string_equal(contents.type, "jerry.recorder.kept.thing");
    assert_true(contents.in_order);
    assert_int_equal(contents.last_subject, 3999);
    s_directory_remove(directory);
}

//  --------------------------------------------------------------------------
//  A full disk (a 1 MiB tmpfs; root only, skipped with a message where it
//  cannot be mounted): forwarding goes on, every event reaches the
//  subscriber, and the journal's loss is counted in STATS and logged.

static void
test_a_full_disk_degrades_the_journal_visibly_and_forwarding_goes_on(void **state)
{
    (void) state;
    char directory [PATH_MAX];
    testproc_format(directory, sizeof directory, "%s/journal-full", testproc_directory);
    assert_int_equal(mkdir(directory, 0700), 0);
    char command [PATH_MAX + 64];
    testproc_format(command, sizeof command, "mount -t tmpfs -o size=1m jbus-test %s "
                    "2>/dev/null", directory);
    if (getuid() != 0 || system(command) != 0) {
        rmdir(directory);
        print_message("SKIPPED: cannot mount a small tmpfs (needs root and mount)\n");
        skip();
    }
    testproc_broker_t broker;
    s_broker_start(&broker, directory, NULL);
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.rcvhwm = 0;
    options.connect_timeout_ms = s_DEADLINE_MS;
    jb_subscriber_t *subscriber = jb_subscriber_new(broker.backend, &options, NULL);
    assert_non_null(subscriber);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.recorder.", NULL), 0);
    jb_publisher_t *publisher = s_publisher(broker.frontend);
    //  the journal's subscription is there at once; wait for ours
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        s_publish(publisher, "jerry.recorder.probe.sent", 0, 1, 10);
        jb_event_t *event = NULL;
        if (jb_subscriber_recv(subscriber, 100, &event, NULL) == 0) {
            jb_event_destroy(&event);
            break;
        }
        assert_true(zclock_mono() < deadline);
    }
    jb_event_t *event = NULL;
    while (jb_subscriber_recv(subscriber, 200, &event, NULL) == 0)
        jb_event_destroy(&event);
    //  3 MB into a 1 MiB disk; the subscriber's queue has no bound, and
    //  the broker's (100000) is far above
    unsigned sent = 3000;
    s_publish(publisher, "jerry.recorder.big.sent", 0, sent, 1000);
    unsigned received = 0;
    while (received < sent && jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, NULL) == 0) {
        jb_event_destroy(&event);
        received++;
    }
    assert_int_equal(received, sent);
    s_await_journal(broker.control, sent);
    cJSON *root = s_stats(broker.control);
    uint64_t lost = s_journal_counter(root, "lost");
    uint64_t committed = s_journal_counter(root, "committed");
    cJSON_Delete(root);
    print_message("full disk: %u forwarded and received, %llu journaled, %llu lost\n", received,
                  (unsigned long long) committed, (unsigned long long) lost);
    assert_true(lost > 0);
    jb_publisher_destroy(&publisher);
    jb_subscriber_destroy(&subscriber);
    kill(broker.process.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    if (!strstr(outcome.err, " W jbus-broker: journal: "))
        fail_msg("no journal warning in the log: %s", outcome.err);
    testproc_outcome_free(&outcome);
    testproc_format(command, sizeof command, "umount %s", directory);
    assert_int_equal(system(command), 0);
    rmdir(directory);
}

//  --------------------------------------------------------------------------
//  A journal that cannot keep up (a queue of 10 events, a burst of
//  20,000): what it cannot take is forwarded all the same, counted as
//  journal.dropped, and logged; what it took is whole and in order.

static void
test_a_journal_that_cannot_keep_up_drops_counts_and_says_so(void **state)
{
    (void) state;
    char directory [PATH_MAX];
    testproc_format(directory, sizeof directory, "%s/journal-behind", testproc_directory);
    const char *more [] = { "--journal-queue", "10", NULL };
    testproc_broker_t broker;
    s_broker_start(&broker, directory, more);
    jb_publisher_t *publisher = s_publisher(broker.frontend);
    assert_int_equal(jb_publisher_wait_for(publisher, "jerry.recorder.", 5000, NULL), 0);
    s_publish(publisher, "jerry.recorder.item.added", 0, 20000, 100);
    jb_publisher_destroy(&publisher);
    s_await_journal(broker.control, 20000);
    cJSON *root = s_stats(broker.control);
    uint64_t dropped = s_journal_counter(root, "dropped");
    uint64_t committed = s_journal_counter(root, "committed");
    cJSON_Delete(root);
    print_message("a queue of 10 under a burst of 20000: %llu journaled, %llu dropped\n",
                  (unsigned long long) committed, (unsigned long long) dropped);
    assert_true(dropped > 0);
    assert_int_equal(committed + dropped, 20000);
    kill(broker.process.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    if (!strstr(outcome.err, "journal: its queue is full"))
        fail_msg("no warning of the full queue in the log: %s", outcome.err);
    testproc_outcome_free(&outcome);
    s_contents_t contents = s_journal_read(directory);
    assert_int_equal(contents.count, committed);
    assert_true(contents.in_order);
    s_directory_remove(directory);
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(
            test_the_journal_keeps_what_is_forwarded_across_a_sigkill_and_a_restart,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_filters_choose_the_types_and_the_byte_bound_holds,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(test_a_journal_that_cannot_keep_up_drops_counts_and_says_so,
                                  testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_full_disk_degrades_the_journal_visibly_and_forwarding_goes_on,
            testproc_reap_children),
    };
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
