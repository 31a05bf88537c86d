using System.Text.Json;

namespace MadBase.Worker.Rest;

/// <summary>
/// <c>RAISE SQLSTATE 'PGRST' USING message = '{"code":…,"message":…,"details":…,"hint":…}', detail = '{"status":…,"status_text":…,"headers":{…}}'</c>:
/// the function chooses the whole error response, as PostgREST's parseRaisePGRST reads it. Anything else is PGRST121.
/// </summary>
internal static class RaisedError
{
    public static RestException FromPgrst(string message, string? detail)
    {
        if (ParseMessage(message) is not { } body)
        {
            return ParseFailure($"Invalid JSON value for MESSAGE: '{message}'", MessageHint);
        }

        if (detail is null)
        {
            return ParseFailure("DETAIL is missing in the RAISE statement", DetailHint);
        }

        if (ParseDetail(detail) is not { } response)
        {
            return ParseFailure($"Invalid JSON value for DETAIL: '{detail}'", DetailHint);
        }

        return new RestException(response.Status, body.Code, body.Message, body.Details, body.Hint)
        {
            Headers = response.Headers,
            ReasonPhrase = response.StatusText,
        };
    }

    private const string MessageHint = "MESSAGE must be a JSON object with obligatory keys: 'code', 'message' and optional keys: 'details', 'hint'.";

    private const string DetailHint = "DETAIL must be a JSON object with obligatory keys: 'status', 'headers' and optional key: 'status_text'.";

    private static RestException ParseFailure(string details, string hint) =>
        new(StatusCodes.Status500InternalServerError, "PGRST121", "Could not parse JSON in the \"RAISE SQLSTATE 'PGRST'\" error", details, hint);

    private static (string Code, string Message, string? Details, string? Hint)? ParseMessage(string text)
    {
        if (Parse(text) is not { ValueKind: JsonValueKind.Object } root
            || Text(root, "code", required: true) is not (true, { } code)
            || Text(root, "message", required: true) is not (true, { } message)
            || Text(root, "details", required: false) is not (true, var details)
            || Text(root, "hint", required: false) is not (true, var hint))
        {
            return null;
        }

        return (code, message, details, hint);
    }

    private static (int Status, string? StatusText, IReadOnlyList<KeyValuePair<string, string>> Headers)? ParseDetail(string text)
    {
        if (Parse(text) is not { ValueKind: JsonValueKind.Object } root
            || !root.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Number
            || !status.TryGetInt32(out var code) || code is < 100 or > 999
            || Text(root, "status_text", required: false) is not (true, var statusText)
            || !root.TryGetProperty("headers", out var headers) || headers.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var list = new List<KeyValuePair<string, string>>();
        foreach (var header in headers.EnumerateObject())
        {
            if (header.Value.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            list.Add(new(header.Name, header.Value.GetString()!));
        }

        return (code, statusText, list);
    }

    /// <summary>A string member: (true, value) when it is a string or absent and optional (null is absent too).</summary>
    private static (bool Ok, string? Value) Text(JsonElement root, string name, bool required)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (!required, null);
        }

        return value.ValueKind == JsonValueKind.String ? (true, value.GetString()) : (false, null);
    }

    private static JsonElement? Parse(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
