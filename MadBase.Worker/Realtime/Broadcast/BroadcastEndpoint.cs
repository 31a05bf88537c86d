using System.Text.Json;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Socket;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Realtime.Broadcast;

/// <summary>
/// Broadcasting over HTTP, as realtime-js does when a channel is not joined: <c>POST /api/broadcast</c>
/// with <c>{messages: [{topic, event, payload, private}]}</c>, and <c>httpSend</c>'s
/// <c>POST /api/broadcast/{topic}/events/{event}</c> with the payload as the body. Private messages need
/// the caller's write policy on <c>realtime.messages</c> (service_role passes it); 202 on success.
/// </summary>
internal static class BroadcastEndpoint
{
    public static async Task<IResult> SendBatchAsync([AsParameters] RealtimeServices services)
    {
        var tenant = services.Tenant;
        var context = tenant.Http;

        JsonElement body;
        try
        {
            body = await JsonSerializer.DeserializeAsync<JsonElement>(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            return Error(StatusCodes.Status400BadRequest, "the body must be JSON: {\"messages\": [{\"topic\", \"event\", \"payload\"}]}");
        }

        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array)
        {
            return Error(StatusCodes.Status400BadRequest, "messages must be a list");
        }

        var parsed = new List<(TopicKey Key, BroadcastBody Body)>();
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object
                || !message.TryGetProperty("topic", out var topic) || topic.ValueKind != JsonValueKind.String || topic.GetString() is not { Length: > 0 } topicName
                || !message.TryGetProperty("event", out var evt) || evt.ValueKind != JsonValueKind.String)
            {
                return Error(StatusCodes.Status400BadRequest, "each message needs a topic and an event");
            }

            var isPrivate = message.TryGetProperty("private", out var p) && p.ValueKind == JsonValueKind.True;
            var payload = message.TryGetProperty("payload", out var pl) ? System.Text.Encoding.UTF8.GetBytes(pl.GetRawText()) : "{}"u8.ToArray();
            parsed.Add((new TopicKey(tenant.Project.Ref, isPrivate, topicName), new BroadcastBody(evt.GetString()!, payload, IsJson: true)));
        }

        foreach (var (key, message) in parsed)
        {
            // As Supabase: a message the caller may not send is left out, the others still go.
            var refusal = await CheckAsync(services.Hubs, tenant, key, message, context.RequestAborted);
            if (refusal is null)
            {
                await services.Hubs.Broadcasts.PublishAsync(key, message, origin: null);
            }
            else if (refusal.StatusCode == StatusCodes.Status429TooManyRequests)
            {
                return refusal;
            }
        }

        return Results.Accepted();
    }

    public static async Task<IResult> SendOneAsync([AsParameters] RealtimeServices services, string topic, string @event)
    {
        var tenant = services.Tenant;
        var context = tenant.Http;

        var limit = services.Hubs.Limits.Options.MaxPayloadBytes;
        // Read at most one byte past the limit: an oversize body is refused without holding all of it.
        var bytes = new byte[Math.Min(limit + 1, (int)(context.Request.ContentLength ?? 64 * 1024) + 1)];
        var length = 0;
        int read;
        while ((read = await context.Request.Body.ReadAsync(bytes.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
            if (length > limit)
            {
                return Error(StatusCodes.Status413PayloadTooLarge, "payload_size_exceeded");
            }

            if (length == bytes.Length)
            {
                Array.Resize(ref bytes, Math.Min(limit + 1, bytes.Length * 2));
            }
        }

        bytes = bytes[..length];
        var isJson = !string.Equals(context.Request.ContentType, "application/octet-stream", StringComparison.OrdinalIgnoreCase);
        if (isJson && !IsJson(bytes))
        {
            return Error(StatusCodes.Status400BadRequest, "the body must be JSON, or application/octet-stream");
        }

        var isPrivate = string.Equals(context.Request.Query["private"], "true", StringComparison.Ordinal);
        var key = new TopicKey(tenant.Project.Ref, isPrivate, topic);
        var message = new BroadcastBody(@event, bytes, isJson);
        if (await CheckAsync(services.Hubs, tenant, key, message, context.RequestAborted) is { } refusal)
        {
            return refusal;
        }

        await services.Hubs.Broadcasts.PublishAsync(key, message, origin: null);
        return Results.Accepted();
    }

    private static async Task<RealtimeErrorResult?> CheckAsync(RealtimeHubs hubs, Tenant tenant, TopicKey key, BroadcastBody message, CancellationToken cancellationToken)
    {
        if (!hubs.Limits.TryEvent(key.ProjectRef))
        {
            return Error(StatusCodes.Status429TooManyRequests, "Too many messages per second");
        }

        if (message.Payload.Length > hubs.Limits.Options.MaxPayloadBytes)
        {
            return Error(StatusCodes.Status413PayloadTooLarge, "payload_size_exceeded");
        }

        // An unreachable project database is the module filter's 503 (RealtimeErrorRenderer).
        if (key.Private && !await hubs.Authorization.WriteAsync(tenant.Project, tenant.Caller, key.Name, "broadcast", cancellationToken))
        {
            return Error(StatusCodes.Status403Forbidden, $"You do not have permissions to write to this Channel topic: {key.Name}");
        }

        return null;
    }

    private static bool IsJson(byte[] bytes)
    {
        try
        {
            PhoenixSerializer.Element(bytes);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static RealtimeErrorResult Error(int status, string message) => new(status, message);
}
