namespace MadBase.Cli;

/// <summary>
/// What a start has brought up so far. A failed start and a finished stack stop it the same way:
/// newest first, so services go before the database and Redis they use.
/// </summary>
internal sealed class StackParts(string dataDirectory, string logDirectory, DataDirectoryLock dataLock)
{
    private int stopped;

    public string DataDirectory { get; } = dataDirectory;

    public string LogDirectory { get; } = logDirectory;

    public HttpClient Http { get; } = new();

    public string AdminPassword { get; set; } = string.Empty;

    public string PublishableKey { get; set; } = string.Empty;

    public string SecretKey { get; set; } = string.Empty;

    public PostgresCluster? Postgres { get; set; }

    public RedisServer? Redis { get; set; }

    public ServiceProcess? Control { get; set; }

    public IReadOnlyList<ServiceProcess> Workers { get; set; } = [];

    public ServiceProcess? Gateway { get; set; }

    public DefaultProject? Project { get; set; }

    public bool IsStopping => Volatile.Read(ref stopped) == 1;

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        try
        {
            StackEnvFile.Delete(DataDirectory);
            StackStatusFile.Delete(DataDirectory);
            if (Gateway is not null)
            {
                await Gateway.StopAsync();
            }

            await Task.WhenAll(Workers.Select(worker => worker.StopAsync()));
            if (Control is not null)
            {
                await Control.StopAsync();
            }

            if (Redis is not null)
            {
                await Redis.StopAsync();
            }

            if (Postgres is not null)
            {
                await Postgres.StopAsync();
            }
        }
        finally
        {
            Http.Dispose();
            dataLock.Dispose();
        }
    }
}
