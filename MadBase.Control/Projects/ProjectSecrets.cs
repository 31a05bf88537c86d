using System.Buffers.Text;
using System.Security.Cryptography;

namespace MadBase.Control.Projects;

/// <summary>Generated secrets are base64url: letters, digits, '-' and '_', safe in env files and connection strings.</summary>
internal static class ProjectSecrets
{
    /// <summary>384 bits, comfortably above HS256's 256-bit key size.</summary>
    public static string NewJwtSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(48));

    public static string NewPassword() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
}
