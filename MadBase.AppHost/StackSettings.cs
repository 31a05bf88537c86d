using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace MadBase.AppHost;

/// <summary>
/// The <c>MadBase</c> configuration section of the AppHost (<c>MadBase__X</c>, or <c>MadBase:X=value</c> on
/// the command line): where local data lives, containers or executables, with or without Redis, how many workers.
/// </summary>
internal sealed record StackSettings(string DataDirectory, bool Containers, bool Redis, int Workers, int GatewayPort)
{
    /// <summary>Postgres's cluster (executables); both modes keep the generated secrets here.</summary>
    public string PostgresDirectory => Path.Combine(DataDirectory, "pg");

    /// <summary>The workers' blob store when there is no MinIO (the worker's file backend).</summary>
    public string StorageDirectory => Path.Combine(DataDirectory, "storage");

    public static StackSettings Read(IDistributedApplicationBuilder builder)
    {
        IConfigurationSection section = builder.Configuration.GetSection("MadBase");
        // Under the repository's .madbase/ (git-ignored), as the CLI's default data directory.
        string dataDirectory = Path.GetFullPath(Path.Combine(
            builder.AppHostDirectory, section["DataDirectory"] is { Length: > 0 } configured ? configured : "../.madbase/apphost"));
        bool containers = section["Containers"] switch
        {
            null or "" or "auto" => builder.ExecutionContext.IsPublishMode || ContainerEngineAnswers(),
            string value when bool.TryParse(value, out bool parsed) => parsed,
            string value => throw new DistributedApplicationException(
                $"MadBase__Containers must be true, false or auto (got \"{value}\")."),
        };
        // Redis is optional in MadBase (caches fall back to their TTLs, rate limits count per worker), so where
        // redis-server is not installed the stack starts without it, as `madbase start` does, instead of not at all.
        bool redis = section["Redis"] switch
        {
            null or "" or "auto" => containers || MadBase.Cli.RedisServer.FindExecutable() is not null,
            string value when bool.TryParse(value, out bool parsed) => parsed,
            string value => throw new DistributedApplicationException(
                $"MadBase__Redis must be true, false or auto (got \"{value}\")."),
        };
        int workers = section["Workers"] is { Length: > 0 } count
            ? int.TryParse(count, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n is >= 1 and <= 16
                ? n
                : throw new DistributedApplicationException($"MadBase__Workers must be a number from 1 to 16 (got \"{count}\").")
            : 2;
        // 8000 as the CLI and compose use: the default project keeps the URL it was created with (its JWT issuer,
        // mailed links), so it must not change from one run to the next. Aspire.Hosting.Testing still randomizes it.
        int gatewayPort = section["GatewayPort"] is { Length: > 0 } port
            ? int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p is > 0 and < 65536
                ? p
                : throw new DistributedApplicationException($"MadBase__GatewayPort must be a TCP port (got \"{port}\").")
            : 8000;
        return new StackSettings(dataDirectory, containers, redis, workers, gatewayPort);
    }

    /// <summary>A generated secret, persisted with the data (see <see cref="DataDirectorySecret"/>).</summary>
    public ParameterDefault Secret(string name)
    {
        return new DataDirectorySecret(DataDirectory, name);
    }

    /// <summary>
    /// "auto" picks containers only where a Docker engine answers: the docker client alone is not enough (on
    /// machines without a daemon container resources never start, and whatever waits for them waits forever).
    /// </summary>
    private static bool ContainerEngineAnswers()
    {
        string socket = Environment.GetEnvironmentVariable("DOCKER_HOST") is { } host && host.StartsWith("unix://", StringComparison.Ordinal)
            ? host["unix://".Length..]
            : "/var/run/docker.sock";
        if (!File.Exists(socket))
        {
            return false;
        }

        try
        {
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            client.ConnectAsync(new UnixDomainSocketEndPoint(socket), timeout.Token).AsTask().GetAwaiter().GetResult();
            client.Send("GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n"u8);
            byte[] buffer = new byte[256];
            client.ReceiveTimeout = 2000;
            int read = client.Receive(buffer);
            string reply = Encoding.ASCII.GetString(buffer, 0, read);
            return reply.StartsWith("HTTP/1.", StringComparison.Ordinal) && reply.Contains(" 200 ", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
