using System.Net;
using System.Net.Sockets;

using MadBase.Cli;
using MadBase.Tests.Infrastructure;

using Npgsql;

namespace MadBase.Tests.LocalStack;

/// <summary>The private cluster against the real PostgreSQL 15 binaries, each test with its own cluster.</summary>
public sealed class PostgresClusterTests : IDisposable
{
    private readonly TempDirectory directory = TempDirectory.Create("mbpc");
    private readonly string password = StackSecrets.NewPassword();

    [Fact]
    public async Task StartAsync_AfterStop_KeepsData()
    {
        PostgresClusterOptions options = Options(FreePorts.Next());
        await using (PostgresCluster first = await PostgresCluster.StartAsync(options, CancellationToken.None))
        {
            await first.EnsureDatabaseAsync("keep", CancellationToken.None);
            await ExecuteAsync(first, "keep", "CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
            await first.StopAsync();
            Assert.False(first.IsRunning);
            Assert.True(PortCheck.IsFree(options.Port));
        }

        await using PostgresCluster second = await PostgresCluster.StartAsync(options, CancellationToken.None);
        await second.EnsureDatabaseAsync("keep", CancellationToken.None);
        Assert.Equal(42, await ExecuteAsync(second, "keep", "SELECT id FROM kept"));
    }

    [Fact]
    public async Task StartAsync_PortTaken_NamesPortAndOption()
    {
        var listener = new TcpListener(IPAddress.Loopback, FreePorts.Next());
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            var error = await Assert.ThrowsAsync<LocalStackException>(
                () => PostgresCluster.StartAsync(Options(port), CancellationToken.None));
            Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
            Assert.Contains("--db-port", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task StartAsync_AfterPostmasterWasKilled_StartsDespiteStalePidFile()
    {
        PostgresClusterOptions options = Options(FreePorts.Next());
        await using (PostgresCluster killed = await PostgresCluster.StartAsync(options, CancellationToken.None))
        {
            Assert.Equal(0, NativeMethods.Kill(killed.ProcessId!.Value, NativeMethods.SigKill));
            await killed.Process!.WaitForExitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.True(File.Exists(Path.Combine(options.DataDirectory, "postmaster.pid")));
        await using PostgresCluster restarted = await PostgresCluster.StartAsync(options, CancellationToken.None);
        Assert.Equal(1, await ExecuteAsync(restarted, "postgres", "SELECT 1"));
    }

    [Fact]
    public async Task StartAsync_MissingBinaries_SaysWhatToInstall()
    {
        PostgresClusterOptions options = Options(FreePorts.Next()) with { BinDirectory = directory.Combine("nobin") };
        var error = await Assert.ThrowsAsync<LocalStackException>(
            () => PostgresCluster.StartAsync(options, CancellationToken.None));
        Assert.Contains("postgresql-15", error.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        directory.Dispose();
    }

    private static async Task<int> ExecuteAsync(PostgresCluster cluster, string database, string sql)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString(database) + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync() is int value ? value : 0;
    }

    private PostgresClusterOptions Options(int port)
    {
        return new PostgresClusterOptions(directory.Combine("pg"), port, password)
        {
            LogFile = directory.Combine("postgres.log"),
            SkipFsync = true,
        };
    }
}
