using System.Data;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>A fresh connection to the same project's database, for a transaction whose pooled one was dead.</summary>
internal delegate Task<NpgsqlConnection> ReplaceConnection(CancellationToken cancellationToken);

/// <summary>
/// A pooled connection that Postgres ended while it sat idle (a restart, pg_terminate_backend) is only found
/// out when the next request uses it. When that happens in a transaction's first round trip, before any
/// statement of the request could have run, the transaction is set up again on a fresh connection.
/// </summary>
internal static class DeadConnection
{
    /// <summary>
    /// Whether <paramref name="error"/>, from the first round trip on <paramref name="connection"/>, says the
    /// connection was dead rather than that the round trip's statements failed.
    /// </summary>
    /// <param name="onlySetupSent">
    /// The round trip carried nothing of the request (the transaction setup alone, or statements that run read
    /// only), so even a connection lost with no word from Postgres cannot have changed anything.
    /// </param>
    /// <remarks>
    /// Postgres answers in statement order, so its FATAL (admin or crash shutdown) arriving before the setup's
    /// result means the setup never completed and nothing after it ran; a backend that dies mid-transaction
    /// commits nothing. A connection lost without that message is ambiguous for writes sent with the setup:
    /// the commit may have happened with its answer still unsent.
    /// </remarks>
    public static bool Describes(Exception error, NpgsqlConnection connection, bool onlySetupSent) => error switch
    {
        PostgresException postgres => postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown,
        NpgsqlException { InnerException: TimeoutException } => false,
        NpgsqlException => onlySetupSent && connection.FullState.HasFlag(ConnectionState.Broken),
        _ => false,
    };
}
