using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// The statement that makes a transaction the caller's: role, claims and request GUCs, all transaction-local,
/// exactly as PostgREST and storage-api set them, plus any module setting of the request
/// (<see cref="RlsRequest.Settings"/>) in the same statement.
/// </summary>
internal static class RlsSetup
{
    // set_config('role', …, true) is SET LOCAL ROLE in parameter form; the role itself comes from the
    // allow-list only (EnsureAllowed), the rest are plain values.
    private const string Sql = """
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

    private const int Fixed = 8;

    public static void EnsureAllowed(Caller caller)
    {
        if (!ApiRoles.IsAllowed(caller.Role))
        {
            throw new RoleNotAllowedException(caller.Role);
        }
    }

    public static NpgsqlBatchCommand Command(Caller caller, RlsRequest request)
    {
        var sql = Sql;
        for (var i = 0; i < request.Settings.Count; i++)
        {
            // Names are parameters too: they come from module code, but nothing of a request reaches SQL text.
            sql += $",\n       set_config(${Fixed + (2 * i) + 1}, ${Fixed + (2 * i) + 2}, true)";
        }

        var command = new NpgsqlBatchCommand(sql);
        var parameters = command.Parameters;
        parameters.AddWithValue(caller.Role);
        parameters.AddWithValue(caller.ClaimsJson);
        parameters.AddWithValue(caller.Subject ?? string.Empty);
        parameters.AddWithValue(request.Method);
        parameters.AddWithValue(request.Path);
        parameters.AddWithValue(request.HeadersJson);
        parameters.AddWithValue(request.CookiesJson);
        parameters.AddWithValue(request.ReadOnly ? "on" : "off");
        foreach (var (name, value) in request.Settings)
        {
            parameters.AddWithValue(name);
            parameters.AddWithValue(value);
        }

        return command;
    }
}
