/*  =========================================================================
    test_event_type.c - the jerry.{context}.{aggregate}.{verb} type convention
    ========================================================================= */

#include "testutil.h"

//  jb_event_type_is_segment on a NUL-terminated text.
static bool
s_is_segment(const char *text)
{
    return jb_event_type_is_segment(text, strlen(text));
}


//  --------------------------------------------------------------------------
//  How a bounded context uses the module: derive the type of a domain event
//  from its CamelCase name, and check a type that came from elsewhere.

static void
test_event_type_usage_example(void **state)
{
    (void) state;
    char type [JB_EVENT_TYPE_MAX];
    jb_error_t error;
    int rc = jb_event_type_build("work_tracking", "WorkItemCreated", NULL,
                                 type, sizeof type, &error);
    assert_int_equal(rc, 0);
    assert_string_equal(type, "jerry.work_tracking.work_item.created");
    assert_int_equal(jb_event_type_check(type, &error), 0);

    //  A type that breaks the convention is refused, and error says why.
    rc = jb_event_type_check("acme.work_tracking.task.completed", &error);
    assert_int_equal(rc, JB_EINVALID);
    assert_string_equal(error.attribute, "type");
    assert_non_null(strstr(error.message, "jerry."));
}


//  --------------------------------------------------------------------------

static void
test_is_segment_accepts_lower_case_snake_case_only(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        bool segment;
    } cases [] = {
        { "task",           true  },
        { "work_item",      true  },
        { "phase2",         true  },
        { "a",              true  },
        { "a1_b2_c3",       true  },
        { "status_changed", true  },
        { "",               false },
        { "Task",           false },
        { "taSk",           false },
        { "work__item",     false },
        { "_task",          false },
        { "task_",          false },
        { "_",              false },
        { "2task",          false },
        { "work-item",      false },
        { "work item",      false },
        { "task.completed", false },
        { "t\xc3\xa4sk",    false },
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (s_is_segment(cases[i].text) != cases[i].segment) {
            print_error("\"%s\": expected %s\n", cases[i].text,
                        cases[i].segment? "a segment": "not a segment");
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}


//  --------------------------------------------------------------------------
//  The size is what counts, not the NUL: a segment can be checked where it
//  lies inside a longer type.

static void
test_is_segment_reads_exactly_size_bytes(void **state)
{
    (void) state;
    const char *type = "jerry.work_tracking.task.completed";
    assert_true(jb_event_type_is_segment(type, 5));
    assert_true(jb_event_type_is_segment(type + 6, strlen("work_tracking")));
    assert_false(jb_event_type_is_segment(type, 6));       //  "jerry."
    assert_false(jb_event_type_is_segment(type + 6, 5));   //  "work_" ends in '_'
    assert_false(jb_event_type_is_segment(type, 0));
}


//  --------------------------------------------------------------------------

static void
test_check_accepts_types_that_follow_the_convention(void **state)
{
    (void) state;
    static const char *valid [] = {
        "jerry.work_tracking.task.completed",
        "jerry.work_tracking.task.created",
        "jerry.session_management.project.activated",
        "jerry.work_tracking.phase2.started",
        "jerry.work_tracking.work_item.status_changed",
        "jerry.a.b.c",
    };
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_type_check(valid[i], &error);
        if (rc != 0)
            print_error("\"%s\": %s\n", valid[i], error.message);
        assert_int_equal(rc, 0);
    }
}


//  --------------------------------------------------------------------------
//  Every rejection names the attribute "type", quotes the type, and says
//  what is wrong in words a developer can act on.

