using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Realtime.Channels;

/// <summary>
/// Realtime Authorization as Supabase has it: policies on <c>realtime.messages</c> decide, run by Postgres
/// under the caller's role and claims with <c>realtime.topic()</c> set to the channel's name. Reading is
/// checked by inserting a probe row per extension (as service_role, past RLS) and selecting it back as the
/// caller; writing by inserting as the caller. Every check rolls back, so nothing is left behind.
/// </summary>
internal sealed class ChannelAuthorization(TenantDatabases databases)
{
    private const string Extensions = "broadcast,presence";

    public async Task<ChannelPolicies> ReadAsync(Project project, Caller caller, string topic, CancellationToken cancellationToken)
    {
        var broadcastId = Guid.NewGuid();
        var presenceId = Guid.NewGuid();
        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var asService = new NpgsqlCommand("SELECT set_config('role', 'service_role', true)", connection, transaction))
        {
            await asService.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO realtime.messages (id, topic, extension) VALUES ($1, $3, 'broadcast'), ($2, $3, 'presence')", connection, transaction))
        {
            insert.Parameters.AddWithValue(broadcastId);
            insert.Parameters.AddWithValue(presenceId);
            insert.Parameters.AddWithValue(topic);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await SetCallerAsync(connection, transaction, caller, topic, cancellationToken);
        var policies = new ChannelPolicies();
        await using (var select = new NpgsqlCommand("SELECT id FROM realtime.messages WHERE id = ANY($1)", connection, transaction))
        {
            select.Parameters.AddWithValue(new[] { broadcastId, presenceId });
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetGuid(0);
                policies.BroadcastRead |= id == broadcastId;
                policies.PresenceRead |= id == presenceId;
            }
        }

        await transaction.RollbackAsync(cancellationToken);
        return policies;
    }

    /// <summary>Whether the caller may send on <paramref name="topic"/> for <paramref name="extension"/> (broadcast or presence).</summary>
    public async Task<bool> WriteAsync(Project project, Caller caller, string topic, string extension, CancellationToken cancellationToken)
    {
        if (!Extensions.Split(',').Contains(extension))
        {
            throw new ArgumentOutOfRangeException(nameof(extension));
        }

        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await SetCallerAsync(connection, transaction, caller, topic, cancellationToken);
        try
        {
            await using var insert = new NpgsqlCommand("INSERT INTO realtime.messages (topic, extension) VALUES ($1, $2)", connection, transaction);
            insert.Parameters.AddWithValue(topic);
            insert.Parameters.AddWithValue(extension);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return false;
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
    }

    private static async Task SetCallerAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Caller caller, string topic, CancellationToken cancellationToken)
    {
        RlsSetup.EnsureAllowed(caller);
        await using var setup = new NpgsqlCommand(
            """
            SELECT set_config('role', $1, true),
                   set_config('request.jwt.claims', $2, true),
                   set_config('request.jwt.claim.sub', $3, true),
                   set_config('request.jwt.claim.role', $1, true),
                   set_config('realtime.topic', $4, true)
            """, connection, transaction);
        setup.Parameters.AddWithValue(caller.Role);
        setup.Parameters.AddWithValue(caller.ClaimsJson);
        setup.Parameters.AddWithValue(caller.Subject ?? string.Empty);
        setup.Parameters.AddWithValue(topic);
        await setup.ExecuteNonQueryAsync(cancellationToken);
    }
}
