/*
 * HTML to text: what a reader sees, and nothing hidden.
 */
#include "helpers.h"

#include "mamori/html.h"

static const struct {
    const char *html, *text;
} cases[] = {
    {"<p>Hello <b>world</b></p><p>Second</p>", "Hello world\n\nSecond\n"},
    {"line1<br>line2<br/><br>line4", "line1\nline2\n\nline4\n"},
    {"<ul><li>one</li><li>two</li></ul>after", "・one\n・two\n\nafter\n"},
    {"<ol><li>a<li>b</ol>", "1. a\n2. b\n"},
    {"<table><tr><th>品名</th><td>金額</td></tr><tr><td>①</td><td>1,000円</td></tr></table>",
     "品名 | 金額\n① | 1,000円\n"},
    {"<a href=\"https://example.com/x\">click</a>", "click <https://example.com/x>\n"},
    {"<a href=\"https://example.com/\">https://example.com/</a>", "https://example.com/\n"},
    {"<a href=\"javascript:alert(1)\">js</a>", "js\n"},
    {"<a href=\"mailto:a@example.jp\">a@example.jp</a>", "a@example.jp\n"},
    {"<script>evil()</script><style>p{}</style><p>ok</p><!-- hidden comment -->", "ok\n"},
    {"<div style=\"display: none\">x</div><span hidden>y</span><p aria-hidden=\"true\">z</p>"
     "<font style=\"FONT-SIZE:0px\">tiny</font>visible",
     "visible\n"},
    {"&lt;tag&gt; &amp; &#x3042;&#12356; &nbsp;x", "<tag> & あい \xc2\xa0x\n"},
    {"<pre>  keep\n    spaces</pre>", "  keep\n    spaces\n"},
    {"<img src=x alt=\"ロゴ\"> text", "[ロゴ] text\n"},
    {"<p>a\x01\x02"
     "b</p>",
     "ab\n"},
    {"", ""},
};

static void
test_cases(void **state)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mamori_buf b;
        mamori_buf_init(&b, 1 << 20);
        struct mamori_html_stats st;
        int r = mamori_html_to_text(cases[i].html, strlen(cases[i].html), NULL, &b, &st);
        assert_int_equal(r, 0);
        const char *got = b.data ? b.data : "";
        if (strcmp(got, cases[i].text) != 0)
            fail_msg("%s\n-> \"%s\"\nwant \"%s\"", cases[i].html, got, cases[i].text);
        mamori_buf_done(&b);
    }
}

/* Nesting far deeper than any stack would survive, and many nodes: bounded, no crash. */
static void
test_deep_and_many(void **state)
{
    struct mamori_buf html, out;
    mamori_buf_init(&html, 1 << 24);
    mamori_buf_init(&out, 1 << 24);
    for (int i = 0; i < 100000; i++)
        mamori_buf_puts(&html, "<div>");
    mamori_buf_puts(&html, "deep");
    assert_int_equal(mamori_html_to_text(html.data, html.len, NULL, &out, NULL), 0);
    mamori_buf_reset(&html);
    mamori_buf_reset(&out);
    for (int i = 0; i < 5000; i++)
        mamori_buf_puts(&html, "<span>x</span>");
    struct mamori_html_limits lim = {.max_nodes = 1000};
    assert_int_equal(mamori_html_to_text(html.data, html.len, &lim, &out, NULL), MAMORI_E_LIMIT);
    /* Output bounded by the buffer's maximum. */
    struct mamori_buf small;
    mamori_buf_init(&small, 100);
    assert_int_equal(mamori_html_to_text(html.data, html.len, NULL, &small, NULL), MAMORI_E_LIMIT);
    mamori_buf_done(&small);
    mamori_buf_done(&html);
    mamori_buf_done(&out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_deep_and_many),
    };
    return cmocka_run_group_tests_name("html", tests, NULL, NULL);
}
