using Npgsql;

namespace MadBase.Worker.Realtime.Changes;

/// <summary>
/// Checks a channel's bindings against the project's catalog at join: the table exists, a filter's column
/// is one of its columns and its values read as that column's type. A refusal is a <see cref="ChangeFeedException"/>
/// the client sees; nothing of the client's text reaches SQL except as a parameter.
/// </summary>
internal static class BindingCatalog
{
    public static async Task ValidateAsync(string adminConnectionString, IReadOnlyList<ChangeBinding> bindings, CancellationToken cancellationToken)
    {
        if (bindings.All(b => b.Table is null && b.Filter is null))
        {
            return;
        }

        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var binding in bindings)
        {
            await ValidateAsync(connection, binding, cancellationToken);
        }
    }

    private static async Task ValidateAsync(NpgsqlConnection connection, ChangeBinding binding, CancellationToken cancellationToken)
    {
        if (binding.Table is null)
        {
            if (binding.Filter is not null)
            {
                throw Refused(binding, "a filter needs a table");
            }

            return;
        }

        var tables = await FindTablesAsync(connection, binding.Schema, binding.Table, cancellationToken);
        if (tables.Count == 0)
        {
            throw Refused(binding, $"table {binding.Schema}.{binding.Table} does not exist");
        }

        if (binding.Filter is not { } filter)
        {
            return;
        }

        foreach (var (oid, name) in tables)
        {
            if (await FindColumnAsync(connection, oid, filter.Column, cancellationToken) is not { } column)
            {
                throw Refused(binding, $"column {filter.Column} does not exist in {name}");
            }

            await CastValuesAsync(connection, binding, filter, name, column, cancellationToken);
        }
    }

    /// <summary>The table in its schema (in every schema for <c>*</c>), as its oid and quoted name.</summary>
    private static async Task<List<(uint Oid, string Name)>> FindTablesAsync(
        NpgsqlConnection connection, string schema, string table, CancellationToken cancellationToken)
    {
        // The quoted names come from the catalog itself (format('%I.%I')), never from the client.
        var tables = new List<(uint Oid, string Name)>();
        await using var find = new NpgsqlCommand(
            """
            SELECT c.oid, format('%I.%I', n.nspname, c.relname)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE ($1 = '*' OR n.nspname = $1) AND c.relname = $2 AND c.relkind IN ('r', 'p')
            """,
            connection);
        find.Parameters.AddWithValue(schema);
        find.Parameters.AddWithValue(table);
        await using var reader = await find.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            tables.Add((reader.GetFieldValue<uint>(0), reader.GetString(1)));
        }

        return tables;
    }

    /// <summary>The filter's column of the table, quoted by Postgres; null if the table has none of that name.</summary>
    private static async Task<string?> FindColumnAsync(NpgsqlConnection connection, uint table, string name, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand(
            "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = $1 AND attname = $2 AND attnum > 0 AND NOT attisdropped",
            connection);
        find.Parameters.Add(new NpgsqlParameter { Value = table, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Oid });
        find.Parameters.AddWithValue(name);
        return await find.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Each filter value read as the column's type, as Postgres would read it: a refusal names the value.</summary>
    private static async Task CastValuesAsync(
        NpgsqlConnection connection, ChangeBinding binding, ChangeFilter filter, string table, string column, CancellationToken cancellationToken)
    {
        foreach (var value in filter.Values)
        {
            await using var cast = new NpgsqlCommand(
                $"SELECT (jsonb_populate_record(NULL::{table}, jsonb_build_object($1::text, $2::text))).{column}", connection);
            cast.Parameters.AddWithValue(filter.Column);
            cast.Parameters.AddWithValue(value);
            try
            {
                await cast.ExecuteScalarAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
            {
                throw Refused(binding, $"invalid filter value {value} for column {filter.Column}: {e.MessageText}");
            }
        }
    }

    private static ChangeFeedException Refused(ChangeBinding binding, string reason) => new(
        $"Unable to subscribe to changes with given parameters ({reason}). Please check Realtime is enabled for the given connect parameters: "
        + $"[event: {Event(binding.Event)}, schema: {binding.Schema}, table: {binding.Table ?? "*"}, filters: "
        + (binding.Filter is { } f ? $"[{{\"{f.Column}\", \"{f.Operator.ToString().ToLowerInvariant()}\", \"{string.Join(',', f.Values)}\"}}]" : "[]") + "]");

    private static string Event(ChangeEvent change) => change switch
    {
        ChangeEvent.Insert => "INSERT",
        ChangeEvent.Update => "UPDATE",
        ChangeEvent.Delete => "DELETE",
        _ => "*",
    };
}
