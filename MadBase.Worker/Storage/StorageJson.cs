using System.Text.Json;
using MadBase.ServiceDefaults.Database;

namespace MadBase.Worker.Storage;

/// <summary>
/// Request bodies and database-built responses. Bad JSON is the client's error, never a 500, and so is text
/// the database cannot hold (checked for the whole body here, so no handler reads an undecodable string).
/// </summary>
internal static class StorageJson
{
    public static async Task<JsonElement> ReadObjectAsync(HttpContext context)
    {
        try
        {
            if (context.Request.ContentLength == 0)
            {
                return JsonDocument.Parse("{}").RootElement.Clone();
            }

            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw StorageError.InvalidRequest("body must be object");
            }

            if (!PostgresText.IsStorable(document.RootElement))
            {
                throw StorageError.InvalidRequest(PostgresText.Refusal);
            }

            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw StorageError.InvalidRequest("Body is not valid JSON");
        }
    }

    public static string? String(this JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static bool? Bool(this JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind is JsonValueKind.True or JsonValueKind.False ? value.GetBoolean() : null;

    public static int? Int(this JsonElement body, string name) =>
        body.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;

    /// <summary>A JSON text Postgres built (json_agg, to_json), sent as it is.</summary>
    public static IResult Raw(string json) => Results.Text(json, "application/json", System.Text.Encoding.UTF8);

    public static IResult Message(string message) => Results.Json(new Dictionary<string, string> { ["message"] = message });
}
