using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Cli;

/// <summary>
/// The passwords generated on first start and kept in &lt;data-dir&gt;/secrets.json (mode 600), so a
/// restart finds its database and admin API with the same credentials; and the default project's publishable
/// and secret keys, which Control keeps only as hashes, so that every start can print them again.
/// </summary>
internal sealed record StackSecrets(
    [property: JsonPropertyName("postgres_password")] string PostgresPassword,
    [property: JsonPropertyName("admin_password")] string AdminPassword,
    [property: JsonPropertyName("publishable_key")] string? PublishableKey = null,
    [property: JsonPropertyName("secret_key")] string? SecretKey = null)
{
    public const string FileName = "secrets.json";

    public static StackSecrets LoadOrCreate(string dataDirectory, bool clusterExists)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            var loaded = JsonSerializer.Deserialize<StackSecrets>(File.ReadAllText(path)) is { PostgresPassword.Length: > 0, AdminPassword.Length: > 0 } secrets
                ? secrets
                : throw new LocalStackException($"{path} is not valid; restore it, or delete {dataDirectory} to start fresh.");
            if (loaded.PublishableKey is { Length: > 0 } && loaded.SecretKey is { Length: > 0 })
            {
                return loaded;
            }

            // A data directory from before the new API keys: add them, keep the rest.
            var completed = loaded with { PublishableKey = NewApiKey(ApiKeyFormat.PublishablePrefix), SecretKey = NewApiKey(ApiKeyFormat.SecretPrefix) };
            PrivateFile.WriteAtomically(path, JsonSerializer.Serialize(completed));
            return completed;
        }

        if (clusterExists)
        {
            throw new LocalStackException(
                $"{path} is missing but a cluster exists in {dataDirectory}, so its superuser password is unknown. "
                + $"Restore {FileName}, or delete {dataDirectory} to start fresh.");
        }

        var created = new StackSecrets(
            NewPassword(), NewPassword(), NewApiKey(ApiKeyFormat.PublishablePrefix), NewApiKey(ApiKeyFormat.SecretPrefix));
        PrivateFile.WriteAtomically(path, JsonSerializer.Serialize(created));
        return created;
    }

    /// <summary>
    /// Random, per data directory, unlike the Supabase CLI's fixed local keys; like them it names no project, so the
    /// gateway finds it in the default project.
    /// </summary>
    private static string NewApiKey(string prefix) =>
        prefix + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", 36);

    /// <summary>Hex only, so it needs no escaping in connection strings, URLs or env files.</summary>
    public static string NewPassword()
    {
        return RandomNumberGenerator.GetHexString(32, lowercase: true);
    }
}
