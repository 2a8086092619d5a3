/*  =========================================================================
    recorder.c - the journal's writer thread

    An actor that owns the journal's writes. Its loop is three phases:
    wait (for a message, the pipe, or the pending group's deadline),
    record what the queue holds, commit when the group is due. Retention
    runs once a second, in the group it commits. A failure of the disk is
    logged when it starts and when it ends, and counted, never retried in
    a loop: the next message is simply tried again.
    ========================================================================= */

#include <cjson/cJSON.h>
#include <czmq.h>

#include "jbus.h"
#include "recorder.h"
#include "error.h"

//  Messages recorded from the queue before the loop looks at the clock and
//  the pipe again.
#define s_BATCH 1000

//  How often retention runs.
#define s_TRIM_MS 1000

struct jb__recorder {
    jb__journal_t *journal;
    jb__recorder_options_t options;
    jb__recorder_counters_t counters;
    char endpoint [64];         //  the queue's inproc endpoint
    zsock_t *queue;             //  PULL, bound here; the actor's from its start
    char acks_endpoint [64];    //  the acknowledgements' inproc endpoint
    zsock_t *acks;              //  PULL, likewise
    zactor_t *actor;
    int64_t group_due;          //  when the pending group must commit; -1: none
    int64_t next_trim;
    bool failing;               //  the last append or commit failed (logged)
};

//  --------------------------------------------------------------------------
//  After each write: the counters, and the log when the disk starts or
//  stops failing.

static void
s_account(jb__recorder_t *self, int rc, const jb_error_t *error)
{
    atomic_store(&self->counters.lost, jb__journal_lost(self->journal));
    if (rc && !self->failing)
        jb_log(JB_LOG_WARN, "journal: %s; messages are forwarded but not journaled "
                     "until it succeeds again (counted as journal.lost)", error->message);
    else
    if (!rc && self->failing)
        jb_log(JB_LOG_INFO, "journal: writing again, %llu messages lost meanwhile",
                  (unsigned long long) atomic_load(&self->counters.lost));
    self->failing = rc != 0;
}

static void
s_commit(jb__recorder_t *self)
{
    uint64_t count = jb__journal_pending(self->journal);
    self->group_due = -1;
    if (!jb__journal_has_pending(self->journal))
        return;                 //  nothing written: no news of the disk
    jb_error_t error;
    int rc = jb__journal_commit(self->journal, &error);
    if (rc == 0 && count) {
        atomic_fetch_add(&self->counters.journaled, count);
        atomic_fetch_add(&self->counters.commits, 1);
        jb__journal_info_t info;
        if (jb__journal_info(self->journal, &info) == 0)
            atomic_store(&self->counters.last, info.last);
    }
    s_account(self, rc, &error);
}

//  Record one message from the queue, its frames past the journal's bound
//  dropped (the forwarder sends at most max_frames). Returns false when
//  the queue had none.
static bool
s_record_one(jb__recorder_t *self, void *queue)
{
    zmq_msg_t parts [JB__JOURNAL_FRAMES_MAX];
    jb_frame_t frames [JB__JOURNAL_FRAMES_MAX];
    size_t count = 0;
    bool more = true;
    while (more) {
        zmq_msg_t extra;
        zmq_msg_t *part = count < JB__JOURNAL_FRAMES_MAX? &parts[count]: &extra;
        zmq_msg_init(part);
        if (zmq_msg_recv(part, queue, ZMQ_DONTWAIT) == -1) {
            //  none waiting (the rest of a message never lags its first)
            zmq_msg_close(part);
            while (count > 0)
                zmq_msg_close(&parts[--count]);
            return false;
        }
        more = zmq_msg_more(part);
        if (part == &extra)
            zmq_msg_close(part);
        else
            count++;
    }
    for (size_t index = 0; index < count; index++) {
        frames[index].data = zmq_msg_data(&parts[index]);
        frames[index].size = zmq_msg_size(&parts[index]);
    }
    int64_t now = zclock_mono();
    if (jb__journal_pending(self->journal) == 0)
        self->group_due = now + self->options.commit_ms;
    jb_error_t error;
    int rc = jb__journal_append(self->journal, frames, count, zclock_time(), NULL, &error);
    for (size_t index = 0; index < count; index++)
        zmq_msg_close(&parts[index]);
    if (rc)
        s_account(self, rc, &error);
    if (jb__journal_pending(self->journal) >= (uint64_t) self->options.commit_count)
        s_commit(self);
    return true;
}

