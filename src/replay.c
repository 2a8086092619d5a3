/*  =========================================================================
    replay.c - replay from the journal: the ROUTER's thread

    Its loop: wait for a request (or, while a replay may send, not at
    all), serve the requests waiting, then give each replay a turn: read
    the journal from where it stands, send what its filter matches until
    its window is full or it has scanned s_SCAN_MAX records, and end it
    with END when it has read the last committed record. A turn is bounded
    so that one replay over a long journal of other types cannot starve
    the others, nor the requests.
    ========================================================================= */

#include <cjson/cJSON.h>
#include <czmq.h>
#include <inttypes.h>

#include "jbus.h"
#include "replay.h"
#include "error.h"
#include "filters.h"
#include "message.h"
#include "sequence.h"

//  Most durable consumers the journal keeps positions for.
#define s_CONSUMERS_MAX 1000

//  Records one replay scans in a turn.
#define s_SCAN_MAX 10000

//  Records an after:NUMBER:PUBLISHER start scans back from the head to find
//  where the publisher's stream was at NUMBER; past that, the replay
//  starts at the first event held (slower, never wrong).
#define s_SCAN_BACK_MAX 1000000

//  How soon a replay whose client's queue was full is tried again.
#define s_STALLED_MS 10

//  How often a FOLLOW at the head looks for newly committed events
//  (a commit interval is 10 ms by default).
#define s_FOLLOW_POLL_MS 10

//  A replay that has sent nothing for this long (it waits for credit, or
//  a FOLLOW waits at the head, or it scans records its filter does not
//  match) sends HEAD: the client learns that the broker is there, and the
//  broker whether the client is (with ZMQ_ROUTER_MANDATORY, a send to a
//  client that is gone fails). A client that is there but slow keeps its
//  replay however long it takes.
#define s_HEAD_MS 1000

//  Requests served before the replays get their turn.
#define s_REQUESTS_MAX 100

//  Longest answer to a request.
#define s_REASON_MAX 512

static_assert(JB__REPLAY_NAME_MAX == JB__JOURNAL_NAME_MAX,
              "a durable name the replay takes is one the journal keeps");

//  One replay or follow: a client's, by its ROUTER identity.
typedef struct {
    zframe_t *identity;
    jb__replay_filter_t *filters;
    size_t filter_count;
    bool follow;                //  at the head, wait for more instead of END
    uint64_t next;              //  the next journal sequence to look at
    uint32_t window;            //  events in flight at most
    uint32_t sizes [JB__REPLAY_WINDOW_MAX];    //  those in flight, a ring
    uint32_t oldest;            //  index of the oldest in the ring
    uint32_t in_flight;
    uint64_t in_flight_bytes;
    bool stalled;               //  the last send found the socket full
    bool gone;                  //  the client is gone: drop the replay
    int64_t heard;              //  when the client last sent (zclock_mono)
    int64_t sent;               //  when we last sent it something
} s_session_t;

struct jb__replay {
    zactor_t *actor;
    zsock_t *router;
    void *handle;
    zsock_t *acks;              //  PUSH to the journal's writer
    jb__journal_t *journal;
    jb__rules_t *rules;         //  our own copy, or NULL without CURVE
    zhashx_t *sessions;         //  identity as hex -> s_session_t
    jb__replay_counters_t *counters;    //  borrowed
    const jb__recorder_counters_t *recorder;    //  borrowed
    const char *answering;      //  the command of the request being served
};

static void
s_session_destroy(void **item)
{
    s_session_t *session = (s_session_t *) *item;
    if (session) {
        zframe_destroy(&session->identity);
        free(session->filters);
        free(session);
        *item = NULL;
    }
}

//  --------------------------------------------------------------------------
//  Sending to a client: its identity, then the frames, without waiting
//  (ZMQ_ROUTER_MANDATORY: a client that is gone fails the send rather than
//  eating it). Returns 0, or the errno: EHOSTUNREACH (gone), EAGAIN (its
//  queue is full).

