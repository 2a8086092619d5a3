/*  =========================================================================
    event_type.c - the jerry.{context}.{aggregate}.{verb} type convention
    ========================================================================= */

#include <assert.h>

#include "jbus.h"
#include "buffer.h"
#include "error.h"

#define s_WORDS_MAX 32

//  The words of a CamelCase name, as offsets into it.
typedef struct {
    size_t start [s_WORDS_MAX];
    size_t length [s_WORDS_MAX];
    size_t count;
} s_words_t;

static bool s_is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool s_is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool s_is_digit(char c) { return c >= '0' && c <= '9'; }

//  --------------------------------------------------------------------------

bool
jb_event_type_is_segment(const char *segment, size_t size)
{
    if (size == 0 || !s_is_lower(segment[0]) || segment[size - 1] == '_')
        return false;
    for (size_t index = 1; index < size; index++) {
        char c = segment[index];
        if (c == '_') {
            if (segment[index - 1] == '_')
                return false;
        }
        else
        if (!s_is_lower(c) && !s_is_digit(c))
            return false;
    }
    return true;
}

//  --------------------------------------------------------------------------

int
jb_event_type_check(const char *type, jb_error_t *error)
{
    assert(type);
    static const char *roles [] = { "root", "context", "aggregate", "verb" };
    const char *segment = type;
    size_t count = 0;
    while (true) {
        const char *dot = strchr(segment, '.');
        size_t size = dot? (size_t) (dot - segment): strlen(segment);
        if (count == 4)
            return jb__error(error, JB_EINVALID, "type",
                             "\"%.100s\" has more than four segments: the convention is "
                             "jerry.{context}.{aggregate}.{verb}", type);
        if (count == 0 && (size != strlen(JB_EVENT_TYPE_ROOT)
                           || memcmp(segment, JB_EVENT_TYPE_ROOT, size) != 0))
            return jb__error(error, JB_EINVALID, "type",
                             "\"%.100s\" does not start with \"" JB_EVENT_TYPE_ROOT ".\"", type);
        if (size == 0)
            return jb__error(error, JB_EINVALID, "type",
                             "\"%.100s\": the %s segment is empty", type, roles[count]);
        if (!jb_event_type_is_segment(segment, size))
            return jb__error(error, JB_EINVALID, "type",
                             "\"%.100s\": the %s segment \"%.*s\" is not lower-case snake_case "
                             "(a letter, then a-z, 0-9 and single underscores)",
                             type, roles[count], (int) (size > 60? 60: size), segment);
        count++;
        if (!dot)
            break;
        segment = dot + 1;
    }
    if (count < 4)
        return jb__error(error, JB_EINVALID, "type",
                         "\"%.100s\" has %zu segment%s: the convention is "
                         "jerry.{context}.{aggregate}.{verb}", type, count, count == 1? "": "s");
    return 0;
}

//  --------------------------------------------------------------------------
//  True when a word of the CamelCase name (size bytes) starts at index. A
//  word starts at an upper-case letter that follows a lower-case letter or
//  a digit ("TaskCompleted", "Phase2Started"), or that ends a run of
//  capitals ("HTTPRequest" gives "HTTP", "Request") -- unless what follows
//  is a plural "s" closing the run, as in "UserIDsMerged", which gives
//  "User", "IDs", "Merged" and not "User", "I", "Ds", "Merged". Digits stay
//  with the word they follow.

static bool
s_starts_word(const char *name, size_t index, size_t size)
{
    if (index == 0)
        return true;
    char c = name[index];
    char before = name[index - 1];
    if (!s_is_upper(c))
        return false;
    if (s_is_lower(before) || s_is_digit(before))
        return true;
    if (index + 1 == size || !s_is_lower(name[index + 1]))
        return false;           //  inside a run of capitals
    bool plural = name[index + 1] == 's'
               && (index + 2 == size || s_is_upper(name[index + 2]));
    return !plural;
}

//  --------------------------------------------------------------------------
//  Split a CamelCase name into words, keeping every character, so nothing
//  in the name is lost. A lower-case first letter ("taskCompleted") is
//  accepted; a leading digit is not, as no segment may start with one.

static int
s_split(const char *name, s_words_t *words, jb_error_t *error)
{
    size_t size = strlen(name);
    words->count = 0;
    if (size == 0)
        return jb__error(error, JB_ECONVERT, NULL, "a domain event needs a name");
    if (s_is_digit(name[0]))
        return jb__error(error, JB_ECONVERT, NULL,
                         "domain event name \"%.100s\" starts with a digit: it must start "
                         "with a letter", name);
    for (size_t index = 0; index < size; index++) {
        char c = name[index];
        if (!s_is_upper(c) && !s_is_lower(c) && !s_is_digit(c))
            return jb__error(error, JB_ECONVERT, NULL,
                             "domain event name \"%.100s\" is not CamelCase: '%c' is not a "
                             "letter or digit", name, c >= 0x20 && c < 0x7F? c: '?');
        if (s_starts_word(name, index, size)) {
            if (words->count == s_WORDS_MAX)
                return jb__error(error, JB_ECONVERT, NULL,
                                 "domain event name \"%.100s\" has too many words", name);
            words->start[words->count] = index;
            words->length[words->count] = 0;
            words->count++;
        }
        words->length[words->count - 1]++;
    }
    return 0;
}

