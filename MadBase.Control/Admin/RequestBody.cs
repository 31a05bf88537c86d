using System.Text.Json;
using System.Text.Json.Nodes;
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
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            throw AdminException.BadRequest($"request body is not valid JSON: expected {expected}");
        }

        if (node is not JsonObject)
        {
            throw AdminException.BadRequest($"request body must be {expected}");
        }

        var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            return node.Deserialize<T>(json)!;
        }
        catch (JsonException e)
        {
            throw AdminException.BadRequest($"field {e.Path?.TrimStart('$', '.')} is unknown or has the wrong type: expected {expected}");
        }
    }
}
