using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using MadBase.Worker.Tenancy;
using Npgsql;

namespace MadBase.Tests.Worker;

/// <summary>The one RLS helper, against a real project database bootstrapped as Control does it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RlsTransactionTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly Guid Alice = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Bob = Guid.Parse("22222222-2222-2222-2222-222222222222");

    private readonly Project project = TestProjects.New();
    private NpgsqlDataSource dataSource = null!;

    public async Task InitializeAsync()
    {
        await TestProjects.CreateDatabaseAsync(postgres, project);
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(project.DatabaseName)))
        {
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand("""
                CREATE TABLE public.notes (id serial PRIMARY KEY, owner uuid NOT NULL, body text NOT NULL);
                ALTER TABLE public.notes ENABLE ROW LEVEL SECURITY;
                CREATE POLICY own_notes ON public.notes FOR ALL TO authenticated
                    USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
                INSERT INTO public.notes (owner, body) VALUES
                    ('11111111-1111-1111-1111-111111111111', 'alice 1'),
                    ('11111111-1111-1111-1111-111111111111', 'alice 2'),
                    ('22222222-2222-2222-2222-222222222222', 'bob 1');
                """, admin);
            await command.ExecuteNonQueryAsync();
        }

        dataSource = NpgsqlDataSource.Create(TenantConnections.Authenticator(project, postgres.SystemConnectionString, 4));
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task BeginAsync_AuthenticatedUser_RunsAsThatRoleWithClaims()
    {
        // A module's own setting (storage-api's storage.operation) comes with the same setup.
        var request = Request("GET") with { Settings = [new("storage.operation", "storage.object.list")] };
        await using var tx = await RlsTransaction.BeginAsync(dataSource, User(Alice), request, CancellationToken.None);
        await using var command = tx.CreateCommand(
            "SELECT current_user, auth.uid(), auth.role(), auth.jwt() ->> 'email', current_setting('request.jwt.claims')::jsonb ->> 'sub', current_setting('request.method'), current_setting('request.path'), current_setting('request.headers')::jsonb ->> 'x-test', current_setting('storage.operation')");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("authenticated", reader.GetString(0));
        Assert.Equal(Alice, reader.GetGuid(1));
        Assert.Equal("authenticated", reader.GetString(2));
        Assert.Equal("alice@example.com", reader.GetString(3));
        Assert.Equal(Alice.ToString(), reader.GetString(4));
        Assert.Equal("GET", reader.GetString(5));
        Assert.Equal("/rest/v1/notes", reader.GetString(6));
        Assert.Equal("yes", reader.GetString(7));
        Assert.Equal("storage.object.list", reader.GetString(8));
    }

    [Fact]
    public async Task BeginAsync_Policies_SeeOnlyTheCallersRows()
    {
        Assert.Equal(["alice 1", "alice 2"], await BodiesAsync(User(Alice)));
        Assert.Equal(["bob 1"], await BodiesAsync(User(Bob)));
        Assert.Empty(await BodiesAsync(Caller.Anonymous));
        Assert.Equal(["alice 1", "alice 2", "bob 1"], await BodiesAsync(new Caller("service_role", """{"role":"service_role"}""", null)));
    }

    [Fact]
    public async Task BeginAsync_WriteAsAnotherUser_IsRejectedByThePolicy()
    {
        await using var tx = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), CancellationToken.None);
        await using var insert = tx.CreateCommand("INSERT INTO public.notes (owner, body) VALUES ($1, 'forged')");
        insert.Parameters.AddWithValue(Bob);
        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task BeginAsync_Get_IsReadOnly()
    {
        await using var tx = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("GET"), CancellationToken.None);
        await using var insert = tx.CreateCommand($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'x')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
    }

    [Fact]
    public async Task BeginAsync_RoleOutsideAllowList_IsRefusedBeforeAnySql()
    {
        var caller = new Caller("postgres", """{"role":"postgres"}""", null);
        var error = await Assert.ThrowsAsync<RoleNotAllowedException>(
            () => RlsTransaction.BeginAsync(dataSource, caller, Request("GET"), CancellationToken.None));
        Assert.Equal("postgres", error.Role);
    }

    [Fact]
    public async Task CommitAsync_PersistsWrites_AndDisposeWithoutCommit_RollsBack()
    {
        await using (var tx = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), CancellationToken.None))
        {
            await using var insert = tx.CreateCommand($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'kept')");
            await insert.ExecuteNonQueryAsync();
            await tx.CommitAsync(CancellationToken.None);
        }

        await using (var tx = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), CancellationToken.None))
        {
            await using var insert = tx.CreateCommand($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'dropped')");
            await insert.ExecuteNonQueryAsync();
        }

        var bodies = await BodiesAsync(User(Alice));
        Assert.Contains("kept", bodies);
        Assert.DoesNotContain("dropped", bodies);
    }

    [Fact]
    public async Task Authenticator_CannotReadTablesWithoutSettingARole()
    {
        // NOINHERIT: the login role itself holds no table privileges, only the right to SET ROLE.
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM public.notes", connection);
        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteScalarAsync());
        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
    }

    [Fact]
    public async Task Batch_Implicit_RunsAsTheCallerWithClaims_InOneTransaction()
    {
        await using var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("GET"), RlsMode.SingleTrip, CancellationToken.None);
        batch.Add("SELECT current_user, auth.uid(), current_setting('request.headers')::jsonb ->> 'x-test', txid_current_if_assigned() IS NULL");
        batch.Add("SELECT string_agg(body, ',' ORDER BY body), current_setting('transaction_read_only') FROM public.notes");
        await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
        Assert.True(await reader.ReadAsync());
        Assert.Equal("authenticated", reader.GetString(0));
        Assert.Equal(Alice, reader.GetGuid(1));
        Assert.Equal("yes", reader.GetString(2));
        Assert.True(await reader.NextResultAsync());
        Assert.True(await reader.ReadAsync());
        Assert.Equal("alice 1,alice 2", reader.GetString(0));
        Assert.Equal("on", reader.GetString(1));
    }

    [Fact]
    public async Task Batch_Implicit_Get_IsReadOnly()
    {
        await using var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("GET"), RlsMode.SingleTrip, CancellationToken.None);
        batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'x')");
        var error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteReaderAsync(CancellationToken.None));
        Assert.Equal(PostgresErrorCodes.ReadOnlySqlTransaction, error.SqlState);
    }

    [Fact]
    public async Task Batch_Implicit_CommitsAtTheEnd_AndAnErrorUndoesEveryStatement()
    {
        await using (var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), RlsMode.SingleTrip, CancellationToken.None))
        {
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'batch kept')");
            await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.NextResultAsync())
                {
                }
            }

            await batch.CommitAsync(CancellationToken.None);
        }

        await using (var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), RlsMode.SingleTrip, CancellationToken.None))
        {
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'batch undone')");
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Bob}', 'forged')");
            var error = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
                while (await reader.NextResultAsync())
                {
                }
            });
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }

        var bodies = await BodiesAsync(User(Alice));
        Assert.Contains("batch kept", bodies);
        Assert.DoesNotContain("batch undone", bodies);
    }

    [Fact]
    public async Task Batch_Explicit_WithoutCommit_RollsBack()
    {
        await using (var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), RlsMode.Pipelined, CancellationToken.None))
        {
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'explicit undone') RETURNING id");
            await using var reader = await batch.ExecuteReaderAsync(CancellationToken.None);
            Assert.True(await reader.ReadAsync());
        }

        Assert.DoesNotContain("explicit undone", await BodiesAsync(User(Alice)));
    }

    [Fact]
    public async Task Batch_ExecuteAndCommit_KeepsTheWritesSentWithTheCommit_AndAFailedWriteUndoesTheTransaction()
    {
        await using (var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), RlsMode.Pipelined, CancellationToken.None))
        {
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'first trip') RETURNING id");
            await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None))
            {
                Assert.True(await reader.ReadAsync());
            }

            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'with the commit')");
            await batch.ExecuteAndCommitAsync(CancellationToken.None);
        }

        await using (var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("POST"), RlsMode.Pipelined, CancellationToken.None))
        {
            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Alice}', 'first trip undone') RETURNING id");
            await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None))
            {
                Assert.True(await reader.ReadAsync());
            }

            batch.Add($"INSERT INTO public.notes (owner, body) VALUES ('{Bob}', 'forged')");
            var error = await Assert.ThrowsAsync<PostgresException>(() => batch.ExecuteAndCommitAsync(CancellationToken.None));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, error.SqlState);
        }

        var bodies = await BodiesAsync(User(Alice));
        Assert.Contains("first trip", bodies);
        Assert.Contains("with the commit", bodies);
        Assert.DoesNotContain("first trip undone", bodies);
    }

    [Fact]
    public async Task Batch_NextRequestOnThePooledConnection_DoesNotInheritTheRole()
    {
        // The pool skips the session reset: the role and claims must be transaction-local.
        await BodiesAsync(User(Alice));
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("SELECT current_user, current_setting('request.jwt.claims', true)", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(project.AuthenticatorRole, reader.GetString(0));
        Assert.True(reader.IsDBNull(1) || reader.GetString(1).Length == 0);
    }

    [Fact]
    public async Task Batch_RoleOutsideAllowList_IsRefusedBeforeAnySql()
    {
        var caller = new Caller("postgres", """{"role":"postgres"}""", null);
        await Assert.ThrowsAsync<RoleNotAllowedException>(
            () => RlsTransaction.BeginAsync(dataSource, caller, Request("GET"), RlsMode.SingleTrip, CancellationToken.None));
    }

    [Fact]
    public async Task Batch_SingleTrip_RefusesASecondRoundTrip()
    {
        // A second trip would run after the implicit commit, without the setup: as the login role.
        await using var batch = await RlsTransaction.BeginAsync(dataSource, User(Alice), Request("GET"), RlsMode.SingleTrip, CancellationToken.None);
        batch.Add("SELECT 1");
        await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None))
        {
            while (await reader.NextResultAsync())
            {
            }
        }

        Assert.Throws<InvalidOperationException>(() => batch.Add("SELECT 2"));
        Assert.Throws<InvalidOperationException>(() => batch.CreateCommand("SELECT 2"));
    }

    private async Task<List<string>> BodiesAsync(Caller caller)
    {
        await using var tx = await RlsTransaction.BeginAsync(dataSource, caller, Request("GET"), CancellationToken.None);
        await using var command = tx.CreateCommand("SELECT body FROM public.notes ORDER BY body");
        var bodies = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            bodies.Add(reader.GetString(0));
        }

        return bodies;
    }

    private static Caller User(Guid id) => new(
        "authenticated",
        $$"""{"sub":"{{id}}","role":"authenticated","email":"{{(id == Alice ? "alice" : "bob")}}@example.com"}""",
        id.ToString());

    private static RlsRequest Request(string method) => new(
        method, "/rest/v1/notes", """{"x-test":"yes"}""", "{}", method is "GET" or "HEAD");
}
