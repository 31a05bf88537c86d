using System.Net;
using MadBase.Cli;
using MadBase.Tests.Infrastructure;
using Npgsql;

namespace MadBase.Tests.LocalStack;

/// <summary>Stopping and starting the local stack on the same data directory keeps data, projects and keys.</summary>
public sealed class StackRestartTests
{
    [Fact]
    public async Task StartAsync_AfterStop_KeepsDataProjectsAndKeys()
    {
        using var directory = TempDirectory.Create("mbrs");
        var options = Options(directory.FullPath);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        string anonKey;
        string serviceRoleKey;
        string publishableKey;
        await using (var first = await new Cli.LocalStack(options).StartAsync(timeout.Token))
        {
            anonKey = first.AnonKey;
            serviceRoleKey = first.ServiceRoleKey;
            publishableKey = first.PublishableKey;
            await using var connection = new NpgsqlConnection(Unpooled(first.ProjectConnectionString));
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')", connection);
            await command.ExecuteNonQueryAsync(timeout.Token);
        }

        await using var second = await new Cli.LocalStack(options).StartAsync(timeout.Token);
        Assert.Equal(anonKey, second.AnonKey);
        Assert.Equal(serviceRoleKey, second.ServiceRoleKey);
        Assert.Equal(publishableKey, second.PublishableKey);

        await using (var connection = new NpgsqlConnection(Unpooled(second.ProjectConnectionString)))
        {
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT note FROM kept", connection);
            Assert.Equal("still here", await command.ExecuteScalarAsync(timeout.Token));
        }

        foreach (var key in new[] { anonKey, publishableKey })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, second.ApiUrl + "/auth/v1/settings");
            request.Headers.Add("apikey", key);
            using var response = await TestHttp.Client.SendAsync(request, timeout.Token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    // A pooled connection would outlive the first stack's Postgres and fail on the second.
    private static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static LocalStackOptions Options(string dataDirectory)
    {
        var ports = FreePorts.Take(6);
        return new LocalStackOptions
        {
            DataDirectory = dataDirectory,
            GatewayPort = ports[0],
            ControlPort = ports[1],
            WorkerPorts = [ports[2], ports[3]],
            PostgresPort = ports[4],
            RedisPort = ports[5],
            SkipPostgresFsync = true,
        };
    }
}
