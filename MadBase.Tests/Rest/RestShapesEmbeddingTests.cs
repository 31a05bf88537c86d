using System.Net;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Rest;

/// <summary>
/// Schema shapes PostgREST's findRel and query builder treat specially: keys of a table to itself, a
/// relation with keys both ways to another, computed fields and relationships, null and empty embeds, the
/// jsonb the embeds are built as, partitions and unique indexes that are not constraints.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestShapesEmbeddingTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-shapes", """
            CREATE TABLE public.family_tree (id int PRIMARY KEY, name text NOT NULL, parent int REFERENCES public.family_tree(id));
            INSERT INTO public.family_tree VALUES (1, 'Parental Unit', NULL), (2, 'Kid One', 1), (3, 'Kid Two', 1), (4, 'Grandkid One', 2);

            CREATE TABLE public.teams (id int PRIMARY KEY, name text NOT NULL, captain_id int);
            CREATE TABLE public.players (id int PRIMARY KEY, name text NOT NULL, team_id int REFERENCES public.teams(id));
            ALTER TABLE public.teams ADD CONSTRAINT teams_captain_fk FOREIGN KEY (captain_id) REFERENCES public.players(id);
            INSERT INTO public.teams VALUES (1, 'Red', NULL);
            INSERT INTO public.players VALUES (1, 'Ann', 1), (2, 'Bob', 1);
            UPDATE public.teams SET captain_id = 2;

            CREATE TABLE public.authors (id int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE public.books (id int PRIMARY KEY, title text NOT NULL, author_id int REFERENCES public.authors(id));
            INSERT INTO public.authors VALUES (1, 'Ursula'), (2, 'Italo'), (3, 'Nobody');
            INSERT INTO public.books VALUES (1, 'Earthsea', 1), (2, 'Dispossessed', 1), (3, 'Cities', 2);

            CREATE FUNCTION public.shout(public.authors) RETURNS text LANGUAGE sql STABLE AS $$ SELECT upper($1.name) $$;
            CREATE FUNCTION public.long_books(public.authors) RETURNS SETOF public.books LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.books WHERE author_id = $1.id AND length(title) > 8 ORDER BY id $$;
            CREATE FUNCTION public.latest_book(public.authors) RETURNS SETOF public.books ROWS 1 LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.books WHERE author_id = $1.id ORDER BY id DESC LIMIT 1 $$;
            -- Named like the table it returns: it replaces the foreign key relationship books → authors.
            CREATE FUNCTION public.authors(public.books) RETURNS public.authors LANGUAGE sql STABLE AS
              $$ SELECT * FROM public.authors WHERE id = 3 $$;

            CREATE TABLE public.accounts (id int PRIMARY KEY);
            CREATE TABLE public.profiles (id int PRIMARY KEY, account_id int REFERENCES public.accounts(id));
            CREATE UNIQUE INDEX profiles_account_unique ON public.profiles (account_id);
            INSERT INTO public.accounts VALUES (1);
            INSERT INTO public.profiles VALUES (1, 1);

            CREATE TABLE public.events (id int, day date, account_id int REFERENCES public.accounts(id), PRIMARY KEY (id, day)) PARTITION BY RANGE (day);
            CREATE TABLE public.events_2024 PARTITION OF public.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            INSERT INTO public.events VALUES (1, '2024-02-01', 1);
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<ApiResponse> Ok(string query)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        return response;
    }

    // PostgREST's EmbedDisambiguationSpec: the column embeds the parent, the table (or table!column) the children.
    [Theory]
    [InlineData("family_tree?id=in.(3,4)&select=id,parent(id,name,parent(*))&order=id",
        """[{"id":3,"parent":{"id":1,"name":"Parental Unit","parent":null}},{"id":4,"parent":{"id":2,"name":"Kid One","parent":{"id":1,"name":"Parental Unit","parent":null}}}]""")]
    [InlineData("family_tree?id=eq.1&select=id,name,children:family_tree!parent(id,name,children:family_tree!parent(id,name))&children.order=id",
        """[{"id":1,"name":"Parental Unit","children":[{"id":2,"name":"Kid One","children":[{"id":4,"name":"Grandkid One"}]},{"id":3,"name":"Kid Two","children":[]}]}]""")]
    [InlineData("family_tree?id=eq.2&select=id,family_tree(id)",
        """[{"id":2,"family_tree":[{"id":4}]}]""")]
    public async Task Get_SelfReferencingKey_FollowsPostgrestNaming(string query, string expected) =>
        RestCalls.AssertJson(RestCalls.Json(expected), (await Ok(query)).Json);

    [Fact]
    public async Task Get_SelfReferencingKeyByConstraintName_IsNotARelationship()
    {
        var response = await project.GetAsync("/rest/v1/family_tree?select=id,family_tree!family_tree_parent_fkey(id)");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST200", response.ErrorCode);
    }

    [Fact]
    public async Task Get_KeysBothWays_AmbiguousListsOneToManyBeforeManyToOne()
    {
        var response = await project.GetAsync("/rest/v1/teams?select=name,players(name)");
        Assert.Equal(HttpStatusCode.MultipleChoices, response.Status);
        RestCalls.AssertJson(
            RestCalls.Json("""
                [{"cardinality":"one-to-many","embedding":"teams with players","relationship":"players_team_id_fkey using teams(id) and players(team_id)"},
                 {"cardinality":"many-to-one","embedding":"teams with players","relationship":"teams_captain_fk using teams(captain_id) and players(id)"}]
                """),
            response.Json!["details"]);
        Assert.Equal(
            "Try changing 'players' to one of the following: 'players!players_team_id_fkey', 'players!teams_captain_fk'. Find the desired relationship in the 'details' key.",
            response.Json["hint"]!.GetValue<string>());

        var captain = await Ok("teams?select=name,captain:players!captain_id(name),roster:players!team_id(name)&roster.order=id");
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Red","captain":{"name":"Bob"},"roster":[{"name":"Ann"},{"name":"Bob"}]}]"""), captain.Json);
    }

    [Fact]
    public async Task Get_EmbeddedJson_IsJsonbAsInPostgrest()
    {
        var response = await Ok("authors?select=name,books(title,id)&id=eq.2");
        Assert.Equal("""[{"name":"Italo","books":[{"id": 3, "title": "Cities"}]}]""", response.Body);
    }

    [Fact]
    public async Task Get_NullEmbedFilters_TestTheFilteredEmbedAndCount()
    {
        var having = await project.GetAsync("/rest/v1/authors?select=name,books(title)&books.title=eq.Cities&books=not.is.null", ("Prefer", "count=exact"));
        Assert.Equal(HttpStatusCode.OK, having.Status);
        Assert.Equal("0-0/1", having.Header("Content-Range"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Italo","books":[{"title":"Cities"}]}]"""), having.Json);

        var lacking = await Ok("authors?select=id,books(title)&books=is.null&order=id");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":3,"books":[]}]"""), lacking.Json);

        var either = await Ok("authors?select=id,books()&books.title=eq.Earthsea&or=(books.not.is.null,id.eq.3)&order=id");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1},{"id":3}]"""), either.Json);
    }

    [Fact]
    public async Task Get_ComputedFields_SelectFilterAndOrder()
    {
        var response = await Ok("authors?select=id,loud:shout&shout=neq.NOBODY&order=shout.desc");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"loud":"URSULA"},{"id":2,"loud":"ITALO"}]"""), response.Json);

        var unknown = await project.GetAsync("/rest/v1/authors?select=whisper");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);
        Assert.Equal("42703", unknown.ErrorCode);
    }

    [Fact]
    public async Task Get_ComputedRelationships_ToManyToOneAndOverridingAForeignKey()
    {
        var response = await Ok("authors?select=id,long_books(title),latest_book(title)&order=id");
        RestCalls.AssertJson(
            RestCalls.Json("""
                [{"id":1,"long_books":[{"title":"Dispossessed"}],"latest_book":{"title":"Dispossessed"}},
                 {"id":2,"long_books":[],"latest_book":{"title":"Cities"}},
                 {"id":3,"long_books":[],"latest_book":null}]
                """),
            response.Json);

        var overriding = await Ok("books?select=id,authors(name)&id=eq.1");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"authors":{"name":"Nobody"}}]"""), overriding.Json);
    }

    [Fact]
    public async Task Get_UniqueIndexThatIsNotAConstraint_EmbedsAnArray()
    {
        var response = await Ok("accounts?select=id,profiles(id)");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"profiles":[{"id":1}]}]"""), response.Json);
    }

    [Fact]
    public async Task Get_Partition_IsNotInTheSchemaCacheButItsParentEmbeds()
    {
        var partition = await project.GetAsync("/rest/v1/events_2024");
        Assert.Equal(HttpStatusCode.NotFound, partition.Status);
        Assert.Equal("PGRST205", partition.ErrorCode);

        var parent = await Ok("accounts?select=id,events(id)");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"events":[{"id":1}]}]"""), parent.Json);
    }

    [Fact]
    public async Task Get_UnknownTableAndEmbed_HintTheClosestName()
    {
        var table = await project.GetAsync("/rest/v1/author");
        Assert.Equal(HttpStatusCode.NotFound, table.Status);
        Assert.Equal("Perhaps you meant the table 'public.authors'", table.Json!["hint"]!.GetValue<string>());

        var embed = await project.GetAsync("/rest/v1/authors?select=name,bookz(title)");
        Assert.Equal(HttpStatusCode.BadRequest, embed.Status);
        Assert.Equal("Perhaps you meant 'books' instead of 'bookz'.", embed.Json!["hint"]!.GetValue<string>());

        // A parent without relationships: the suggestion is a close parent name.
        var parent = await project.GetAsync("/rest/v1/pgrst_ready?select=id,authors(name)");
        Assert.Equal("PGRST200", parent.ErrorCode);
        Assert.Null(parent.Json!["hint"]);
    }

    [Fact]
    public async Task SameTableTwiceThroughTwoHints_WithoutAliases_Is42712AsInPostgrest()
    {
        var response = await project.GetAsync("/rest/v1/teams?select=name,players!players_team_id_fkey(name),players!teams_captain_fk(name)");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("42712", response.ErrorCode);
        Assert.Equal("table name \"teams_players_1\" specified more than once", response.Json!["message"]!.GetValue<string>());

        // With aliases the two embeds are distinct.
        var aliased = await Ok("teams?select=name,members:players!players_team_id_fkey(name),captain:players!teams_captain_fk(name)");
        RestCalls.AssertJson(
            RestCalls.Json("""[{"name":"Red","members":[{"name":"Ann"},{"name":"Bob"}],"captain":{"name":"Bob"}}]"""), aliased.Json);
    }
}