//  One acknowledgement off the acks socket: [name][sequence, 8 bytes].
//  Returns false when none was waiting.
static bool
s_acknowledge_one(jb__recorder_t *self, void *acks)
{
    zmq_msg_t name, sequence;
    zmq_msg_init(&name);
    zmq_msg_init(&sequence);
    bool read = zmq_msg_recv(&name, acks, ZMQ_DONTWAIT) != -1;
    if (read && zmq_msg_more(&name) && zmq_msg_recv(&sequence, acks, ZMQ_DONTWAIT) != -1
    &&  zmq_msg_size(&sequence) == sizeof(uint64_t)
    &&  zmq_msg_size(&name) > 0 && zmq_msg_size(&name) <= JB__JOURNAL_NAME_MAX) {
        char text [JB__JOURNAL_NAME_MAX + 1];
        memcpy(text, zmq_msg_data(&name), zmq_msg_size(&name));
        text[zmq_msg_size(&name)] = '\0';
        uint64_t position;
        memcpy(&position, zmq_msg_data(&sequence), sizeof position);
        if (jb__journal_pending(self->journal) == 0 && self->group_due < 0)
            self->group_due = zclock_mono() + self->options.commit_ms;
        jb_error_t error;
        int rc = jb__journal_acknowledge(self->journal, text, position, &error);
        if (rc)
            s_account(self, rc, &error);
    }
    zmq_msg_close(&name);
    zmq_msg_close(&sequence);
    return read;
}

static void
s_trim(jb__recorder_t *self, int64_t now)
{
    if (now < self->next_trim)
        return;
    self->next_trim = now + s_TRIM_MS;
    uint64_t trimmed = jb__journal_trim(self->journal, zclock_time());
    if (trimmed) {
        atomic_fetch_add(&self->counters.trimmed, trimmed);
        s_commit(self);
    }
}

//  --------------------------------------------------------------------------

static void
s_actor(zsock_t *pipe, void *args)
{
    jb__recorder_t *self = (jb__recorder_t *) args;
    void *queue = zsock_resolve(self->queue);
    zsock_signal(pipe, 0);
    void *acks = zsock_resolve(self->acks);
    zmq_pollitem_t items [] = {
        { zsock_resolve(pipe), 0, ZMQ_POLLIN, 0 }, { queue, 0, ZMQ_POLLIN, 0 },
        { acks, 0, ZMQ_POLLIN, 0 }
    };
    self->group_due = -1;
    self->next_trim = zclock_mono() + s_TRIM_MS;
    bool running = true;
    while (running) {
        int64_t now = zclock_mono();
        int64_t due = self->group_due >= 0 && self->group_due < self->next_trim
                    ? self->group_due: self->next_trim;
        long timeout = due > now? (long) (due - now): 0;
        if (zmq_poll(items, 3, timeout) == -1 && zmq_errno() != EINTR)
            break;                              //  the context is ending
        if (items[0].revents & ZMQ_POLLIN) {
            //  "$TERM", or nothing when the context is ending: both stop
            char *command = zstr_recv(pipe);
            running = command && !streq(command, "$TERM");
            zstr_free(&command);
        }
        //  on $TERM too: what the forwarder queued before it stopped
        for (int message = 0; message < s_BATCH && s_record_one(self, queue); message++)
            ;
        for (int message = 0; message < s_BATCH && s_acknowledge_one(self, acks); message++)
            ;
        now = zclock_mono();
        if (!running || (self->group_due >= 0 && now >= self->group_due))
            s_commit(self);
        s_trim(self, now);
    }
    //  whatever is left once the pipe ends
    while (s_record_one(self, queue))
        ;
    while (s_acknowledge_one(self, acks))
        ;
    s_commit(self);
}

