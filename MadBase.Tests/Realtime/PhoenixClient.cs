using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Tests.Realtime;

/// <summary>A frame the server sent: text frames as Phoenix arrays, binary user broadcasts decoded as realtime-js does.</summary>
internal sealed record PhoenixFrame(string? JoinRef, string? Ref, string Topic, string Event, JsonElement Payload)
{
    public string? Status => Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty("status", out var s) ? s.GetString() : null;

    public string? Reason => Payload.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object && r.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
}

/// <summary>A bare Phoenix client over a real WebSocket, speaking vsn 2.0.0 as realtime-js does.</summary>
internal sealed class PhoenixClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly Channel<PhoenixFrame> received = Channel.CreateUnbounded<PhoenixFrame>();
    private readonly CancellationTokenSource stop = new();
    private readonly List<PhoenixFrame> backlog = [];
    private int nextRef;
    private Task reading = Task.CompletedTask;

    public WebSocketState State => socket.State;

    /// <summary>Straight to a worker, as the Gateway would forward it (project header and the key as bearer).</summary>
    public static async Task<PhoenixClient> ToWorkerAsync(string workerUrl, string projectRef, string apiKey, string vsn = "2.0.0")
    {
        var client = new PhoenixClient();
        client.socket.Options.SetRequestHeader(ProjectHeaders.ProjectRef, projectRef);
        client.socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        await client.ConnectAsync(new Uri(workerUrl.Replace("http", "ws", StringComparison.Ordinal) + $"/realtime/v1/websocket?vsn={vsn}"));
        return client;
    }

    /// <summary>Through the Gateway, with the apikey in the query string as realtime-js sends it.</summary>
    public static async Task<PhoenixClient> ToGatewayAsync(string apiUrl, string apiKey, string vsn = "2.0.0")
    {
        var client = new PhoenixClient();
        await client.ConnectAsync(new Uri(apiUrl.Replace("http", "ws", StringComparison.Ordinal) + $"/realtime/v1/websocket?apikey={apiKey}&vsn={vsn}"));
        return client;
    }

    public string NextRef() => Interlocked.Increment(ref nextRef).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<string> PushAsync(string? joinRef, string topic, string evt, object payload)
    {
        var reference = NextRef();
        await SendTextAsync(JsonSerializer.Serialize(new object?[] { joinRef, reference, topic, evt, payload }));
        return reference;
    }

    public Task SendTextAsync(string text) =>
        socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    /// <summary>realtime-js's binary user broadcast push (kind 3), JSON-encoded payload.</summary>
    public async Task<string> BroadcastBinaryAsync(string joinRef, string topic, string evt, object payload)
    {
        var reference = NextRef();
        byte[] j = Encoding.UTF8.GetBytes(joinRef), r = Encoding.UTF8.GetBytes(reference), t = Encoding.UTF8.GetBytes(topic), e = Encoding.UTF8.GetBytes(evt);
        var body = JsonSerializer.SerializeToUtf8Bytes(payload);
        byte[] frame = [3, (byte)j.Length, (byte)r.Length, (byte)t.Length, (byte)e.Length, 0, 1, .. j, .. r, .. t, .. e, .. body];
        await socket.SendAsync(frame, WebSocketMessageType.Binary, true, CancellationToken.None);
        return reference;
    }

    /// <summary>Joins and waits for the reply; returns it and the join ref.</summary>
    public async Task<(PhoenixFrame Reply, string JoinRef)> JoinAsync(string name, object? config = null, string? accessToken = null)
    {
        var topic = "realtime:" + name;
        var joinRef = NextRef();
        var payload = new Dictionary<string, object?>
        {
            ["config"] = config ?? new { broadcast = new { self = false, ack = false }, presence = new { key = "", enabled = false }, postgres_changes = Array.Empty<object>(), @private = false },
        };
        if (accessToken is not null)
        {
            payload["access_token"] = accessToken;
        }

        await SendTextAsync(JsonSerializer.Serialize(new object?[] { joinRef, joinRef, topic, "phx_join", payload }));
        var reply = await ExpectAsync(f => f.Event == "phx_reply" && f.Ref == joinRef);
        return (reply, joinRef);
    }

    /// <summary>
    /// The first frame matching <paramref name="match"/>, received before or within <paramref name="seconds"/>;
    /// frames that do not match stay for later calls.
    /// </summary>
    public async Task<PhoenixFrame> ExpectAsync(Func<PhoenixFrame, bool> match, int seconds = 10)
    {
        var earlier = backlog.FindIndex(f => match(f));
        if (earlier >= 0)
        {
            var frame = backlog[earlier];
            backlog.RemoveAt(earlier);
            return frame;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        try
        {
            while (true)
            {
                var frame = await received.Reader.ReadAsync(timeout.Token);
                if (match(frame))
                {
                    return frame;
                }

                backlog.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException("no matching frame within " + seconds + " s");
        }
        catch (ChannelClosedException)
        {
            throw new WebSocketException("the server closed the socket before a matching frame came");
        }
    }

    /// <summary>Whether a matching frame arrives within <paramref name="milliseconds"/>.</summary>
    public async Task<bool> ReceivesAsync(Func<PhoenixFrame, bool> match, int milliseconds)
    {
        await Task.Delay(milliseconds);
        try
        {
            await ExpectAsync(match, 0);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Waits for the server to close the socket.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan limit) => await Task.WhenAny(reading, Task.Delay(limit)) == reading;

    public async ValueTask DisposeAsync()
    {
        stop.Cancel();
        socket.Abort();
        socket.Dispose();
        await reading;
    }

    private async Task ConnectAsync(Uri uri)
    {
        await socket.ConnectAsync(uri, CancellationToken.None);
        reading = Task.Run(ReadAsync);
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var count = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(new ArraySegment<byte>(buffer, count, buffer.Length - count), stop.Token);
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                received.Writer.TryWrite(result.MessageType == WebSocketMessageType.Binary ? Binary(buffer.AsSpan(0, count)) : Text(buffer.AsSpan(0, count)));
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Closed or aborted.
        }
        finally
        {
            received.Writer.TryComplete();
        }
    }

    private static PhoenixFrame Text(ReadOnlySpan<byte> utf8)
    {
        var array = JsonDocument.Parse(utf8.ToArray()).RootElement;
        return new PhoenixFrame(array[0].GetString(), array[1].GetString(), array[2].GetString()!, array[3].GetString()!, array[4].Clone());
    }

    /// <summary>Kind 4: [4, topic, event, meta lengths, encoding, topic, event, meta, payload].</summary>
    private static PhoenixFrame Binary(ReadOnlySpan<byte> data)
    {
        Assert.Equal(4, data[0]);
        int topicLength = data[1], eventLength = data[2], metaLength = data[3];
        var topic = Encoding.UTF8.GetString(data.Slice(5, topicLength));
        var evt = Encoding.UTF8.GetString(data.Slice(5 + topicLength, eventLength));
        var payload = data[(5 + topicLength + eventLength + metaLength)..];
        var json = $$"""{"type":"broadcast","event":{{JsonSerializer.Serialize(evt)}},"payload":{{Encoding.UTF8.GetString(payload)}}}""";
        return new PhoenixFrame(null, null, topic, "broadcast", JsonDocument.Parse(json).RootElement.Clone());
    }
}
