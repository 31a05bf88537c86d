using System.Text.Json;
using MadBase.Worker.Rest.Sql;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Worker.Rest;

/// <summary>
/// The one result row every statement returns: total count (when asked), page size and body; for upserts
/// also how many rows were inserted rather than updated.
/// </summary>
internal sealed record QueryResult(long? Total, long Page, string? Body, long? Inserted = null);

/// <summary>
/// Runs one built statement inside the request's RLS transaction (role, claims, read-only for GET/HEAD),
/// after the project's pre-request function; checks that must undo the work (single object, max-affected)
/// run before the commit.
/// </summary>
internal sealed partial class RestExecutor(TenantScope scope)
{
    public async Task<QueryResult> RunAsync(
        RestContext rest, Statement statement, Statement? plannedCount, Func<QueryResult, RestException?>? check, bool rollback)
    {
        var context = rest.Http;
        await using var tx = await scope.BeginAsync(context, rest.Tenant);
        if (rest.Project.Settings.Rest.PreRequest is { Length: > 0 } preRequest)
        {
            var parts = preRequest.Split('.', 2);
            var name = parts.Length == 2 ? Ident.Quote(parts[0]) + "." + Ident.Quote(parts[1]) : Ident.Quote(parts[0]);
            await using var pre = tx.CreateCommand("SELECT " + name + "()");
            await pre.ExecuteNonQueryAsync(context.RequestAborted);
        }

        long? planned = null;
        if (plannedCount is not null)
        {
            await using var explain = tx.CreateCommand(plannedCount.ToString());
            foreach (var parameter in plannedCount.Parameters)
            {
                explain.Parameters.Add(parameter);
            }

            var json = (string?)await explain.ExecuteScalarAsync(context.RequestAborted);
            if (json is not null)
            {
                using var plan = JsonDocument.Parse(json);
                planned = (long)plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
            }
        }

        QueryResult result;
        await using (var command = tx.CreateCommand(statement.ToString()))
        {
            foreach (var parameter in statement.Parameters)
            {
                command.Parameters.Add(parameter);
            }

            await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
            await reader.ReadAsync(context.RequestAborted);
            result = new QueryResult(
                reader.IsDBNull(0) ? planned : reader.GetInt64(0),
                reader.GetInt64(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.FieldCount > 3 && !reader.IsDBNull(3) ? reader.GetInt64(3) : null);
        }

        if (check?.Invoke(result) is { } error)
        {
            throw error;
        }

        if (!rollback)
        {
            await tx.CommitAsync(context.RequestAborted);
        }

        return result;
    }

    public static RestException Translate(PostgresException error, RestContext? rest) =>
        RestException.FromPostgres(error, rest is null || rest.Tenant.Caller.Role == ApiRoles.Anon);
}
