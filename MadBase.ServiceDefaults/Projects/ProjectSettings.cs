using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>Per-project settings, stored as JSON (snake_case) in <c>madbase.projects.settings</c>.</summary>
public sealed record ProjectSettings
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public AuthSettings Auth { get; init; } = new();

    public RestSettings Rest { get; init; } = new();

    public StorageSettings Storage { get; init; } = new();

    public static ProjectSettings Parse(string? json) =>
        string.IsNullOrWhiteSpace(json) ? new() : JsonSerializer.Deserialize<ProjectSettings>(json, Json) ?? new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Defaults follow the Supabase CLI's local stack.</summary>
public sealed record AuthSettings
{
    public string SiteUrl { get; init; } = "http://127.0.0.1:3000";

    public IReadOnlyList<string> AdditionalRedirectUrls { get; init; } = [];

    public bool DisableSignup { get; init; }

    public bool Autoconfirm { get; init; } = true;

    public bool AnonymousSignIns { get; init; }

    public int JwtExpirySeconds { get; init; } = 3600;

    public int MinPasswordLength { get; init; } = 6;
}

public sealed record RestSettings
{
    public IReadOnlyList<string> Schemas { get; init; } = ["public"];

    public int? MaxRows { get; init; }
}

public sealed record StorageSettings
{
    public long FileSizeLimit { get; init; } = 50L * 1024 * 1024;
}
