using System.Diagnostics;
using System.Globalization;
using MadBase.Cli;
using MadBase.Cli.Supervision;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.LocalStack;

/// <summary>A `madbase start` killed with SIGKILL leaves nothing running for long, and never blocks the next start.</summary>
public sealed class KilledCliTests
{
    [Fact]
    public async Task SigkilledCli_ServicesStopThemselves_AndTheNextStartStopsPostgresAndRedis()
    {
        using var directory = TempDirectory.Create("mbkill");
        var ports = FreePorts.Take(6);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var cli = StartCli(directory.FullPath, ports, output);
        Dictionary<string, int> leftovers = [];
        try
        {
            var envFile = Path.Combine(directory.FullPath, "stack.env");
            while (!File.Exists(envFile))
            {
                Assert.False(cli.HasExited, "the CLI exited before the stack was up: " + string.Join('\n', output));
                Assert.False(timeout.IsCancellationRequested, "the stack did not come up: " + string.Join('\n', output));
                await Task.Delay(250, CancellationToken.None);
            }

            // A worker restarted by the CLI is as much its child: it too must stop itself, and be recorded.
            int firstWorker = ReadLeftovers(directory.FullPath)["worker-1"];
            Assert.Equal(0, NativeMethods.Kill(firstWorker, NativeMethods.SigKill));
            while (StackStatusFile.Read(directory.FullPath)?.Single(server => server.Name == "worker-1") is not { Restarts: 1, State: ServerState.Running })
            {
                Assert.False(timeout.IsCancellationRequested, "the worker was not restarted: " + string.Join('\n', output));
                await Task.Delay(250, CancellationToken.None);
            }

            leftovers = ReadLeftovers(directory.FullPath);
            Assert.NotEqual(firstWorker, leftovers["worker-1"]);
        }
        finally
        {
            cli.Kill(); // SIGKILL: no chance to stop its children
            await cli.WaitForExitAsync(timeout.Token);
        }

        Assert.Contains("postgres", leftovers.Keys);
        Assert.Contains("gateway", leftovers.Keys);
        string[] services = ["control", "worker-1", "gateway"];
        foreach (var service in services)
        {
            await WaitGoneAsync(leftovers[service], TimeSpan.FromSeconds(30), timeout.Token);
        }

        Assert.True(IsAlive(leftovers["postgres"]), "Postgres does not watch its parent; it is what the next start must stop");

        await using (var second = await new Cli.LocalStack(Options(directory.FullPath, ports)).StartAsync(timeout.Token))
        {
            Assert.False(IsAlive(leftovers["postgres"]));
            using var http = new HttpClient();
            using var response = await http.GetAsync(second.ApiUrl + "/health", timeout.Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        foreach (var pid in leftovers.Values)
        {
            Assert.False(IsAlive(pid), $"pid {pid} of the first run is still alive");
        }
    }

    /// <summary>servers.pids by name; a restarted server's latest pid comes last, and wins.</summary>
    private static Dictionary<string, int> ReadLeftovers(string dataDirectory)
    {
        var leftovers = new Dictionary<string, int>();
        foreach (var line in File.ReadAllLines(Path.Combine(dataDirectory, "servers.pids")))
        {
            var fields = line.Split(' ', 4);
            leftovers[fields[3]] = int.Parse(fields[0], CultureInfo.InvariantCulture);
        }

        return leftovers;
    }

    private static Process StartCli(string dataDirectory, IReadOnlyList<int> ports, System.Collections.Concurrent.ConcurrentQueue<string> output)
    {
        var start = new ProcessStartInfo(ServiceBinaries.DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "madbase.dll"), "start", "--data-dir", dataDirectory, "--workers", "1",
            "--port", Port(ports[0]), "--control-port", Port(ports[1]), "--worker-port", Port(ports[2]),
            "--db-port", Port(ports[4]), "--redis-port", Port(ports[5]), "--metrics-port", Port(ports[3]),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the CLI");
        process.OutputDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.ErrorDataReceived += (_, e) => output.Enqueue(e.Data ?? string.Empty);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);
    }

    private static LocalStackOptions Options(string dataDirectory, IReadOnlyList<int> ports) => new()
    {
        DataDirectory = dataDirectory,
        GatewayPort = ports[0],
        ControlPort = ports[1],
        WorkerPorts = [ports[2]],
        PostgresPort = ports[4],
        RedisPort = ports[5],
        SkipPostgresFsync = true,
    };

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private static async Task WaitGoneAsync(int pid, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + within;
        while (IsAlive(pid))
        {
            Assert.True(DateTime.UtcNow < deadline, $"pid {pid} still runs {within.TotalSeconds} s after its CLI was killed");
            await Task.Delay(200, cancellationToken);
        }
    }
}
