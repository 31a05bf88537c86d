using MadBase.Tests.Infrastructure;
using MadBase.Worker.Realtime.Changes;
using Npgsql;

namespace MadBase.Tests.Realtime;

/// <summary>
/// The slot's life against a real cluster with wal_level=logical: it exists while any worker claims it, goes
/// with the last claim, and one left by a holder that died with no claim left is started afresh.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class SlotInterestTests(PostgresFixture postgres)
{
    private const string Database = "slot_interest";
    private const string Slot = "madbase_realtime_slotinteresttest";

    [Fact]
    public async Task Claims_SlotLivesUntilTheLastClaimIsGiven()
    {
        await postgres.EnsureDatabaseAsync(Database);
        var admin = postgres.ConnectionString(Database);
        var first = await SlotInterest.AcquireAsync(admin, Slot, CancellationToken.None);
        var second = await SlotInterest.AcquireAsync(admin, Slot, CancellationToken.None);
        Assert.Equal("pgoutput", await PluginAsync());

        await first.DisposeAsync();
        Assert.Equal("pgoutput", await PluginAsync());

        await second.DisposeAsync();
        Assert.Null(await PluginAsync());
    }

    [Fact]
    public async Task Acquire_UnclaimedSlotLeftBehind_StartsAfresh()
    {
        await postgres.EnsureDatabaseAsync(Database);
        var admin = postgres.ConnectionString(Database);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"SELECT pg_create_logical_replication_slot('{Slot}', 'pgoutput')", connection);
            await create.ExecuteNonQueryAsync();
            await using var write = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS backlog (id int); INSERT INTO backlog VALUES (1)", connection);
            await write.ExecuteNonQueryAsync();
        }

        var left = await ConfirmedAsync();
        await using (await SlotInterest.AcquireAsync(admin, Slot, CancellationToken.None))
        {
            // A new slot starts at the current WAL position, past the backlog nobody was owed.
            Assert.True(await ConfirmedAsync() > left);
        }

        Assert.Null(await PluginAsync());
    }

    private async Task<string?> PluginAsync()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(Database));
        await connection.OpenAsync();
        await using var find = new NpgsqlCommand($"SELECT plugin FROM pg_replication_slots WHERE slot_name = '{Slot}'", connection);
        return await find.ExecuteScalarAsync() as string;
    }

    private async Task<decimal> ConfirmedAsync()
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(Database));
        await connection.OpenAsync();
        await using var find = new NpgsqlCommand(
            $"SELECT confirmed_flush_lsn - '0/0'::pg_lsn FROM pg_replication_slots WHERE slot_name = '{Slot}'", connection);
        return (decimal)(await find.ExecuteScalarAsync())!;
    }
}
