using MadBase.Cli;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// A stack whose worker keeps blobs in S3 (the s3rver test server, SigV4 checked), so the storage API is
/// exercised end to end against the S3 backend as well as the file system.
/// </summary>
public sealed class S3StackFixture : IAsyncLifetime
{
    private readonly S3ServerFixture s3 = new();
    private TempDirectory? directory;
    private RunningStack? stack;

    internal RunningStack Stack => stack ?? throw new InvalidOperationException("The S3 stack is not started.");

    public async Task InitializeAsync()
    {
        await s3.InitializeAsync();
        directory = TempDirectory.Create("mbs3stack");
        int[] ports = FreePorts.Take(4);
        var options = new LocalStackOptions
        {
            DataDirectory = directory.FullPath,
            GatewayPort = ports[0],
            ControlPort = ports[1],
            WorkerPorts = [ports[2]],
            PostgresPort = ports[3],
            UseRedis = false,
            SkipPostgresFsync = true,
            ExtraEnvironment = new Dictionary<string, string>
            {
                ["Storage__Backend"] = "s3",
                ["Storage__Endpoint"] = s3.Endpoint,
                ["Storage__AccessKey"] = S3ServerFixture.AccessKey,
                ["Storage__SecretKey"] = S3ServerFixture.SecretKey,
                ["Storage__Bucket"] = "madbase-stack",
                ["Storage__S3PartSizeBytes"] = (5 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        stack = await new Cli.LocalStack(options).StartAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }

        directory?.Dispose();
        await s3.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class S3StackCollection : ICollectionFixture<S3StackFixture>
{
    public const string Name = "storage-s3-stack";
}
