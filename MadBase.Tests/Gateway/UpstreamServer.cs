using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MadBase.Tests.Gateway;

/// <summary>
/// A real HTTP server standing in for a worker behind the gateway, on a free loopback port:
/// <list type="bullet">
/// <item><c>GET /health</c>: 200, for the gateway's active health checks.</item>
/// <item><c>…/stream?bytes=N</c>: N bytes, written in 64 KiB chunks as they are asked for.</item>
/// <item><c>…/slow?seconds=N</c>: answers after N seconds.</item>
/// <item><c>…/hold</c>: waits in <see cref="Hold"/> until the test releases it, then echoes.</item>
/// <item><c>…/websocket</c>: a WebSocket that echoes each message.</item>
/// <item>anything but <c>/health</c> while <see cref="ResetRequests"/> is set: the connection is reset, no response.</item>
/// <item>anything else: <see cref="Echo"/> as JSON, with the SHA-256 and length of the body, hashed as it streams in.</item>
/// </list>
/// </summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication app;

    private UpstreamServer(string name, WebApplication app, Uri url)
    {
        Name = name;
        this.app = app;
        Url = url;
    }

    public string Name { get; }

    public Uri Url { get; }

    public bool IsStopped { get; private set; }

    /// <summary>A worker that is up (its health check passes) but breaks every request it is sent.</summary>
    public bool ResetRequests { get; set; }

    /// <summary>Where <c>…/hold</c> requests wait; upstreams may share one, so a test sees every arrival in order.</summary>
    public HeldRequests Hold { get; set; } = new();

    /// <summary>Every request answered with an <see cref="Echo"/>, in the order they were answered.</summary>
    public ConcurrentQueue<Echo> Received { get; } = new();

    public static async Task<UpstreamServer> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Services.AddRouting();

        var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/health", () => Results.Ok());
        UpstreamServer? server = null;
        app.Map("/{**path}", context => server!.ResetRequests ? Reset(context) : HandleAsync(server, context));
        await app.StartAsync();
        server = new UpstreamServer(name, app, new Uri(app.Urls.Single()));
        return server;
    }

    /// <summary>Stops listening: connections are refused from now on, as with a killed worker.</summary>
    public async Task StopAsync()
    {
        if (!IsStopped)
        {
            IsStopped = true;
            await app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await app.DisposeAsync();
    }

    private static Task Reset(HttpContext context)
    {
        context.Abort();
        return Task.CompletedTask;
    }

    private static Task HandleAsync(UpstreamServer server, HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path.EndsWith("/stream", StringComparison.Ordinal))
        {
            return StreamAsync(context);
        }

        if (path.EndsWith("/slow", StringComparison.Ordinal))
        {
            return SlowAsync(server, context);
        }

        if (path.EndsWith("/hold", StringComparison.Ordinal))
        {
            return HoldAsync(server, context);
        }

        if (path.EndsWith("/websocket", StringComparison.Ordinal) && context.WebSockets.IsWebSocketRequest)
        {
            return EchoWebSocketAsync(context);
        }

        return EchoAsync(server, context);
    }

    private static async Task EchoAsync(UpstreamServer server, HttpContext context)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long length = 0;
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                length += read;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var echo = new Echo(
            server.Name,
            context.Request.Method,
            context.Request.Path + context.Request.QueryString,
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            context.Connection.RemotePort,
            Convert.ToHexStringLower(hash.GetHashAndReset()),
            length);
        server.Received.Enqueue(echo);
        await context.Response.WriteAsJsonAsync(echo, Echo.Json, context.RequestAborted);
    }

    private static async Task StreamAsync(HttpContext context)
    {
        var total = long.Parse(context.Request.Query["bytes"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        var chunk = new byte[64 * 1024];
        for (var i = 0; i < chunk.Length; i++)
        {
            chunk[i] = (byte)i;
        }

        context.Response.ContentType = "application/octet-stream";
        context.Response.ContentLength = total;
        for (long sent = 0; sent < total; sent += chunk.Length)
        {
            var size = (int)Math.Min(chunk.Length, total - sent);
            await context.Response.Body.WriteAsync(chunk.AsMemory(0, size), context.RequestAborted);
        }
    }

    private static async Task SlowAsync(UpstreamServer server, HttpContext context)
    {
        var seconds = int.Parse(context.Request.Query["seconds"].ToString(), System.Globalization.CultureInfo.InvariantCulture);
        await Task.Delay(TimeSpan.FromSeconds(seconds), context.RequestAborted);
        await EchoAsync(server, context);
    }

    private static async Task HoldAsync(UpstreamServer server, HttpContext context)
    {
        await server.Hold.WaitAsync(server.Name, context.RequestAborted);
        await EchoAsync(server, context);
    }

    private static async Task EchoWebSocketAsync(HttpContext context)
    {
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, context.RequestAborted);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, context.RequestAborted);
                return;
            }

            await socket.SendAsync(buffer.AsMemory(0, received.Count), received.MessageType, received.EndOfMessage, context.RequestAborted);
        }
    }
}

/// <summary>What an upstream saw of one request.</summary>
public sealed record Echo(
    string Server,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string> Headers,
    int RemotePort,
    string BodySha256,
    long BodyLength)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}