static void
test_check_rejects_types_that_break_the_convention(void **state)
{
    (void) state;
    static const struct {
        const char *type;
        const char *reason;     //  must appear in the message
    } cases [] = {
        { "acme.work_tracking.task.completed",        "does not start with \"jerry.\"" },
        { "Jerry.work_tracking.task.completed",       "does not start with \"jerry.\"" },
        { "jerryx.work_tracking.task.completed",      "does not start with \"jerry.\"" },
        { "jerry.work_tracking.completed",            "has 3 segments" },
        { "jerry.work_tracking.task.completed.late",  "more than four segments" },
        { "jerry",                                    "has 1 segment:" },
        { "jerry.work_tracking.Task.completed",       "aggregate segment \"Task\"" },
        { "jerry.Work_Tracking.task.completed",       "context segment \"Work_Tracking\"" },
        { "jerry.work_tracking.task.COMPLETED",       "verb segment \"COMPLETED\"" },
        { "jerry.work__tracking.task.completed",      "context segment \"work__tracking\"" },
        { "jerry.work_tracking.task_.completed",      "aggregate segment \"task_\"" },
        { "jerry.work_tracking._task.completed",      "aggregate segment \"_task\"" },
        { "jerry.work_tracking..completed",           "aggregate segment is empty" },
        { "jerry..task.completed",                    "context segment is empty" },
        { "jerry.work_tracking.task.",                "verb segment is empty" },
        { "jerry.work_tracking.task.completed.",      "more than four segments" },
        { ".jerry.work_tracking.task",                "does not start with \"jerry.\"" },
        { "jerry.work_tracking.2fa.enabled",          "aggregate segment \"2fa\"" },
        { "jerry.work-tracking.task.completed",       "context segment \"work-tracking\"" },
        { "jerry.work_tracking.task.completed ",      "verb segment \"completed \"" },
        { "",                                         "does not start with \"jerry.\"" },
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_type_check(cases[i].type, &error);
        if (rc != JB_EINVALID
        ||  error.code != JB_EINVALID
        ||  strcmp(error.attribute, "type") != 0
        ||  strstr(error.message, cases[i].reason) == NULL) {
            print_error("\"%s\": rc %s, attribute \"%s\", message \"%s\"; expected \"%s\"\n",
                        cases[i].type, jb_error_name(rc), error.attribute, error.message,
                        cases[i].reason);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}


//  --------------------------------------------------------------------------

static void
test_check_accepts_null_error(void **state)
{
    (void) state;
    assert_int_equal(jb_event_type_check("jerry.work_tracking.task.completed", NULL), 0);
    assert_int_equal(jb_event_type_check("jerry.work_tracking.task", NULL), JB_EINVALID);
}


//  --------------------------------------------------------------------------
//  One row: context, name, explicit aggregate (or NULL), and the type.

typedef struct {
    const char *context;
    const char *name;
    const char *aggregate;
    const char *type;
} build_case_t;

static void
test_build_derives_the_type_keeping_every_word(void **state)
{
    (void) state;
    static const build_case_t cases [] = {
        { "work_tracking", "TaskCompleted",      NULL, "jerry.work_tracking.task.completed" },
        { "work_tracking", "TaskCreated",        NULL, "jerry.work_tracking.task.created" },
        { "work_tracking", "WorkItemCreated",    NULL, "jerry.work_tracking.work_item.created" },
        { "net",           "HTTPRequestSent",    NULL, "jerry.net.http_request.sent" },
        { "work_tracking", "Phase2Started",      NULL, "jerry.work_tracking.phase2.started" },
        { "session_management", "ProjectActivated", NULL,
          "jerry.session_management.project.activated" },
        //  An acronym is one word, and the capital that ends it starts the next.
        { "io",            "IOErrorRaised",      NULL, "jerry.io.io_error.raised" },
        { "io",            "IOError",            NULL, "jerry.io.io.error" },
        { "work_tracking", "TaskIDAssigned",     NULL, "jerry.work_tracking.task_id.assigned" },
        { "net",           "HTTP2RequestSent",   NULL, "jerry.net.http2_request.sent" },
        { "net",           "RequestSentHTTP",    NULL, "jerry.net.request_sent.http" },
        //  A plural "s" closes an acronym instead of starting a word.
        { "work_tracking", "UserIDsMerged",      NULL, "jerry.work_tracking.user_ids.merged" },
        { "net",           "URLsFetched",        NULL, "jerry.net.urls.fetched" },
        { "net",           "CachedURLs",         NULL, "jerry.net.cached.urls" },
        { "net",           "URLSent",            NULL, "jerry.net.url.sent" },
        //  Only an "s" that closes the word: "URLsent" is not CamelCase for
        //  "URL sent", so the usual rule splits before the last capital.
        { "net",           "URLsent",            NULL, "jerry.net.ur.lsent" },
        //  Digits stay with the word they follow; a capital after one starts a word.
        { "work_tracking", "TaskV2Completed",    NULL, "jerry.work_tracking.task_v2.completed" },
        { "work_tracking", "Task2FAEnabled",     NULL, "jerry.work_tracking.task2_fa.enabled" },
        { "work_tracking", "TaskCompletedV2",    NULL, "jerry.work_tracking.task_completed.v2" },
        //  Two capitals: the second starts no word of its own before a capital.
        { "x",             "ABc",                NULL, "jerry.x.a.bc" },
        { "x",             "AbC",                NULL, "jerry.x.ab.c" },
        { "work_tracking", "TaskCOMPLETED",      NULL, "jerry.work_tracking.task.completed" },
        //  lowerCamelCase loses nothing, so it is accepted.
        { "work_tracking", "taskCompleted",      NULL, "jerry.work_tracking.task.completed" },
        { "work_tracking", "workItemCreated",    NULL, "jerry.work_tracking.work_item.created" },
        //  More than two words: all but the last are the aggregate.
        { "work_tracking", "TaskStatusChanged",  NULL, "jerry.work_tracking.task_status.changed" },
        //  An explicit aggregate takes its words off the front of the name...
        { "work_tracking", "TaskStatusChanged",  "task",
          "jerry.work_tracking.task.status_changed" },
        { "work_tracking", "WorkItemCompleted",  "work_item",
          "jerry.work_tracking.work_item.completed" },
        { "net",           "HTTPRequestSent",    "http_request", "jerry.net.http_request.sent" },
        { "work_tracking", "Phase2Started",      "phase2", "jerry.work_tracking.phase2.started" },
        //  ...or, when the name does not start with it, all the name is the verb.
        { "work_tracking", "Completed",          "work_item",
          "jerry.work_tracking.work_item.completed" },
        { "work_tracking", "StatusChanged",      "task", "jerry.work_tracking.task.status_changed" },
        { "work_tracking", "TaskforceCreated",   "task",
          "jerry.work_tracking.task.taskforce_created" },
        { "work_tracking", "TaskForceCreated",   "taskforce",
          "jerry.work_tracking.taskforce.task_force_created" },
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char type [JB_EVENT_TYPE_MAX];
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_type_build(cases[i].context, cases[i].name, cases[i].aggregate,
                                     type, sizeof type, &error);
        if (rc != 0) {
            print_error("%s (aggregate %s): %s\n", cases[i].name,
                        cases[i].aggregate? cases[i].aggregate: "none", error.message);
            failures++;
        }
        else
        if (strcmp(type, cases[i].type) != 0) {
            print_error("%s (aggregate %s): \"%s\", expected \"%s\"\n", cases[i].name,
                        cases[i].aggregate? cases[i].aggregate: "none", type, cases[i].type);
            failures++;
        }
        else
        if (jb_event_type_check(type, NULL) != 0) {
            print_error("%s: \"%s\" does not pass jb_event_type_check\n", cases[i].name, type);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}


//  --------------------------------------------------------------------------
//  Whatever the splitter does, no letter or digit of the name may vanish:
//  the type's aggregate and verb, without underscores, spell the name.

static void
test_build_loses_no_character_of_the_name(void **state)
{
    (void) state;
    static const char *names [] = {
        "TaskCompleted", "WorkItemCreated", "HTTPRequestSent", "Phase2Started",
        "IOError", "TaskV2Completed", "ABc", "AbC", "XMLHttpRequestOpened",
        "Task2FAEnabled", "A1B2", "taskCompleted", "GetHTTP", "V2Api", "UserIDsMerged",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char type [JB_EVENT_TYPE_MAX];
        jb_error_t error;
        int rc = jb_event_type_build("x", names[i], NULL, type, sizeof type, &error);
        if (rc != 0)
            print_error("%s: %s\n", names[i], error.message);
        assert_int_equal(rc, 0);
        char spelled [JB_EVENT_TYPE_MAX];
        size_t length = 0;
        for (const char *c = type + strlen("jerry.x."); *c; c++)
            if (*c != '_' && *c != '.')
                spelled[length++] = *c;
        spelled[length] = '\0';
        char lower [JB_EVENT_TYPE_MAX];
        size_t index;
        for (index = 0; names[i][index]; index++) {
            char c = names[i][index];
            lower[index] = c >= 'A' && c <= 'Z'? (char) (c - 'A' + 'a'): c;
        }
        lower[index] = '\0';
        if (strcmp(spelled, lower) != 0)
            print_error("%s gave \"%s\"\n", names[i], type);
        assert_string_equal(spelled, lower);
    }
}


//  --------------------------------------------------------------------------
//  A name that yields no aggregate or no verb, or is not CamelCase letters
//  and digits, is JB_ECONVERT, and the message quotes the name and says
//  what to do.

static void
test_build_rejects_names_that_yield_no_type(void **state)
{
    (void) state;
    static const struct {
        const char *name;
        const char *aggregate;
        const char *reason;
    } cases [] = {
        { "Completed",          NULL,   "\"Completed\" has no aggregate" },
        { "A",                  NULL,   "\"A\" has no aggregate" },
        { "ABC",                NULL,   "\"ABC\" has no aggregate" },
        { "Task2",              NULL,   "\"Task2\" has no aggregate" },
        { "taskcompleted",      NULL,   "\"taskcompleted\" has no aggregate" },
        { "",                   NULL,   "needs a name" },
        { "",                   "task", "needs a name" },
        { "task_completed",     NULL,   "\"task_completed\" is not CamelCase: '_'" },
        { "Task-Completed",     NULL,   "\"Task-Completed\" is not CamelCase: '-'" },
        { "Task Completed",     NULL,   "not CamelCase: ' '" },
        { "Task.Completed",     NULL,   "not CamelCase: '.'" },
        { "TaskCompleted\n",    NULL,   "not CamelCase: '?'" },
        { "T\xc3\xa4skCompleted", NULL, "not CamelCase" },
        { "2FAEnabled",         NULL,   "\"2FAEnabled\" starts with a digit" },
        { "2FAEnabled",         "user", "\"2FAEnabled\" starts with a digit" },
        //  The name is only its aggregate: nothing is left for the verb.
        { "Task",               "task", "\"Task\" has no verb" },
        { "WorkItem",           "work_item", "\"WorkItem\" has no verb" },
        //  An explicit aggregate must itself be a segment.
        { "TaskCompleted",      "Task",      "aggregate \"Task\" is not lower-case snake_case" },
        { "TaskCompleted",      "work-item", "aggregate \"work-item\"" },
        { "TaskCompleted",      "work__item", "aggregate \"work__item\"" },
        { "TaskCompleted",      "",          "aggregate \"\"" },
        { "TaskCompleted",      "task.x",    "aggregate \"task.x\"" },
    };
    int failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char type [JB_EVENT_TYPE_MAX] = "untouched";
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_type_build("work_tracking", cases[i].name, cases[i].aggregate,
                                     type, sizeof type, &error);
        if (rc != JB_ECONVERT
        ||  error.code != JB_ECONVERT
        ||  strstr(error.message, cases[i].reason) == NULL
        ||  strcmp(type, "untouched") != 0) {
            print_error("\"%s\" (aggregate %s): rc %s, type \"%s\", message \"%s\"; "
                        "expected \"%s\"\n", cases[i].name,
                        cases[i].aggregate? cases[i].aggregate: "none", jb_error_name(rc),
                        type, error.message, cases[i].reason);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}


//  --------------------------------------------------------------------------
//  The context is the caller's argument, not the domain event's: a bad one
//  is JB_EINVAL, as in jb_converter_new.

static void
test_build_rejects_a_context_that_is_not_snake_case(void **state)
{
    (void) state;
    static const char *contexts [] = {
        "Work-Tracking", "work-tracking", "WorkTracking", "work.tracking", "",
        "_work", "work_", "work__tracking", "2work",
    };
    for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++) {
        char type [JB_EVENT_TYPE_MAX] = "untouched";
        jb_error_t error;
        jb_error_clear(&error);
        int rc = jb_event_type_build(contexts[i], "TaskCompleted", NULL,
                                     type, sizeof type, &error);
        if (rc != JB_EINVAL)
            print_error("context \"%s\": %s\n", contexts[i], jb_error_name(rc));
        assert_int_equal(rc, JB_EINVAL);
        char quoted [64];
        snprintf(quoted, sizeof quoted, "context \"%s\"", contexts[i]);
        assert_non_null(strstr(error.message, quoted));
        assert_non_null(strstr(error.message, "snake_case"));
        assert_string_equal(type, "untouched");
    }
}


//  --------------------------------------------------------------------------
//  The buffer must hold the type and its NUL: one byte less is JB_EINVAL
//  and the buffer is untouched; exactly enough works.

static void
test_build_reports_a_buffer_too_small(void **state)
{
    (void) state;
    const char *expected = "jerry.work_tracking.task.completed";
    size_t needed = strlen(expected) + 1;
    char type [JB_EVENT_TYPE_MAX];
    jb_error_t error;

    memset(type, 'x', sizeof type);
    int rc = jb_event_type_build("work_tracking", "TaskCompleted", NULL,
                                 type, needed - 1, &error);
    assert_int_equal(rc, JB_EINVAL);
    assert_int_equal(error.code, JB_EINVAL);
    assert_non_null(strstr(error.message, "does not fit"));
    for (size_t index = 0; index < sizeof type; index++)
        assert_int_equal(type[index], 'x');

    rc = jb_event_type_build("work_tracking", "TaskCompleted", NULL, type, 0, NULL);
    assert_int_equal(rc, JB_EINVAL);

    rc = jb_event_type_build("work_tracking", "TaskCompleted", NULL, type, needed, &error);
    assert_int_equal(rc, 0);
    assert_string_equal(type, expected);
}


//  --------------------------------------------------------------------------
//  JB_EVENT_TYPE_MAX is always enough: a type that would be longer is
//  refused as JB_ECONVERT, whatever the buffer, and one of exactly the
//  longest length fits.

static void
test_build_refuses_types_longer_than_event_type_max(void **state)
{
    (void) state;
    //  "jerry.x.task." is 13 characters; the verb fills the rest.
    char name [JB_EVENT_TYPE_MAX + 16];
    size_t verb_length = JB_EVENT_TYPE_MAX - 1 - strlen("jerry.x.task.");
    strcpy(name, "TaskV");
    memset(name + 5, 'e', verb_length - 1);
    name[5 + verb_length - 1] = '\0';

    char type [JB_EVENT_TYPE_MAX];
    jb_error_t error;
    int rc = jb_event_type_build("x", name, NULL, type, sizeof type, &error);
    assert_int_equal(rc, 0);
    assert_int_equal(strlen(type), JB_EVENT_TYPE_MAX - 1);

    strcat(name, "e");
    char big [JB_EVENT_TYPE_MAX * 2];
    rc = jb_event_type_build("x", name, NULL, big, sizeof big, &error);
    assert_int_equal(rc, JB_ECONVERT);
    assert_non_null(strstr(error.message, "longer than the 255 allowed"));
}


//  --------------------------------------------------------------------------
//  A name of more words than the splitter holds is refused, not truncated.

static void
test_build_refuses_a_name_of_too_many_words(void **state)
{
    (void) state;
    char name [200] = "";
    for (int word = 0; word < 40; word++)
        strcat(name, "Ab");
    char type [JB_EVENT_TYPE_MAX];
    jb_error_t error;
    int rc = jb_event_type_build("x", name, NULL, type, sizeof type, &error);
    assert_int_equal(rc, JB_ECONVERT);
    assert_non_null(strstr(error.message, "too many words"));
}


//  --------------------------------------------------------------------------

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_event_type_usage_example),
        cmocka_unit_test(test_is_segment_accepts_lower_case_snake_case_only),
        cmocka_unit_test(test_is_segment_reads_exactly_size_bytes),
        cmocka_unit_test(test_check_accepts_types_that_follow_the_convention),
        cmocka_unit_test(test_check_rejects_types_that_break_the_convention),
        cmocka_unit_test(test_check_accepts_null_error),
        cmocka_unit_test(test_build_derives_the_type_keeping_every_word),
        cmocka_unit_test(test_build_loses_no_character_of_the_name),
        cmocka_unit_test(test_build_rejects_names_that_yield_no_type),
        cmocka_unit_test(test_build_rejects_a_context_that_is_not_snake_case),
        cmocka_unit_test(test_build_reports_a_buffer_too_small),
        cmocka_unit_test(test_build_refuses_types_longer_than_event_type_max),
        cmocka_unit_test(test_build_refuses_a_name_of_too_many_words),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
