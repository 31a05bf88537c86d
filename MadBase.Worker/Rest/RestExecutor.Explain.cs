using System.Text;
using MadBase.Worker.Rest.Parsing;
using MadBase.Worker.Rest.Sql;

namespace MadBase.Worker.Rest;

/// <summary>
/// <c>Accept: application/vnd.pgrst.plan</c>: EXPLAIN of the very statement the request would run, in the
/// same RLS transaction (role, claims, read-only for GET/HEAD) after the same pre-request function. As in
/// PostgREST, <c>options=analyze</c> executes the statement and a write is committed unless the request asks
/// for <c>Prefer: tx=rollback</c> (and the project allows it); without analyze nothing runs.
/// </summary>
internal sealed partial class RestExecutor
{
    public async Task<string> ExplainAsync(RestContext rest, Statement statement, PlanRequest plan, bool rollback)
    {
        var context = rest.Http;
        await using var tx = await rest.Tenant.BeginAsync();
        if (PreRequestCall(rest) is { } preRequest)
        {
            await using var pre = tx.CreateCommand(preRequest);
            await pre.ExecuteNonQueryAsync(context.RequestAborted);
        }

        // Option words come from PlanRequest.KnownOptions only, never from the header's text.
        var options = string.Join(", ", [plan.Format == PlanFormat.Json ? "FORMAT JSON" : "FORMAT TEXT", .. plan.Options.Select(o => o.ToUpperInvariant())]);
        var output = new StringBuilder();
        await using (var command = tx.CreateCommand($"EXPLAIN ({options}) {statement}"))
        {
            foreach (var parameter in statement.Parameters)
            {
                command.Parameters.Add(parameter);
            }

            // FORMAT TEXT is one row per line of the plan, FORMAT JSON a single row.
            await using var reader = await command.ExecuteReaderAsync(context.RequestAborted);
            while (await reader.ReadAsync(context.RequestAborted))
            {
                output.Append(reader.GetString(0)).Append('\n');
            }
        }

        if (!rollback)
        {
            await tx.CommitAsync(context.RequestAborted);
        }

        return output.ToString();
    }
}
