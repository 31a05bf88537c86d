using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// The statement that makes a transaction the caller's: role, claims and request GUCs, all transaction-local,
/// exactly as PostgREST and storage-api set them.
/// </summary>
internal static class RlsSetup
{
    // set_config('role', …, true) is SET LOCAL ROLE in parameter form; the role itself comes from the
    // allow-list only (EnsureAllowed), the rest are plain values.
    public const string Sql = """
        SELECT set_config('role', $1, true),
               set_config('request.jwt.claims', $2, true),
               set_config('request.jwt.claim.sub', $3, true),
               set_config('request.jwt.claim.role', $1, true),
               set_config('request.method', $4, true),
               set_config('request.path', $5, true),
               set_config('request.headers', $6, true),
               set_config('request.cookies', $7, true),
               set_config('transaction_read_only', $8, true)
        """;

    public static void EnsureAllowed(Caller caller)
    {
        if (!ApiRoles.IsAllowed(caller.Role))
        {
            throw new RoleNotAllowedException(caller.Role);
        }
    }

    public static void AddParameters(NpgsqlParameterCollection parameters, Caller caller, RlsRequest request)
    {
        parameters.AddWithValue(caller.Role);
        parameters.AddWithValue(caller.ClaimsJson);
        parameters.AddWithValue(caller.Subject ?? string.Empty);
        parameters.AddWithValue(request.Method);
        parameters.AddWithValue(request.Path);
        parameters.AddWithValue(request.HeadersJson);
        parameters.AddWithValue(request.CookiesJson);
        parameters.AddWithValue(request.ReadOnly ? "on" : "off");
    }
}