//  --------------------------------------------------------------------------

jb__recorder_t *
jb__recorder_new(const jb__recorder_options_t *options, jb_error_t *error)
{
    assert(options);
    assert(options->commit_ms > 0 && options->commit_count > 0 && options->queue > 0);
    jb__recorder_t *self = (jb__recorder_t *) calloc(1, sizeof *self);
    if (!self) {
        jb__error(error, JB_ENOMEM, NULL, "out of memory");
        return NULL;
    }
    self->options = *options;
    self->journal = jb__journal_open(&options->journal, error);
    if (!self->journal) {
        free(self);
        return NULL;
    }
    jb__journal_info_t info;
    if (jb__journal_info(self->journal, &info) == 0)
        atomic_store(&self->counters.last, info.last);
    snprintf(self->endpoint, sizeof self->endpoint, "inproc://jbus-recorder-%p", (void *) self);
    self->queue = zsock_new(ZMQ_PULL);
    if (self->queue) {
        //  inproc adds the two ends' high-water marks: the feed's holds
        //  the queue, this end next to nothing
        zsock_set_rcvhwm(self->queue, 1);
        if (zsock_bind(self->queue, "%s", self->endpoint) == -1)
            zsock_destroy(&self->queue);
    }
    snprintf(self->acks_endpoint, sizeof self->acks_endpoint, "inproc://jbus-recorder-acks-%p",
             (void *) self);
    self->acks = zsock_new(ZMQ_PULL);
    if (self->acks && zsock_bind(self->acks, "%s", self->acks_endpoint) == -1)
        zsock_destroy(&self->acks);
    if (self->queue && self->acks)
        self->actor = zactor_new(s_actor, self);
    if (!self->actor) {
        jb__error(error, JB_ENOMEM, NULL, "journal: cannot start the recorder: %s",
                  zmq_strerror(zmq_errno()));
        jb__recorder_destroy(&self);
    }
    return self;
}

void
jb__recorder_destroy(jb__recorder_t **self_p)
{
    assert(self_p);
    jb__recorder_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);       //  records the queue, commits
        //  the broker's stop line came before this last drain
        jb_log(JB_LOG_INFO, "journal closed: %llu committed since the broker started "
                  "(last %llu), %llu lost",
                  (unsigned long long) atomic_load(&self->counters.journaled),
                  (unsigned long long) atomic_load(&self->counters.last),
                  (unsigned long long) atomic_load(&self->counters.lost));
        zsock_destroy(&self->queue);
        zsock_destroy(&self->acks);
        jb__journal_close(&self->journal);
        free(self);
        *self_p = NULL;
    }
}

//  --------------------------------------------------------------------------

//  How long a closed feed keeps what it queued for the writer to take.
#define s_FEED_LINGER_MS 30000

zsock_t *
jb__recorder_feed_new(jb__recorder_t *self)
{
    assert(self);
    zsock_t *feed = zsock_new(ZMQ_PUSH);
    if (!feed)
        return NULL;
    zsock_set_sndhwm(feed, self->options.queue);
    //  a broker that stops closes the feed before the writer's last drain:
    //  with a linger of 0, what is still queued would go with it, unjournaled
    zsock_set_linger(feed, s_FEED_LINGER_MS);
    if (zsock_connect(feed, "%s", self->endpoint) == -1)
        zsock_destroy(&feed);
    return feed;
}

