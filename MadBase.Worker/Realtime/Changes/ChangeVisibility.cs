using System.Diagnostics;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Decides, in Postgres, which of this worker's subscribers may see each change and what of it: as Supabase's
/// <c>realtime.apply_rls</c>, a row is sent only if the subscriber's role, with its claims, can SELECT it now
/// (by primary key, under RLS), with only the columns that role may select, and only through the filters it
/// asked for, compared as the column's type. One round trip per batch of changes: per distinct role, its
/// records read once (<see cref="RecordStatement"/>); per distinct role and claims, a <c>SET LOCAL ROLE</c> +
/// claims and the primary-key lookups under RLS (<see cref="VisibilityStatement"/>), never one per socket.
/// What the catalog says of each table comes from <see cref="TableAccessCache"/>. DELETEs are not RLS-checked
/// (the row is gone), and under RLS carry only the primary key, as in Supabase.
/// </summary>
internal sealed class ChangeVisibility(TenantDatabases databases, ILogger<ChangeVisibility> logger)
{
    private static readonly RlsRequest Request = new("GET", "/realtime/v1/websocket", "{}", "{}", ReadOnly: true);

    private readonly TableAccessCache access = new();

    public void Forget(string projectRef) => access.Forget(projectRef);

    public void Forget(string projectRef, IEnumerable<string> tables) => access.Forget(projectRef, tables);

    public async Task DeliverAsync(Project project, IReadOnlyList<WalChange> changes, IReadOnlyList<IChangeSubscriber> subscribers, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var groups = Wants(changes, subscribers)
            .GroupBy(w => (w.Caller.Role, w.Caller.ClaimsJson))
            .Select(g => new GroupCheck(g.First().Caller, [.. g]))
            .Where(g => ApiRoles.IsAllowed(g.Caller.Role))
            .ToList();
        if (groups.Count == 0)
        {
            return;
        }

        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        var keys = groups
            .SelectMany(g => g.Wants.Select(w => (g.Caller.Role, changes[w.Change].Schema, changes[w.Change].Table)))
            .ToHashSet();
        var tables = await access.GetAsync(connection, project.Ref, keys, cancellationToken);
        var catalogDone = Stopwatch.GetTimestamp();
        var roles = groups.GroupBy(g => g.Caller.Role, StringComparer.Ordinal)
            .Select(r => RoleCheck.Plan([.. r], changes, tables))
            .ToList();
        await CheckEachAsync(project, connection, roles, changes, cancellationToken);
        var checkDone = Stopwatch.GetTimestamp();
        var frames = 0;
        foreach (var role in roles)
        {
            frames += role.Deliver(changes);
        }

        ChangeLog.BatchChecked(
            logger, project.Ref, changes.Count, subscribers.Count, groups.Count, frames,
            Stopwatch.GetElapsedTime(started, catalogDone).TotalMilliseconds,
            Stopwatch.GetElapsedTime(catalogDone, checkDone).TotalMilliseconds,
            Stopwatch.GetElapsedTime(checkDone).TotalMilliseconds);
    }

    private static List<Want> Wants(IReadOnlyList<WalChange> changes, IReadOnlyList<IChangeSubscriber> subscribers)
    {
        var wants = new List<Want>();
        foreach (var subscriber in subscribers)
        {
            // Read once per check: a token refreshed since takes effect from this batch on.
            var caller = subscriber.Caller;
            for (var i = 0; i < changes.Count; i++)
            {
                var bindings = subscriber.Bindings.Where(b => Matches(b, changes[i])).ToArray();
                if (bindings.Length > 0)
                {
                    wants.Add(new Want(subscriber, caller, i, bindings));
                }
            }
        }

        return wants;
    }

    private static bool Matches(ChangeBinding binding, WalChange change) =>
        binding.Wants(change.Event)
        && (binding.Schema == "*" || binding.Schema == change.Schema)
        && (binding.Table is null || binding.Table == change.Table);

