using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Tests.Realtime;

/// <summary>
/// A realtime socket as realtime-js opens it (Phoenix channels, JSON serializer 1.0.0), reduced to what the
/// Postgres-changes tests need: join a channel, and read the frames that arrive, each as JSON. The socket tests'
/// <see cref="PhoenixClient"/> (vsn 2.0.0, binary frames) was written at the same time; the two are to become one.
/// </summary>
internal sealed class ChangesSocket : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly Channel<JsonObject> frames = Channel.CreateUnbounded<JsonObject>();
    private readonly CancellationTokenSource closing = new();
    private Task? reader;
    private int nextRef;

    /// <summary>
    /// Through the gateway (<paramref name="baseUrl"/> is the API URL), or straight to one worker with the
    /// project header the gateway would add (<paramref name="projectRef"/>), to pin a socket to a worker.
    /// </summary>
    public static async Task<ChangesSocket> ConnectAsync(string baseUrl, string apiKey, string? projectRef = null)
    {
        var client = new ChangesSocket();
        if (projectRef is not null)
        {
            client.socket.Options.SetRequestHeader(ProjectHeaders.ProjectRef, projectRef);
            client.socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        }

        var url = new Uri(baseUrl.Replace("http://", "ws://", StringComparison.Ordinal)
            + "/realtime/v1/websocket?apikey=" + Uri.EscapeDataString(apiKey) + "&vsn=1.0.0");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await client.socket.ConnectAsync(url, timeout.Token);
        client.reader = Task.Run(client.ReadAsync);
        return client;
    }

    /// <summary>Joins <c>realtime:<paramref name="channel"/></c> with the given postgres_changes bindings; returns the reply's payload.</summary>
    public async Task<JsonObject> JoinAsync(string channel, string? accessToken, params object[] postgresChanges)
    {
        var reference = await SendAsync("realtime:" + channel, "phx_join", new
        {
            config = new { broadcast = new { self = false }, presence = new { key = string.Empty }, postgres_changes = postgresChanges, @private = false },
            access_token = accessToken,
        });
        var reply = await NextAsync(f => f["event"]?.GetValue<string>() == "phx_reply" && f["ref"]?.GetValue<string>() == reference, TimeSpan.FromSeconds(30));
        return reply["payload"]!.AsObject();
    }

    public async Task<string> SendAsync(string topic, string @event, object payload)
    {
        var reference = Interlocked.Increment(ref nextRef).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["topic"] = topic,
            ["event"] = @event,
            ["payload"] = payload,
            ["ref"] = reference,
            ["join_ref"] = reference,
        });
        await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);
        return reference;
    }

    /// <summary>The next frame that matches, skipping others; throws after <paramref name="timeout"/>.</summary>
    public async Task<JsonObject> NextAsync(Func<JsonObject, bool> match, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var frame = await frames.Reader.ReadAsync(cancel.Token);
                if (match(frame))
                {
                    return frame;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching frame within {timeout.TotalSeconds} s");
        }
    }

    /// <summary>The data of each postgres_changes frame that arrives within <paramref name="window"/>.</summary>
    public async Task<List<JsonObject>> ChangesAsync(TimeSpan window, int? stopAfter = null)
    {
        var changes = new List<JsonObject>();
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline && (stopAfter is null || changes.Count < stopAfter))
        {
            try
            {
                var frame = await NextAsync(f => f["event"]?.GetValue<string>() == "postgres_changes", deadline - DateTime.UtcNow);
                changes.Add(frame["payload"]!.AsObject());
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        return changes;
    }

    public async ValueTask DisposeAsync()
    {
        await closing.CancelAsync();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }

        if (reader is not null)
        {
            await reader.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        socket.Dispose();
        closing.Dispose();
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var result = await socket.ReceiveAsync(buffer, closing.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, result.Count);
                if (result.EndOfMessage)
                {
                    if (JsonNode.Parse(message.ToArray()) is JsonObject frame)
                    {
                        frames.Writer.TryWrite(frame);
                    }

                    message.SetLength(0);
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            frames.Writer.TryComplete();
        }
    }
}
