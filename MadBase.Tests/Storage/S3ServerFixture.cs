using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// The SigV4-verifying S3 test server (tools/s3rver, @20minutes/s3rver patched as ENVIRONMENT.md says) on a
/// free port in a temporary folder, for the S3 blob store's contract tests. Needs
/// <c>(cd tools/s3rver &amp;&amp; npm ci &amp;&amp; node patch.mjs)</c> once.
/// </summary>
public sealed class S3ServerFixture : IAsyncLifetime
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    private TempDirectory? directory;
    private NodeTool? server;

    public string Endpoint { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        directory = TempDirectory.Create("mbs3");
        var port = FreePorts.Take();
        try
        {
            server = await NodeTool.StartAsync(
                "s3rver",
                Path.Combine("@20minutes", "s3rver"),
                "npm ci && node patch.mjs",
                line => line.Contains("s3rver listening", StringComparison.Ordinal),
                "--port",
                port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--dir",
                directory.FullPath);
        }
        catch
        {
            directory.Dispose();
            throw;
        }

        Endpoint = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync();
        }

        directory?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class S3ServerCollection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3rver";
}
