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
internal sealed partial class RestExecutor
{
    public async Task<QueryResult> RunAsync(
        RestContext rest, Statement statement, Statement? plannedCount, Func<QueryResult, RestException?>? check, bool rollback)
    {
        var context = rest.Http;
        var cancellationToken = context.RequestAborted;

        // A read has nothing to undo and a write without a check commits as it is: those run as one
        // round trip. A write whose result decides whether it is kept needs the explicit transaction.
        var readOnly = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
        var explicitTransaction = rollback || check is not null && !readOnly;
        await using var batch = await rest.Tenant.BeginAsync(explicitTransaction ? RlsMode.Pipelined : RlsMode.SingleTrip);
        var preRequest = PreRequestCall(rest);
        if (preRequest is not null)
        {
            batch.Add(preRequest);
        }

        if (plannedCount is not null)
        {
            batch.Add(plannedCount.ToString(), plannedCount.Parameters);
        }

        batch.Add(statement.ToString(), statement.Parameters);

        var result = await ReadResultAsync(batch, preRequest is not null, plannedCount is not null, cancellationToken);
        if (check?.Invoke(result) is { } error)
        {
            throw error;
        }

        if (!rollback)
        {
            await batch.CommitAsync(cancellationToken);
        }

        return result;
    }

    /// <summary>
    /// The statement's one row, past the pre-request call's result; with a planned count, the total is the
    /// EXPLAIN's row estimate where the statement did not count.
    /// </summary>
    private static async Task<QueryResult> ReadResultAsync(RlsTransaction batch, bool preRequest, bool plannedCount, CancellationToken cancellationToken)
    {
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (preRequest)
        {
            await reader.NextResultAsync(cancellationToken);
        }

        long? planned = null;
        if (plannedCount)
        {
            if (await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0))
            {
                using var plan = JsonDocument.Parse(reader.GetString(0));
                planned = (long)plan.RootElement[0].GetProperty("Plan").GetProperty("Plan Rows").GetDouble();
            }

            await reader.NextResultAsync(cancellationToken);
        }

        await reader.ReadAsync(cancellationToken);
        var result = new QueryResult(
            reader.IsDBNull(0) ? planned : reader.GetInt64(0),
            reader.GetInt64(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.FieldCount > 3 && !reader.IsDBNull(3) ? reader.GetInt64(3) : null);

        // Read to the Sync, so an error raised at an implicit commit (deferred constraints) surfaces here.
        while (await reader.NextResultAsync(cancellationToken))
        {
        }

        return result;
    }

    /// <summary>The project's pre-request function call (PostgREST's db-pre-request), or null.</summary>
    internal static string? PreRequestCall(RestContext rest)
    {
        if (rest.Project.Settings.Rest.PreRequest is not { Length: > 0 } function)
        {
            return null;
        }

        var parts = function.Split('.', 2);
        var name = parts.Length == 2 ? Ident.Quote(parts[0]) + "." + Ident.Quote(parts[1]) : Ident.Quote(parts[0]);
        return "SELECT " + name + "()";
    }

}
