using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Realtime.Channels;
using Microsoft.Extensions.ObjectPool;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>
/// One realtime-js socket: reads frames one at a time and answers them (<see cref="RealtimeSession"/>'s
/// other part, <c>RealtimeSession.Channels.cs</c>, handles the channel events), writes through a bounded
/// queue so no sender ever waits on a slow client, and drops the client after a silent
/// <see cref="RealtimeOptions.HeartbeatTimeout"/>.
/// </summary>
internal sealed partial class RealtimeSession
{
    private const int OutboxCapacity = 4096;

    /// <summary>Receive buffers shared by every socket of the worker (one is in use per message being read).</summary>
    private static readonly ObjectPool<ArrayBufferWriter<byte>> ReceiveBuffers =
        new DefaultObjectPool<ArrayBufferWriter<byte>>(new ReceiveBufferPolicy());

    private readonly WebSocket socket;
    private readonly string? socketToken;
    private readonly RealtimeHubs hubs;
    private readonly ILogger logger;
    private readonly Channel<OutboundFrame> outbox = Channel.CreateBounded<OutboundFrame>(
        new BoundedChannelOptions(OutboxCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly CancellationTokenSource closing = new();
    private readonly Dictionary<string, JoinedChannel> channels = new(StringComparer.Ordinal);
    private readonly Lock channelsLock = new();
    private long lastHeard;
    private bool countedAsUser;

    public RealtimeSession(WebSocket socket, Project project, string? socketToken, PhoenixSerializer serializer, RealtimeHubs hubs, ILogger logger)
    {
        this.socket = socket;
        this.socketToken = socketToken;
        this.hubs = hubs;
        this.logger = logger;
        Project = project;
        Serializer = serializer;
        lastHeard = hubs.Time.GetTimestamp();
    }

    public Project Project { get; }

    public PhoenixSerializer Serializer { get; }

    private RealtimeOptions Options => hubs.Limits.Options;

    /// <summary>Queues a frame; a client that lets <see cref="OutboxCapacity"/> frames pile up is disconnected.</summary>
    public bool TrySend(OutboundFrame frame)
    {
        if (outbox.Writer.TryWrite(frame))
        {
            return true;
        }

        if (!closing.IsCancellationRequested)
        {
            LogSlowClient(logger, Project.Ref);
            closing.Cancel();
        }

        return false;
    }

    public async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, closing.Token);
        var token = linked.Token;
        var sending = SendLoopAsync(token);
        var watching = WatchAsync(token);
        try
        {
            await ReceiveLoopAsync(token);
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException)
        {
            // The client went away, was dropped, or the worker is stopping.
        }
        finally
        {
            closing.Cancel();
            await LeaveAllAsync();
            outbox.Writer.TryComplete();
            await Task.WhenAll(sending, watching);
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, timeout.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException)
                {
                    // Nothing more to tell a client that is gone.
                }
            }
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        var limit = Options.MaxPayloadBytes + 64 * 1024;
        while (!token.IsCancellationRequested)
        {
            // Waits for the next message with no buffer: an idle socket (most of them) then holds none, and a
            // pooled one is taken only while a message is being read.
            var result = await socket.ReceiveAsync(Memory<byte>.Empty, token);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return;
            }