static int
s_send(jb__replay_t *self, zframe_t *identity, const jb_frame_t *frames, size_t count)
{
    if (zmq_send(self->handle, zframe_data(identity), zframe_size(identity),
                 ZMQ_DONTWAIT | ZMQ_SNDMORE) == -1)
        return zmq_errno();
    for (size_t index = 0; index < count; index++)
        if (zmq_send(self->handle, frames[index].data, frames[index].size,
                     ZMQ_DONTWAIT | (index + 1 < count? ZMQ_SNDMORE: 0)) == -1)
            return zmq_errno();
    return 0;
}

static int
s_send_text(jb__replay_t *self, zframe_t *identity, const char *command, const char *text)
{
    jb_frame_t frames [2] = { { command, strlen(command) }, { text, strlen(text) } };
    return s_send(self, identity, frames, 2);
}

//  ERROR TEXT COMMAND: the command answered, so that a client with
//  requests of several kinds under way knows which failed.
static void
s_error_send(jb__replay_t *self, zframe_t *identity, const char *command, const char *text)
{
    atomic_fetch_add(&self->counters->errors, 1);
    jb_frame_t frames [3] = {
        { "ERROR", 5 }, { text, strlen(text) }, { command, strlen(command) }
    };
    s_send(self, identity, frames, 3);
}

static void
s_error(jb__replay_t *self, zframe_t *identity, const char *format, ...)
{
    char text [s_REASON_MAX];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    s_error_send(self, identity, self->answering? self->answering: "", text);
}

//  --------------------------------------------------------------------------
//  Which events a replay sends: those whose frame 0 (the type) one of its
//  filters matches.

static bool
s_matches(const jb__replay_filter_t *filters, size_t count, const jb_frame_t *topic)
{
    char type [JB__REPLAY_FIELD_MAX * 4];
    bool have_type = false;
    for (size_t index = 0; index < count; index++) {
        const jb__replay_filter_t *filter = &filters[index];
        if (!filter->is_pattern) {
            if (topic->size >= filter->subscription_size
            &&  memcmp(topic->data, filter->text, filter->subscription_size) == 0)
                return true;
            continue;
        }
        if (!have_type) {
            if (topic->size >= sizeof type || memchr(topic->data, '\0', topic->size))
                continue;
            memcpy(type, topic->data, topic->size);
            type[topic->size] = '\0';
            have_type = true;
        }
        if (jb_filter_matches(filter->text, type))
            return true;
    }
    return false;
}

//  --------------------------------------------------------------------------
//  Where a replay starts.

//  after:NUMBER:PUBLISHER: back from the head, the latest event of the
//  publisher's stream numbered before NUMBER (start after it), or the one
//  numbered NUMBER (start at it: everything of the stream before it is
//  numbered before). A publisher numbers each type's events in the order
//  it sends them, and the journal keeps them in that order.
typedef struct {
    const jb__replay_request_t *request;
    uint64_t scanned;
    uint64_t next;              //  where the replay starts; 0: not found
} s_scan_t;

static bool
s_scan_back(const jb__journal_entry_t *entry, void *arg)
{
    s_scan_t *scan = (s_scan_t *) arg;
    const jb__replay_request_t *request = scan->request;
    if (++scan->scanned > s_SCAN_BACK_MAX)
        return false;
    //  a stream is one publisher's events of one type: a prefix filter
    //  matches this type exactly, or the events of a longer type (whose
    //  numbers are their own) would be taken for the stream's
    if (entry->frame_count < 1
    ||  !s_matches(request->filters, request->filter_count, &entry->frames[0])
    ||  (!request->filters[0].is_pattern
         && entry->frames[0].size != request->filters[0].subscription_size))
        return true;
    jb_event_t *event = NULL;
    jb__received_stamp_t stamp;
    jb_error_t error;
    if (jb__message_decode_stamped(entry->frames, entry->frame_count, NULL, &event, &stamp,
                                   &error) == 0) {
        jb_event_destroy(&event);
        if (stamp.stamped && stamp.publisher_size == strlen(request->name)
        &&  memcmp(stamp.publisher, request->name, stamp.publisher_size) == 0) {
            if ((uint64_t) stamp.sequence < request->number) {
                scan->next = entry->sequence + 1;
                return false;
            }
            if ((uint64_t) stamp.sequence == request->number) {
                scan->next = entry->sequence;
                return false;
            }
        }
    }
    return true;
}

