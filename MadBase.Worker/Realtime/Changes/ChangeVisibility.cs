using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Decides, in Postgres, which of this worker's subscribers may see each change and what of it: as Supabase's
/// <c>realtime.apply_rls</c>, a row is sent only if the subscriber's role, with its claims, can SELECT it now
/// (by primary key, under RLS), with only the columns that role may select, and only through the filters it
/// asked for, compared as the column's type. One transaction per batch of changes; inside it, one
/// <c>SET LOCAL ROLE</c> + claims per distinct role and claims, and one statement per table for all of
/// that group's changes, never one per socket. DELETEs are not RLS-checked (the row is gone), and under RLS
/// carry only the primary key, as in Supabase.
/// </summary>
internal sealed class ChangeVisibility(TenantDatabases databases, ILogger<ChangeVisibility> logger)
{
    private static readonly RlsRequest Request = new("GET", "/realtime/v1/websocket", "{}", "{}", ReadOnly: true);

    public async Task DeliverAsync(Project project, IReadOnlyList<WalChange> changes, IReadOnlyList<IChangeSubscriber> subscribers, CancellationToken cancellationToken)
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

        if (wants.Count == 0)
        {
            return;
        }

        var groups = wants.GroupBy(w => (w.Caller.Role, w.Caller.ClaimsJson))
            .Select(g => new Group(g.First().Caller, [.. g]))
            .Where(g => ApiRoles.IsAllowed(g.Caller.Role))
            .ToList();
        var access = await LoadAccessAsync(project, changes, groups, cancellationToken);
        var plans = groups.Select(g => Plan(g, changes, access)).ToList();
        try
        {
            await CheckAsync(project, plans, changes, cancellationToken);
        }
        catch (PostgresException)
        {
            // One group's failure (a policy that raises, a role without USAGE on the schema) must not cost the
            // others their changes: each on its own, and only the failing one goes without.
            foreach (var plan in plans)
            {
                try
                {
                    await CheckAsync(project, [plan], changes, cancellationToken);
                }
                catch (PostgresException e)
                {
                    ChangeLog.CheckFailed(logger, project.Ref, plan.Statements.Sum(s => s.Entries.Count), plan.Group.Caller.Role, e);
                    plan.Statements.Clear();
                }
            }
        }

