using MadBase.Worker.Rest;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Planning;
using MadBase.Worker.Rest.SchemaCache;
using MadBase.Worker.Rest.Sql;

namespace MadBase.Tests.Rest;

/// <summary>
/// Parser and planner against many thousands of random and mutated query strings: each is either a
/// PostgREST error (RestException) or SQL in which no request text appears outside parameters.
/// </summary>
public sealed class QueryFuzzTests
{
    private const string Marker = "zq'x;m";

    /// <summary>Query keys of the library schema (shared with the HTTP fuzz in Fuzz/).</summary>
    internal static readonly string[] Keys =
    [
        "select", "order", "limit", "offset", "or", "and", "not.or", "id", "title", "pages", "meta->>isbn", "authors.name",
        "authors.order", "authors.limit", "books.title", "x", "", "on_conflict", "columns", "not.and", "tags",
    ];

    internal static readonly string[] Values =
    [
        "id,title", "*", "id,authors(*)", "t:title,authors!inner(name)", "...authors(name)", "id::text", "meta->a->>b",
        "eq.1", "not.eq.1", "in.(1,2,\"3,4\")", "is.null", "like.*a*", "fts(english).cat", "cs.{a,b}", "eq(any).{1,2}",
        "(id.eq.1,and(pages.gt.2,not.title.is.null))", "id.desc.nullslast", "title.asc", "5", "-1", "abc", "(", ")",
        "id,authors(name,books(title))", "count()", "pages.sum()", "isdistinct." + Marker, "eq." + Marker, Marker,
    ];

    private static readonly SchemaModel Schema = new(
        ["public"],
        [
            new DbTable("public", "authors", 'r', true, [new("id", "bigint", false, null, 1), new("name", "text", false, null, 2)], ["id"], [["id"]]),
            new DbTable("public", "books", 'r', true,
                [new("id", "integer", false, null, 1), new("title", "text", false, null, 2), new("pages", "integer", true, null, 3),
                 new("meta", "jsonb", true, null, 4), new("tags", "text[]", true, null, 5), new("author_id", "bigint", true, null, 6)],
                ["id"], [["id"]]),
        ],
        [new DbForeignKey("books_author_id_fkey", "public", "books", ["author_id"], "public", "authors", ["id"])],
        []);

    [Fact]
    public void ParseAndPlan_RandomQueries_NeverThrowAnythingButRestErrors()
    {
        var random = new Random(4242);
        var built = 0;
        for (var i = 0; i < 20000; i++)
        {
            var query = new List<KeyValuePair<string, string>>();
            var count = random.Next(1, 5);
            for (var j = 0; j < count; j++)
            {
                query.Add(new(Mutate(random, Keys[random.Next(Keys.Length)]), Mutate(random, Values[random.Next(Values.Length)])));
            }

            if (TryBuild(query, out var sql))
            {
                built++;
                Assert.DoesNotContain(Marker, sql, StringComparison.Ordinal);
            }
        }

        // The generator must reach the SQL builder often, or the property says nothing.
        Assert.True(built > 500, $"only {built} queries were valid");
    }

    [Fact]
    public void ParseAndPlan_RandomBytes_NeverThrowAnythingButRestErrors()
    {
        var random = new Random(7);
        const string alphabet = "abcdefghijklmnopqrstuvwxyz.,:()!*\"'\\-> {}[]=&;0123456789_$%";
        for (var i = 0; i < 20000; i++)
        {
            var key = RandomText(random, alphabet, random.Next(0, 12));
            var value = RandomText(random, alphabet, random.Next(0, 40));
            if (TryBuild([new(key, value)], out var sql))
            {
                Assert.DoesNotContain("';", sql, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Build_FilterValue_GoesOnlyIntoParameters()
    {
        Assert.True(TryBuild([new("select", "id"), new("title", "eq." + Marker), new("or", $"(title.like.{Marker},id.in.(1,\"{Marker}\"))")], out var sql));
        Assert.DoesNotContain(Marker, sql, StringComparison.Ordinal);
        Assert.Contains("$1", sql, StringComparison.Ordinal);
    }

    private static bool TryBuild(List<KeyValuePair<string, string>> query, out string sql)
    {
        sql = string.Empty;
        try
        {
            var ast = QueryParser.Parse(query);
            var root = new ReadPlanner(Schema, aggregatesEnabled: true).Plan(Schema.Table("public", "books")!, ast);
            var statement = new Statement();
            sql = ReadQuery.Node(statement, root, null);
            return true;
        }
        catch (RestException error)
        {
            Assert.InRange(error.Status, 300, 499);
            return false;
        }
    }

    internal static string Mutate(Random random, string text)
    {
        if (text.Length == 0 || random.Next(4) != 0)
        {
            return text;
        }

        var at = random.Next(text.Length);
        return random.Next(3) switch
        {
            0 => text.Remove(at, 1),
            1 => text.Insert(at, "(),.!:\"*>-"[random.Next(10)].ToString()),
            _ => text[..at],
        };
    }

    private static string RandomText(Random random, string alphabet, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => alphabet[random.Next(alphabet.Length)])]);
}
