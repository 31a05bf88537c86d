using System.Collections.Concurrent;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// What each role may see of each table, as Postgres's catalog says (primary key, RLS on, the columns the role
/// may select), kept between batches so a batch costs no catalog round trip. An entry goes when pgoutput sends
/// the table's relation message again: Postgres does that before the first change after anything that
/// invalidates the table's definition (ALTER, GRANT/REVOKE on it or its columns, a policy created or dropped,
/// RLS turned on or off), so the changes that follow are read with the new answer. The lifetime is a backstop
/// for what reaches no relation message (a role's attributes).
/// </summary>
internal sealed class TableAccessCache
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<AccessKey, (TableAccess Access, long Expires)> entries = new();

    public void Forget(string projectRef) =>
        Remove(k => k.Project == projectRef);

    public void Forget(string projectRef, IEnumerable<string> tables)
    {
        var names = tables.ToHashSet(StringComparer.Ordinal);
        if (names.Count > 0)
        {
            Remove(k => k.Project == projectRef && names.Contains(WalTransaction.TableName(k.Schema, k.Table)));
        }
    }

    /// <summary>The access of each (role, schema, table), from the cache or, for those missing, one catalog query.</summary>
    public async Task<Dictionary<(string Role, string Schema, string Table), TableAccess>> GetAsync(
        NpgsqlConnection connection, string projectRef, IReadOnlyCollection<(string Role, string Schema, string Table)> keys, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        var found = new Dictionary<(string, string, string), TableAccess>();
        var missing = new List<(string Role, string Schema, string Table)>();
        foreach (var key in keys)
        {
            if (entries.TryGetValue(new AccessKey(projectRef, key.Role, key.Schema, key.Table), out var entry) && entry.Expires > now)
            {
                found[key] = entry.Access;
            }
            else
            {
                missing.Add(key);
            }
        }

        if (missing.Count == 0)
        {
            return found;
        }

        await using var command = new NpgsqlCommand(
            """
            SELECT q.i::int, c.oid IS NOT NULL, coalesce(c.relrowsecurity, false), format('%I.%I', q.s, q.t),
                   coalesce(pk.names, '{}'), coalesce(pk.selectable, false),
                   coalesce(cols.hidden, '{}'), coalesce(cols.columns, '[]')::text, coalesce(pk.types, '{}')
            FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS q(r, s, t, i)
            LEFT JOIN pg_namespace n ON n.nspname = q.s
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = q.t
            LEFT JOIN LATERAL (
                SELECT array_agg(a.attname::text ORDER BY a.attnum) AS names,
                       array_agg(format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) AS types,
                       bool_and(has_column_privilege(q.r, c.oid, a.attnum, 'SELECT')) AS selectable
                FROM pg_index x JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY (x.indkey)
                WHERE x.indrelid = c.oid AND x.indisprimary
            ) pk ON true
            LEFT JOIN LATERAL (
                SELECT array_agg(a.attname::text) FILTER (WHERE NOT has_column_privilege(q.r, c.oid, a.attnum, 'SELECT')) AS hidden,
                       jsonb_agg(jsonb_build_object('name', a.attname, 'type', ty.typname) ORDER BY a.attnum)
                           FILTER (WHERE has_column_privilege(q.r, c.oid, a.attnum, 'SELECT')) AS columns
                FROM pg_attribute a JOIN pg_type ty ON ty.oid = a.atttypid
                WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            ) cols ON true
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter { Value = missing.Select(k => k.Role).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = missing.Select(k => k.Schema).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = missing.Select(k => k.Table).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var expires = now + (long)Lifetime.TotalMilliseconds;
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = missing[reader.GetInt32(0) - 1];
            var access = new TableAccess(
                reader.GetBoolean(1), reader.GetBoolean(2), reader.GetString(3), reader.GetFieldValue<string[]>(4), reader.GetBoolean(5),
                reader.GetFieldValue<string[]>(6), reader.GetString(7), reader.GetFieldValue<string[]>(8));
            found[key] = access;
            entries[new AccessKey(projectRef, key.Role, key.Schema, key.Table)] = (access, expires);
        }

        return found;
    }

    private void Remove(Func<AccessKey, bool> which)
    {
        foreach (var key in entries.Keys.Where(which))
        {
            entries.TryRemove(key, out _);
        }
    }

    private readonly record struct AccessKey(string Project, string Role, string Schema, string Table);
}

/// <summary>
/// A role's view of a table: <see cref="QuotedName"/> is the catalog's own quoting of it, <see cref="Hidden"/>
/// the columns the role may not select, <see cref="ColumnsJson"/> the others as Supabase's <c>columns</c>,
/// <see cref="PrimaryKeyTypes"/> the key columns' types as the catalog spells them (<c>format_type</c>).
/// </summary>
internal sealed record TableAccess(
    bool Exists, bool RowSecurity, string QuotedName, string[] PrimaryKey, bool KeySelectable, string[] Hidden, string ColumnsJson,
    string[] PrimaryKeyTypes);
