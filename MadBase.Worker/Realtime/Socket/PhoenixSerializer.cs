using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MadBase.Worker.Realtime.Socket;

/// <summary>
/// Phoenix's two JSON serializers as realtime-js speaks them: vsn 1.0.0 sends objects
/// (<c>{topic, event, payload, ref, join_ref}</c>), vsn 2.0.0 arrays (<c>[join_ref, ref, topic, event, payload]</c>)
/// plus binary frames for user broadcasts (kind 3 from the client, kind 4 to it; realtime-js lib/serializer).
/// </summary>
internal sealed class PhoenixSerializer(bool arrays)
{
    public const string V1 = "1.0.0";
    public const string V2 = "2.0.0";

    private const byte UserBroadcastPush = 3;
    private const byte UserBroadcast = 4;
    private const byte BinaryEncoding = 0;
    private const byte JsonEncoding = 1;

    public static PhoenixSerializer? For(string? vsn) => vsn switch
    {
        null or "" or V1 => new PhoenixSerializer(arrays: false),
        V2 => new PhoenixSerializer(arrays: true),
        _ => null,
    };

    /// <summary>Whether user broadcasts go out as binary frames (vsn 2.0.0).</summary>
    public bool Binary => arrays;

    /// <summary>A text frame, either shape; null when it is not a Phoenix message.</summary>
    public static InboundFrame? DecodeText(ReadOnlySpan<byte> utf8)
    {
        JsonElement root;
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            root = JsonElement.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }

        if (root.ValueKind == JsonValueKind.Array && root.GetArrayLength() == 5)
        {
            var parts = root.EnumerateArray().ToArray();
            return Frame(parts[0], parts[1], parts[2], parts[3], parts[4]);
        }

        if (root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty("topic", out var topic) && root.TryGetProperty("event", out var evt))
        {
            root.TryGetProperty("join_ref", out var joinRef);
            root.TryGetProperty("ref", out var reference);
            root.TryGetProperty("payload", out var payload);
            return Frame(joinRef, reference, topic, evt, payload);
        }

