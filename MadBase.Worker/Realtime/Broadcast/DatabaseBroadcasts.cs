using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using MadBase.ServiceDefaults.Logging;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Realtime.Channels;
using MadBase.Worker.Realtime.Socket;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Realtime.Broadcast;

/// <summary>
/// Messages sent from SQL (<c>realtime.send</c>, <c>realtime.broadcast_changes</c>) reach sockets through
/// NOTIFY: every worker with a joined channel of a project LISTENs on that project's database and delivers
/// to its own channels. Each worker listening for itself, rather than one holder republishing through
/// Redis, needs no lease and no failover (a dead worker's sockets are gone with it), costs one idle
/// connection per worker per project in use, and works without Redis. A listener stops once the worker
/// has no channel of the project left.
/// </summary>
internal sealed partial class DatabaseBroadcasts(
    TenantDatabases databases, ChannelRegistry registry, BroadcastHub hub, IHostApplicationLifetime lifetime, ILogger<DatabaseBroadcasts> logger)
{
    private static readonly TimeSpan IdleCheck = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);
    private readonly ConcurrentDictionary<string, Task> listeners = new(StringComparer.Ordinal);

    public void EnsureListening(Project project)
    {
        if (listeners.ContainsKey(project.Ref))
        {
            return;
        }

        var started = new TaskCompletionSource();
        if (listeners.TryAdd(project.Ref, started.Task))
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await ListenAsync(project, lifetime.ApplicationStopping);
                }
                finally
                {
                    listeners.TryRemove(project.Ref, out _);
                    started.TrySetResult();
                    if (!lifetime.ApplicationStopping.IsCancellationRequested && registry.HasProject(project.Ref))
                    {
                        // A channel joined while this listener was deciding to stop.
                        EnsureListening(project);
                    }
                }
            });
        }
    }

    private async Task ListenAsync(Project project, CancellationToken stopping)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stopping.IsCancellationRequested && registry.HasProject(project.Ref))
        {
            try
            {
                await using var connection = await databases.OpenConnectionAsync(project, stopping);
                connection.Notification += (_, e) => _ = Task.Run(() => DeliverAsync(project, e.Payload, stopping));
                await using (var listen = new NpgsqlCommand("LISTEN madbase_realtime", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                delay = TimeSpan.FromSeconds(1);
                long? pruned = null;
                while (!stopping.IsCancellationRequested && registry.HasProject(project.Ref))
                {
                    if (pruned is null || Environment.TickCount64 - pruned > PruneInterval.TotalMilliseconds)
                    {
                        await PruneAsync(connection, stopping);
                        pruned = Environment.TickCount64;
                    }

                    await connection.WaitAsync(IdleCheck, stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or ProjectDatabaseUnavailableException or TimeoutException)
            {
                LogListenFailed(logger, e, project.Ref, delay.TotalSeconds);
                await Task.Delay(delay, stopping).ContinueWith(static _ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromSeconds(Math.Min(30, delay.TotalSeconds * 2));
            }
        }
    }

    /// <summary>
    /// <c>realtime.messages</c> kept bounded (<see cref="RealtimeMigrations"/>): at the start of each listen and
    /// hourly after, by each listening worker (a second one finds nothing left to delete).
    /// </summary>
    private static async Task PruneAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        await using var prune = new NpgsqlCommand("SELECT _madbase.realtime_prune_messages()", connection);
        await prune.ExecuteScalarAsync(stopping);
    }

    private async Task DeliverAsync(Project project, string notification, CancellationToken stopping)
    {
        try
        {
            using var document = JsonDocument.Parse(notification);
            var root = document.RootElement;
            if (root.TryGetProperty("large", out _))
            {
                await DeliverLargeAsync(project, root.GetProperty("id").GetGuid(), stopping);
                return;
            }

            Deliver(project, root.GetProperty("topic").GetString()!, root.GetProperty("event").GetString()!,
                root.GetProperty("private").GetBoolean(), root.GetProperty("payload").GetRawText());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or NpgsqlException or FormatException)
        {
            LogBadNotification(logger, e, project.Ref);
        }
    }

    private async Task DeliverLargeAsync(Project project, Guid id, CancellationToken stopping)
    {
        await using var connection = await databases.OpenConnectionAsync(project, stopping);
        await using var transaction = await connection.BeginTransactionAsync(stopping);
        await using (var role = new NpgsqlCommand("SELECT set_config('role', 'service_role', true)", connection, transaction))
        {
            await role.ExecuteNonQueryAsync(stopping);
        }

        await using var select = new NpgsqlCommand(
            "SELECT topic, event, coalesce(private, false), coalesce(payload, 'null'::jsonb)::text FROM realtime.messages WHERE id = $1", connection, transaction);
        select.Parameters.AddWithValue(id);
        await using var reader = await select.ExecuteReaderAsync(stopping);
        if (await reader.ReadAsync(stopping))
        {
            Deliver(project, reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetString(3));
        }
    }

    private void Deliver(Project project, string topic, string evt, bool isPrivate, string payloadJson) =>
        hub.DeliverLocal(new TopicKey(project.Ref, isPrivate, topic), new BroadcastBody(evt, Encoding.UTF8.GetBytes(payloadJson), IsJson: true), origin: null);

    [LoggerMessage(EventId = EventIds.RealtimeDatabaseListenFailed, Level = LogLevel.Warning, Message = "Realtime could not listen on project {ProjectRef}'s database for messages sent from SQL; retrying in {DelaySeconds} s")]
    private static partial void LogListenFailed(ILogger logger, Exception error, string projectRef, double delaySeconds);

    [LoggerMessage(EventId = EventIds.RealtimeDatabaseNotificationUnreadable, Level = LogLevel.Warning, Message = "Realtime ignored an unreadable notification from project {ProjectRef}'s database")]
    private static partial void LogBadNotification(ILogger logger, Exception error, string projectRef);
}
