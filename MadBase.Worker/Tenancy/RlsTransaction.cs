using System.Data;
using System.Text.Json;
using MadBase.ServiceDefaults.Projects;
using Npgsql;

namespace MadBase.Worker.Tenancy;

/// <summary>
/// The one way every module touches a project's data: a transaction that runs as the caller's role with
/// the request's claims visible to Postgres, exactly as PostgREST and storage-api set them up, so row-level
/// security policies written for Supabase (auth.uid(), auth.jwt(), current_setting('request.…')) apply
/// unchanged. Reads (GET/HEAD) run READ ONLY. For work of several statements with logic in between;
/// a request that is one statement uses <see cref="RlsBatch"/>, which saves two round trips.
/// </summary>
internal sealed class RlsTransaction : IAsyncDisposable
{
    private readonly NpgsqlConnection connection;
    private bool completed;

    private RlsTransaction(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        this.connection = connection;
        Transaction = transaction;
    }

    public NpgsqlTransaction Transaction { get; }

    public NpgsqlConnection Connection => connection;

    public static async Task<RlsTransaction> BeginAsync(
        NpgsqlDataSource dataSource, Caller caller, RlsRequest request, CancellationToken cancellationToken)
    {
        RlsSetup.EnsureAllowed(caller);
        return await BeginAsync(await dataSource.OpenConnectionAsync(cancellationToken), caller, request, cancellationToken);
    }

    /// <summary>
    /// The same on a connection already open, which the transaction owns from here on. With
    /// <paramref name="replace"/>, a connection found dead by the setup is swapped for a fresh one, once.
    /// </summary>
    public static async Task<RlsTransaction> BeginAsync(
        NpgsqlConnection connection, Caller caller, RlsRequest request, CancellationToken cancellationToken,
        ReplaceConnection? replace = null)
    {
        try
        {
            RlsSetup.EnsureAllowed(caller);
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken);
            await using (var setup = new NpgsqlCommand(RlsSetup.Sql, connection, transaction))
            {
                RlsSetup.AddParameters(setup.Parameters, caller, request);
                await setup.ExecuteNonQueryAsync(cancellationToken);
            }

            return new RlsTransaction(connection, transaction);
        }
        catch (Exception error) when (replace is not null && !cancellationToken.IsCancellationRequested
                                      && DeadConnection.Describes(error, connection, onlySetupSent: true))
        {
            // Only BEGIN and the setup went out: nothing of the request has run yet.
            await connection.DisposeAsync();
            return await BeginAsync(await replace(cancellationToken), caller, request, cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public NpgsqlCommand CreateCommand(string sql) => new(sql, connection, Transaction);

    /// <summary>For several statements known up front: one round trip instead of one each.</summary>
    public NpgsqlBatch CreateBatch() => new(connection, Transaction);

    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        await Transaction.CommitAsync(cancellationToken);
        completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (!completed)
        {
            try
            {
                await Transaction.RollbackAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The connection is broken; disposing it below returns nothing bad to the pool.
            }
        }

        await Transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}

/// <summary>What Postgres sees of the HTTP request through <c>current_setting('request.…')</c>.</summary>
internal sealed record RlsRequest(string Method, string Path, string HeadersJson, string CookiesJson, bool ReadOnly)
{
    public static RlsRequest From(HttpRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Headers)
        {
            headers[name.ToLowerInvariant()] = value.ToString();
        }

        var cookies = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in request.Cookies)
        {
            cookies[name] = value;
        }

        var readOnly = HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method);
        return new RlsRequest(
            request.Method,
            request.Path.Value ?? "/",
            JsonSerializer.Serialize(headers),
            JsonSerializer.Serialize(cookies),
            readOnly);
    }
}

internal sealed class RoleNotAllowedException(string role) : Exception($"role \"{role}\" is not allowed")
{
    public string Role { get; } = role;
}
