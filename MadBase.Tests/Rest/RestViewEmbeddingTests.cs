using System.Net;
using MadBase.Tests.Infrastructure;
using MadBase.Worker.Rest.SchemaCache;
using Npgsql;

namespace MadBase.Tests.Rest;

/// <summary>
/// Embedding through views: the schema cache traces view columns to their base columns, so foreign keys
/// (and primary keys) of the tables underneath join views as they join tables — on either side, through views
/// of views, and over tables of a schema that is not exposed.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class RestViewEmbeddingTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync() =>
        project = await TestProject.SharedAsync(stack, "rest-views", RestFixtureSql.Library + """

            CREATE VIEW public.books_v AS SELECT id, title, author_id AS writer FROM public.books;
            CREATE VIEW public.authors_v AS SELECT id AS author_key, name FROM public.authors;
            CREATE VIEW public.books_vv AS SELECT * FROM public.books_v;
            CREATE VIEW public.book_genres_v AS SELECT book_id, genre_id FROM public.book_genres;
            CREATE VIEW public.books_computed AS SELECT id, author_id + 0 AS author_id FROM public.books;

            CREATE SCHEMA private;
            CREATE TABLE private.actors (id int PRIMARY KEY, name text NOT NULL);
            CREATE TABLE private.films (id int PRIMARY KEY, title text NOT NULL);
            CREATE TABLE private.roles (actor_id int REFERENCES private.actors(id), film_id int REFERENCES private.films(id), character text, PRIMARY KEY (actor_id, film_id));
            INSERT INTO private.actors VALUES (1, 'Kinski'), (2, 'Adjani'), (3, 'Ganz');
            INSERT INTO private.films VALUES (10, 'Nosferatu'), (20, 'Woyzeck');
            INSERT INTO private.roles VALUES (1, 10, 'Dracula'), (2, 10, 'Lucy'), (3, 10, 'Harker'), (1, 20, 'Woyzeck');
            CREATE VIEW public.actors AS SELECT id, name FROM private.actors;
            CREATE VIEW public.films AS SELECT id AS film_id, title FROM private.films;
            CREATE VIEW public.roles AS SELECT actor_id AS performer, film_id, character FROM private.roles;

            CREATE TABLE public.people (id int PRIMARY KEY, name text);
            CREATE TABLE public.messages (id int PRIMARY KEY, sender int REFERENCES public.people(id), receiver int REFERENCES public.people(id));
            CREATE VIEW public.messages_v AS SELECT id, sender, receiver FROM public.messages;
            INSERT INTO public.people VALUES (1, 'ann'), (2, 'bob');
            INSERT INTO public.messages VALUES (1, 1, 2);

            CREATE TABLE public.odd ("we ird" int PRIMARY KEY, "x(y)" text);
            CREATE VIEW public.odd_v AS SELECT "we ird" AS "k e y", "x(y)", upper("x(y)") AS up, "we ird" AS again FROM public.odd;
            """);

    public Task DisposeAsync() => Task.CompletedTask;

    private const string BooksWithAuthors =
        "SELECT b.title, json_build_object('name', a.name) AS {0} FROM books b LEFT JOIN authors a ON a.id = b.author_id ORDER BY b.id";

    private const string AuthorsWithBooks =
        "SELECT a.name, (SELECT coalesce(json_agg(json_build_object('title', b.title) ORDER BY b.id), '[]') FROM books b WHERE b.author_id = a.id) AS {0} FROM authors a ORDER BY a.id";

    [Theory]
    [InlineData("books_v?select=title,authors(name)&order=id", BooksWithAuthors, "authors")]
    [InlineData("books?select=title,authors_v(name)&order=id", BooksWithAuthors, "authors_v")]
    [InlineData("books_v?select=title,authors_v(name)&order=id", BooksWithAuthors, "authors_v")]
    [InlineData("books_vv?select=title,authors_v(name)&order=id", BooksWithAuthors, "authors_v")]
    [InlineData("books_v?select=title,writer(name)&order=id", BooksWithAuthors, "writer")]
    [InlineData("authors_v?select=name,books(title)&order=author_key&books.order=id", AuthorsWithBooks, "books")]
    [InlineData("authors?select=name,books_v(title)&order=id&books_v.order=id", AuthorsWithBooks, "books_v")]
    [InlineData("authors_v?select=name,books_vv(title)&order=author_key&books_vv.order=id", AuthorsWithBooks, "books_vv")]
    public async Task Get_EmbedThroughViews_ReturnsTheSameRowsAsTheTableJoin(string query, string sql, string key)
    {
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(await project.QueryJsonAsync(string.Format(System.Globalization.CultureInfo.InvariantCulture, sql, key)), response.Json);
    }

    [Fact]
    public async Task Get_ViewsOverAHiddenSchema_EmbedManyToManyThroughAJunctionView()
    {
        var response = await project.GetAsync("/rest/v1/actors?select=name,films(title)&order=id&films.order=film_id");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(
            await project.QueryJsonAsync("""
                SELECT a.name, (SELECT coalesce(json_agg(json_build_object('title', f.title) ORDER BY f.id), '[]')
                                FROM private.roles r JOIN private.films f ON f.id = r.film_id WHERE r.actor_id = a.id) AS films
                FROM private.actors a ORDER BY a.id
                """),
            response.Json);
    }

    [Fact]
    public async Task Get_ViewsOverAHiddenSchema_EmbedOneToManyAndManyToOne()
    {
        var response = await project.GetAsync("/rest/v1/films?select=title,roles(character,actors(name))&order=film_id&roles.order=performer");
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(
            await project.QueryJsonAsync("""
                SELECT f.title, (SELECT coalesce(json_agg(json_build_object('character', r.character, 'actors', json_build_object('name', a.name)) ORDER BY r.actor_id), '[]')
                                 FROM private.roles r JOIN private.actors a ON a.id = r.actor_id WHERE r.film_id = f.id) AS roles
                FROM private.films f ORDER BY f.id
                """),
            response.Json);
    }

    [Fact]
    public async Task Get_SecondJunctionView_IsAmbiguousAndListsBothCandidates()
    {
        var response = await project.GetAsync("/rest/v1/books?select=title,genres(name)");
        Assert.Equal(HttpStatusCode.MultipleChoices, response.Status);
        Assert.Equal("PGRST201", response.ErrorCode);
        Assert.Equal("Could not embed because more than one relationship was found for 'books' and 'genres'", response.Json!["message"]!.GetValue<string>());
        RestCalls.AssertJson(
            RestCalls.Json("""
                [{"cardinality":"many-to-many","embedding":"books with genres","relationship":"book_genres using book_genres_book_id_fkey(book_id) and book_genres_genre_id_fkey(genre_id)"},
                 {"cardinality":"many-to-many","embedding":"books with genres","relationship":"book_genres_v using book_genres_book_id_fkey(book_id) and book_genres_genre_id_fkey(genre_id)"}]
                """),
            response.Json["details"]);
        Assert.Equal(
            "Try changing 'genres' to one of the following: 'genres!book_genres', 'genres!book_genres_v'. Find the desired relationship in the 'details' key.",
            response.Json["hint"]!.GetValue<string>());

        var hinted = await project.GetAsync("/rest/v1/books?select=title,genres!book_genres_v(name)&id=eq.1&genres.order=id");
        Assert.True(hinted.Status == HttpStatusCode.OK, hinted.Body);
        RestCalls.AssertJson(RestCalls.Json("""[{"title":"Earthsea","genres":[{"name":"fantasy"},{"name":"literary"}]}]"""), hinted.Json);
    }

    [Fact]
    public async Task Get_ViewWithTwoKeysToOneTable_IsAmbiguousUntilHinted()
    {
        var response = await project.GetAsync("/rest/v1/messages_v?select=id,people(name)");
        Assert.Equal(HttpStatusCode.MultipleChoices, response.Status);
        Assert.Equal("PGRST201", response.ErrorCode);
        RestCalls.AssertJson(
            RestCalls.Json("""
                [{"cardinality":"many-to-one","embedding":"messages_v with people","relationship":"messages_receiver_fkey using messages_v(receiver) and people(id)"},
                 {"cardinality":"many-to-one","embedding":"messages_v with people","relationship":"messages_sender_fkey using messages_v(sender) and people(id)"}]
                """),
            response.Json!["details"]);
        Assert.Equal(
            "Try changing 'people' to one of the following: 'people!messages_receiver_fkey', 'people!messages_sender_fkey'. Find the desired relationship in the 'details' key.",
            response.Json["hint"]!.GetValue<string>());

        var hinted = await project.GetAsync("/rest/v1/messages_v?select=id,from:people!sender(name),to:people!messages_receiver_fkey(name)");
        RestCalls.AssertJson(RestCalls.Json("""[{"id":1,"from":{"name":"ann"},"to":{"name":"bob"}}]"""), hinted.Json);
    }

    [Fact]
    public async Task Get_ComputedViewColumn_CarriesNoRelationship()
    {
        var response = await project.GetAsync("/rest/v1/books_computed?select=id,authors(name)");
        Assert.Equal(HttpStatusCode.BadRequest, response.Status);
        Assert.Equal("PGRST200", response.ErrorCode);
    }

    [Theory]
    [InlineData("books?select=title,author_id(name)&id=eq.5", "author_id")]
    [InlineData("books?select=title,books_author_id_fkey(name)&id=eq.5", "books_author_id_fkey")]
    public async Task Get_ColumnOrConstraintTarget_NamesOnlyTheTableNotViewsOverIt(string query, string key)
    {
        // authors_v carries the same key; PostgREST (#2277) keeps column and constraint targets to tables.
        var response = await project.GetAsync("/rest/v1/" + query);
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        RestCalls.AssertJson(RestCalls.Json("[{\"title\":\"Invisible Cities\",\"" + key + "\":{\"name\":\"Italo\"}}]"), response.Json);
    }

    [Fact]
    public async Task Post_HeadersOnlyIntoAView_LocationUsesTheViewsPrimaryKey()
    {
        var response = await project.SendAsync(HttpMethod.Post, "/rest/v1/authors_v", """{"author_key":90,"name":"Viewed"}""", null, ("Prefer", "return=headers-only"));
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("/authors_v?author_key=eq.90", response.Header("Location"));
        RestCalls.AssertJson(RestCalls.Json("""[{"name":"Viewed"}]"""), await project.QueryJsonAsync("SELECT name FROM authors WHERE id = 90"));
    }

    [Fact]
    public async Task ViewTargetList_RealRewriteRule_TracesPlainColumnsAndNotComputedOnes()
    {
        await using var connection = new NpgsqlConnection(project.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT r.ev_action::text, 'public.odd'::regclass::oid FROM pg_rewrite r WHERE r.ev_class = 'public.odd_v'::regclass AND r.rulename = '_RETURN'",
            connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        var odd = reader.GetFieldValue<uint>(1);
        Assert.Equal(
            new[] { new ViewColumnOrigin(1, odd, 1), new ViewColumnOrigin(2, odd, 2), new ViewColumnOrigin(3, 0, 0), new ViewColumnOrigin(4, odd, 1) },
            ViewTargetList.Read(reader.GetString(0)));
    }

    [Fact]
    public void ViewTargetList_TextItCannotRead_GivesNoColumns()
    {
        Assert.Empty(ViewTargetList.Read("({QUERY :targetList ({TARGETENTRY :resno 1"));
        Assert.Empty(ViewTargetList.Read("not a node tree"));
    }
}
