using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Stack;

/// <summary>
/// One project's database going away concerns that project only: its requests get a 503 in each module's
/// own shape (not a 500), every other project is served as before, and the workers stay ready, naming the
/// project in /health without any connection detail.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ProjectDatabaseOutageTests(StackFixture stack)
{
    [Fact]
    public async Task ProjectDatabaseRefusingConnections_OnlyThatProjectGets503InModuleShapes()
    {
        var sick = await OutageProject.CreateAsync(stack, "database outage");
        var api = new Uri(stack.ApiUrl);

        // Both workers open the project's database (and keep pooled connections) before it goes away.
        for (var i = 0; i < 2; i++)
        {
            Assert.All(await sick.RoundAsync(api), r => Assert.True(r.Status == 200, $"{r.Module}: {r.Status} {r.Body}"));
        }

        await SetConnectionsAllowedAsync(sick.Auth.DatabaseName, allowed: false);
        try
        {
            for (var i = 0; i < 2; i++)
            {
                var answers = await sick.RoundAsync(api);
                // PostgREST's own answers: PGRST000 when it cannot connect, the SQLSTATE when Postgres ended the session.
                AssertUnavailable(answers, "rest", json => Assert.Contains(json.GetProperty("code").ToString(), (string[])["PGRST000", "57P01"]));
                AssertUnavailable(answers, "auth", json => Assert.Equal("unexpected_failure", json.GetProperty("code").ToString()));
                AssertUnavailable(answers, "storage", json =>
                {
                    Assert.Equal("503", json.GetProperty("statusCode").ToString());
                    Assert.Equal("DatabaseError", json.GetProperty("code").ToString());
                });
            }

            await AssertOtherProjectServedAsync();
            var listed = 0;
            foreach (var worker in stack.Stack.Workers)
            {
                using var response = await TestHttp.Client.GetAsync(new Uri(worker.Url, "/health"));
                var body = await response.Content.ReadAsStringAsync();
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("Healthy", JsonDocument.Parse(body).RootElement.GetProperty("status").GetString());
                Assert.DoesNotContain("Password", body, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("Host=", body, StringComparison.OrdinalIgnoreCase);
                listed += body.Contains($"\"{sick.Auth.Ref}\"", StringComparison.Ordinal) ? 1 : 0;
            }

            Assert.True(listed > 0, "no worker's /health names the project whose database is down");
        }
        finally
        {
            await SetConnectionsAllowedAsync(sick.Auth.DatabaseName, allowed: true);
        }

        // Back: a pooled connection broken by the outage may cost one more 503, never more than a few.
        var clock = Stopwatch.StartNew();
        IReadOnlyList<(string Module, int Status, string Body)> round;
        do
        {
            round = await sick.RoundAsync(api);
        }
        while (round.Any(r => r.Status != 200) && clock.Elapsed < TimeSpan.FromSeconds(10));

        Assert.All(round, r => Assert.True(r.Status == 200, $"{r.Module}: {r.Status} {r.Body}"));
    }

    private static void AssertUnavailable(
        IReadOnlyList<(string Module, int Status, string Body)> answers, string module, Action<JsonElement> shape)
    {
        var (_, status, body) = answers.Single(a => a.Module == module);
        Assert.True(status == 503, $"{module}: {status} {body}");
        shape(JsonDocument.Parse(body).RootElement);
    }

    private async Task AssertOtherProjectServedAsync()
    {
        for (var i = 0; i < 2; i++)
        {
            using var request = TestHttp.WithKey(HttpMethod.Get, stack.ApiUrl + "/storage/v1/bucket", stack.ServiceRoleKey);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", stack.ServiceRoleKey);
            using var response = await TestHttp.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    /// <summary>
    /// Refuses (or allows again) new connections to the database, and ends the ones open, as a database
    /// server that went away would.
    /// </summary>
    private async Task SetConnectionsAllowedAsync(string database, bool allowed)
    {
        await using var connection = new NpgsqlConnection(stack.SystemConnectionString);
        await connection.OpenAsync();
        var sql = $"ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS {(allowed ? "true" : "false")}";
        if (!allowed)
        {
            sql += $"; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'";
        }

        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
