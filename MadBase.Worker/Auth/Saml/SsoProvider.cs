using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using MadBase.Worker.Tenancy;
using NpgsqlTypes;

namespace MadBase.Worker.Auth;

/// <summary>GoTrue's SAMLAttribute: which assertion attributes fill a claim, and its default.</summary>
internal sealed record SamlAttribute
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public string? Name { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public List<string>? Names { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public JsonElement? Default { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Array { get; init; }
}

/// <summary>GoTrue's SAMLAttributeMapping (<c>{"keys": {claim: attribute}}</c>), stored as jsonb.</summary>
internal sealed record SamlAttributeMapping
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Dictionary<string, SamlAttribute>? Keys { get; init; }

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static SamlAttributeMapping FromJson(string? json) =>
        json is null ? new() : JsonSerializer.Deserialize<SamlAttributeMapping>(json, Json) ?? new();
}

/// <summary>
/// An SSO identity provider (GoTrue's models.SSOProvider with its SAMLProvider and SSODomains): a row of
/// auth.sso_providers, its auth.saml_providers row and its auth.sso_domains. The static methods own their SQL.
/// </summary>
internal sealed record SsoProvider(
    Guid Id,
    string? ResourceId,
    bool? Disabled,
    string EntityId,
    string MetadataXml,
    string? MetadataUrl,
    SamlAttributeMapping AttributeMapping,
    string? NameIdFormat,
    IReadOnlyList<string> Domains,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    private const string Select = """
        SELECT p.id, p.resource_id, p.disabled, s.entity_id, s.metadata_xml, s.metadata_url, s.attribute_mapping::text,
            s.name_id_format, coalesce((SELECT array_agg(d.domain ORDER BY d.created_at, d.domain) FROM auth.sso_domains d
                WHERE d.sso_provider_id = p.id), '{}'), coalesce(p.created_at, s.created_at), coalesce(p.updated_at, s.updated_at)
        FROM auth.sso_providers p JOIN auth.saml_providers s ON s.sso_provider_id = p.id
        """;

    /// <summary>GoTrue's SSOProvider.Type(): SAML is the only kind.</summary>
    public string ProviderName => "sso:" + Id;

    public bool IsEnabled => Disabled is not true;

    public static Task<SsoProvider?> FindByIdAsync(RlsTransaction tx, Guid id, CancellationToken cancellationToken) =>
        FindAsync(tx, Select + " WHERE p.id = $1", id, cancellationToken);

    public static Task<SsoProvider?> FindByResourceIdAsync(RlsTransaction tx, string resourceId, CancellationToken cancellationToken) =>
        FindAsync(tx, Select + " WHERE p.resource_id = $1", resourceId, cancellationToken);

    /// <summary>Domains are unique case-insensitively (the table's index), so they are found that way too.</summary>
    public static Task<SsoProvider?> FindByDomainAsync(RlsTransaction tx, string domain, CancellationToken cancellationToken) =>
        FindAsync(tx, Select + " WHERE p.id = (SELECT sso_provider_id FROM auth.sso_domains WHERE lower(domain) = lower($1))", domain, cancellationToken);

    public static Task<SsoProvider?> FindByEntityIdAsync(RlsTransaction tx, string entityId, CancellationToken cancellationToken) =>
        FindAsync(tx, Select + " WHERE s.entity_id = $1", entityId, cancellationToken);

    /// <summary>GoTrue's FindAllSSOProvidersByFilter: every provider, or those of a resource_id or its prefix.</summary>
    public static async Task<List<SsoProvider>> ListAsync(RlsTransaction tx, string? resourceId, string? resourceIdPrefix, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand(Select + (resourceId is not null ? " WHERE p.resource_id = $1"
            : resourceIdPrefix is not null ? " WHERE starts_with(p.resource_id, $1)" : string.Empty) + " ORDER BY p.created_at, p.id");
        if ((resourceId ?? resourceIdPrefix) is { } filter)
        {
            command.Parameters.AddWithValue(filter);
        }

        var providers = new List<SsoProvider>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            providers.Add(Read(reader));
        }

        return providers;
    }

    public static async Task<Guid> CreateAsync(
        RlsTransaction tx, string? resourceId, bool? disabled, string entityId, string metadataXml, string? metadataUrl,
        SamlAttributeMapping mapping, string? nameIdFormat, IEnumerable<string> domains, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        await using (var command = tx.CreateCommand("INSERT INTO auth.sso_providers (id, resource_id, disabled, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)"))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)resourceId ?? DBNull.Value);
            command.Parameters.AddWithValue(NpgsqlDbType.Boolean, (object?)disabled ?? DBNull.Value);
            command.Parameters.AddWithValue(now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = tx.CreateCommand("""
            INSERT INTO auth.saml_providers (id, sso_provider_id, entity_id, metadata_xml, metadata_url, attribute_mapping, name_id_format, created_at, updated_at)
            VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::jsonb, $6, $7, $7)
            """))
        {
            command.Parameters.AddWithValue(id);
            command.Parameters.AddWithValue(entityId);
            command.Parameters.AddWithValue(metadataXml);
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)metadataUrl ?? DBNull.Value);
            command.Parameters.AddWithValue(mapping.ToJson());
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)nameIdFormat ?? DBNull.Value);
            command.Parameters.AddWithValue(now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await AddDomainsAsync(tx, id, domains, now, cancellationToken);
        return id;
    }

    /// <summary>Writes every field of this provider back (GoTrue's update saves the whole model).</summary>
    public async Task UpdateAsync(RlsTransaction tx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var command = tx.CreateCommand("UPDATE auth.sso_providers SET resource_id = $2, disabled = $3, updated_at = $4 WHERE id = $1"))
        {
            command.Parameters.AddWithValue(Id);
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)ResourceId ?? DBNull.Value);
            command.Parameters.AddWithValue(NpgsqlDbType.Boolean, (object?)Disabled ?? DBNull.Value);
            command.Parameters.AddWithValue(now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = tx.CreateCommand("""
            UPDATE auth.saml_providers SET metadata_xml = $2, metadata_url = $3, attribute_mapping = $4::jsonb, name_id_format = $5, updated_at = $6
            WHERE sso_provider_id = $1
            """))
        {
            command.Parameters.AddWithValue(Id);
            command.Parameters.AddWithValue(MetadataXml);
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)MetadataUrl ?? DBNull.Value);
            command.Parameters.AddWithValue(AttributeMapping.ToJson());
            command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)NameIdFormat ?? DBNull.Value);
            command.Parameters.AddWithValue(now);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task ReplaceDomainsAsync(RlsTransaction tx, IReadOnlyList<string> keep, IEnumerable<string> add, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using (var command = tx.CreateCommand("DELETE FROM auth.sso_domains WHERE sso_provider_id = $1 AND NOT (domain = ANY($2))"))
        {
            command.Parameters.AddWithValue(Id);
            command.Parameters.AddWithValue(keep.ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await AddDomainsAsync(tx, Id, add, now, cancellationToken);
    }

    public async Task DeleteAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        // The SAML row, domains and relay states go with it (ON DELETE CASCADE).
        await using var command = tx.CreateCommand("DELETE FROM auth.sso_providers WHERE id = $1");
        command.Parameters.AddWithValue(Id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>GoTrue's JSON of the provider; the list leaves out the metadata XML, as GoTrue's does.</summary>
    public JsonObject ToJson(bool withMetadataXml = true)
    {
        var saml = new JsonObject { ["entity_id"] = EntityId };
        if (withMetadataXml)
        {
            saml["metadata_xml"] = MetadataXml;
        }

        if (MetadataUrl is not null)
        {
            saml["metadata_url"] = MetadataUrl;
        }

        saml["attribute_mapping"] = JsonNode.Parse(AttributeMapping.ToJson());
        if (NameIdFormat is not null)
        {
            saml["name_id_format"] = NameIdFormat;
        }

        var json = new JsonObject { ["id"] = Id };
        if (ResourceId is not null)
        {
            json["resource_id"] = ResourceId;
        }

        json["disabled"] = Disabled;
        json["saml"] = saml;
        json["domains"] = new JsonArray(Domains.Select(d => (JsonNode)new JsonObject { ["domain"] = d }).ToArray());
        json["created_at"] = CreatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
        json["updated_at"] = UpdatedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
        return json;
    }

    private static async Task AddDomainsAsync(RlsTransaction tx, Guid id, IEnumerable<string> domains, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("""
            INSERT INTO auth.sso_domains (id, sso_provider_id, domain, created_at, updated_at)
            SELECT gen_random_uuid(), $1, d, $3, $3 FROM unnest($2::text[]) d
            """);
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(domains.ToArray());
        command.Parameters.AddWithValue(now);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<SsoProvider?> FindAsync<T>(RlsTransaction tx, string sql, T key, CancellationToken cancellationToken)
        where T : notnull
    {
        await using var command = tx.CreateCommand(sql);
        command.Parameters.AddWithValue(key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static SsoProvider Read(Npgsql.NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.IsDBNull(1) ? null : reader.GetString(1),
        reader.IsDBNull(2) ? null : reader.GetBoolean(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        SamlAttributeMapping.FromJson(reader.IsDBNull(6) ? null : reader.GetString(6)),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.GetFieldValue<string[]>(8),
        reader.IsDBNull(9) ? DateTimeOffset.UnixEpoch : reader.GetFieldValue<DateTimeOffset>(9),
        reader.IsDBNull(10) ? DateTimeOffset.UnixEpoch : reader.GetFieldValue<DateTimeOffset>(10));
}
