using System.Net;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.Gateway;

/// <summary>The gateway's project lookups in the system database outlive Postgres ending its pooled connections.</summary>
[Collection(StackCollection.Name)]
public sealed class GatewaySystemDatabaseTests(StackFixture stack)
{
    [Fact]
    public async Task PooledSystemConnectionsTerminated_NextLookups_AllSucceed()
    {
        await using var worker = await UpstreamServer.StartAsync("a");
        var application = "mb-gateway-" + Guid.NewGuid().ToString("N")[..8];
        // Every request looks its project up (no cache), on connections this test can tell apart from the stack's.
        await using var gateway = await GatewayProcess.StartAsync(stack, [worker.Url], new Dictionary<string, string>
        {
            ["ConnectionStrings__madbase"] = stack.SystemConnectionString + ";Application Name=" + application,
            ["Projects__CacheSeconds"] = "0",
        });
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => gateway.Client.EchoAsync("/rest/v1/things", stack.AnonKey)));

        await using (var connection = new NpgsqlConnection(stack.SystemConnectionString))
        {
            await connection.OpenAsync();
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
            terminate.Parameters.AddWithValue(application);
            Assert.True((long)(await terminate.ExecuteScalarAsync())! > 0, "the gateway kept no pooled connection");
            await Task.Delay(200); // pg_terminate_backend only signals
        }

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await gateway.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey));
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }
}
