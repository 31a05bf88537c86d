using System.Runtime.InteropServices;
using System.Security.Cryptography;
using MadBase.ServiceDefaults.Projects;

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

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(a.AsSpan()), MemoryMarshal.AsBytes(b.AsSpan()));
}
