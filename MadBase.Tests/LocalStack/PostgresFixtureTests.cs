using MadBase.Cli;
using MadBase.Tests.Infrastructure;

using Npgsql;

namespace MadBase.Tests.LocalStack;

[Collection(PostgresCollection.Name)]
public sealed class PostgresFixtureTests(PostgresFixture fixture)
{
    [Fact]
    public async Task SystemConnectionString_ReachesTheSystemDatabase()
    {
        await using var connection = new NpgsqlConnection(fixture.SystemConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT current_database()", connection);
        Assert.Equal(Cli.LocalStack.SystemDatabase, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task RedisConnectionString_WhenRedisIsInstalled_AnswersPing()
    {
        if (RedisServer.FindExecutable() is null)
        {
            Assert.Null(fixture.RedisConnectionString);
            return;
        }

        int port = int.Parse(fixture.RedisConnectionString!.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(await RedisServer.PingAsync(port, CancellationToken.None));
    }
}
