using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MadBase.Cli;

/// <summary>
/// The passwords generated on first start and kept in &lt;data-dir&gt;/secrets.json (mode 600), so a
/// restart finds its database and admin API with the same credentials.
/// </summary>
internal sealed record StackSecrets(
    [property: JsonPropertyName("postgres_password")] string PostgresPassword,
    [property: JsonPropertyName("admin_password")] string AdminPassword)
{
    public const string FileName = "secrets.json";

    public static StackSecrets LoadOrCreate(string dataDirectory, bool clusterExists)
    {
        string path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            return JsonSerializer.Deserialize<StackSecrets>(File.ReadAllText(path)) is { PostgresPassword.Length: > 0, AdminPassword.Length: > 0 } secrets
                ? secrets
                : throw new LocalStackException($"{path} is not valid; restore it, or delete {dataDirectory} to start fresh.");
        }

        if (clusterExists)
        {
            throw new LocalStackException(
                $"{path} is missing but a cluster exists in {dataDirectory}, so its superuser password is unknown. "
                + $"Restore {FileName}, or delete {dataDirectory} to start fresh.");
        }

        var created = new StackSecrets(NewPassword(), NewPassword());
        PrivateFile.WriteAtomically(path, JsonSerializer.Serialize(created));
        return created;
    }

    /// <summary>Hex only, so it needs no escaping in connection strings, URLs or env files.</summary>
    public static string NewPassword()
    {
        return RandomNumberGenerator.GetHexString(32, lowercase: true);
    }
}
