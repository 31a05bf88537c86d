using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.ServiceDefaults.Security;

/// <summary>
/// One of Supabase's new API keys (<c>sb_publishable_…</c>, <c>sb_secret_…</c>), kept in
/// <c>madbase.projects.api_keys</c> beside the legacy anon/service_role JWTs. Only a SHA-256 of the key is
/// stored (the keys are 192 random bits, so a fast hash is enough); a publishable key's value is public and
/// kept in full so it can be listed again, a secret key's is shown once, at creation.
/// </summary>
public sealed record ProjectApiKey
{
    public const string Publishable = "publishable";
    public const string Secret = "secret";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required string Id { get; init; }

    /// <summary><see cref="Publishable"/> or <see cref="Secret"/>.</summary>
    public required string Type { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary>Lowercase hex SHA-256 of the whole key.</summary>
    public required string Hash { get; init; }

    /// <summary>The first characters of the key, enough to tell keys apart in a list.</summary>
    public required string Prefix { get; init; }

    /// <summary>The whole key, for publishable keys only.</summary>
    public string? Value { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The Postgres role requests with this key run as, as with the legacy key of the same kind.</summary>
    public string Role => Type == Secret ? "service_role" : "anon";

    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static IReadOnlyList<ProjectApiKey> ParseList(string? json) =>
        string.IsNullOrWhiteSpace(json) ? [] : JsonSerializer.Deserialize<List<ProjectApiKey>>(json, Json) ?? [];

    public static string ToJson(IEnumerable<ProjectApiKey> keys) => JsonSerializer.Serialize(keys, Json);
}
