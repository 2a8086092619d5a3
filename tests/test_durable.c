/*  =========================================================================
    test_durable.c - no subscriber loses an event it asked for: durable
    consumers killed and restarted, a stalled subscriber repaired, a broker
    killed under load (docs/replay.md 6)

    Real programs throughout: jbus-broker with its journal in a temporary
    directory, `jbus sub` as the subscriber that is killed or stopped, the
    library's publisher and subscribers in this process. Every event
    carries its number as its subject, so what arrived is checked event by
    event: each at least once, in order, the duplicates where the protocol
    allows them and nowhere else.
    ========================================================================= */

#define _POSIX_C_SOURCE 200809L

#include <czmq.h>
#include <cjson/cJSON.h>

#include "testutil.h"
#include "testproc.h"

#define s_DEADLINE_MS TESTPROC_DEADLINE_MS

static char s_journal [PATH_MAX];

//  --------------------------------------------------------------------------

static void
s_journal_name(void)
{
    static int journals = 0;
    testproc_format(s_journal, sizeof s_journal, "%s/durable-journal-%d", testproc_directory,
                    ++journals);
}

//  Start a broker on the current journal; extra args (NULL-ended) after
//  the usual ones. Endpoints "tcp://127.0.0.1:*" unless given.
static void
s_broker_start(testproc_broker_t *broker, const testproc_broker_t *same_endpoints,
               const char *const *extra)
{
    const char *args [TESTPROC_ARGS_MAX + 1] = {
        "--frontend", same_endpoints? same_endpoints->frontend: "tcp://127.0.0.1:*",
        "--backend", same_endpoints? same_endpoints->backend: "tcp://127.0.0.1:*",
        "--control", same_endpoints? same_endpoints->control: "tcp://127.0.0.1:*",
        "--replay", same_endpoints? same_endpoints->replay: "tcp://127.0.0.1:*",
        "--stats-interval", "0", "--journal", s_journal, "--journal-queue", "1000000"
    };
    size_t count = 14;
    for (; extra && *extra; extra++)
        args[count++] = *extra;
    args[count] = NULL;
    testproc_broker_start(args, broker);
    assert_true(broker->replay[0] != '\0');
}

static void
s_journal_remove(void)
{
    testproc_journal_remove(s_journal);
}

//  The journal's INFO, as JSON (to delete).
static cJSON *
s_info(const char *replay)
{
    zsock_t *client = zsock_new_dealer(replay);
    assert_non_null(client);
    zsock_set_rcvtimeo(client, s_DEADLINE_MS);
    zsock_set_linger(client, 0);
    assert_int_equal(zstr_send(client, "INFO"), 0);
    char *command = NULL, *json = NULL;
    assert_int_equal(zstr_recvx(client, &command, &json, NULL), 2);
    assert_string_equal(command, "INFO");
    cJSON *info = cJSON_Parse(json);
    assert_non_null(info);
    zstr_free(&command);
    zstr_free(&json);
    zsock_destroy(&client);
    return info;
}

static uint64_t
s_info_number(const cJSON *info, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(info, name);
    assert_true(cJSON_IsNumber(item));
    return (uint64_t) item->valuedouble;
}

//  A durable consumer's acknowledged position, from INFO; 0 for none.
static uint64_t
s_position(const char *replay, const char *name)
{
    cJSON *info = s_info(replay);
    uint64_t position = 0;
    const cJSON *consumer;
    cJSON_ArrayForEach(consumer, cJSON_GetObjectItemCaseSensitive(info, "consumers")) {
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(consumer, "name");
        if (cJSON_IsString(item) && streq(item->valuestring, name))
            position = s_info_number(consumer, "position");
    }
    cJSON_Delete(info);
    return position;
}

//  The position once the acknowledgements on their way have landed: the
//  same twice, 200 ms apart (a commit interval is 10 ms).
static uint64_t
s_position_settled(const char *replay, const char *name)
{
    uint64_t position = s_position(replay, name), settled;
    do {
        settled = position;
        zclock_sleep(200);
        position = s_position(replay, name);
    } while (position != settled);
    return position;
}

