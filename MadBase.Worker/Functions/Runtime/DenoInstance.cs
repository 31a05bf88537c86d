using System.Diagnostics;
using System.Net.Sockets;
using MadBase.ServiceDefaults.Logging;

namespace MadBase.Worker.Functions.Runtime;

/// <summary>
/// One supervised Deno process serving one function version on a Unix socket (see bootstrap.ts for why a
/// socket), and the HTTP client that reaches it. Its permissions are network, the environment variables it is
/// given, and reading its own code folder; nothing else (no writes, subprocesses, FFI or system information).
/// </summary>
internal sealed partial class DenoInstance : IAsyncDisposable
{
    private const string ListeningMarker = "MADBASE_FUNCTION_LISTENING";
    private const int KeptErrorLines = 20;

    private static readonly string[] NetworkSettings =
        ["NPM_CONFIG_REGISTRY", "DENO_CERT", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"];

    private readonly Process process;
    private readonly string socket;
    private readonly ILogger logger;
    private readonly FunctionConsole console;
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> lastErrors = new();
    private int inFlight;
    private long lastUsed;

    private DenoInstance(Process process, string socket, DeployedFunction function, FunctionConsole console, ILogger logger)
    {
        this.process = process;
        this.socket = socket;
        this.console = console;
        this.logger = logger;
        Function = function;
        lastUsed = Environment.TickCount64;
        Client = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = ConnectAsync,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public DeployedFunction Function { get; }

    public HttpMessageInvoker Client { get; }

    public bool HasExited { get; private set; }

    /// <summary>V8 said it ran out of heap: the memory limit, not a bug of ours or a plain crash.</summary>
    public bool RanOutOfMemory { get; private set; }

    public int InFlight => Volatile.Read(ref inFlight);

    public TimeSpan IdleFor => TimeSpan.FromMilliseconds(Environment.TickCount64 - Interlocked.Read(ref lastUsed));

    public static async Task<DenoInstance> StartAsync(
        DenoLaunch launch, string denoPath, FunctionsFolders folders, FunctionsOptions options, FunctionConsole console, ILogger logger,
        CancellationToken cancellationToken)
    {
        var socket = Path.Combine(folders.Sockets, Guid.NewGuid().ToString("N")[..12] + ".sock");
        var start = new ProcessStartInfo(denoPath)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = launch.CodeFolder,
        };
        foreach (var argument in Arguments(launch, socket, folders, options))
        {
            start.ArgumentList.Add(argument);
        }

        // Only what the function is given, and what Deno itself needs: none of the worker's own secrets.
        start.Environment.Clear();
        foreach (var (name, value) in launch.Environment)
        {
            start.Environment[name] = value;
        }

        start.Environment["DENO_DIR"] = folders.DenoDir;
        start.Environment["DENO_NO_UPDATE_CHECK"] = "1";
        start.Environment["NO_COLOR"] = "1";
        // Deno's own network settings, from the worker's: npm: imports resolve through the configured registry
        // and proxy, trusting the machine's certificate store (where a TLS-inspecting proxy's CA is installed).
        // Deno reads these itself; the function cannot (--allow-env names only its own variables).
        start.Environment["DENO_TLS_CA_STORE"] = Environment.GetEnvironmentVariable("DENO_TLS_CA_STORE") ?? "system";
        foreach (var name in NetworkSettings)
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                start.Environment[name] = value;
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var instance = new DenoInstance(process, socket, launch.Function, console, logger);
        process.OutputDataReceived += (_, line) => instance.Console(line.Data, "stdout");
        process.ErrorDataReceived += (_, line) => instance.Console(line.Data, "stderr");
        process.Exited += (_, _) => instance.OnExited();
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await instance.listening.Task.WaitAsync(TimeSpan.FromSeconds(options.BootSeconds), cancellationToken);
        }
        catch (Exception e)
        {
            await instance.DisposeAsync();
            throw new FunctionBootException(instance.BootError(e is TimeoutException ? "it did not start listening in time" : null), e);
        }

        LogStarted(logger, launch.Function.ProjectRef, launch.Function.Slug, launch.Function.Version, process.Id, clock.ElapsedMilliseconds);
        return instance;
    }