bool
jb__recorder_record(void *feed, zmq_msg_t *frames, size_t count)
{
    assert(feed);
    assert(count >= 1 && count <= JB__JOURNAL_FRAMES_MAX);
    for (size_t index = 0; index < count; index++) {
        zmq_msg_t copy;
        zmq_msg_init(&copy);
        //  a multipart message is queued whole or not at all: only its
        //  first frame can find the queue full
        if (zmq_msg_copy(&copy, &frames[index]) == -1
        ||  zmq_msg_send(&copy, feed, ZMQ_DONTWAIT | (index + 1 < count? ZMQ_SNDMORE: 0)) == -1) {
            zmq_msg_close(&copy);
            return false;
        }
    }
    return true;
}

zsock_t *
jb__recorder_acks_new(jb__recorder_t *self)
{
    assert(self);
    zsock_t *acks = zsock_new(ZMQ_PUSH);
    if (!acks)
        return NULL;
    zsock_set_linger(acks, 0);
    if (zsock_connect(acks, "%s", self->acks_endpoint) == -1)
        zsock_destroy(&acks);
    return acks;
}

bool
jb__recorder_acknowledge(void *acks, const char *name, uint64_t sequence)
{
    assert(acks);
    assert(name);
    return zmq_send(acks, name, strlen(name), ZMQ_DONTWAIT | ZMQ_SNDMORE) != -1
        && zmq_send(acks, &sequence, sizeof sequence, ZMQ_DONTWAIT) != -1;
}

const jb__recorder_counters_t *
jb__recorder_counters(const jb__recorder_t *self)
{
    assert(self);
    return &self->counters;
}

jb__journal_t *
jb__recorder_journal(jb__recorder_t *self)
{
    assert(self);
    return self->journal;
}

//  --------------------------------------------------------------------------
//  INFO and /journalz.

typedef struct {
    cJSON *consumers;
    uint64_t last;
} s_info_t;

static void
s_consumer_add(const char *name, uint64_t sequence, void *arg)
{
    s_info_t *info = (s_info_t *) arg;
    cJSON *consumer = cJSON_CreateObject();
    if (consumer && cJSON_AddStringToObject(consumer, "name", name)
    &&  cJSON_AddNumberToObject(consumer, "position", (double) sequence)
    &&  cJSON_AddNumberToObject(consumer, "lag", (double) (info->last > sequence?
                                                           info->last - sequence: 0)))
        cJSON_AddItemToArray(info->consumers, consumer);
    else
        cJSON_Delete(consumer);
}

char *
jb__recorder_info_json(jb__journal_t *journal, const jb__recorder_counters_t *counters)
{
    assert(journal);
    assert(counters);
    jb__journal_info_t state;
    if (jb__journal_info(journal, &state))
        return NULL;
    cJSON *root = cJSON_CreateObject();
    s_info_t info = { cJSON_CreateArray(), state.last };
    char *text = NULL;
    if (root && info.consumers) {
        cJSON_AddNumberToObject(root, "first", (double) state.first);
        cJSON_AddNumberToObject(root, "last", (double) state.last);
        cJSON_AddNumberToObject(root, "count", (double) state.count);
        cJSON_AddNumberToObject(root, "bytes", (double) state.bytes);
        cJSON_AddNumberToObject(root, "oldest_ms", (double) state.oldest_ms);
        cJSON_AddNumberToObject(root, "map_bytes", (double) state.map_bytes);
        cJSON_AddNumberToObject(root, "committed", (double) atomic_load(&counters->journaled));
        cJSON_AddNumberToObject(root, "commits", (double) atomic_load(&counters->commits));
        cJSON_AddNumberToObject(root, "lost", (double) atomic_load(&counters->lost));
        cJSON_AddNumberToObject(root, "trimmed", (double) atomic_load(&counters->trimmed));
        jb__journal_each_position(journal, s_consumer_add, &info);
        cJSON_AddItemToObject(root, "consumers", info.consumers);
        info.consumers = NULL;
        text = cJSON_PrintUnformatted(root);
    }
    cJSON_Delete(info.consumers);
    cJSON_Delete(root);
    return text;
}
