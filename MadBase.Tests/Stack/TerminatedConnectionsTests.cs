using System.Net.Http.Headers;
using System.Text;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Stack;

/// <summary>
/// Postgres ending every connection of a project's database (pg_terminate_backend, as a restart does) while the
/// workers' pools hold them idle: the next requests find them dead before anything of theirs ran, and are
/// served on fresh connections instead of failing.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class TerminatedConnectionsTests(StackFixture stack)
{
    [Fact]
    public async Task PooledConnectionsTerminated_BurstOfReadsInsertsSignInsAndListings_NoneFails()
    {
        var project = await OutageProject.CreateAsync(stack, "terminated connections");
        await using (var connection = new NpgsqlConnection(project.Auth.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                """
                CREATE TABLE public.entries (id int PRIMARY KEY, body text);
                GRANT SELECT, INSERT ON public.entries TO anon;
                NOTIFY pgrst;
                """,
                connection);
            await command.ExecuteNonQueryAsync();
        }

        var api = new Uri(stack.ApiUrl);
        var nextId = 0;
        // Concurrent rounds, so that each worker's pool holds several idle connections to the database.
        var warm = await BurstAsync(api, project, () => ++nextId);
        Assert.All(warm, r => Assert.True(r.Status is 200 or 201, $"warm-up {r.Module}: {r.Status} {r.Body}"));

        var terminated = await TerminateConnectionsAsync(project.Auth.DatabaseName);
        Assert.True(terminated >= 2, $"only {terminated} pooled connections to terminate");

        var answers = await BurstAsync(api, project, () => ++nextId);
        Assert.All(answers, r => Assert.True(r.Status is 200 or 201, $"{r.Module}: {r.Status} {r.Body}"));
    }

    /// <summary>Four rounds at once, each a REST read, a sign-in and a bucket listing, and a REST insert.</summary>
    private static async Task<List<(string Module, int Status, string Body)>> BurstAsync(Uri api, OutageProject project, Func<int> nextId)
    {
        var rounds = Enumerable.Range(0, 4).Select(async _ =>
        {
            var insert = await InsertAsync(api, project, nextId());
            return (IEnumerable<(string, int, string)>)[.. await project.RoundAsync(api), insert];
        });
        return [.. (await Task.WhenAll(rounds)).SelectMany(r => r)];
    }

    private static async Task<(string, int, string)> InsertAsync(Uri api, OutageProject project, int id)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(api, "/rest/v1/entries"));
        request.Headers.Add("apikey", project.Auth.AnonKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", project.Auth.AnonKey);
        request.Content = new StringContent($$"""{"id":{{id}},"body":"entry"}""", Encoding.UTF8, "application/json");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        using var response = await TestHttp.Client.SendAsync(request, limit.Token);
        return ("rest insert", (int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private async Task<long> TerminateConnectionsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(stack.SystemConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", connection);
        command.Parameters.AddWithValue(database);
        var terminated = (long)(await command.ExecuteScalarAsync())!;

        // pg_terminate_backend only signals: wait until the backends are gone, so every pooled connection is dead.
        await using var left = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'", connection);
        left.Parameters.AddWithValue(database);
        for (var i = 0; i < 50 && (long)(await left.ExecuteScalarAsync())! > 0; i++)
        {
            await Task.Delay(20);
        }

        return terminated;
    }
}