    public void Enter()
    {
        Interlocked.Increment(ref inFlight);
        Interlocked.Exchange(ref lastUsed, Environment.TickCount64);
    }

    public void Leave()
    {
        Interlocked.Decrement(ref inFlight);
        Interlocked.Exchange(ref lastUsed, Environment.TickCount64);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or not going: nothing more to do from here.
        }

        Client.Dispose();
        process.Dispose();
        File.Delete(socket);
    }

    private static IEnumerable<string> Arguments(DenoLaunch launch, string socket, FunctionsFolders folders, FunctionsOptions options)
    {
        yield return "run";
        yield return "--no-prompt";
        yield return "--allow-net";
        if (options.DenyNet.Count > 0)
        {
            yield return "--deny-net=" + string.Join(',', options.DenyNet);
        }

        yield return "--allow-env=" + string.Join(',', launch.Environment.Keys);
        yield return $"--allow-read={launch.CodeFolder},{socket}";
        yield return "--allow-write=" + socket;
        yield return $"--v8-flags=--max-old-space-size={options.MemoryMb}";
        var config = Path.Combine(launch.CodeFolder, "deno.json");
        if (File.Exists(config))
        {
            // The function's import map and compiler options, as Supabase's CLI reads them from its folder.
            yield return "--config=" + config;
        }
        else
        {
            yield return "--no-config";
        }

        yield return folders.Bootstrap;
        yield return socket;
        yield return new Uri(launch.EntryFile).AbsoluteUri;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var connection = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await connection.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancellationToken);
            return new NetworkStream(connection, ownsSocket: true);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private void Console(string? line, string stream)
    {
        if (line is null)
        {
            return;
        }

        if (stream == "stderr" && !listening.Task.IsCompleted && line == ListeningMarker)
        {
            listening.TrySetResult();
            return;
        }

        if (line.Contains("heap out of memory", StringComparison.OrdinalIgnoreCase)
            || line.Contains("Reached heap limit", StringComparison.Ordinal))
        {
            RanOutOfMemory = true;
        }

        if (stream == "stderr")
        {
            lock (lastErrors)
            {
                lastErrors.Enqueue(line);
                if (lastErrors.Count > KeptErrorLines)
                {
                    lastErrors.Dequeue();
                }
            }
        }

        LogConsole(logger, Function.ProjectRef, Function.Slug, Function.Version, stream, line);
        console.Write(Function, stream, line);
    }

    private void OnExited()
    {
        HasExited = true;
        int? code = null;
        try
        {
            code = process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            // Disposed meanwhile: we stopped it ourselves.
        }

        listening.TrySetException(new InvalidOperationException("the instance exited before it listened"));
        LogExited(logger, Function.ProjectRef, Function.Slug, Function.Version, code);
    }

    /// <summary>What to tell the function's owner when it failed to start: the last lines it wrote to stderr.</summary>
    private string BootError(string? reason)
    {
        lock (lastErrors)
        {
            var said = string.Join('\n', lastErrors);
            return reason is null ? said : (said + "\n" + reason).Trim();
        }
    }

    [LoggerMessage(EventId = EventIds.FunctionInstanceStarted, Level = LogLevel.Information, Message = "Function {ProjectRef}/{Slug} v{Version}: instance {Pid} listening after {Milliseconds} ms")]
    private static partial void LogStarted(ILogger logger, string projectRef, string slug, int version, int pid, long milliseconds);

    [LoggerMessage(EventId = EventIds.FunctionInstanceExited, Level = LogLevel.Information, Message = "Function {ProjectRef}/{Slug} v{Version}: instance exited with code {ExitCode}")]
    private static partial void LogExited(ILogger logger, string projectRef, string slug, int version, int? exitCode);

    [LoggerMessage(EventId = EventIds.FunctionConsole, Level = LogLevel.Information, Message = "Function {ProjectRef}/{Slug} v{Version} {Stream}: {Line}")]
    private static partial void LogConsole(ILogger logger, string projectRef, string slug, int version, string stream, string line);
}

/// <summary>
/// An instance that did not come up; the message is the function's own output (its compiler or runtime error),
/// and <see cref="RetryAfter"/> how long the pool waits before it tries to start one again.
/// </summary>
internal sealed class FunctionBootException(string message, Exception inner, TimeSpan retryAfter = default) : Exception(message, inner)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}
