using System.Buffers;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Tests.Realtime;

/// <summary>A frame the server sent: text frames (either serializer), binary user broadcasts decoded as realtime-js does.</summary>
internal sealed record PhoenixFrame(string? JoinRef, string? Ref, string Topic, string Event, JsonElement Payload)
{
    public string? Status => Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty("status", out var s) ? s.GetString() : null;

    public string? Reason => Payload.TryGetProperty("response", out var r) && r.ValueKind == JsonValueKind.Object && r.TryGetProperty("reason", out var reason) ? reason.GetString() : null;
}

/// <summary>
/// The tests' one realtime socket: a bare Phoenix client over a real WebSocket, speaking vsn 2.0.0 (array
/// frames, binary broadcasts) or 1.0.0 (object frames) as realtime-js does, through the gateway or straight
/// to a worker; with the joins and reads the broadcast, presence and Postgres-changes tests need.
/// </summary>
internal sealed class PhoenixClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly Channel<PhoenixFrame> received = Channel.CreateUnbounded<PhoenixFrame>();
    private readonly CancellationTokenSource stop = new();
    private readonly List<PhoenixFrame> backlog = [];
    private readonly bool arrays;
    private int nextRef;
    private Task reading = Task.CompletedTask;

    private PhoenixClient(string vsn) => arrays = vsn != "1.0.0";

    public WebSocketState State => socket.State;

    /// <summary>Straight to a worker, as the Gateway would forward it (project header and the key as bearer).</summary>
    public static async Task<PhoenixClient> ToWorkerAsync(string workerUrl, string projectRef, string apiKey, string vsn = "2.0.0")
    {
        var client = new PhoenixClient(vsn);
        client.socket.Options.SetRequestHeader(ProjectHeaders.ProjectRef, projectRef);
        client.socket.Options.SetRequestHeader("Authorization", "Bearer " + apiKey);
        await client.ConnectAsync(new Uri(workerUrl.Replace("http", "ws", StringComparison.Ordinal) + $"/realtime/v1/websocket?vsn={vsn}"));
        return client;
    }

    /// <summary>Through the Gateway, with the apikey in the query string as realtime-js sends it.</summary>
    public static async Task<PhoenixClient> ToGatewayAsync(string apiUrl, string apiKey, string vsn = "2.0.0")
    {
        var client = new PhoenixClient(vsn);
        await client.ConnectAsync(new Uri(apiUrl.Replace("http", "ws", StringComparison.Ordinal) + $"/realtime/v1/websocket?apikey={Uri.EscapeDataString(apiKey)}&vsn={vsn}"));
        return client;
    }

    public string NextRef() => Interlocked.Increment(ref nextRef).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public async Task<string> PushAsync(string? joinRef, string topic, string evt, object payload)
    {
        var reference = NextRef();
        await SendTextAsync(Serialize(joinRef, reference, topic, evt, payload));
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

        await SendTextAsync(Serialize(joinRef, joinRef, topic, "phx_join", payload));
        var reply = await ExpectAsync(f => f.Event == "phx_reply" && f.Ref == joinRef, TimeSpan.FromSeconds(30));
        return (reply, joinRef);
    }

    /// <summary>Joins <c>realtime:<paramref name="name"/></c> with postgres_changes bindings, as realtime-js does; returns the reply's payload.</summary>
    public async Task<JsonObject> JoinChangesAsync(string name, string? accessToken, params object[] bindings)
    {
        var config = new { broadcast = new { self = false }, presence = new { key = string.Empty }, postgres_changes = bindings, @private = false };
        var (reply, _) = await JoinAsync(name, config, accessToken);
        return JsonObject.Create(reply.Payload)!;
    }

    /// <summary>The payload of each postgres_changes frame that arrives within <paramref name="window"/> (up to <paramref name="stopAfter"/>).</summary>
    public async Task<List<JsonObject>> ChangesAsync(TimeSpan window, int? stopAfter = null)
    {
        var changes = new List<JsonObject>();
        var deadline = DateTime.UtcNow + window;
        while (DateTime.UtcNow < deadline && (stopAfter is null || changes.Count < stopAfter))
        {
            try
            {
                var left = deadline - DateTime.UtcNow;
                var frame = await ExpectAsync(f => f.Event == "postgres_changes", left > TimeSpan.Zero ? left : TimeSpan.Zero);
                changes.Add(JsonObject.Create(frame.Payload)!);
            }
            catch (TimeoutException)
            {
                break;
            }
        }

        return changes;
    }

    public Task<PhoenixFrame> ExpectAsync(Func<PhoenixFrame, bool> match, int seconds = 10) => ExpectAsync(match, TimeSpan.FromSeconds(seconds));

    /// <summary>
    /// The first frame matching <paramref name="match"/>, received before or within <paramref name="timeout"/>;
    /// frames that do not match stay for later calls.
    /// </summary>
    public async Task<PhoenixFrame> ExpectAsync(Func<PhoenixFrame, bool> match, TimeSpan timeout)
    {
        while (received.Reader.TryRead(out var arrived))
        {
            backlog.Add(arrived);
        }

        var earlier = backlog.FindIndex(f => match(f));
        if (earlier >= 0)
        {
            var frame = backlog[earlier];
            backlog.RemoveAt(earlier);
            return frame;
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var frame = await received.Reader.ReadAsync(cancel.Token);
                if (match(frame))
                {
                    return frame;
                }

                backlog.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no matching frame within {timeout.TotalSeconds} s");
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
            await ExpectAsync(match, TimeSpan.Zero);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Waits for the server to close the socket.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan limit) => await Task.WhenAny(reading, Task.Delay(limit)) == reading;

    /// <summary>Closes as a browser does (a close frame, briefly awaited), then lets go of the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException)
            {
                // Closed by the server meanwhile, or it does not answer: aborted below.
            }
        }

        await stop.CancelAsync();
        socket.Abort();
        socket.Dispose();
        await reading;
        stop.Dispose();
    }

    private string Serialize(string? joinRef, string reference, string topic, string evt, object payload) => arrays
        ? JsonSerializer.Serialize(new object?[] { joinRef, reference, topic, evt, payload })
        : JsonSerializer.Serialize(new Dictionary<string, object?> { ["topic"] = topic, ["event"] = evt, ["payload"] = payload, ["ref"] = reference, ["join_ref"] = joinRef ?? reference });

    private async Task ConnectAsync(Uri uri)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(uri, timeout.Token);
        reading = Task.Run(ReadAsync);
    }

    private async Task ReadAsync()
    {
        var message = new ArrayBufferWriter<byte>(64 * 1024);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                message.Clear();
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(message.GetMemory(64 * 1024), stop.Token);
                    message.Advance(result.Count);
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                received.Writer.TryWrite(result.MessageType == WebSocketMessageType.Binary ? Binary(message.WrittenSpan) : Text(message.WrittenSpan));
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

    /// <summary>vsn 2.0.0: [join_ref, ref, topic, event, payload]; vsn 1.0.0: an object with those names.</summary>
    private static PhoenixFrame Text(ReadOnlySpan<byte> utf8)
    {
        var root = JsonDocument.Parse(utf8.ToArray()).RootElement;
        if (root.ValueKind == JsonValueKind.Array)
        {
            return new PhoenixFrame(root[0].GetString(), root[1].GetString(), root[2].GetString()!, root[3].GetString()!, root[4].Clone());
        }

        string? Field(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return new PhoenixFrame(Field("join_ref"), Field("ref"), Field("topic")!, Field("event")!, root.GetProperty("payload").Clone());
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
