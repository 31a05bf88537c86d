namespace MadBase.Worker.Tenancy;

/// <summary>Who is calling, from the verified bearer JWT; <c>anon</c> with no claims when there is none.</summary>
internal sealed record Caller(string Role, string ClaimsJson, string? Subject)
{
    public static readonly Caller Anonymous = new(ApiRoles.Anon, """{"role":"anon"}""", null);

    /// <summary>
    /// The platform acting for itself, past every policy: Auth's own tables (GoTrue's supabase_auth_admin),
    /// the lookups storage-api does as superuser, the orphan sweep.
    /// </summary>
    public static readonly Caller ServiceRole = new(ApiRoles.ServiceRole, """{"role":"service_role"}""", null);
}

/// <summary>The roles a request may run as. Anything else in a JWT is refused, never passed to Postgres.</summary>
internal static class ApiRoles
{
    public const string Anon = "anon";
    public const string Authenticated = "authenticated";
    public const string ServiceRole = "service_role";

    public static bool IsAllowed(string? role) => role is Anon or Authenticated or ServiceRole;
}