            InboundFrame? frame;
            var buffer = ReceiveBuffers.Get();
            try
            {
                while (!result.EndOfMessage)
                {
                    result = await socket.ReceiveAsync(buffer.GetMemory(4096), token);
                    buffer.Advance(result.Count);
                    if (buffer.WrittenCount > limit)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, "message too large", token);
                        return;
                    }

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }
                }

                // Both decoders copy what they keep, so the buffer can go back before the frame is handled.
                frame = result.MessageType == WebSocketMessageType.Binary
                    ? PhoenixSerializer.DecodeBinary(buffer.WrittenSpan)
                    : PhoenixSerializer.DecodeText(buffer.WrittenSpan);
            }
            finally
            {
                ReceiveBuffers.Return(buffer);
            }

            Interlocked.Exchange(ref lastHeard, hubs.Time.GetTimestamp());
            if (frame is null)
            {
                // Nothing to answer to without a topic and ref; say so on the socket's own topic.
                Send(null, null, "phoenix", "phx_error", """{"reason":"malformed message"}"""u8);
                continue;
            }

            try
            {
                await DispatchAsync(frame, token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogDispatchFailed(logger, e, Project.Ref, frame.Topic, frame.Event);
                Reply(frame, ok: false, Reason("Unknown Error on Channel"));
            }
        }
    }

    private async Task SendLoopAsync(CancellationToken token)
    {
        try
        {
            await foreach (var frame in outbox.Reader.ReadAllAsync(token))
            {
                await socket.SendAsync(frame.Data, frame.Binary ? WebSocketMessageType.Binary : WebSocketMessageType.Text, true, token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            closing.Cancel();
        }
    }

    /// <summary>Once a second: drops a silent client, and ends channels whose token has expired.</summary>
    private async Task WatchAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), hubs.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(token))
            {
                if (hubs.Time.GetElapsedTime(Interlocked.Read(ref lastHeard)) > Options.HeartbeatTimeout)
                {
                    LogSilentClient(logger, Project.Ref, Options.HeartbeatTimeoutSeconds);
                    socket.Abort();
                    closing.Cancel();
                    return;
                }

                foreach (var channel in Joined())
                {
                    if (hubs.Tokens.HasExpired(channel.Token.Expires))
                    {
                        await ShutdownAsync(channel, hubs.Tokens.ExpiredMessage(channel.Token.Expires));
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The socket is closing.
        }
    }

    private Task DispatchAsync(InboundFrame frame, CancellationToken token)
    {
        if (frame.Topic == "phoenix")
        {
            Reply(frame, frame.Event == "heartbeat", frame.Event == "heartbeat" ? "{}"u8 : Reason("unknown event"));
            return Task.CompletedTask;
        }

        if (frame.Event == "phx_join")
        {
            return JoinAsync(frame, token);
        }

        JoinedChannel? channel;
        lock (channelsLock)
        {
            channels.TryGetValue(frame.Topic, out channel);
        }

        if (channel is null || (frame.JoinRef is not null && frame.JoinRef != channel.JoinRef))
        {
            Reply(frame, ok: false, Reason("unmatched topic"));
            return Task.CompletedTask;
        }

        return frame.Event switch
        {
            "phx_leave" => LeaveAsync(frame, channel),
            "broadcast" => BroadcastAsync(frame, channel, token),
            "presence" => PresenceAsync(frame, channel, token),
            "access_token" => RefreshTokenAsync(frame, channel, token),
            _ => UnknownEvent(frame),
        };
    }

    private Task UnknownEvent(InboundFrame frame)
    {
        Reply(frame, ok: false, Reason("unknown event: " + frame.Event));
        return Task.CompletedTask;
    }

    private IReadOnlyList<JoinedChannel> Joined()
    {
        lock (channelsLock)
        {
            return [.. channels.Values];
        }
    }

    private void Reply(InboundFrame frame, bool ok, ReadOnlySpan<byte> response)
    {
        var payload = new ArrayBufferWriter<byte>(response.Length + 32);
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("status", ok ? "ok" : "error");
            writer.WritePropertyName("response");
            writer.WriteRawValue(response, skipInputValidation: true);
            writer.WriteEndObject();
        }

        Send(frame.JoinRef, frame.Ref, frame.Topic, "phx_reply", payload.WrittenSpan);
    }

    private void Send(string? joinRef, string? reference, string topic, string evt, ReadOnlySpan<byte> payload) =>
        TrySend(new OutboundFrame(Serializer.Encode(joinRef, reference, topic, evt, payload), Binary: false));

    private static byte[] Reason(string reason) => JsonSerializer.SerializeToUtf8Bytes(new { reason });

    [LoggerMessage(EventId = EventIds.RealtimeHandlerFailed, Level = LogLevel.Error, Message = "Realtime failed to handle {Event} on {Topic} for project {ProjectRef}; the client got an error reply")]
    private static partial void LogDispatchFailed(ILogger logger, Exception error, string projectRef, string topic, string @event);

    [LoggerMessage(EventId = EventIds.RealtimeSocketTimedOut, Level = LogLevel.Information, Message = "Realtime dropped a socket of project {ProjectRef}: nothing heard for {TimeoutSeconds} s")]
    private static partial void LogSilentClient(ILogger logger, string projectRef, int timeoutSeconds);

    [LoggerMessage(EventId = EventIds.RealtimeSocketTooSlow, Level = LogLevel.Information, Message = "Realtime dropped a socket of project {ProjectRef}: it did not read its messages fast enough")]
    private static partial void LogSlowClient(ILogger logger, string projectRef);
}
