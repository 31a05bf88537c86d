using MadBase.Control.Admin;
using Npgsql;

namespace MadBase.Control.Studio.Tables;

/// <summary>
/// The table editor's routes under <c>/studio/api/projects/{ref}</c>, on the project's database as its owner.
/// Schema and table names in the path are looked up in the catalog before any use.
/// </summary>
internal static class TablesApi
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static RouteGroupBuilder MapTablesApi(this RouteGroupBuilder project)
    {
        project.MapGet("/tables", ListTables);
        project.MapPost("/tables", CreateTable);
        project.MapGet("/tables/{schema}/{table}", DescribeTable);
        project.MapGet("/tables/{schema}/{table}/rows", ReadRows);
        project.MapPost("/tables/{schema}/{table}/rows", InsertRow);
        project.MapPatch("/tables/{schema}/{table}/rows", UpdateRow);
        project.MapDelete("/tables/{schema}/{table}/rows", DeleteRow);
        return project;
    }

    private static Task<IResult> ListTables(string projectRef, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken) =>
        WithConnectionAsync(db, projectRef, async connection => TypedResults.Ok(new
        {
            Schemas = await TableCatalog.SchemasAsync(connection, cancellationToken),
            Tables = await TableCatalog.ListAsync(connection, cancellationToken),
        }), cancellationToken);

    private static async Task<IResult> CreateTable(
        string projectRef, HttpRequest request, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken)
    {
        var table = await RequestBody.ReadAsync<NewTable>(request, NewTable.Expected, cancellationToken);
        table.ToSql(); // validate before opening a connection
        return await WithConnectionAsync(db, projectRef, async connection =>
        {
            await table.CreateAsync(connection, cancellationToken);
            var created = await TableCatalog.DescribeAsync(connection, table.Schema!, table.Name!, cancellationToken);
            return TypedResults.Created($"/studio/api/projects/{projectRef}/tables/{table.Schema}/{table.Name}", created);
        }, cancellationToken);
    }

    private static Task<IResult> DescribeTable(
        string projectRef, string schema, string table, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken) =>
        WithConnectionAsync(db, projectRef, async connection =>
            TypedResults.Ok(await TableCatalog.DescribeAsync(connection, schema, table, cancellationToken)), cancellationToken);

    /// <summary><c>?limit=50&amp;offset=0&amp;order=&lt;column&gt;&amp;desc=true&amp;where.&lt;column&gt;=&lt;op&gt;:&lt;value&gt;</c>.</summary>
    private static Task<IResult> ReadRows(
        string projectRef, string schema, string table, int? limit, int? offset, string? order, bool? desc, HttpRequest request,
        [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > RowPage.MaxLimit)
        {
            throw AdminException.BadRequest($"limit must be between 1 and {RowPage.MaxLimit}");
        }

        if (offset is < 0)
        {
            throw AdminException.BadRequest("offset must not be negative");
        }

        return WithConnectionAsync(db, projectRef, async connection =>
        {
            var info = await TableCatalog.DescribeAsync(connection, schema, table, cancellationToken);
            var filters = RowPage.ParseFilters(info, request.Query);
            var orderColumn = order is { Length: > 0 } ? info.Column(order) : null;
            return TypedResults.Ok(await RowPage.ReadAsync(
                connection, info, filters, orderColumn, desc ?? false, limit ?? 50, offset ?? 0, cancellationToken));
        }, cancellationToken);
    }

    private static Task<IResult> InsertRow(
        string projectRef, string schema, string table, HttpRequest request, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken) =>
        ChangeRowAsync(projectRef, schema, table, request, db, async (connection, info, body) =>
            TypedResults.Created((string?)null, new { Row = await RowChange.InsertAsync(connection, info, body, cancellationToken) }), cancellationToken);

    private static Task<IResult> UpdateRow(
        string projectRef, string schema, string table, HttpRequest request, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken) =>
        ChangeRowAsync(projectRef, schema, table, request, db, async (connection, info, body) =>
            TypedResults.Ok(new { Row = await RowChange.UpdateAsync(connection, info, body, cancellationToken) }), cancellationToken);

    private static Task<IResult> DeleteRow(
        string projectRef, string schema, string table, HttpRequest request, [AsParameters] OwnerConnectionServices db, CancellationToken cancellationToken) =>
        ChangeRowAsync(projectRef, schema, table, request, db, async (connection, info, body) =>
        {
            await RowChange.DeleteAsync(connection, info, body, cancellationToken);
            return TypedResults.NoContent();
        }, cancellationToken);

    private static async Task<IResult> ChangeRowAsync(
        string projectRef, string schema, string table, HttpRequest request, OwnerConnectionServices db,
        Func<NpgsqlConnection, TableInfo, RowChangeRequest, Task<IResult>> change, CancellationToken cancellationToken)
    {
        var body = await RequestBody.ReadAsync<RowChangeRequest>(request, RowChangeRequest.Expected, cancellationToken);
        return await WithConnectionAsync(db, projectRef, async connection =>
            await change(connection, await TableCatalog.DescribeAsync(connection, schema, table, cancellationToken), body), cancellationToken);
    }

    private static async Task<IResult> WithConnectionAsync(
        OwnerConnectionServices db, string projectRef, Func<NpgsqlConnection, Task<IResult>> work, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenAsync(projectRef, Timeout, cancellationToken);
        try
        {
            return await work(connection);
        }
        catch (PostgresException e) when (EditorErrors.FromPostgres(e) is { } refusal)
        {
            throw refusal;
        }
    }
}
