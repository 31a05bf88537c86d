using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Stack;

/// <summary>
/// A project on an existing database given by <c>database_url</c> (how a deployment grows past one Postgres server):
/// bootstrapped there, served by the workers through that URL, and left in place when the project is deleted.
/// The database here lives in the stack's own cluster under another name; bench/projects.sh does the same with a
/// second cluster.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ExternalDatabaseTests(StackFixture stack)
{
    [Fact]
    public async Task ProjectOnAnExistingDatabase_ServesRequests_AndDeletingItLeavesTheDatabase()
    {
        var database = "external_" + Guid.NewGuid().ToString("N")[..12];
        await using (var system = NpgsqlDataSource.Create(stack.SystemConnectionString))
        {
            await system.CreateCommand($"CREATE DATABASE {database} TEMPLATE template0 ENCODING 'UTF8'").ExecuteNonQueryAsync();
        }

        var owner = new NpgsqlConnectionStringBuilder(stack.SystemConnectionString);
        var url = $"postgresql://{Uri.EscapeDataString(owner.Username!)}:{Uri.EscapeDataString(owner.Password ?? string.Empty)}@{owner.Host}:{owner.Port}/{database}";
        var project = await TestProject.CreateAsync(stack.Stack, "external database", databaseUrl: url, setupSql: """
            CREATE TABLE public.notes (id int PRIMARY KEY, body text);
            INSERT INTO public.notes VALUES (1, 'on another server');
            GRANT SELECT ON public.notes TO anon;
            """);

        Assert.Equal(database, project.DatabaseName);
        var notes = await project.GetAsync("/rest/v1/notes?select=body");
        notes.AssertStatus(200);
        Assert.Equal("""[{"body":"on another server"}]""", notes.Body);
        Assert.DoesNotContain(owner.Password ?? "\u0000", (await project.AdminAsync(HttpMethod.Get)).Body, StringComparison.Ordinal);

        (await project.AdminAsync(HttpMethod.Delete, $"?confirm={project.Ref}")).AssertStatus(204);
        Assert.Equal(1L, await project.ScalarAsync<long>("SELECT count(*) FROM public.notes"));
    }

    [Theory]
    [InlineData("not a url", "database_url must be")]
    [InlineData("postgresql://user@127.0.0.1:1/nowhere", "database_url: ")]
    [InlineData("Host=127.0.0.1;Bogus Keyword=1;Database=x", "database_url must be")]
    public async Task BadDatabaseUrl_Is400_AndNoProjectIsLeft(string databaseUrl, string message)
    {
        var projectRef = "badext" + Guid.NewGuid().ToString("N")[..10];
        using var request = new HttpRequestMessage(HttpMethod.Post, stack.AdminUrl + "/projects")
        {
            Content = JsonContent.Create(new { name = "bad external", @ref = projectRef, database_url = databaseUrl }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var response = await TestHttp.Client.SendAsync(request);
        var answer = await ApiResponse.ReadAsync(response);

        answer.AssertStatus(400);
        Assert.Contains(message, answer.Body, StringComparison.Ordinal);
        using var lookup = new HttpRequestMessage(HttpMethod.Get, $"{stack.AdminUrl}/projects/{projectRef}");
        lookup.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.AdminPassword);
        using var left = await TestHttp.Client.SendAsync(lookup);
        Assert.Equal(HttpStatusCode.NotFound, left.StatusCode);
    }
}
