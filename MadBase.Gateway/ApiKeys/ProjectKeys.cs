using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using MadBase.ServiceDefaults.Projects;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Gateway.ApiKeys;

internal static class ProjectKeys
{
    /// <summary>
    /// True when the key is exactly the project's anon or service_role key. Constant time, and both are
    /// always compared, so timing tells neither how much of a key matched nor which key it was.
    /// </summary>
    public static bool IsKeyOf(Project project, string apiKey)
    {
        var anon = FixedTimeEquals(apiKey, project.AnonKey);
        var serviceRole = FixedTimeEquals(apiKey, project.ServiceRoleKey);
        return anon | serviceRole;
    }

    /// <summary>True when the key is exactly the project's service_role key (constant time): the owner's key.</summary>
    public static bool IsServiceRoleKeyOf(Project project, string apiKey) => FixedTimeEquals(apiKey, project.ServiceRoleKey);

    /// <summary>The project's publishable or secret key this is (compared by hash, in constant time), or null.</summary>
    public static ProjectApiKey? NewKeyOf(Project project, string apiKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes * 2];
        Encoding.ASCII.GetBytes(ProjectApiKey.HashOf(apiKey), hash);
        ProjectApiKey? match = null;
        Span<byte> stored = stackalloc byte[hash.Length];
        foreach (var key in project.ApiKeys)
        {
            if (key.Hash.Length == hash.Length && Encoding.ASCII.GetBytes(key.Hash, stored) == hash.Length
                && CryptographicOperations.FixedTimeEquals(hash, stored))
            {
                match = key;
            }
        }

        return match;
    }

    /// <summary>
    /// The JWT upstream services verify for a request made with one of the new keys, which are not JWTs: the
    /// project's legacy key of the same role, as Supabase's gateway puts a legacy-style token in its place.
    /// </summary>
    public static string UpstreamToken(Project project, ProjectApiKey key) =>
        key.Type == ProjectApiKey.Secret ? project.ServiceRoleKey : project.AnonKey;

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a.AsSpan()), MemoryMarshal.AsBytes(b.AsSpan()));
}
