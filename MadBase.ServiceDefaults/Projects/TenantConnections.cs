using Npgsql;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>Connection strings for a project's database, derived from the system one unless it is external.</summary>
public static class TenantConnections
{
    /// <summary>How long a pooled request connection may sit idle before Npgsql closes it (the pool keeps its last one).</summary>
    public const int IdleSeconds = 10;

    /// <summary>An owner/superuser connection, used only for migrations.</summary>
    public static string Admin(Project project, string systemConnectionString)
    {
        if (project.DatabaseUrl is { Length: > 0 } external)
        {
            return external;
        }

        return new NpgsqlConnectionStringBuilder(systemConnectionString)
        {
            Database = project.DatabaseName,
            Pooling = false,
        }.ConnectionString;
    }

    /// <summary>The pooled connection requests use: the project's login role, nothing more.</summary>
    public static string Authenticator(Project project, string systemConnectionString, int maxPoolSize) =>
        new NpgsqlConnectionStringBuilder(Admin(project, systemConnectionString))
        {
            Username = project.AuthenticatorRole,
            Password = project.AuthenticatorPassword,
            Pooling = true,
            MaxPoolSize = maxPoolSize,
            // A project keeps one connection while it is served (the worker's connection budget closes it at its
            // cap, the idle-pool sweep after Worker__ProjectIdleSeconds); what a burst opened beyond that closes once
            // idle for 10 s, so the bursts of many projects do not leave their pools holding the budget's whole room.
            MinPoolSize = 1,
            ConnectionIdleLifetime = IdleSeconds,
            ConnectionPruningInterval = 2,
            ApplicationName = "madbase-worker:" + project.Ref,
            // Every transaction sets its role, claims and request GUCs transaction-locally, so nothing of one
            // request's identity outlives it; like PostgREST, the pool skips the session reset (DISCARD ALL
            // costs each request a replan of everything, RLS policies included).
            NoResetOnClose = true,
            // The RLS setup and each query shape repeat: prepared, Postgres parses and plans them once per
            // connection. Statements name their result columns or return JSON text, so a user's DDL cannot
            // change a prepared statement's result type.
            MaxAutoPrepare = 128,
            AutoPrepareMinUsages = 2,
            // PostgREST returns constraint details ("Key (id)=(1) already exists.") to the caller, who
            // already may see that row's key; without this Npgsql hides them.
            IncludeErrorDetail = true,
        }.ConnectionString;
}
