using System.Text.Json;
using MadBase.ServiceDefaults.Database;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace MadBase.Control.Admin;

/// <summary>
/// Reads an admin request body ourselves instead of through parameter binding, which turns bad JSON
/// into a bare 400 before any filter runs. Parsing, then mapping, tells the caller which of the two failed.
/// </summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, string expected, CancellationToken cancellationToken)
        where T : class
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            throw AdminException.BadRequest($"request body is not valid JSON: expected {expected}");
        }

        using var owned = document;
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw AdminException.BadRequest($"request body must be {expected}");
        }

        // Settings are stored as jsonb and names as text: neither can hold NUL, and a lone surrogate
        // cannot even be read back out of the parsed document.
        if (!PostgresText.IsStorable(document.RootElement))
        {
            throw AdminException.BadRequest(PostgresText.Refusal);
        }

        var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return document.RootElement.Deserialize<T>(json)!;
        }
        catch (JsonException e)
        {
            throw AdminException.BadRequest($"field {e.Path?.TrimStart('$', '.')} is unknown or has the wrong type: expected {expected}");
        }
    }
}