//  0, or -1 after answering with the error.
static int
s_start(jb__replay_t *self, zframe_t *identity, const jb__replay_request_t *request,
        uint64_t *next_p)
{
    *next_p = 0;                            //  the first event held
    if (request->start == JB__REPLAY_START_SEQUENCE)
        *next_p = request->number;
    else
    if (request->start == JB__REPLAY_START_TIME) {
        if (jb__journal_find_time(self->journal, (int64_t) request->number, next_p)) {
            s_error(self, identity, "the journal cannot be read");
            return -1;
        }
    }
    else
    if (request->start == JB__REPLAY_START_DURABLE) {
        uint64_t position = 0;
        int rc = jb__journal_position(self->journal, request->name, &position);
        if (rc && rc != JB_ENOTFOUND) {
            s_error(self, identity, "the journal cannot be read");
            return -1;
        }
        if (rc == 0)
            *next_p = position + 1;         //  after what it acknowledged
        else {
            //  a new name: where it said a new one starts
            jb__replay_request_t fallback = *request;
            fallback.start = request->fallback;
            fallback.number = request->fallback_number;
            return s_start(self, identity, &fallback, next_p);
        }
    }
    else
    if (request->start == JB__REPLAY_START_AFTER) {
        s_scan_t scan = { request, 0, 0 };
        if (jb__journal_read_back(self->journal, UINT64_MAX / 2, 0, s_scan_back, &scan)) {
            s_error(self, identity, "the journal cannot be read");
            return -1;
        }
        *next_p = scan.next;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Requests.

//  REPLAY or FOLLOW, from the client of identity with user_id (NULL
//  without CURVE).
static void
s_replay_begin(jb__replay_t *self, zframe_t **identity_p, const jb__replay_request_t *request,
               const char *key, const char *user_id)
{
    zframe_t *identity = *identity_p;
    const jb__rule_t *rule = self->rules && user_id && strlen(user_id) >= JB_CURVE_KEY_SIZE - 1
                           ? jb__rules_find(self->rules, user_id): NULL;
    for (size_t index = 0; self->rules && index < request->filter_count; index++) {
        const jb__replay_filter_t *filter = &request->filters[index];
        if (!jb__rule_allows(rule, JB_BROKER_SUBSCRIBE, filter->text, filter->subscription_size)) {
            s_error(self, identity, "Permissions Violation for Replay of \"%.64s\": the "
                    "broker's rules do not let our key subscribe to it", filter->text);
            return;
        }
    }
    if (!zhashx_lookup(self->sessions, key)
    &&  zhashx_size(self->sessions) >= JB__REPLAY_SESSIONS_MAX) {
        s_error(self, identity, "the broker serves %d replays already; try again later",
                JB__REPLAY_SESSIONS_MAX);
        return;
    }
    uint64_t next = 0;
    if (s_start(self, identity, request, &next))
        return;
    s_session_t *session = (s_session_t *) calloc(1, sizeof *session);
    jb__replay_filter_t *filters = (jb__replay_filter_t *)
        malloc(request->filter_count * sizeof *filters);
    if (!session || !filters) {
        free(session);
        free(filters);
        s_error(self, identity, "out of memory");
        return;
    }
    memcpy(filters, request->filters, request->filter_count * sizeof *filters);
    session->identity = identity;
    *identity_p = NULL;
    session->filters = filters;
    session->filter_count = request->filter_count;
    session->follow = request->command == JB__REPLAY_REQUEST_FOLLOW;
    session->next = next;
    session->window = request->window;
    session->heard = session->sent = zclock_mono();
    //  a new replay of the same client replaces the last
    zhashx_update(self->sessions, key, session);
    atomic_fetch_add(&self->counters->replays, 1);
}

//  CREDIT N: the client has taken N more events.
static void
s_credit(s_session_t *session, uint32_t count)
{
    for (; count > 0 && session->in_flight > 0; count--) {
        session->in_flight_bytes -= session->sizes[session->oldest];
        session->oldest = (session->oldest + 1) % JB__REPLAY_WINDOW_MAX;
        session->in_flight--;
    }
    session->stalled = false;
}

//  True when name is a new durable consumer and the journal keeps
//  s_CONSUMERS_MAX already: their positions are bounded, like the rest.
static void
s_consumer_count(const char *name, uint64_t sequence, void *arg)
{
    (void) name;
    (void) sequence;
    (*(size_t *) arg)++;
}

static bool
s_consumers_full(jb__replay_t *self, const char *name)
{
    uint64_t position;
    if (jb__journal_position(self->journal, name, &position) == 0)
        return false;
    size_t count = 0;
    jb__journal_each_position(self->journal, s_consumer_count, &count);
    return count >= s_CONSUMERS_MAX;
}

//  ACK NAME SEQUENCE: durable consumer NAME has taken every event up to
//  SEQUENCE. Handed to the journal's writer, committed with its next
//  group; no answer (an acknowledgement lost costs the consumer those
//  events again, at least once).
static void
s_acknowledge(jb__replay_t *self, zframe_t *identity, const jb__replay_request_t *request)
{
    jb__journal_info_t info;
    if (jb__journal_info(self->journal, &info) || request->number > info.last)
        s_error(self, identity, "ACK's sequence is a number up to the journal's last");
    else
    if (s_consumers_full(self, request->name))
        s_error(self, identity, "the journal keeps %d durable consumers already",
                s_CONSUMERS_MAX);
    else
    if (!jb__recorder_acknowledge(zsock_resolve(self->acks), request->name, request->number))
        s_error(self, identity, "the journal's writer is behind: acknowledgement dropped");
}

//  INFO: the journal's state and its durable consumers, as JSON.
static void
s_info(jb__replay_t *self, zframe_t *identity)
{
    char *text = jb__recorder_info_json(self->journal, self->recorder);
    if (text)
        s_send_text(self, identity, "INFO", text);
    else
        s_error(self, identity, "the journal cannot be read");
    free(text);
}

//  One request off the ROUTER. False when none was waiting.
static bool
s_request_serve(jb__replay_t *self)
{
    if (!(zsock_events(self->router) & ZMQ_POLLIN))
        return false;
    zmsg_t *message = zmsg_recv(self->router);
    if (!message)
        return false;
    zframe_t *identity = zmsg_pop(message);
    jb_frame_t frames [JB__REPLAY_FILTERS_MAX + 4];
    size_t count = 0;
    for (zframe_t *frame = zmsg_first(message); frame; frame = zmsg_next(message)) {
        if (count == sizeof frames / sizeof frames[0]) {
            count++;                        //  too many for any request
            break;
        }
        frames[count++] = (jb_frame_t) { zframe_data(frame), zframe_size(frame) };
    }
    //  copied: the frame that carries it goes with the message
    zframe_t *command_frame = zmsg_first(message);
    const char *meta = command_frame? zframe_meta(command_frame, "User-Id"): NULL;
    char user_id [128] = "";
    if (meta && strlen(meta) < sizeof user_id)
        strcpy(user_id, meta);
    char *key = identity? zframe_strhex(identity): NULL;
    s_session_t *session = key? (s_session_t *) zhashx_lookup(self->sessions, key): NULL;
    if (session)
        session->heard = zclock_mono();
    jb__replay_request_t *request = (jb__replay_request_t *) malloc(sizeof *request);
    static const char *commands [] = { "REPLAY", "FOLLOW", "CREDIT", "CANCEL", "ACK", "INFO" };
    self->answering = "";
    for (size_t index = 0; count > 0 && index < sizeof commands / sizeof commands[0]; index++)
        if (frames[0].size == strlen(commands[index])
        &&  memcmp(frames[0].data, commands[index], frames[0].size) == 0)
            self->answering = commands[index];
    char reason [s_REASON_MAX];
    if (!identity || !key || !request)
        ;                                   //  nothing to answer
    else
    if (count > sizeof frames / sizeof frames[0]) {
        s_error(self, identity, "a request has at most %zu frames",
                sizeof frames / sizeof frames[0]);
    }
    else
    if (!jb__replay_request_parse(frames, count, request, reason, sizeof reason))
        s_error_send(self, identity, self->answering, reason);
    else
    switch (request->command) {
        case JB__REPLAY_REQUEST_REPLAY:
        case JB__REPLAY_REQUEST_FOLLOW:
            s_replay_begin(self, &identity, request, key, meta? user_id: NULL);
            break;
        case JB__REPLAY_REQUEST_CREDIT:
            //  credit for a replay that has ended is no error: it crossed END
            if (session)
                s_credit(session, request->credit);
            break;
        case JB__REPLAY_REQUEST_CANCEL:
            //  answered whether or not a replay was under way: what the
            //  client gets before CANCELLED is the old replay's, and
            //  nothing of it comes after
            zhashx_delete(self->sessions, key);
            s_send_text(self, identity, "CANCELLED", "");
            break;
        case JB__REPLAY_REQUEST_INFO:
            s_info(self, identity);
            break;
        case JB__REPLAY_REQUEST_ACK:
            s_acknowledge(self, identity, request);
            break;
    }
    free(request);
    free(key);
    zframe_destroy(&identity);
    zmsg_destroy(&message);
    return true;
}

//  --------------------------------------------------------------------------
//  A replay's turn.

typedef struct {
    jb__replay_t *self;
    s_session_t *session;
    uint64_t scanned;
    uint64_t sent;
    bool full;                  //  stopped for the window or a full socket
} s_turn_t;

static bool
s_turn_read(const jb__journal_entry_t *entry, void *arg)
{
    s_turn_t *turn = (s_turn_t *) arg;
    s_session_t *session = turn->session;
    if (session->in_flight >= session->window
    ||  (session->in_flight > 0 && session->in_flight_bytes >= JB__REPLAY_WINDOW_BYTES)
    ||  turn->scanned >= s_SCAN_MAX) {
        turn->full = session->in_flight >= session->window
                  || session->in_flight_bytes >= JB__REPLAY_WINDOW_BYTES;
        return false;
    }
    turn->scanned++;
    if (entry->frame_count >= 1
    &&  s_matches(session->filters, session->filter_count, &entry->frames[0])) {
        char sequence [24];
        snprintf(sequence, sizeof sequence, "%" PRIu64, entry->sequence);
        jb_frame_t frames [JB__JOURNAL_FRAMES_MAX + 2];
        frames[0] = (jb_frame_t) { "EVENT", 5 };
        frames[1] = (jb_frame_t) { sequence, strlen(sequence) };
        uint32_t size = 0;
        for (size_t index = 0; index < entry->frame_count; index++) {
            frames[index + 2] = entry->frames[index];
            size += (uint32_t) entry->frames[index].size;
        }
        int rc = s_send(turn->self, session->identity, frames, entry->frame_count + 2);
        if (rc == EAGAIN) {
            session->stalled = turn->full = true;
            return false;
        }
        if (rc) {
            session->gone = true;
            return false;
        }
        uint32_t slot = (session->oldest + session->in_flight) % JB__REPLAY_WINDOW_MAX;
        session->sizes[slot] = size;
        session->in_flight++;
        session->in_flight_bytes += size;
        turn->sent++;
        atomic_fetch_add(&turn->self->counters->events, 1);
    }
    session->next = entry->sequence + 1;
    return true;
}

//  A replay that has sent nothing for s_HEAD_MS: tell the client that we
//  are here and how far the replay has read (every event up to there that
//  it matches was sent before), and learn whether the client is there.
static void
s_heartbeat(jb__replay_t *self, s_session_t *session)
{
    int64_t now = zclock_mono();
    if (now - session->sent < s_HEAD_MS)
        return;
    char text [24];
    snprintf(text, sizeof text, "%" PRIu64, session->next > 0? session->next - 1: 0);
    int rc = s_send_text(self, session->identity, "HEAD", text);
    if (rc == 0 || rc == EAGAIN)
        session->sent = now;        //  EAGAIN: there, its queue full of ours
    else
        session->gone = true;
}

//  Give each replay that may send a turn. Returns how long the loop may
//  wait for a request before the next turns: 0 while a replay may send, a
//  little while a client's queue was full (it drains without a word from
//  the client) or a FOLLOW waits at the head for the next commit, and
//  otherwise until the next heartbeat is due.
static long
s_sessions_serve(jb__replay_t *self)
{
    bool busy = false, stalled = false, following = false;
    zlist_t *ended = zlist_new();
    if (!ended)
        return 0;
    jb__journal_info_t info;
    uint64_t head = jb__journal_info(self->journal, &info) == 0? info.last: 0;
    for (s_session_t *session = (s_session_t *) zhashx_first(self->sessions); session;
         session = (s_session_t *) zhashx_next(self->sessions)) {
        bool waits_for_credit = session->in_flight >= session->window;
        bool waits_at_head = session->follow && session->next > head;
        if (waits_at_head)
            following = true;
        if (!waits_for_credit && !waits_at_head) {
            session->stalled = false;
            s_turn_t turn = { self, session, 0, 0, false };
            int rc = jb__journal_read(self->journal, session->next, 0, s_turn_read, &turn, NULL);
            if (turn.sent)
                session->sent = zclock_mono();
            if (rc) {
                s_error_send(self, session->identity, session->follow? "FOLLOW": "REPLAY",
                             "the journal cannot be read");
                session->gone = true;
            }
            bool at_head = !session->gone && !turn.full && turn.scanned < s_SCAN_MAX;
            if (at_head && session->follow) {
                //  everything to the head read: wait for what comes after it
                if (session->next <= head)
                    session->next = head + 1;
                following = true;
            }
            else
            if (at_head) {
                //  read to the end of what was committed: done, with the
                //  head (at least what was read: a commit may have come)
                uint64_t end = session->next > 0 && session->next - 1 > head
                             ? session->next - 1: head;
                char text [24];
                snprintf(text, sizeof text, "%" PRIu64, end);
                //  an END that finds the queue full is sent again next turn
                if (s_send_text(self, session->identity, "END", text) == EAGAIN)
                    session->stalled = true;
                else {
                    zlist_append(ended, (void *) zhashx_cursor(self->sessions));
                    continue;
                }
            }
            if (session->stalled)
                stalled = true;
            else
            if (!turn.full && !at_head && !session->gone)
                busy = true;
        }
        if (!session->gone)
            s_heartbeat(self, session);
        if (session->gone)
            zlist_append(ended, (void *) zhashx_cursor(self->sessions));
    }
    for (const char *key = (const char *) zlist_first(ended); key;
         key = (const char *) zlist_next(ended))
        zhashx_delete(self->sessions, key);
    zlist_destroy(&ended);
    return busy? 0: stalled? s_STALLED_MS: following? s_FOLLOW_POLL_MS
         : zhashx_size(self->sessions)? s_HEAD_MS: -1;
}

//  --------------------------------------------------------------------------

static void
s_actor(zsock_t *pipe, void *args)
{
    jb__replay_t *self = (jb__replay_t *) args;
    zsock_signal(pipe, 0);
    zmq_pollitem_t items [] = {
        { zsock_resolve(pipe), 0, ZMQ_POLLIN, 0 }, { self->handle, 0, ZMQ_POLLIN, 0 }
    };
    long timeout = -1;
    while (true) {
        if (zmq_poll(items, 2, timeout) == -1 && zmq_errno() != EINTR)
            break;                          //  the context is ending
        if (items[0].revents & ZMQ_POLLIN) {
            zmsg_t *message = zmsg_recv(pipe);
            char *command = message? zmsg_popstr(message): NULL;
            bool stop = !command || streq(command, "$TERM");
            if (command && streq(command, "RULES")) {
                //  a reload: the new rules (taken), for the requests from now
                zframe_t *frame = zmsg_pop(message);
                jb__rules_t *rules = NULL;
                if (frame && zframe_size(frame) == sizeof rules)
                    memcpy(&rules, zframe_data(frame), sizeof rules);
                zframe_destroy(&frame);
                if (rules && self->rules)
                    jb__rules_swap(self->rules, rules);
                jb__rules_destroy(&rules);
                zsock_signal(pipe, 0);
            }
            zstr_free(&command);
            zmsg_destroy(&message);
            if (stop)
                break;
        }
        for (int request = 0; request < s_REQUESTS_MAX && s_request_serve(self); request++)
            ;
        timeout = s_sessions_serve(self);
    }
}

//  --------------------------------------------------------------------------

jb__replay_t *
jb__replay_new(zsock_t **router_p, zsock_t **acks_p, jb__journal_t *journal,
               const jb__rules_t *rules, jb__replay_counters_t *counters,
               const jb__recorder_counters_t *recorder, jb_error_t *error)
{
    assert(router_p && *router_p);
    assert(journal);
    jb__replay_t *self = (jb__replay_t *) calloc(1, sizeof *self);
    if (self) {
        self->router = *router_p;
        *router_p = NULL;
        self->acks = *acks_p;
        *acks_p = NULL;
        self->handle = zsock_resolve(self->router);
        self->journal = journal;
        //  a copy: a lookup in CZMQ's zhashx moves its cursor and may
        //  rehash, so the forwarder's table is not ours to read
        self->rules = rules? jb__rules_dup(rules): NULL;
        self->counters = counters;
        self->recorder = recorder;
        self->sessions = zhashx_new();
    }
    if (self && self->sessions && (!rules || self->rules)) {
        zhashx_set_destructor(self->sessions, s_session_destroy);
        int mandatory = 1;
        zmq_setsockopt(self->handle, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory);
        //  every window's events and an answer or two fit: the window, not
        //  the high-water mark, bounds what waits
        zsock_set_sndhwm(self->router, JB__REPLAY_WINDOW_MAX + 16);
        self->actor = zactor_new(s_actor, self);
    }
    if (!self || !self->actor) {
        jb__error(error, JB_ENOMEM, NULL, "cannot start the replay thread");
        if (self)
            jb__replay_destroy(&self);
        else {
            zsock_destroy(router_p);
            zsock_destroy(acks_p);
        }
    }
    return self;
}

void
jb__replay_reload(jb__replay_t *self, const jb__rules_t *rules)
{
    assert(self);
    assert(rules);
    jb__rules_t *copy = jb__rules_dup(rules);
    if (copy && zsock_send(self->actor, "sp", "RULES", copy) == 0)
        zsock_wait(self->actor);
    else
        jb__rules_destroy(&copy);
}

void
jb__replay_destroy(jb__replay_t **self_p)
{
    assert(self_p);
    jb__replay_t *self = *self_p;
    if (self) {
        zactor_destroy(&self->actor);
        zsock_destroy(&self->router);
        zsock_destroy(&self->acks);
        zhashx_destroy(&self->sessions);
        jb__rules_destroy(&self->rules);
        free(self);
        *self_p = NULL;
    }
}
