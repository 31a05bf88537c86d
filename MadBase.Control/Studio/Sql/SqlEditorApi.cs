using System.Diagnostics;
using System.Text.Json.Serialization;
using MadBase.Control.Admin;
using MadBase.Control.Studio.Tables;
using Npgsql;

namespace MadBase.Control.Studio.Sql;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record SqlRequest(string? Query, int RowLimit = 1000, int TimeoutSeconds = 30)
{
    public const string Expected = "an object with query (string) and optionally row_limit (1-10000) and timeout_seconds (1-300)";
}

internal sealed record SqlColumn(string Name, string Type);

/// <summary>The last result that has columns (or none), what every statement changed, and how long it all took.</summary>
internal sealed record SqlResult(IReadOnlyList<SqlColumn> Columns, IReadOnlyList<string?[]> Rows, bool Truncated, int RowsAffected, long DurationMs);

/// <summary>
/// A failed query: the admin error shape plus where Postgres says it failed (<c>position</c>, 1-based,
/// in characters of the query), its SQLSTATE, detail and hint.
/// </summary>
internal sealed record SqlError(string Error, int Code, string Sqlstate, int? Position, string? Detail, string? Hint);

/// <summary>
/// <c>POST /studio/api/projects/{ref}/sql</c>: the SQL editor. Runs the text as the project database's owner,
/// under a statement timeout; values come back in Postgres's text form, at most <c>row_limit</c> rows of them.
/// </summary>
internal static class SqlEditorApi
{
    private const int MaxRowLimit = 10_000;
    private const int MaxTimeoutSeconds = 300;
    private const int MaxQueryLength = 1_000_000;

    public static RouteGroupBuilder MapSqlEditorApi(this RouteGroupBuilder project)
    {
        project.MapPost("/sql", RunAsync);
        return project;
    }

    private static async Task<IResult> RunAsync(
        string projectRef, HttpRequest request, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<SqlRequest>(request, SqlRequest.Expected, cancellationToken);
        if (string.IsNullOrWhiteSpace(body.Query) || body.Query.Length > MaxQueryLength)
        {
            throw AdminException.BadRequest($"query must be between 1 and {MaxQueryLength} characters of SQL");
        }

        if (body.RowLimit is < 1 or > MaxRowLimit)
        {
            throw AdminException.BadRequest($"row_limit must be between 1 and {MaxRowLimit}");
        }

        if (body.TimeoutSeconds is < 1 or > MaxTimeoutSeconds)
        {
            throw AdminException.BadRequest($"timeout_seconds must be between 1 and {MaxTimeoutSeconds}");
        }

        await using var connection = await db.OpenAsync(projectRef, TimeSpan.FromSeconds(body.TimeoutSeconds), cancellationToken);
        var clock = Stopwatch.StartNew();
        var progress = new Progress();
        try
        {
            return TypedResults.Ok(await ExecuteAsync(connection, body.Query, body.RowLimit, clock, progress, cancellationToken));
        }
        catch (PostgresException e)
        {
            var position = e.Position > 0 ? StatementStarts.PositionInText(body.Query, progress.Statement, e.Position) : (int?)null;
            return TypedResults.BadRequest(new SqlError(e.MessageText, StatusCodes.Status400BadRequest, e.SqlState, position, e.Detail, e.Hint));
        }
    }

    /// <summary>Which statement of the text runs now (from 0): the one an error belongs to.</summary>
    private sealed class Progress
    {
        public int Statement { get; set; }
    }

    private static async Task<SqlResult> ExecuteAsync(
        NpgsqlConnection connection, string query, int rowLimit, Stopwatch clock, Progress progress, CancellationToken cancellationToken)
    {
        // Text results: every type (arrays, ranges, geometry, an extension's) reads as Postgres prints it.
        await using var command = new NpgsqlCommand(query, connection) { AllResultTypesAreUnknown = true };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        List<SqlColumn> columns = [];
        List<string?[]> rows = [];
        var truncated = false;
        do
        {
            if (reader.FieldCount > 0)
            {
                columns = [.. Enumerable.Range(0, reader.FieldCount).Select(i => new SqlColumn(reader.GetName(i), reader.GetDataTypeName(i)))];
                rows = [];
                truncated = false;
                while (await reader.ReadAsync(cancellationToken))
                {
                    if (rows.Count < rowLimit)
                    {
                        rows.Add(RowPage.TextRow(reader));
                    }
                    else
                    {
                        // The rest is read and dropped; the statement timeout bounds how long that can take.
                        truncated = true;
                    }
                }
            }

            progress.Statement++;
        }
        while (await reader.NextResultAsync(cancellationToken));

        return new SqlResult(columns, rows, truncated, Math.Max(reader.RecordsAffected, 0), clock.ElapsedMilliseconds);
    }
}
