using MadBase.Tests.Infrastructure;
using MadBase.Worker.Tenancy;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace MadBase.Tests.Worker;

/// <summary>
/// The budget counts what Npgsql's pruning gave back: at its cap it asks Npgsql's own metrics what each pool holds
/// before it closes another project's connections, so a burst's extra connections, once pruned, are room again.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConnectionBudgetRecountTests(PostgresFixture postgres)
{
    [Fact]
    public async Task AtTheCap_RoomAPoolsPruningGaveBack_IsUsedBeforeAnotherPoolIsClosed()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        await using var counts = new DisposableCounts();
        var budget = new ConnectionBudget(Options.Create(new WorkerOptions { MaxConnections = 2 }), counts.Counts, TimeProvider.System, NullLogger<ConnectionBudget>.Instance);
        await using var burst = DataSource("burst" + suffix);
        await using var other = DataSource("other" + suffix);
        var burstPool = new ProjectPool("burst" + suffix, burst, budget);
        var otherPool = new ProjectPool("other" + suffix, other, budget);

        // A burst of two: the budget's count is now the cap.
        await budget.EnterAsync(burstPool, CancellationToken.None);
        await budget.EnterAsync(burstPool, CancellationToken.None);
        var first = await burst.OpenConnectionAsync();
        var second = await burst.OpenConnectionAsync();
        await first.DisposeAsync();
        await second.DisposeAsync();
        budget.Leave(burstPool);
        budget.Leave(burstPool);
        Assert.True(await Eventually.TrueAsync(async () => await ConnectionsOfAsync("burst" + suffix) == 1, TimeSpan.FromSeconds(10)), "Npgsql never pruned the burst's extra connection");

        await budget.EnterAsync(otherPool, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5));

        // The pruned connection's room was used: the burst project keeps the connection it still has.
        Assert.Equal(1, await ConnectionsOfAsync("burst" + suffix));
    }

    private NpgsqlDataSource DataSource(string projectRef)
    {
        var builder = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(postgres.ConnectionString("postgres"))
        {
            ApplicationName = "budget-test:" + projectRef,
            MinPoolSize = 1,
            ConnectionIdleLifetime = 2,
            ConnectionPruningInterval = 1,
        }.ConnectionString)
        {
            Name = ProjectPool.NameOf(projectRef),
        };
        return builder.Build();
    }

    private async Task<long> ConnectionsOfAsync(string projectRef)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", connection)
        {
            Parameters = { new() { Value = "budget-test:" + projectRef } },
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The counts' listener stops with the test.</summary>
    private sealed class DisposableCounts : IAsyncDisposable
    {
        public PoolConnectionCounts Counts { get; } = new();

        public ValueTask DisposeAsync()
        {
            Counts.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