    /// <summary>
    /// All roles in one round trip. One failure (a policy that raises, a role without USAGE on the schema) must
    /// not cost the others their changes: then each role on its own, and within a failing role each claims
    /// group, and only the failing ones go without.
    /// </summary>
    private async Task CheckEachAsync(Project project, NpgsqlConnection connection, List<RoleCheck> roles, IReadOnlyList<WalChange> changes, CancellationToken cancellationToken)
    {
        try
        {
            await CheckAsync(connection, roles.Select(r => (r, r.Groups)), changes, cancellationToken);
            return;
        }
        catch (PostgresException) when (roles.Sum(r => r.Groups.Count) > 1)
        {
        }

        foreach (var role in roles)
        {
            try
            {
                await CheckAsync(connection, [(role, role.Groups)], changes, cancellationToken);
                continue;
            }
            catch (PostgresException) when (role.Groups.Count > 1)
            {
            }
            catch (PostgresException e)
            {
                ChangeLog.CheckFailed(logger, project.Ref, role.Groups[0].Wants.Count, role.Role, e);
                role.Groups[0].Failed = true;
                continue;
            }

            foreach (var group in role.Groups)
            {
                try
                {
                    await CheckAsync(connection, [(role, [group])], changes, cancellationToken);
                }
                catch (PostgresException e)
                {
                    ChangeLog.CheckFailed(logger, project.Ref, group.Wants.Count, role.Role, e);
                    group.Failed = true;
                }
            }
        }
    }

    private static async Task CheckAsync(
        NpgsqlConnection connection, IEnumerable<(RoleCheck Role, List<GroupCheck> Groups)> units, IReadOnlyList<WalChange> changes, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection);
        // What to do with each command's result, in the batch's order.
        var reads = new List<Func<NpgsqlDataReader, Task>>();
        foreach (var (role, groups) in units)
        {
            var checking = groups.Where(g => g.Statements.Count > 0).ToList();
            if (role.Records.Count == 0 && checking.Count == 0)
            {
                continue;
            }

            // The same role is set for every group of the unit; the claims change with each group.
            var current = checking.Count > 0 ? checking[0].Caller : groups[0].Caller;
            batch.BatchCommands.Add(RlsSetup.Command(current, Request));
            reads.Add(static _ => Task.CompletedTask);
            foreach (var statement in role.Records)
            {
                batch.BatchCommands.Add(statement.Command(changes));
                reads.Add(reader => role.ReadAsync(reader, statement, cancellationToken));
            }

            foreach (var group in checking)
            {
                if (!ReferenceEquals(group.Caller, current))
                {
                    batch.BatchCommands.Add(RlsSetup.Command(group.Caller, Request));
                    reads.Add(static _ => Task.CompletedTask);
                    current = group.Caller;
                }

                group.Visible.Clear();
                foreach (var statement in group.Statements)
                {
                    batch.BatchCommands.Add(statement.Command(changes));
                    reads.Add(reader => group.ReadAsync(reader, cancellationToken));
                }
            }
        }

        if (reads.Count == 0)
        {
            return;
        }

        // Prepared once per pooled connection, then only bound and run: the same few statements every batch.
        await batch.PrepareAsync(cancellationToken);
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < reads.Count; i++)
        {
            if (i > 0)
            {
                await reader.NextResultAsync(cancellationToken);
            }

            await reads[i](reader);
        }
    }
}

internal sealed record Want(IChangeSubscriber Subscriber, Caller Caller, int Change, ChangeBinding[] Bindings);

/// <summary>A change a role may read: its record and old record as JSON, and which of the filters it passes.</summary>
internal sealed record VisibleRow(string Record, string OldRecord, string Columns, bool RowSecurity, IReadOnlyList<ChangeFilter> Filters, bool[] Passed)
{
    public bool Passes(ChangeFilter filter)
    {
        for (var i = 0; i < Filters.Count; i++)
        {
            if (FilterComparer.Instance.Equals(Filters[i], filter))
            {
                return Passed[i];
            }
        }

        return false;
    }
}

internal sealed class FilterComparer : IEqualityComparer<ChangeFilter>
{
    public static readonly FilterComparer Instance = new();

    public bool Equals(ChangeFilter? x, ChangeFilter? y) =>
        x is not null && y is not null && x.Column == y.Column && x.Operator == y.Operator && x.Values.SequenceEqual(y.Values);

    public int GetHashCode(ChangeFilter obj) => HashCode.Combine(obj.Column, obj.Operator, obj.Values.Count);
}
