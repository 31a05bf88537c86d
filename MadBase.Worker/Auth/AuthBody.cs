using System.Text.Json;

namespace MadBase.Worker.Auth;

/// <summary>Reads a JSON request body into a parameter record; malformed input is GoTrue's 400 bad_json.</summary>
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

        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? new T();
        }
        catch (JsonException e)
        {
            throw new AuthException(AuthErrors.BadJson(e.Message));
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
