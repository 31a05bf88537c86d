using System.Text.Json;
using MadBase.ServiceDefaults.Database;

namespace MadBase.Worker.Auth;

/// <summary>
/// Reads a JSON request body into a parameter record. Malformed JSON and a value of the wrong type are
/// GoTrue's 400 bad_json; text the database cannot hold (NUL, a lone surrogate) anywhere in the body is 400
/// validation_failed, found here before any field reaches a statement.
/// </summary>
internal static class AuthBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
    };

    public static async Task<T> ReadAsync<T>(HttpContext context)
        where T : new()
    {
        using var reader = new StreamReader(context.Request.Body);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new T();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            throw new AuthException(AuthErrors.BadJson("invalid JSON"));
        }

        using (document)
        {
            if (!PostgresText.IsStorable(document.RootElement))
            {
                throw new AuthException(AuthErrors.BadRequestValidation(PostgresText.Refusal));
            }

            try
            {
                return document.RootElement.Deserialize<T>(Options) ?? new T();
            }
            catch (JsonException e)
            {
                // The serializer's message names our .NET types; the path is the client's own JSON.
                throw new AuthException(AuthErrors.BadJson(e.Path is { Length: > 1 } path ? $"unexpected value at {path}" : "unexpected JSON value"));
            }
        }
    }

    /// <summary>A metadata object from the body as JSON text; anything but an object (or absent/null) is refused.</summary>
    public static string? ObjectJson(JsonElement? element, string name)
    {
        if (element is not { } value || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new AuthException(AuthErrors.BadJson($"{name} must be an object"));
        }

        return value.GetRawText();
    }
}