static jb_publisher_t *
s_publisher(const testproc_broker_t *broker)
{
    jb_publisher_options_t options;
    jb_publisher_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.linger_ms = 5000;
    options.sndhwm = 0;
    jb_publisher_t *publisher = jb_publisher_new(broker->frontend, &options, NULL);
    assert_non_null(publisher);
    assert_int_equal(jb_publisher_wait_ready(publisher, s_DEADLINE_MS, NULL), 0);
    return publisher;
}

//  Publish events of type numbered first .. last (their subjects), with
//  data of data_size bytes.
static void
s_publish(jb_publisher_t *publisher, const char *type, unsigned first, unsigned last,
          size_t data_size)
{
    char *data = (char *) malloc(data_size + 3);
    assert_non_null(data);
    data[0] = '"';
    memset(data + 1, 'x', data_size);
    data[data_size + 1] = '"';
    data[data_size + 2] = '\0';
    for (unsigned number = first; number <= last; number++) {
        jb_event_t *event = jb_event_new(type, "/jerry/durable");
        char subject [16];
        snprintf(subject, sizeof subject, "%u", number);
        assert_int_equal(jb_event_set_subject(event, subject), 0);
        if (data_size)
            assert_int_equal(jb_event_set_data_json(event, data, data_size + 2, NULL), 0);
        assert_int_equal(jb_publisher_publish(publisher, event, NULL), 0);
        jb_event_destroy(&event);
    }
    free(data);
}

//  The subject of a line of `jbus sub`, or 0 when the line is not a whole
//  event (a process killed midway through writing it) or a probe (an
//  event that shows a subscription is in place).
static unsigned
s_line_subject(const char *line)
{
    cJSON *event = cJSON_Parse(line);
    const cJSON *subject = cJSON_GetObjectItemCaseSensitive(event, "subject");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(event, "type");
    bool probe = cJSON_IsString(type) && strstr(type->valuestring, ".probe");
    unsigned number = cJSON_IsString(subject) && !probe
                    ? (unsigned) strtoul(subject->valuestring, NULL, 10): 0;
    cJSON_Delete(event);
    return number;
}

//  What a subscriber printed, as subjects in order.
typedef struct {
    unsigned *subjects;
    size_t count;
    size_t capacity;
} s_received_t;

static void
s_received_add(s_received_t *received, unsigned subject)
{
    if (received->count == received->capacity) {
        received->capacity = received->capacity? received->capacity * 2: 4096;
        received->subjects = (unsigned *) realloc(received->subjects,
                                                  received->capacity * sizeof(unsigned));
        assert_non_null(received->subjects);
    }
    received->subjects[received->count++] = subject;
}

//  Take whole lines of process's output into received until it has count
//  subjects or the deadline passes.
static void
s_read_subjects(testproc_t *process, s_received_t *received, size_t count, int64_t deadline)
{
    while (received->count < count) {
        char *line = testproc_read_line(process, deadline);
        if (!line)
            break;
        unsigned subject = s_line_subject(line);
        free(line);
        if (subject)
            s_received_add(received, subject);
    }
}

//  Take the whole lines of what a finished program left unread.
static void
s_take_rest(const char *out, s_received_t *received)
{
    char *copy = strdup(out);
    assert_non_null(copy);
    char *save = NULL;
    size_t length = strlen(copy);
    bool last_whole = length > 0 && copy[length - 1] == '\n';
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bool is_last = save == NULL || *save == '\0';
        unsigned subject = is_last && !last_whole? 0: s_line_subject(line);
        if (subject)
            s_received_add(received, subject);
    }
    free(copy);
}

//  --------------------------------------------------------------------------
//  Issue 11's first scenario: a durable consumer (`jbus sub --durable`)
//  is SIGKILLed in the middle of 100,000 events and started again under
//  the same name. Every event arrives at least once; the restart begins
//  right after the last acknowledged position, so the duplicates are
//  exactly the events printed after it, fewer than the acknowledgement
//  window lets through.

#define s_DURABLE_EVENTS 100000
#define s_DURABLE_KILL_AT 40000
#define s_ACK_EVERY "100"

