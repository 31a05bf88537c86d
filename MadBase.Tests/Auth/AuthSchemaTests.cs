using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Auth;

[Collection(StackCollection.Name)]
public sealed class AuthSchemaTests(StackFixture stack) : IAsyncLifetime
{
    private TestProject auth = null!;

    public async Task InitializeAsync() => auth = await TestProject.CreateAsync(stack, "auth schema");

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("users")]
    [InlineData("identities")]
    [InlineData("sessions")]
    [InlineData("refresh_tokens")]
    [InlineData("audit_log_entries")]
    [InlineData("one_time_tokens")]
    [InlineData("flow_state")]
    [InlineData("mfa_amr_claims")]
    [InlineData("mfa_factors")]
    [InlineData("mfa_challenges")]
    [InlineData("webauthn_credentials")]
    [InlineData("webauthn_challenges")]
    [InlineData("sso_providers")]
    [InlineData("sso_domains")]
    [InlineData("saml_providers")]
    [InlineData("saml_relay_states")]
    [InlineData("saml_sp_key")]
    [InlineData("saml_consumed_assertions")]
    public async Task AuthTables_OnlyServiceRoleHasPrivileges(string table)
    {
        Assert.True(await auth.ScalarAsync<bool>("SELECT has_table_privilege('service_role', 'auth.' || $1, 'SELECT')", table));
        Assert.False(await auth.ScalarAsync<bool>("SELECT has_table_privilege('anon', 'auth.' || $1, 'SELECT')", table));
        Assert.False(await auth.ScalarAsync<bool>("SELECT has_table_privilege('authenticated', 'auth.' || $1, 'SELECT')", table));
    }

    [Fact]
    public async Task Users_HasSupabaseColumns()
    {
        string[] columns =
        [
            "instance_id", "id", "aud", "role", "email", "encrypted_password", "email_confirmed_at", "invited_at", "confirmation_token",
            "confirmation_sent_at", "recovery_token", "recovery_sent_at", "email_change_token_new", "email_change", "email_change_sent_at",
            "last_sign_in_at", "raw_app_meta_data", "raw_user_meta_data", "is_super_admin", "created_at", "updated_at", "phone",
            "phone_confirmed_at", "phone_change", "phone_change_token", "phone_change_sent_at", "confirmed_at", "email_change_token_current",
            "email_change_confirm_status", "banned_until", "reauthentication_token", "reauthentication_sent_at", "is_sso_user", "deleted_at",
            "is_anonymous",
        ];

        var actual = await auth.ScalarAsync<string>(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_schema = 'auth' AND table_name = 'users'");

        Assert.Equal(string.Join(",", columns), actual);
    }

    [Fact]
    public async Task Outbox_NotReachableByApiRoles()
    {
        Assert.False(await auth.ScalarAsync<bool>("SELECT has_table_privilege('anon', 'auth_mail.outbox', 'SELECT')"));
        Assert.False(await auth.ScalarAsync<bool>("SELECT has_table_privilege('authenticated', 'auth_mail.outbox', 'SELECT')"));
    }

    [Fact]
    public async Task Migrations_RecordedUnderAuthModule()
    {
        Assert.Equal(6L, await auth.ScalarAsync<long>("SELECT count(*) FROM _madbase.migrations WHERE module = 'auth'"));
    }
}
