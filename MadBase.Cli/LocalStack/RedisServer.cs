using System.Globalization;
using System.Net.Sockets;
using System.Text;
using MadBase.Cli.Supervision;

namespace MadBase.Cli;

/// <summary>
/// redis-server from PATH as our child process: loopback only, nothing persisted (it holds only caches,
/// rate-limit counters and pub/sub).
/// </summary>
internal sealed class RedisServer : ISupervisedServer, IAsyncDisposable
{
    private readonly string executable;
    private readonly string workingDirectory;
    private readonly string? logFile;
    private ChildProcess server = null!;

    private RedisServer(string executable, int port, string workingDirectory, string? logFile)
    {
        this.executable = executable;
        Port = port;
        this.workingDirectory = workingDirectory;
        this.logFile = logFile;
    }

    public string Name => "redis";

    public int Port { get; }

    /// <summary>StackExchange.Redis configuration string, as services read it from ConnectionStrings__redis.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    public bool IsRunning => !server.HasExited;

    public IServerProcess Process => server;

    public static string? FindExecutable()
    {
        return ProcessLaunch.FindOnPath("redis-server");
    }

    public static async Task<RedisServer> StartAsync(
        string executable, int port, string workingDirectory, string? logFile, CancellationToken cancellationToken)
    {
        var redis = new RedisServer(executable, port, workingDirectory, logFile);
        await redis.LaunchAsync(cancellationToken);
        return redis;
    }

    /// <summary>A new server on the same port after ours exited: services reconnect to it on their own.</summary>
    public Task RecoverAsync(CancellationToken cancellationToken)
    {
        return LaunchAsync(cancellationToken);
    }

    public static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            byte[] buffer = new byte[64];
            int read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException
                                  && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public IReadOnlyList<string> RecentOutput()
    {
        return server.RecentOutput();
    }

    public Task StopAsync()
    {
        return server.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
    }

    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        PortCheck.EnsureFree(Port, "Redis", "--redis-port");
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", string.Empty, "--appendonly", "no", "--daemonize", "no",
        ];
        var startInfo = ProcessLaunch.Create(executable, arguments, account: null, workingDirectory);
        server = ChildProcess.Start(Name, startInfo, logFile, NativeMethods.SigTerm, TimeSpan.FromSeconds(10));
        try
        {
            await WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await PingAsync(Port, cancellationToken))
        {
            if (server.HasExited || DateTime.UtcNow > deadline)
            {
                if (server.OutputContains("Address already in use"))
                {
                    throw PortCheck.InUse(Port, "Redis", "--redis-port");
                }

                string what = server.HasExited ? $"exited with code {server.ExitCode}" : "did not answer PING within 20 s";
                throw new LocalStackException(server.DescribeFailure($"Redis {what}."));
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