//  --------------------------------------------------------------------------
//  Append words [first, last) of name, lower-cased and joined by '_'.

static void
s_append_words(jb__buffer_t *buffer, const char *name, const s_words_t *words,
               size_t first, size_t last)
{
    for (size_t word = first; word < last; word++) {
        if (word > first)
            jb__buffer_append(buffer, "_", 1);
        for (size_t index = 0; index < words->length[word]; index++) {
            char c = name[words->start[word] + index];
            char lower = s_is_upper(c)? (char) (c - 'A' + 'a'): c;
            jb__buffer_append(buffer, &lower, 1);
        }
    }
}

//  --------------------------------------------------------------------------
//  How many leading words of name spell aggregate ("work_item" matches
//  "Work", "Item"), or 0 when they do not.

static size_t
s_aggregate_words(const char *name, const s_words_t *words, const char *aggregate)
{
    const char *cursor = aggregate;
    for (size_t word = 0; word < words->count; word++) {
        for (size_t index = 0; index < words->length[word]; index++, cursor++) {
            char c = name[words->start[word] + index];
            char lower = s_is_upper(c)? (char) (c - 'A' + 'a'): c;
            if (*cursor != lower)
                return 0;
        }
        if (*cursor == '\0')
            return word + 1;
        if (*cursor++ != '_')
            return 0;
    }
    return 0;
}

//  --------------------------------------------------------------------------

int
jb_event_type_build(const char *context, const char *name, const char *aggregate,
                    char *buffer, size_t size, jb_error_t *error)
{
    assert(context);
    assert(name);
    assert(buffer);
    //  A bad context is the caller's argument, not the domain event's fault;
    //  checking it here also keeps a dot in it from posing as a separator.
    if (!jb_event_type_is_segment(context, strlen(context)))
        return jb__error(error, JB_EINVAL, NULL,
                         "context \"%.100s\" is not lower-case snake_case (e.g. work_tracking)",
                         context);
    if (aggregate && !jb_event_type_is_segment(aggregate, strlen(aggregate)))
        return jb__error(error, JB_ECONVERT, NULL,
                         "aggregate \"%.100s\" is not lower-case snake_case (e.g. work_item)",
                         aggregate);
    s_words_t words;
    int rc = s_split(name, &words, error);
    if (rc)
        return rc;
    jb__buffer_t type = { 0 };
    jb__buffer_append_text(&type, JB_EVENT_TYPE_ROOT ".");
    jb__buffer_append_text(&type, context);
    jb__buffer_append(&type, ".", 1);
    if (aggregate) {
        size_t skip = s_aggregate_words(name, &words, aggregate);
        if (skip == words.count) {
            jb__buffer_free(&type);
            return jb__error(error, JB_ECONVERT, NULL,
                             "domain event name \"%.100s\" has no verb: it is only its "
                             "aggregate \"%.100s\"", name, aggregate);
        }
        jb__buffer_append_text(&type, aggregate);
        jb__buffer_append(&type, ".", 1);
        s_append_words(&type, name, &words, skip, words.count);
    }
    else {
        if (words.count < 2) {
            jb__buffer_free(&type);
            return jb__error(error, JB_ECONVERT, NULL,
                             "domain event name \"%.100s\" has no aggregate: name it "
                             "<Aggregate><Verb>, e.g. TaskCompleted, or give the aggregate", name);
        }
        s_append_words(&type, name, &words, 0, words.count - 1);
        jb__buffer_append(&type, ".", 1);
        s_append_words(&type, name, &words, words.count - 1, words.count);
    }
    if (type.failed) {
        jb__buffer_free(&type);
        return jb__error(error, JB_ENOMEM, NULL, "out of memory");
    }
    //  The splitter only makes valid segments; check anyway, so that no
    //  future change to it can hand out a type that breaks the convention.
    jb_error_t detail;
    rc = jb_event_type_check(type.data, &detail);
    if (rc)
        rc = jb__error(error, JB_ECONVERT, NULL, "domain event \"%.80s\": %s", name,
                       detail.message);
    else
    if (type.size >= JB_EVENT_TYPE_MAX)
        rc = jb__error(error, JB_ECONVERT, NULL,
                       "domain event \"%.80s\": its type would be %zu characters, longer "
                       "than the %d allowed", name, type.size, JB_EVENT_TYPE_MAX - 1);
    else
    if (type.size >= size)
        rc = jb__error(error, JB_EINVAL, NULL, "type \"%.100s\" does not fit in %zu bytes",
                       type.data, size);
    else
        memcpy(buffer, type.data, type.size + 1);
    jb__buffer_free(&type);
    return rc;
}
