using System.Security.Cryptography;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>
/// The shape of the new API keys: <c>sb_publishable_&lt;ref&gt;_&lt;random&gt;</c> and <c>sb_secret_&lt;ref&gt;_&lt;random&gt;</c>.
/// Supabase's keys are opaque to clients; MadBase puts the project's ref in them so the gateway finds the one
/// project whose stored hashes to compare, as the <c>ref</c> claim does for the legacy JWT keys. The ref only
/// says where to look: the key counts only if its hash is stored there.
/// </summary>
public static class ApiKeyFormat
{
    public const string PublishablePrefix = "sb_publishable_";
    public const string SecretPrefix = "sb_secret_";
    private const int RandomChars = 32;

    public static bool IsNewKey(string key) =>
        key.StartsWith(PublishablePrefix, StringComparison.Ordinal) || key.StartsWith(SecretPrefix, StringComparison.Ordinal);

    public static bool IsSecret(string key) => key.StartsWith(SecretPrefix, StringComparison.Ordinal);

    public static string New(string type, string projectRef) =>
        (type == Security.ProjectApiKey.Secret ? SecretPrefix : PublishablePrefix) + projectRef + "_"
        + RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", RandomChars);

    /// <summary>
    /// Whether a key brought from elsewhere (the Supabase CLI's fixed local keys, a hosted project's) can be
    /// stored as one of the given type: its prefix, and a length and alphabet that keep it a header value.
    /// </summary>
    public static bool IsImportable(string type, string key)
    {
        var prefix = type == Security.ProjectApiKey.Secret ? SecretPrefix : PublishablePrefix;
        return key.StartsWith(prefix, StringComparison.Ordinal)
            && key.Length >= prefix.Length + 16 && key.Length <= 256
            && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
    }

    /// <summary>What a list may show of a key: its type prefix and at most a quarter (and 8) of the characters after it.</summary>
    public static string Visible(string key)
    {
        var prefix = IsSecret(key) ? SecretPrefix.Length : PublishablePrefix.Length;
        return key[..(prefix + Math.Min(8, (key.Length - prefix) / 4))];
    }

    /// <summary>The ref a new-style key names, or null when it is not shaped like one.</summary>
    public static string? ProjectRef(string key)
    {
        var prefix = key.StartsWith(PublishablePrefix, StringComparison.Ordinal) ? PublishablePrefix.Length
            : key.StartsWith(SecretPrefix, StringComparison.Ordinal) ? SecretPrefix.Length
            : -1;
        if (prefix < 0)
        {
            return null;
        }

        var separator = key.IndexOf('_', prefix);
        if (separator < 0 || key.Length - separator - 1 != RandomChars)
        {
            return null;
        }

        var projectRef = key[prefix..separator];
        return ProjectRefs.IsValid(projectRef) ? projectRef : null;
    }
}
