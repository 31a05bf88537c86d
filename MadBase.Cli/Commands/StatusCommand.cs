using System.Globalization;
using MadBase.Cli.Supervision;

namespace MadBase.Cli.Commands;

internal static class StatusCommand
{
    public static async Task<int> RunAsync(LocalStackOptions options)
    {
        string dataDirectory = Path.GetFullPath(options.DataDirectory);
        IReadOnlyDictionary<string, string>? values = StackEnvFile.Read(dataDirectory);
        if (values is null)
        {
            Console.WriteLine($"MadBase is not running ({StackEnvFile.PathIn(dataDirectory)} does not exist).");
            return 1;
        }

        string apiUrl = values.GetValueOrDefault("API_URL", string.Empty);
        IReadOnlyList<ServerStatus>? servers = StackStatusFile.Read(dataDirectory);
        if (!await IsHealthyAsync(apiUrl))
        {
            Console.WriteLine($"MadBase is not running: the gateway at {apiUrl} does not answer /health "
                + "(a stack.env left by a killed run, or a server being restarted).");
            WriteServers(servers);
            return 1;
        }

        bool redis = options.UseRedis && await RedisServer.PingAsync(options.RedisPort, CancellationToken.None);
        var summary = new StackSummary(
            apiUrl,
            values.GetValueOrDefault("ADMIN_URL", string.Empty),
            values.GetValueOrDefault("DB_URL", string.Empty),
            values.GetValueOrDefault("ANON_KEY", string.Empty),
            values.GetValueOrDefault("SERVICE_ROLE_KEY", string.Empty),
            values.GetValueOrDefault("PUBLISHABLE_KEY", string.Empty),
            values.GetValueOrDefault("SECRET_KEY", string.Empty),
            values.GetValueOrDefault("ADMIN_PASSWORD", string.Empty),
            redis ? $"on (127.0.0.1:{options.RedisPort})" : "off",
            Path.Combine(dataDirectory, "logs"));
        Console.WriteLine("MadBase is running.");
        summary.WriteTable(Console.Out);
        WriteServers(servers);
        return 0;
    }

    private static void WriteServers(IReadOnlyList<ServerStatus>? servers)
    {
        if (servers is null or [])
        {
            return;
        }

        Console.WriteLine();
        int width = servers.Max(server => server.Name.Length);
        foreach (ServerStatus server in servers)
        {
            string pid = server.Pid is { } id ? id.ToString(CultureInfo.InvariantCulture) : "-";
            string last = server.LastExit is null ? string.Empty : $" (last {server.LastExit})";
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"  {server.Name.PadRight(width)}  {server.State.ToString().ToLowerInvariant(),-10}  pid {pid,-7}  restarts {server.Restarts}{last}"));
        }
    }

    private static async Task<bool> IsHealthyAsync(string apiUrl)
    {
        if (!Uri.TryCreate(apiUrl.TrimEnd('/') + "/health", UriKind.Absolute, out Uri? health))
        {
            return false;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        try
        {
            using HttpResponseMessage response = await http.GetAsync(health);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }
}
