using System.Text.Json;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>One client message: Phoenix's <c>[join_ref, ref, topic, event, payload]</c>, whichever way it came.</summary>
internal sealed record InboundFrame(string? JoinRef, string? Ref, string Topic, string Event, JsonElement Payload, BroadcastBody? Broadcast)
{
    /// <summary>A string member of the payload, or null.</summary>
    public string? PayloadString(string name) =>
        Payload.ValueKind == JsonValueKind.Object && Payload.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}

/// <summary>
/// A user broadcast's event and payload: UTF-8 JSON when <paramref name="IsJson"/>, else the raw bytes a
/// vsn 2.0.0 client sent (an ArrayBuffer), passed through untouched.
/// </summary>
internal sealed record BroadcastBody(string Event, ReadOnlyMemory<byte> Payload, bool IsJson);