        foreach (var plan in plans)
        {
            Deliver(plan, changes);
        }
    }

    private static bool Matches(ChangeBinding binding, WalChange change) =>
        binding.Wants(change.Event)
        && (binding.Schema == "*" || binding.Schema == change.Schema)
        && (binding.Table is null || binding.Table == change.Table);

    /// <summary>Per role and table: does it exist, is RLS on, its primary key, and may the role select that key.</summary>
    private async Task<Dictionary<(string Role, string Schema, string Table), TableAccess>> LoadAccessAsync(
        Project project, IReadOnlyList<WalChange> changes, List<Group> groups, CancellationToken cancellationToken)
    {
        var keys = groups
            .SelectMany(g => g.Wants.Select(w => (g.Caller.Role, changes[w.Change].Schema, changes[w.Change].Table)))
            .Distinct()
            .ToList();
        var access = new Dictionary<(string, string, string), TableAccess>();
        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT q.i::int, c.oid IS NOT NULL, coalesce(c.relrowsecurity, false), format('%I.%I', q.s, q.t),
                   coalesce(pk.names, '{}'), coalesce(pk.selectable, false)
            FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(r, s, t, i)
            LEFT JOIN pg_namespace n ON n.nspname = q.s
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.t
            LEFT JOIN LATERAL (
                SELECT array_agg(a.attname::text ORDER BY a.attnum) AS names,
                       bool_and(has_column_privilege(q.r, c.oid, a.attnum, 'SELECT')) AS selectable
                FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
                WHERE x.indrelid = c.oid AND x.indisprimary
            ) pk ON true
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Role).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Schema).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = keys.Select(k => k.Table).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = keys[reader.GetInt32(0) - 1];
            access[key] = new TableAccess(
                reader.GetBoolean(1), reader.GetBoolean(2), reader.GetString(3), reader.GetFieldValue<string[]>(4), reader.GetBoolean(5));
        }

        return access;
    }

    private static GroupPlan Plan(Group group, IReadOnlyList<WalChange> changes, Dictionary<(string, string, string), TableAccess> access)
    {
        var plan = new GroupPlan(group);
        foreach (var byTable in group.Wants.GroupBy(w => (changes[w.Change].Schema, changes[w.Change].Table)))
        {
            var table = access[(group.Caller.Role, byTable.Key.Schema, byTable.Key.Table)];
            if (!table.Exists)
            {
                continue;
            }

            var entries = byTable.Select(w => w.Change).Distinct().ToList();
            string? error = null;
            foreach (var i in entries)
            {
                if (changes[i].Kind != 'D' && table.PrimaryKey.Length == 0)
                {
                    error = "Error 400: Bad Request, no primary key";
                }
                else if (changes[i].Kind != 'D' && !table.KeySelectable)
                {
                    error = "Error 401: Unauthorized";
                }

                if (error is not null)
                {
                    plan.Errors[i] = error;
                }
            }

            entries.RemoveAll(plan.Errors.ContainsKey);
            if (entries.Count > 0)
            {
                var filters = byTable.SelectMany(w => w.Bindings).Select(b => b.Filter).OfType<ChangeFilter>().Distinct(FilterComparer.Instance).ToList();
                plan.Statements.Add(new VisibilityStatement(table, entries, filters));
            }
        }

        return plan;
    }

    private async Task CheckAsync(Project project, List<GroupPlan> plans, IReadOnlyList<WalChange> changes, CancellationToken cancellationToken)
    {
        var work = plans.Where(p => p.Statements.Count > 0).ToList();
        if (work.Count == 0)
        {
            return;
        }

        await using var connection = await databases.OpenConnectionAsync(project, cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var plan in work)
        {
            batch.BatchCommands.Add(RlsSetup.Command(plan.Group.Caller, Request));
            foreach (var statement in plan.Statements)
            {
                batch.BatchCommands.Add(statement.Command(changes));
            }
        }

        // The reader starts on the first setup's result; each setup's result is skipped, each statement's read.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var first = true;
        foreach (var plan in work)
        {
            if (!first)
            {
                await reader.NextResultAsync(cancellationToken);
            }

            first = false;
            foreach (var statement in plan.Statements)
            {
                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (!reader.GetBoolean(1))
                    {
                        continue;
                    }

                    var passed = new bool[statement.Filters.Count];
                    for (var f = 0; f < passed.Length; f++)
                    {
                        passed[f] = reader.GetBoolean(5 + f);
                    }

                    plan.Visible[reader.GetInt32(0)] = new VisibleRow(reader.GetString(2), reader.GetString(3), reader.GetString(4), statement.Filters, passed);
                }
            }
        }
    }

    private static void Deliver(GroupPlan plan, IReadOnlyList<WalChange> changes)
    {
        // The same bytes for every subscriber of the group that gets a change.
        var payloads = new Dictionary<int, ReadOnlyMemory<byte>>();
        foreach (var want in plan.Group.Wants)
        {
            var change = changes[want.Change];
            List<int> ids;
            ReadOnlyMemory<byte> payload;
            if (plan.Errors.TryGetValue(want.Change, out var error))
            {
                ids = [.. want.Bindings.Select(b => b.Id)];
                payload = ChangePayload.Error(change, error);
            }
            else if (plan.Visible.TryGetValue(want.Change, out var row))
            {
                ids = [.. want.Bindings.Where(b => b.Filter is null || row.Passes(b.Filter)).Select(b => b.Id)];
                if (ids.Count == 0)
                {
                    continue;
                }

                if (!payloads.TryGetValue(want.Change, out payload))
                {
                    payload = ChangePayload.Visible(change, row);
                    payloads[want.Change] = payload;
                }
            }
            else
            {
                continue;
            }

            want.Subscriber.Deliver(ids, payload);
        }
    }
}

internal sealed record Want(IChangeSubscriber Subscriber, Caller Caller, int Change, ChangeBinding[] Bindings);

internal sealed record Group(Caller Caller, List<Want> Wants);

/// <summary>A role's view of a table: <see cref="QuotedName"/> is the catalog's own quoting of it.</summary>
internal sealed record TableAccess(bool Exists, bool RowSecurity, string QuotedName, string[] PrimaryKey, bool KeySelectable);

/// <summary>What one group's transaction checks, and what it found.</summary>
internal sealed class GroupPlan(Group group)
{
    public Group Group { get; } = group;

    public List<VisibilityStatement> Statements { get; } = [];

    public Dictionary<int, string> Errors { get; } = [];

    public Dictionary<int, VisibleRow> Visible { get; } = [];
}

/// <summary>A change the group may see: its record and old record as JSON, and which of the filters it passes.</summary>
internal sealed record VisibleRow(string Record, string OldRecord, string Columns, IReadOnlyList<ChangeFilter> Filters, bool[] Passed)
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
