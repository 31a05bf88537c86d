using System.Text.Json;

namespace MadBase.Worker.Tenancy;

/// <summary>What Postgres sees of the HTTP request through <c>current_setting('request.…')</c>.</summary>
internal sealed record RlsRequest(string Method, string Path, string HeadersJson, string CookiesJson, bool ReadOnly)
{
    /// <summary>
    /// A module's own transaction-local settings, set by the same setup statement (storage-api's
    /// <c>storage.operation</c>), so they cost no round trip of their own.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; } = [];

    public static RlsRequest From(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = value.ToString();
        }

        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Cookies)
        {
            cookies[name] = value;
        }

        var readOnly = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        return new RlsRequest(
            request.Method,
            request.Path.Value ?? "/",
            JsonSerializer.Serialize(headers),
            JsonSerializer.Serialize(cookies),
            readOnly);
    }
}

internal sealed class RoleNotAllowedException(string role) : Exception($"role \"{role}\" is not allowed")
{
    public string Role { get; } = role;
}
