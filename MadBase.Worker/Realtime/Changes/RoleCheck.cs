using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// One role's part of a batch: the records it may read (once, whatever the claims), the changes it gets an
/// error for instead, and its claims groups, each with the rows its policies let it see. Each payload is built
/// once per role and change, and the same bytes go to every subscriber that gets it.
/// </summary>
internal sealed class RoleCheck
{
    private RoleCheck(string role, List<GroupCheck> groups)
    {
        Role = role;
        Groups = groups;
    }

    public string Role { get; }

    public List<GroupCheck> Groups { get; }

    public List<RecordStatement> Records { get; } = [];

    public Dictionary<int, string> Errors { get; } = [];

    public Dictionary<int, VisibleRow> Rows { get; } = [];

    public static RoleCheck Plan(List<GroupCheck> groups, IReadOnlyList<WalChange> changes, Dictionary<(string Role, string Schema, string Table), TableAccess> tables)
    {
        var role = new RoleCheck(groups[0].Caller.Role, groups);
        var wants = groups.SelectMany(g => g.Wants);
        foreach (var byTable in wants.GroupBy(w => (changes[w.Change].Schema, changes[w.Change].Table)))
        {
            var table = tables[(role.Role, byTable.Key.Schema, byTable.Key.Table)];
            if (!table.Exists)
            {
                continue;
            }

            var entries = byTable.Select(w => w.Change).Distinct().ToList();
            foreach (var i in entries.Where(i => changes[i].Kind != 'D'))
            {
                if (table.PrimaryKey.Length == 0)
                {
                    role.Errors[i] = "Error 400: Bad Request, no primary key";
                }
                else if (!table.KeySelectable)
                {
                    role.Errors[i] = "Error 401: Unauthorized";
                }
            }

            entries.RemoveAll(role.Errors.ContainsKey);
            if (entries.Count == 0)
            {
                continue;
            }

            var filters = byTable.SelectMany(w => w.Bindings).Select(b => b.Filter).OfType<ChangeFilter>().Distinct(FilterComparer.Instance).ToList();
            role.Records.Add(new RecordStatement(table, entries, filters));
            if (table.RowSecurity)
            {
                foreach (var group in groups)
                {
                    var checks = group.Wants
                        .Where(w => changes[w.Change].Kind != 'D' && changes[w.Change].Schema == byTable.Key.Schema
                            && changes[w.Change].Table == byTable.Key.Table && !role.Errors.ContainsKey(w.Change))
                        .Select(w => w.Change)
                        .Distinct()
                        .ToList();
                    if (checks.Count > 0)
                    {
                        group.Statements.Add(new VisibilityStatement(table, checks));
                    }
                }
            }
        }

        return role;
    }

    public async Task ReadAsync(NpgsqlDataReader reader, RecordStatement statement, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            var passed = new bool[statement.Filters.Count];
            for (var f = 0; f < passed.Length; f++)
            {
                passed[f] = reader.GetBoolean(3 + f);
            }

            Rows[reader.GetInt32(0)] = new VisibleRow(
                reader.GetString(1), reader.GetString(2), statement.Table.ColumnsJson, statement.Table.RowSecurity, statement.Filters, passed);
        }
    }

    /// <summary>Queues each group's frames; returns how many were queued.</summary>
    public int Deliver(IReadOnlyList<WalChange> changes)
    {
        var payloads = new Dictionary<int, ReadOnlyMemory<byte>>();
        var frames = 0;
        foreach (var group in Groups)
        {
            foreach (var want in group.Wants)
            {
                var change = changes[want.Change];
                List<int> ids;
                if (Errors.TryGetValue(want.Change, out var error))
                {
                    ids = [.. want.Bindings.Select(b => b.Id)];
                }
                else if (!group.Failed && Rows.TryGetValue(want.Change, out var row)
                    && (change.Kind == 'D' || !row.RowSecurity || group.Visible.Contains(want.Change)))
                {
                    ids = [.. want.Bindings.Where(b => b.Filter is null || row.Passes(b.Filter)).Select(b => b.Id)];
                }
                else
                {
                    continue;
                }

                if (ids.Count == 0)
                {
                    continue;
                }

                if (!payloads.TryGetValue(want.Change, out var payload))
                {
                    payload = error is not null ? ChangePayload.Error(change, error) : ChangePayload.Visible(change, Rows[want.Change]);
                    payloads[want.Change] = payload;
                }

                want.Subscriber.Deliver(ids, payload);
                frames++;
            }
        }

        return frames;
    }
}

/// <summary>The subscribers of one role and claims, and which changes their policies let them see.</summary>
internal sealed class GroupCheck(Caller caller, List<Want> wants)
{
    public Caller Caller { get; } = caller;

    public List<Want> Wants { get; } = wants;

    public List<VisibilityStatement> Statements { get; } = [];

    public HashSet<int> Visible { get; } = [];

    /// <summary>Its check failed: it gets only the errors its role gets.</summary>
    public bool Failed { get; set; }

    public async Task ReadAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            Visible.Add(reader.GetInt32(0));
        }
    }
}
