namespace MadBase.ServiceDefaults.Security;

/// <summary>The token of an <c>Authorization: Bearer …</c> header, read the same way by the gateway and the workers.</summary>
public static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>The token (the scheme in any case, surrounding blanks trimmed), or null when there is none.</summary>
    public static string? Read(string authorization)
    {
        if (authorization.Length <= Scheme.Length || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
