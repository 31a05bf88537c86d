using System.Net;
using System.Text.Json.Nodes;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>The schema the RestGrammar* tests share (one project): authors, books with odd titles, jsonb, arrays, a unicode column, tags through a junction.</summary>
internal static class RestGrammarFixture
{
    public const string Sql = """
        CREATE TABLE public.g_authors (id int PRIMARY KEY, name text, data jsonb);
        CREATE TABLE public.g_books (
          id int PRIMARY KEY, title text NOT NULL, pages int, author_id int REFERENCES public.g_authors(id),
          category text, price numeric, data jsonb, tags text[], "größe" int);
        CREATE TABLE public.g_tags (id int PRIMARY KEY, name text NOT NULL);
        CREATE TABLE public.g_book_tags (
          book_id int REFERENCES public.g_books(id), tag_id int REFERENCES public.g_tags(id), PRIMARY KEY (book_id, tag_id));
        INSERT INTO public.g_authors VALUES
          (1, 'Ursula', '{"k":"x","n":1}'), (2, 'Italo', '{"k":"y","n":2}'), (3, NULL, '{"n":3}'), (4, 'Lonely', NULL);
        INSERT INTO public.g_books VALUES
          (1, 'Earthsea', 200, 1, 'fantasy', 10.5, '{"k":"x","n":5,"arr":[10,20]}', '{fantasy,classic}', 1),
          (2, 'Dispossessed', 380, 1, 'scifi', 20, '{"k":"y","n":3}', '{scifi}', 2),
          (3, 'Cities', 150, 2, 'fantasy', 7.25, '{"k":"x","n":1}', '{}', 3),
          (4, 'Orphan', NULL, NULL, 'scifi', NULL, NULL, NULL, NULL),
          (5, 'Nameless', 100, 3, 'misc', 1, '{}', '{misc}', 4),
          (6, 'a,b', 10, NULL, 'odd', NULL, NULL, NULL, NULL),
          (7, 'a)b', 11, NULL, 'odd', NULL, NULL, NULL, NULL),
          (8, 'say "hi"', 12, NULL, 'odd', NULL, NULL, NULL, NULL),
          (9, '(x)', 13, NULL, 'odd', NULL, NULL, NULL, NULL),
          (10, 'back\slash', 14, NULL, 'odd', NULL, NULL, NULL, NULL);
        INSERT INTO public.g_tags VALUES (1, 'a'), (2, 'b');
        INSERT INTO public.g_book_tags VALUES (1, 1), (1, 2), (2, 1);
        """;

    public static Task<TestProject> ProjectAsync(StackFixture stack) =>
        TestProject.SharedAsync(stack, "rest-grammar", Sql, new { rest = new { aggregates_enabled = true } });

    public static async Task<ApiResponse> OkAsync(TestProject project, string query, params (string Name, string Value)[] headers)
    {
        var response = await project.GetAsync("/rest/v1/" + query, headers);
        Assert.True(response.Status == HttpStatusCode.OK, $"{query}: {(int)response.Status} {response.Body}");
        return response;
    }

    /// <summary>The error body PostgREST sends, all four fields compared.</summary>
    public static async Task AssertErrorAsync(TestProject project, string query, HttpStatusCode status, string expected)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == status, $"{query}: {(int)response.Status} {response.Body}");
        RestCalls.AssertJson(RestCalls.Json(expected), response.Json);
    }

    /// <summary>Rows whose order the request leaves open, compared as sets (keys compared in any order).</summary>
    public static void AssertSameRows(string expected, JsonNode? actual)
    {
        static List<string> Sorted(JsonNode? rows) => [.. rows!.AsArray().Select(r => Canonical(r)).Order(StringComparer.Ordinal)];
        Assert.Equal(Sorted(RestCalls.Json(expected)), Sorted(actual));
    }

    private static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => JsonValue.Create(p.Key).ToJsonString() + ":" + Canonical(p.Value))) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };
}