static void
test_a_durable_subscriber_killed_midway_resumes_after_its_last_acknowledgement(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    jb_publisher_t *publisher = s_publisher(&broker);
    s_publish(publisher, "jerry.durable.step", 1, s_DURABLE_EVENTS / 2, 0);

    const char *args [] = {
        "sub", "-e", broker.backend, "--replay", broker.replay, "--durable", "killed",
        "--ack-every", s_ACK_EVERY, "--connect-timeout", "20000", "jerry.durable.", NULL
    };
    testproc_t first;
    testproc_spawn(TESTPROC_JBUS, args, &first);
    //  the other half while it reads: it follows the journal's head
    s_publish(publisher, "jerry.durable.step", s_DURABLE_EVENTS / 2 + 1, s_DURABLE_EVENTS, 0);
    s_received_t before = { NULL, 0, 0 };
    s_read_subjects(&first, &before, s_DURABLE_KILL_AT, zclock_mono() + 3 * s_DEADLINE_MS);
    assert_int_equal(before.count, s_DURABLE_KILL_AT);
    kill(first.pid, SIGKILL);
    testproc_outcome_t outcome;
    testproc_wait(&first, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 128 + SIGKILL);
    s_take_rest(outcome.out, &before);
    testproc_outcome_free(&outcome);
    testproc_wait_committed(broker.control, s_DURABLE_EVENTS);

    //  in order, without a gap or a duplicate, up to the kill
    for (size_t index = 0; index < before.count; index++)
        assert_int_equal(before.subjects[index], index + 1);
    //  one publisher, one type, a new journal: the journal's sequence of
    //  each event is its number
    //  acknowledgements the killed consumer sent may still be on their
    //  way in, or in the journal's next group
    uint64_t position = s_position_settled(broker.replay, "killed");
    assert_true(position > 0);
    assert_true(position <= before.count);

    testproc_t second;
    testproc_spawn(TESTPROC_JBUS, args, &second);
    s_received_t after = { NULL, 0, 0 };
    s_read_subjects(&second, &after, s_DURABLE_EVENTS - position,
                    zclock_mono() + 3 * s_DEADLINE_MS);
    kill(second.pid, SIGTERM);
    testproc_wait(&second, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 0);
    testproc_outcome_free(&outcome);
    //  resumed right after the acknowledgement, and every event since came
    assert_int_equal(after.count, s_DURABLE_EVENTS - position);
    for (size_t index = 0; index < after.count; index++)
        assert_int_equal(after.subjects[index], position + index + 1);
    size_t duplicates = before.count - position;
    print_message("durable consumer killed at %zu events printed: acknowledged %llu, restart "
                  "delivered %zu: published %d, delivered %zu, duplicates %zu, missing 0\n",
                  before.count, (unsigned long long) position, after.count, s_DURABLE_EVENTS,
                  before.count + after.count, duplicates);
    //  what was printed and not yet acknowledged: the window, and what
    //  was printed while the last acknowledgement was committed
    assert_true(duplicates < 5000);
    //  a clean exit acknowledges everything
    assert_int_equal(s_position_settled(broker.replay, "killed"), s_DURABLE_EVENTS);

    free(before.subjects);
    free(after.subjects);
    jb_publisher_destroy(&publisher);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  Issue 11's second scenario: a subscriber (`jbus sub --replay`) is
//  SIGSTOPped while 20,000 events of 1.5 kB pass, far past the high-water
//  marks, while another subscriber reads them all; continued, it repairs
//  every event it lost from the journal: all 20,000, in order, once.

#define s_STALL_EVENTS 20000

static void
test_a_stalled_subscriber_repairs_every_event_it_lost_from_the_journal(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    const char *extra [] = { "--sndhwm", "100", NULL };
    s_broker_start(&broker, NULL, extra);
    jb_publisher_t *publisher = s_publisher(&broker);

    //  the other reader is quick, but the broker's high-water mark is low
    //  for it too: it repairs as well
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.rcvhwm = 0;
    options.replay_endpoint = broker.replay;
    jb_subscriber_t *reader = jb_subscriber_new(broker.backend, &options, NULL);
    assert_non_null(reader);
    assert_int_equal(jb_subscriber_subscribe(reader, "jerry.stall.", NULL), 0);

    const char *args [] = {
        "sub", "-e", broker.backend, "--replay", broker.replay, "--hwm", "100", "--stats",
        "--connect-timeout", "20000", "jerry.stall.", NULL
    };
    testproc_t stalled;
    testproc_spawn(TESTPROC_JBUS, args, &stalled);
    //  a first event shows that its subscription is in place
    s_received_t received = { NULL, 0, 0 };
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    bool attached = false;
    while (!attached && zclock_mono() < deadline) {
        s_publish(publisher, "jerry.stall.probe", 1, 1, 0);
        char *line = testproc_read_line(&stalled, zclock_mono() + 200);
        attached = line != NULL;
        free(line);
    }
    assert_true(attached);
    jb_event_t *event = NULL;
    while (jb_subscriber_recv(reader, 200, &event, NULL) == 0)
        jb_event_destroy(&event);           //  the probes

    kill(stalled.pid, SIGSTOP);
    s_publish(publisher, "jerry.stall.step", 1, s_STALL_EVENTS, 1500);
    for (unsigned number = 1; number <= s_STALL_EVENTS; number++) {
        assert_int_equal(jb_subscriber_recv(reader, s_DEADLINE_MS, &event, NULL), 0);
        assert_int_equal(strtoul(jb_event_subject(event), NULL, 10), number);
        jb_event_destroy(&event);
    }
    testproc_wait_committed(broker.control, s_STALL_EVENTS);
    kill(stalled.pid, SIGCONT);
    s_read_subjects(&stalled, &received, s_STALL_EVENTS, zclock_mono() + 3 * s_DEADLINE_MS);
    kill(stalled.pid, SIGTERM);
    testproc_outcome_t outcome;
    testproc_wait(&stalled, s_DEADLINE_MS, &outcome);
    if (outcome.status != 0)
        print_error("jbus sub ended with %d: %s\n", outcome.status, outcome.err);
    assert_int_equal(outcome.status, 0);
    s_take_rest(outcome.out, &received);
    assert_int_equal(received.count, s_STALL_EVENTS);
    for (size_t index = 0; index < received.count; index++)
        assert_int_equal(received.subjects[index], index + 1);
    unsigned long long gaps = 0, missed = 0, repaired = 0, unrecoverable = 0;
    const char *stats = strstr(outcome.err, "gaps ");
    assert_non_null(stats);
    assert_int_equal(sscanf(stats, "gaps %llu, missed %llu, repaired %llu, unrecoverable %llu",
                            &gaps, &missed, &repaired, &unrecoverable), 4);
    print_message("stalled subscriber: published %d, delivered %zu, gaps %llu, missed %llu, "
                  "repaired %llu, unrecoverable %llu\n", s_STALL_EVENTS, received.count, gaps,
                  missed, repaired, unrecoverable);
    //  it did lose events live, and got every one back
    assert_true(missed > 0);
    assert_true(repaired == missed);
    assert_int_equal(unrecoverable, 0);
    testproc_outcome_free(&outcome);

    free(received.subjects);
    jb_subscriber_destroy(&reader);
    jb_publisher_destroy(&publisher);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  Issue 11's third scenario: the broker is SIGKILLed under load and
//  started again on the same journal and endpoints. The journal opens as
//  it was committed, its sequence goes on, and everything in it can be
//  replayed; a subscriber with repair gets back what the journal holds
//  and reports the rest lost: delivered + unrecoverable == published.

#define s_KILL_EVENTS 20000
#define s_KILL_AT 8000

typedef struct {
    jb_subscriber_t *subscriber;
    s_received_t received;
} s_reader_t;

//  Take what the subscriber has, without waiting longer than wait_ms.
static void
s_drain(s_reader_t *reader, int wait_ms)
{
    jb_event_t *event = NULL;
    jb_error_t error;
    int rc;
    while ((rc = jb_subscriber_recv(reader->subscriber, wait_ms, &event, &error)) != JB_ETIMEDOUT) {
        if (rc == JB_ECONNECT)
            continue;                       //  a repair given up: counted as lost
        assert_int_equal(rc, 0);
        s_received_add(&reader->received, (unsigned) strtoul(jb_event_subject(event), NULL, 10));
        jb_event_destroy(&event);
    }
}

static void
test_a_broker_killed_under_load_restarts_on_its_journal_and_loses_only_the_uncommitted(
    void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    jb_publisher_t *publisher = s_publisher(&broker);
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.rcvhwm = 100;
    options.replay_endpoint = broker.replay;
    s_reader_t reader = { jb_subscriber_new(broker.backend, &options, NULL), { NULL, 0, 0 } };
    assert_non_null(reader.subscriber);
    assert_int_equal(jb_subscriber_subscribe(reader.subscriber, "jerry.load.", NULL), 0);
    //  the subscription in place: a first event through
    unsigned published = 0;
    while (reader.received.count == 0) {
        s_publish(publisher, "jerry.load.step", published + 1, published + 1, 200);
        published++;
        s_drain(&reader, 100);
        assert_true(published < 200);
    }

    //  under load: 100 events at a time, read as they come
    while (published < s_KILL_AT) {
        s_publish(publisher, "jerry.load.step", published + 1, published + 100, 200);
        published += 100;
        s_drain(&reader, 0);
    }
    //  then the subscriber stops reading: what the broker holds for it
    //  when it dies is lost live, but committed, so repaired later
    s_publish(publisher, "jerry.load.step", published + 1, published + 2000, 200);
    published += 2000;
    testproc_wait_committed(broker.control, published);
    //  and it dies in the middle of more, most of them not yet committed
    s_publish(publisher, "jerry.load.step", published + 1, published + 500, 200);
    published += 500;
    uint64_t committed_before = testproc_journal_counter(broker.control, "committed");
    kill(broker.process.pid, SIGKILL);
    testproc_outcome_t outcome;
    testproc_wait(&broker.process, s_DEADLINE_MS, &outcome);
    assert_int_equal(outcome.status, 128 + SIGKILL);
    testproc_outcome_free(&outcome);
    //  publishing goes on while there is no broker: those are lost to all
    int64_t down_until = zclock_mono() + 300;
    while (zclock_mono() < down_until) {
        s_publish(publisher, "jerry.load.step", published + 1, published + 10, 200);
        published += 10;
        zclock_sleep(5);
    }
    testproc_broker_t again;
    s_broker_start(&again, &broker, NULL);
    //  opened without repair, as committed: the sequence goes on
    cJSON *info = s_info(again.replay);
    uint64_t last_at_restart = s_info_number(info, "last");
    assert_int_equal(s_info_number(info, "first"), 1);
    assert_int_equal(s_info_number(info, "count"), last_at_restart);
    assert_true(last_at_restart >= committed_before);
    cJSON_Delete(info);

    while (published < s_KILL_EVENTS) {
        s_publish(publisher, "jerry.load.step", published + 1, published + 100, 200);
        published += 100;
        s_drain(&reader, 0);
        zclock_sleep(1);
    }
    //  closing, the publisher announces its last numbers: a lost tail shows
    jb_publisher_destroy(&publisher);
    jb_subscriber_stats_t stats;
    int64_t deadline = zclock_mono() + 2 * s_DEADLINE_MS;
    do {
        s_drain(&reader, 200);
        jb_subscriber_stats(reader.subscriber, &stats);
    } while (reader.received.count + stats.unrecoverable < published
             && zclock_mono() < deadline);

    //  in order, each once
    for (size_t index = 1; index < reader.received.count; index++)
        assert_true(reader.received.subjects[index] > reader.received.subjects[index - 1]);
    print_message("broker killed under load: published %u, delivered %zu, repaired %llu, "
                  "unrecoverable %llu, duplicates %llu; journal: %llu committed before the "
                  "kill, %llu held at the restart\n", published, reader.received.count,
                  (unsigned long long) stats.repaired,
                  (unsigned long long) stats.unrecoverable,
                  (unsigned long long) stats.duplicates,
                  (unsigned long long) committed_before,
                  (unsigned long long) last_at_restart);
    assert_int_equal(reader.received.count + stats.unrecoverable, published);
    assert_true(stats.repaired > 0);
    //  everything the journal holds, old and new, can be replayed
    info = s_info(again.replay);
    uint64_t count = s_info_number(info, "count");
    cJSON_Delete(info);
    zsock_t *client = zsock_new_dealer(again.replay);
    assert_non_null(client);
    zsock_set_rcvtimeo(client, s_DEADLINE_MS);
    zsock_set_linger(client, 0);
    assert_int_equal(zsock_send(client, "ssss", "REPLAY", "", "first", "1000"), 0);
    uint64_t replayed = 0, expected = 1;
    while (true) {
        zmsg_t *message = zmsg_recv(client);
        assert_non_null(message);
        char *command = zmsg_popstr(message);
        char *sequence = zmsg_popstr(message);
        bool end = streq(command, "END");
        if (streq(command, "HEAD"))
            ;                               //  a second without an event
        else
        if (!end) {
            assert_string_equal(command, "EVENT");
            assert_int_equal(strtoull(sequence, NULL, 10), expected);
            expected++;
            if (++replayed % 500 == 0)
                assert_int_equal(zsock_send(client, "ss", "CREDIT", "500"), 0);
        }
        free(command);
        free(sequence);
        zmsg_destroy(&message);
        if (end)
            break;
    }
    assert_int_equal(replayed, count);
    zsock_destroy(&client);

    free(reader.received.subjects);
    jb_subscriber_destroy(&reader.subscriber);
    testproc_broker_stop(&again);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  A new durable name starts where replay_start says; a known one where
//  it left off, whatever replay_start says.

static unsigned
s_durable_read(const testproc_broker_t *broker, const char *start, unsigned *numbers,
               unsigned wanted)
{
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.replay_endpoint = broker->replay;
    options.durable = "late";
    options.replay_start = start;
    jb_subscriber_t *subscriber = jb_subscriber_new(broker->backend, &options, NULL);
    assert_non_null(subscriber);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.late.", NULL), 0);
    unsigned count = 0;
    jb_event_t *event = NULL;
    while (count < wanted && jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, NULL) == 0) {
        numbers[count++] = (unsigned) strtoul(jb_event_subject(event), NULL, 10);
        jb_event_destroy(&event);
    }
    //  nothing more than wanted
    assert_int_equal(jb_subscriber_recv(subscriber, 300, &event, NULL), JB_ETIMEDOUT);
    jb_subscriber_destroy(&subscriber);     //  acknowledges what it handed over
    return count;
}

static void
test_a_new_durable_name_starts_at_replay_start_a_known_one_where_it_left_off(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    jb_publisher_t *publisher = s_publisher(&broker);
    s_publish(publisher, "jerry.late.step", 1, 10, 0);
    testproc_wait_committed(broker.control, 10);
    unsigned numbers [16];
    assert_int_equal(s_durable_read(&broker, "seq:6", numbers, 5), 5);
    for (unsigned index = 0; index < 5; index++)
        assert_int_equal(numbers[index], 6 + index);
    assert_int_equal(s_position_settled(broker.replay, "late"), 10);
    s_publish(publisher, "jerry.late.step", 11, 12, 0);
    testproc_wait_committed(broker.control, 12);
    assert_int_equal(s_durable_read(&broker, "first", numbers, 2), 2);
    assert_int_equal(numbers[0], 11);
    assert_int_equal(numbers[1], 12);
    jb_publisher_destroy(&publisher);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  With ack_every 0, only jb_subscriber_ack acknowledges: a consumer that
//  never calls it gets the same events again; one that does, after them.

static void
test_a_durable_consumer_acknowledging_explicitly_resumes_after_its_ack(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    jb_publisher_t *publisher = s_publisher(&broker);
    s_publish(publisher, "jerry.explicit.step", 1, 10, 0);
    testproc_wait_committed(broker.control, 10);
    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.replay_endpoint = broker.replay;
    options.durable = "explicit";
    options.ack_every = 0;
    for (int round = 0; round < 3; round++) {
        jb_subscriber_t *subscriber = jb_subscriber_new(broker.backend, &options, NULL);
        assert_non_null(subscriber);
        assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.explicit.", NULL), 0);
        //  rounds 0 and 1 take 1..4; round 1 acknowledges them; round 2
        //  starts after
        unsigned first = round < 2? 1: 5;
        for (unsigned number = first; number < first + 4; number++) {
            jb_event_t *event = NULL;
            assert_int_equal(jb_subscriber_recv(subscriber, s_DEADLINE_MS, &event, NULL), 0);
            assert_int_equal(strtoul(jb_event_subject(event), NULL, 10), number);
            jb_event_destroy(&event);
        }
        if (round == 1)
            assert_int_equal(jb_subscriber_ack(subscriber, NULL), 0);
        jb_subscriber_destroy(&subscriber);
        assert_int_equal(s_position_settled(broker.replay, "explicit"), round == 0? 0: 4);
    }
    //  only a durable consumer acknowledges
    options.durable = NULL;
    jb_subscriber_t *live = jb_subscriber_new(broker.backend, &options, NULL);
    assert_non_null(live);
    jb_error_t error;
    assert_int_equal(jb_subscriber_ack(live, &error), JB_EINVAL);
    jb_subscriber_destroy(&live);
    jb_publisher_destroy(&publisher);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  A foreign publisher's events carry no jbus stamp: at the seam between
//  catching up and the live stream, the subscriber drops the ones it had
//  by source and id. 100 events are published before it subscribes, 100
//  after, all committed before its first recv: the replay gives all 200,
//  the live stream the last 100 again.

static void
s_foreign_publish(zsock_t *pub, unsigned first, unsigned last)
{
    jb_message_t *message = jb_message_new();
    assert_non_null(message);
    for (unsigned number = first; number <= last; number++) {
        jb_event_t *event = jb_event_new("jerry.foreign.seen", "/foreign/sdk");
        char id [32];
        snprintf(id, sizeof id, "foreign-%u", number);
        assert_int_equal(jb_event_set_id(event, id), 0);
        assert_int_equal(jb_event_set_subject(event, id + 8), 0);
        assert_int_equal(jb_message_encode(message, event, JB_MODE_STRUCTURED, NULL), 0);
        size_t count = jb_message_frame_count(message);
        for (size_t index = 0; index < count; index++) {
            jb_frame_t frame = jb_message_frame(message, index);
            assert_true(zmq_send(zsock_resolve(pub), frame.data, frame.size,
                                 index + 1 < count? ZMQ_SNDMORE: 0) >= 0);
        }
        jb_event_destroy(&event);
    }
    jb_message_destroy(&message);
}

static void
test_unstamped_events_are_deduplicated_at_the_seam_by_source_and_id(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    //  a plain PUB, as any ZeroMQ client with a CloudEvents SDK would be;
    //  the broker subscribes to what it journals, so nothing waits for us
    zsock_t *pub = zsock_new_pub(NULL);
    assert_non_null(pub);
    zsock_set_linger(pub, 5000);
    assert_int_equal(zsock_connect(pub, "%s", broker.frontend), 0);
    int64_t deadline = zclock_mono() + s_DEADLINE_MS;
    while (testproc_journal_counter(broker.control, "committed") < 1) {
        assert_true(zclock_mono() < deadline);
        s_foreign_publish(pub, 0, 0);       //  until the connection is up
        zclock_sleep(20);
    }
    uint64_t probes = testproc_journal_counter(broker.control, "committed");
    s_foreign_publish(pub, 1, 100);
    testproc_wait_committed(broker.control, probes + 100);

    jb_subscriber_options_t options;
    jb_subscriber_options_defaults(&options);
    options.connect_timeout_ms = s_DEADLINE_MS;
    options.replay_endpoint = broker.replay;
    options.replay_start = "first";
    jb_subscriber_t *subscriber = jb_subscriber_new(broker.backend, &options, NULL);
    assert_non_null(subscriber);
    assert_int_equal(jb_subscriber_subscribe(subscriber, "jerry.foreign.", NULL), 0);
    //  its subscription at the broker: the live stream has what follows
    deadline = zclock_mono() + s_DEADLINE_MS;
    while (true) {
        char *reply = testproc_stats(broker.control, s_DEADLINE_MS);
        assert_non_null(reply);
        cJSON *root = cJSON_Parse(reply);
        zstr_free(&reply);
        const cJSON *item = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(root, "backend"), "subscriptions");
        bool subscribed = cJSON_IsNumber(item) && item->valuedouble >= 1;
        cJSON_Delete(root);
        if (subscribed)
            break;
        assert_true(zclock_mono() < deadline);
        zclock_sleep(20);
    }
    s_foreign_publish(pub, 101, 200);
    testproc_wait_committed(broker.control, probes + 200);

    bool had [201] = { false };
    unsigned delivered = 0;
    jb_event_t *event = NULL;
    while (jb_subscriber_recv(subscriber, 1500, &event, NULL) == 0) {
        unsigned number = (unsigned) strtoul(jb_event_subject(event), NULL, 10);
        jb_event_destroy(&event);
        if (number == 0)
            continue;                       //  the probes
        assert_true(number <= 200);
        assert_false(had[number]);          //  each once
        had[number] = true;
        delivered++;
    }
    jb_subscriber_stats_t stats;
    jb_subscriber_stats(subscriber, &stats);
    print_message("unstamped events at the seam: 200 published, %u delivered, %llu duplicates "
                  "dropped\n", delivered, (unsigned long long) stats.duplicates);
    assert_int_equal(delivered, 200);
    assert_true(stats.duplicates >= 100);

    jb_subscriber_destroy(&subscriber);
    zsock_destroy(&pub);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------
//  `jbus pub` says how many events it published: with a queue of 10
//  events, 50,000 sent as fast as it can must all reach the broker (a
//  full queue makes it wait, not drop). The journal counts them. (It
//  waits, by default, for the broker's subscription to the journaled
//  types: an XPUB drops what no subscription wants.)

static void
test_jbus_pub_waits_for_room_rather_than_drop_at_a_full_queue(void **state)
{
    (void) state;
    s_journal_name();
    testproc_broker_t broker;
    s_broker_start(&broker, NULL, NULL);
    const char *args [] = {
        "pub", "-e", broker.frontend, "-t", "jerry.pub.burst", "-n", "50000", "--hwm", "10",
        NULL
    };
    testproc_outcome_t outcome;
    testproc_run(TESTPROC_JBUS, args, &outcome);
    assert_int_equal(outcome.status, 0);
    assert_non_null(strstr(outcome.err, "published 50000 events"));
    testproc_outcome_free(&outcome);
    testproc_wait_committed(broker.control, 50000);
    cJSON *info = s_info(broker.replay);
    assert_int_equal(s_info_number(info, "count"), 50000);
    cJSON_Delete(info);
    testproc_broker_stop(&broker);
    s_journal_remove();
}

//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests [] = {
        cmocka_unit_test_teardown(
            test_a_durable_subscriber_killed_midway_resumes_after_its_last_acknowledgement,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_stalled_subscriber_repairs_every_event_it_lost_from_the_journal,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_broker_killed_under_load_restarts_on_its_journal_and_loses_only_the_uncommitted,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_new_durable_name_starts_at_replay_start_a_known_one_where_it_left_off,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_a_durable_consumer_acknowledging_explicitly_resumes_after_its_ack,
            testproc_reap_children),
        cmocka_unit_test_teardown(
            test_unstamped_events_are_deduplicated_at_the_seam_by_source_and_id,
            testproc_reap_children),
        cmocka_unit_test_teardown(test_jbus_pub_waits_for_room_rather_than_drop_at_a_full_queue,
                                  testproc_reap_children),
    };
    zsys_set_logstream(stderr);
    int failed = cmocka_run_group_tests(tests, testproc_group_setup, testproc_group_teardown);
    zsys_shutdown();
    return failed;
}