        return null;
    }

    /// <summary>A binary frame: only realtime-js's user broadcast push; null for anything else or a bad length.</summary>
    public static InboundFrame? DecodeBinary(ReadOnlySpan<byte> data)
    {
        if (data.Length < 7 || data[0] != UserBroadcastPush)
        {
            return null;
        }

        int joinRefLength = data[1], refLength = data[2], topicLength = data[3], eventLength = data[4], metaLength = data[5];
        var encoding = data[6];
        var offset = 7;
        if (encoding is not (BinaryEncoding or JsonEncoding)
            || data.Length < offset + joinRefLength + refLength + topicLength + eventLength + metaLength)
        {
            return null;
        }

        var parts = new string[4];
        int[] lengths = [joinRefLength, refLength, topicLength, eventLength];
        for (var i = 0; i < parts.Length; i++)
        {
            parts[i] = Encoding.UTF8.GetString(data.Slice(offset, lengths[i]));
            offset += lengths[i];
        }

        var (joinRef, reference, topic, evt) = (parts[0], parts[1], parts[2], parts[3]);
        offset += metaLength; // only "persist", which this server does not offer
        var payload = data[offset..].ToArray();
        if (encoding == JsonEncoding && !IsJson(payload))
        {
            return null;
        }

        return new InboundFrame(
            joinRef.Length == 0 ? null : joinRef, reference.Length == 0 ? null : reference, topic, "broadcast",
            default, new BroadcastBody(evt, payload, encoding == JsonEncoding));
    }

    /// <summary>A text frame: <paramref name="payloadJson"/> is written as is (already valid JSON).</summary>
    public byte[] Encode(string? joinRef, string? reference, string topic, string evt, ReadOnlySpan<byte> payloadJson)
    {
        var buffer = new ArrayBufferWriter<byte>(payloadJson.Length + topic.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (arrays)
            {
                writer.WriteStartArray();
                WriteNullable(writer, joinRef);
                WriteNullable(writer, reference);
                writer.WriteStringValue(topic);
                writer.WriteStringValue(evt);
                writer.WriteRawValue(payloadJson, skipInputValidation: true);
                writer.WriteEndArray();
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteString("topic", topic);
                writer.WriteString("event", evt);
                writer.WritePropertyName("payload");
                writer.WriteRawValue(payloadJson, skipInputValidation: true);
                writer.WritePropertyName("ref");
                WriteNullable(writer, reference);
                writer.WritePropertyName("join_ref");
                WriteNullable(writer, joinRef);
                writer.WriteEndObject();
            }
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A user broadcast to the client: a binary kind-4 frame under vsn 2.0.0 (the only way to pass binary
    /// payloads through), else the text frame <c>{type: "broadcast", event, payload}</c>.
    /// </summary>
    public OutboundFrame EncodeBroadcast(string topic, BroadcastBody body)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var eventBytes = Encoding.UTF8.GetBytes(body.Event);
        if (arrays && topicBytes.Length <= 255 && eventBytes.Length <= 255)
        {
            var frame = new byte[5 + topicBytes.Length + eventBytes.Length + body.Payload.Length];
            frame[0] = UserBroadcast;
            frame[1] = (byte)topicBytes.Length;
            frame[2] = (byte)eventBytes.Length;
            frame[3] = 0;
            frame[4] = body.IsJson ? JsonEncoding : BinaryEncoding;
            topicBytes.CopyTo(frame, 5);
            eventBytes.CopyTo(frame, 5 + topicBytes.Length);
            body.Payload.Span.CopyTo(frame.AsSpan(5 + topicBytes.Length + eventBytes.Length));
            return new OutboundFrame(frame, Binary: true);
        }

        var payload = new ArrayBufferWriter<byte>(body.Payload.Length + 64);
        using (var writer = new Utf8JsonWriter(payload))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "broadcast");
            writer.WriteString("event", body.Event);
            writer.WritePropertyName("payload");
            if (body.IsJson)
            {
                writer.WriteRawValue(body.Payload.Span, skipInputValidation: true);
            }
            else
            {
                // A vsn 1.0.0 client cannot take bytes; it gets them as base64 text rather than not at all.
                writer.WriteBase64StringValue(body.Payload.Span);
            }

            writer.WriteEndObject();
        }

        return new OutboundFrame(Encode(null, null, topic, "broadcast", payload.WrittenSpan), Binary: false);
    }

    private static InboundFrame? Frame(JsonElement joinRef, JsonElement reference, JsonElement topic, JsonElement evt, JsonElement payload)
    {
        if (topic.ValueKind != JsonValueKind.String || evt.ValueKind != JsonValueKind.String
            || !IsRef(joinRef) || !IsRef(reference))
        {
            return null;
        }

        var body = default(BroadcastBody);
        var eventName = evt.GetString()!;
        if (eventName == "broadcast" && payload.ValueKind == JsonValueKind.Object
            && payload.TryGetProperty("event", out var userEvent) && userEvent.ValueKind == JsonValueKind.String)
        {
            var inner = payload.TryGetProperty("payload", out var p) ? Encoding.UTF8.GetBytes(p.GetRawText()) : "{}"u8.ToArray();
            body = new BroadcastBody(userEvent.GetString()!, inner, IsJson: true);
        }

        return new InboundFrame(RefText(joinRef), RefText(reference), topic.GetString()!, eventName, payload, body);
    }

    private static bool IsRef(JsonElement value) =>
        value.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String or JsonValueKind.Number;

    private static string? RefText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.GetRawText(),
        _ => null,
    };

    private static void WriteNullable(Utf8JsonWriter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNullValue();
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    /// <summary>An element that owns its memory, from JSON already known to be valid.</summary>
    public static JsonElement Element(ReadOnlySpan<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
        return JsonElement.ParseValue(ref reader);
    }

    private static bool IsJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 64 });
            reader.Read();
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}

/// <summary>A frame ready for the socket.</summary>
internal readonly record struct OutboundFrame(byte[] Data, bool Binary);
