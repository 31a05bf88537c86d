using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>
/// The auth schema of a Supabase project (supabase/auth <c>migrations/</c>, as of their latest state), written
/// idempotently so a database restored from a Supabase dump, already holding these tables, is adopted as is.
/// Only service_role (our supabase_auth_admin) may touch them; auth.uid()/role()/jwt() belong to the platform.
/// </summary>
internal sealed class AuthMigrations : ITenantMigrationSource
{
    public string Module => "auth";

    public IReadOnlyList<TenantMigration> Migrations { get; } =
    [
        new(1, "auth tables", AuthSchemaSql.Tables),
        new(2, "mail outbox", AuthSchemaSql.Outbox),
        new(3, "mfa factors and challenges", AuthSchemaSql.Mfa),
        new(4, "oauth flow state", AuthSchemaSql.OAuthFlowState),
        new(5, "passkeys", AuthSchemaSql.Passkeys),
        new(6, "saml sso", AuthSchemaSql.Saml),
    ];
}

internal static class AuthSchemaSql
{
    public const string Tables = """
        DO $types$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'auth' AND t.typname = 'aal_level') THEN
                CREATE TYPE auth.aal_level AS ENUM ('aal1', 'aal2', 'aal3');
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'auth' AND t.typname = 'code_challenge_method') THEN
                CREATE TYPE auth.code_challenge_method AS ENUM ('s256', 'plain');
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'auth' AND t.typname = 'one_time_token_type') THEN
                CREATE TYPE auth.one_time_token_type AS ENUM ('confirmation_token', 'reauthentication_token', 'recovery_token',
                    'email_change_token_new', 'email_change_token_current', 'phone_change_token');
            END IF;
        END $types$;

        CREATE TABLE IF NOT EXISTS auth.users (
            instance_id uuid NULL,
            id uuid NOT NULL PRIMARY KEY,
            aud varchar(255) NULL,
            "role" varchar(255) NULL,
            email varchar(255) NULL,
            encrypted_password varchar(255) NULL,
            email_confirmed_at timestamptz NULL,
            invited_at timestamptz NULL,
            confirmation_token varchar(255) NULL,
            confirmation_sent_at timestamptz NULL,
            recovery_token varchar(255) NULL,
            recovery_sent_at timestamptz NULL,
            email_change_token_new varchar(255) NULL,
            email_change varchar(255) NULL,
            email_change_sent_at timestamptz NULL,
            last_sign_in_at timestamptz NULL,
            raw_app_meta_data jsonb NULL,
            raw_user_meta_data jsonb NULL,
            is_super_admin bool NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            phone text NULL UNIQUE DEFAULT NULL,
            phone_confirmed_at timestamptz NULL,
            phone_change text NULL DEFAULT '',
            phone_change_token varchar(255) NULL DEFAULT '',
            phone_change_sent_at timestamptz NULL,
            confirmed_at timestamptz GENERATED ALWAYS AS (LEAST(email_confirmed_at, phone_confirmed_at)) STORED,
            email_change_token_current varchar(255) NULL DEFAULT '',
            email_change_confirm_status smallint NULL DEFAULT 0 CHECK (email_change_confirm_status >= 0 AND email_change_confirm_status <= 2),
            banned_until timestamptz NULL,
            reauthentication_token varchar(255) NULL DEFAULT '',
            reauthentication_sent_at timestamptz NULL,
            is_sso_user boolean NOT NULL DEFAULT false,
            deleted_at timestamptz NULL,
            is_anonymous boolean NOT NULL DEFAULT false
        );
        CREATE INDEX IF NOT EXISTS users_instance_id_idx ON auth.users USING btree (instance_id);
        CREATE UNIQUE INDEX IF NOT EXISTS users_email_partial_key ON auth.users (email) WHERE (is_sso_user = false);
        CREATE INDEX IF NOT EXISTS users_is_anonymous_idx ON auth.users USING btree (is_anonymous);

        CREATE TABLE IF NOT EXISTS auth.identities (
            provider_id text NOT NULL,
            user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            identity_data jsonb NOT NULL,
            provider text NOT NULL,
            last_sign_in_at timestamptz NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            email text GENERATED ALWAYS AS (lower(identity_data ->> 'email')) STORED,
            id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            CONSTRAINT identities_provider_id_provider_unique UNIQUE (provider_id, provider)
        );
        CREATE INDEX IF NOT EXISTS identities_user_id_idx ON auth.identities USING btree (user_id);
        CREATE INDEX IF NOT EXISTS identities_email_idx ON auth.identities (email text_pattern_ops);

        CREATE TABLE IF NOT EXISTS auth.sessions (
            id uuid NOT NULL PRIMARY KEY,
            user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            factor_id uuid NULL,
            aal auth.aal_level NULL,
            not_after timestamptz NULL,
            refreshed_at timestamp without time zone NULL,
            user_agent text NULL,
            ip inet NULL,
            tag text NULL
        );
        CREATE INDEX IF NOT EXISTS sessions_user_id_idx ON auth.sessions USING btree (user_id);
        CREATE INDEX IF NOT EXISTS user_id_created_at_idx ON auth.sessions (user_id, created_at);

        CREATE TABLE IF NOT EXISTS auth.refresh_tokens (
            instance_id uuid NULL,
            id bigserial NOT NULL PRIMARY KEY,
            "token" varchar(255) NULL,
            user_id varchar(255) NULL,
            revoked bool NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            parent varchar(255) NULL,
            session_id uuid NULL REFERENCES auth.sessions(id) ON DELETE CASCADE,
            CONSTRAINT refresh_tokens_token_unique UNIQUE ("token")
        );
        CREATE INDEX IF NOT EXISTS refresh_tokens_instance_id_user_id_idx ON auth.refresh_tokens USING btree (instance_id, user_id);
        CREATE INDEX IF NOT EXISTS refresh_tokens_parent_idx ON auth.refresh_tokens USING btree (parent);
        CREATE INDEX IF NOT EXISTS refresh_tokens_session_id_revoked_idx ON auth.refresh_tokens (session_id, revoked);

        CREATE TABLE IF NOT EXISTS auth.audit_log_entries (
            instance_id uuid NULL,
            id uuid NOT NULL PRIMARY KEY,
            payload json NULL,
            created_at timestamptz NULL,
            ip_address varchar(64) NOT NULL DEFAULT ''
        );
        CREATE INDEX IF NOT EXISTS audit_logs_instance_id_idx ON auth.audit_log_entries USING btree (instance_id);

        CREATE TABLE IF NOT EXISTS auth.one_time_tokens (
            id uuid NOT NULL PRIMARY KEY,
            user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            token_type auth.one_time_token_type NOT NULL,
            token_hash text NOT NULL CHECK (char_length(token_hash) > 0),
            relates_to text NOT NULL,
            created_at timestamp without time zone NOT NULL DEFAULT now(),
            updated_at timestamp without time zone NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX IF NOT EXISTS one_time_tokens_user_id_token_type_key ON auth.one_time_tokens USING btree (user_id, token_type);
        CREATE INDEX IF NOT EXISTS one_time_tokens_token_hash_hash_idx ON auth.one_time_tokens USING hash (token_hash);
        CREATE INDEX IF NOT EXISTS one_time_tokens_relates_to_hash_idx ON auth.one_time_tokens USING hash (relates_to);

        CREATE TABLE IF NOT EXISTS auth.flow_state (
            id uuid NOT NULL PRIMARY KEY,
            user_id uuid NULL,
            auth_code text NOT NULL,
            code_challenge_method auth.code_challenge_method NOT NULL,
            code_challenge text NOT NULL,
            provider_type text NOT NULL,
            provider_access_token text NULL,
            provider_refresh_token text NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            authentication_method text NOT NULL,
            auth_code_issued_at timestamptz NULL
        );
        CREATE INDEX IF NOT EXISTS idx_auth_code ON auth.flow_state USING btree (auth_code);
        CREATE INDEX IF NOT EXISTS idx_user_id_auth_method ON auth.flow_state (user_id, authentication_method);

        CREATE TABLE IF NOT EXISTS auth.mfa_amr_claims (
            session_id uuid NOT NULL REFERENCES auth.sessions(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            authentication_method text NOT NULL,
            id uuid NOT NULL PRIMARY KEY,
            CONSTRAINT mfa_amr_claims_session_id_authentication_method_pkey UNIQUE (session_id, authentication_method)
        );

        -- As Supabase: the API roles reach auth only through the helpers; our service_role plays supabase_auth_admin.
        REVOKE ALL ON auth.users, auth.identities, auth.sessions, auth.refresh_tokens, auth.audit_log_entries,
            auth.one_time_tokens, auth.flow_state, auth.mfa_amr_claims FROM PUBLIC, anon, authenticated;
        GRANT ALL ON auth.users, auth.identities, auth.sessions, auth.refresh_tokens, auth.audit_log_entries,
            auth.one_time_tokens, auth.flow_state, auth.mfa_amr_claims TO service_role;
        GRANT USAGE, SELECT ON SEQUENCE auth.refresh_tokens_id_seq TO service_role;
        """;

    /// <summary>
    /// GoTrue's flow state for OAuth (migration 20260115000000): every OAuth flow, PKCE or implicit, is a row
    /// whose id is the <c>state</c> sent to the provider, so the implicit flow's rows have no code or challenge.
    /// </summary>
    public const string OAuthFlowState = """
        ALTER TABLE auth.flow_state ALTER COLUMN auth_code DROP NOT NULL,
            ALTER COLUMN code_challenge DROP NOT NULL,
            ALTER COLUMN code_challenge_method DROP NOT NULL;
        ALTER TABLE auth.flow_state ADD COLUMN IF NOT EXISTS invite_token text NULL,
            ADD COLUMN IF NOT EXISTS referrer text NULL,
            ADD COLUMN IF NOT EXISTS oauth_client_state_id uuid NULL,
            ADD COLUMN IF NOT EXISTS linking_target_id uuid NULL,
            ADD COLUMN IF NOT EXISTS email_optional boolean NOT NULL DEFAULT false;
        """;

    /// <summary>Mails captured when the project has no SMTP host: the local stack's mail catcher.</summary>
    public const string Outbox = """
        CREATE SCHEMA IF NOT EXISTS auth_mail;
        REVOKE ALL ON SCHEMA auth_mail FROM PUBLIC, anon, authenticated;
        GRANT USAGE ON SCHEMA auth_mail TO service_role;
        CREATE TABLE IF NOT EXISTS auth_mail.outbox (
            id bigserial PRIMARY KEY,
            recipient text NOT NULL,
            subject text NOT NULL,
            body text NOT NULL,
            kind text NOT NULL,
            link text NULL,
            otp text NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX IF NOT EXISTS outbox_recipient_idx ON auth_mail.outbox (lower(recipient), id);
        REVOKE ALL ON auth_mail.outbox FROM PUBLIC, anon, authenticated;
        GRANT SELECT, INSERT ON auth_mail.outbox TO service_role;
        GRANT USAGE ON SEQUENCE auth_mail.outbox_id_seq TO service_role;
        """;

    /// <summary>
    /// GoTrue's MFA tables as its migrations leave them (20221003041349 to 20250925093508), plus one column of
    /// MadBase's own, <c>last_totp_step</c>: the 30-second step of the last TOTP code accepted, so a code is
    /// accepted once (GoTrue accepts it again on a new challenge within its window).
    /// </summary>
    public const string Mfa = """
        DO $types$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'auth' AND t.typname = 'factor_type') THEN
                CREATE TYPE auth.factor_type AS ENUM ('totp', 'webauthn', 'phone');
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'auth' AND t.typname = 'factor_status') THEN
                CREATE TYPE auth.factor_status AS ENUM ('unverified', 'verified');
            END IF;
        END $types$;

        CREATE TABLE IF NOT EXISTS auth.mfa_factors (
            id uuid NOT NULL PRIMARY KEY,
            user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            friendly_name text NULL,
            factor_type auth.factor_type NOT NULL,
            status auth.factor_status NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            secret text NULL,
            phone text NULL DEFAULT NULL,
            last_challenged_at timestamptz NULL UNIQUE DEFAULT NULL,
            web_authn_credential jsonb NULL,
            web_authn_aaguid uuid NULL,
            last_webauthn_challenge_data jsonb NULL
        );
        ALTER TABLE auth.mfa_factors ADD COLUMN IF NOT EXISTS last_totp_step bigint NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS mfa_factors_user_friendly_name_unique ON auth.mfa_factors (friendly_name, user_id) WHERE trim(friendly_name) <> '';
        CREATE INDEX IF NOT EXISTS factor_id_created_at_idx ON auth.mfa_factors (user_id, created_at);
        CREATE INDEX IF NOT EXISTS mfa_factors_user_id_idx ON auth.mfa_factors (user_id);
        CREATE UNIQUE INDEX IF NOT EXISTS unique_phone_factor_per_user ON auth.mfa_factors (user_id, phone);

        CREATE TABLE IF NOT EXISTS auth.mfa_challenges (
            id uuid NOT NULL PRIMARY KEY,
            factor_id uuid NOT NULL REFERENCES auth.mfa_factors(id) ON DELETE CASCADE,
            created_at timestamptz NOT NULL,
            verified_at timestamptz NULL,
            ip_address inet NOT NULL,
            otp_code text NULL,
            web_authn_session_data jsonb NULL
        );
        CREATE INDEX IF NOT EXISTS mfa_challenge_created_at_idx ON auth.mfa_challenges (created_at DESC);

        REVOKE ALL ON auth.mfa_factors, auth.mfa_challenges FROM PUBLIC, anon, authenticated;
        GRANT ALL ON auth.mfa_factors, auth.mfa_challenges TO service_role;
        """;

    /// <summary>
    /// GoTrue's passkey tables (20260302000000): the credentials, and the pending ceremonies' challenges, each
    /// answered at most once before it expires.
    /// </summary>
    public const string Passkeys = """
        CREATE TABLE IF NOT EXISTS auth.webauthn_credentials (
            id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            user_id uuid NOT NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            credential_id bytea NOT NULL,
            public_key bytea NOT NULL,
            attestation_type text NOT NULL DEFAULT '',
            aaguid uuid NULL,
            sign_count bigint NOT NULL DEFAULT 0,
            transports jsonb NOT NULL DEFAULT '[]'::jsonb,
            backup_eligible boolean NOT NULL DEFAULT false,
            backed_up boolean NOT NULL DEFAULT false,
            friendly_name text NOT NULL DEFAULT '',
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS webauthn_credentials_credential_id_key ON auth.webauthn_credentials (credential_id);
        CREATE INDEX IF NOT EXISTS webauthn_credentials_user_id_idx ON auth.webauthn_credentials (user_id);

        CREATE TABLE IF NOT EXISTS auth.webauthn_challenges (
            id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
            user_id uuid NULL REFERENCES auth.users(id) ON DELETE CASCADE,
            challenge_type text NOT NULL CHECK (challenge_type IN ('signup', 'registration', 'authentication')),
            session_data jsonb NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            expires_at timestamptz NOT NULL
        );
        CREATE INDEX IF NOT EXISTS webauthn_challenges_user_id_idx ON auth.webauthn_challenges (user_id);
        CREATE INDEX IF NOT EXISTS webauthn_challenges_expires_at_idx ON auth.webauthn_challenges (expires_at);

        REVOKE ALL ON auth.webauthn_credentials, auth.webauthn_challenges FROM PUBLIC, anon, authenticated;
        GRANT ALL ON auth.webauthn_credentials, auth.webauthn_challenges TO service_role;
        """;

    /// <summary>
    /// GoTrue's SSO tables as its migrations leave them (20221021082433 to 20250717082212; sso_sessions was dropped
    /// again), plus two of MadBase's own: <c>saml_sp_key</c>, the project's service provider key when its settings
    /// give none (GoTrue has one GOTRUE_SAML_PRIVATE_KEY per instance), made once by the first SAML request; and
    /// <c>saml_consumed_assertions</c>, the IdP-initiated assertions already used, until they expire, so one cannot
    /// be replayed (GoTrue has no such check; an SP-initiated one is bound to its single-use relay state).
    /// </summary>
    public const string Saml = """
        CREATE TABLE IF NOT EXISTS auth.sso_providers (
            id uuid NOT NULL PRIMARY KEY,
            resource_id text NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            disabled boolean NULL,
            CONSTRAINT "resource_id not empty" CHECK (resource_id = null OR char_length(resource_id) > 0)
        );
        ALTER TABLE auth.sso_providers ADD COLUMN IF NOT EXISTS disabled boolean NULL;
        CREATE UNIQUE INDEX IF NOT EXISTS sso_providers_resource_id_idx ON auth.sso_providers (lower(resource_id));
        CREATE INDEX IF NOT EXISTS sso_providers_resource_id_pattern_idx ON auth.sso_providers (resource_id text_pattern_ops);

        CREATE TABLE IF NOT EXISTS auth.sso_domains (
            id uuid NOT NULL PRIMARY KEY,
            sso_provider_id uuid NOT NULL REFERENCES auth.sso_providers (id) ON DELETE CASCADE,
            domain text NOT NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            CONSTRAINT "domain not empty" CHECK (char_length(domain) > 0)
        );
        CREATE INDEX IF NOT EXISTS sso_domains_sso_provider_id_idx ON auth.sso_domains (sso_provider_id);
        CREATE UNIQUE INDEX IF NOT EXISTS sso_domains_domain_idx ON auth.sso_domains (lower(domain));

        CREATE TABLE IF NOT EXISTS auth.saml_providers (
            id uuid NOT NULL PRIMARY KEY,
            sso_provider_id uuid NOT NULL REFERENCES auth.sso_providers (id) ON DELETE CASCADE,
            entity_id text NOT NULL UNIQUE,
            metadata_xml text NOT NULL,
            metadata_url text NULL,
            attribute_mapping jsonb NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            name_id_format text NULL,
            CONSTRAINT "metadata_xml not empty" CHECK (char_length(metadata_xml) > 0),
            CONSTRAINT "metadata_url not empty" CHECK (metadata_url = null OR char_length(metadata_url) > 0),
            CONSTRAINT "entity_id not empty" CHECK (char_length(entity_id) > 0)
        );
        ALTER TABLE auth.saml_providers ADD COLUMN IF NOT EXISTS name_id_format text NULL;
        CREATE INDEX IF NOT EXISTS saml_providers_sso_provider_id_idx ON auth.saml_providers (sso_provider_id);

        CREATE TABLE IF NOT EXISTS auth.saml_relay_states (
            id uuid NOT NULL PRIMARY KEY,
            sso_provider_id uuid NOT NULL REFERENCES auth.sso_providers (id) ON DELETE CASCADE,
            request_id text NOT NULL,
            for_email text NULL,
            redirect_to text NULL,
            created_at timestamptz NULL,
            updated_at timestamptz NULL,
            flow_state_id uuid NULL REFERENCES auth.flow_state (id) ON DELETE CASCADE,
            CONSTRAINT "request_id not empty" CHECK (char_length(request_id) > 0)
        );
        ALTER TABLE auth.saml_relay_states ADD COLUMN IF NOT EXISTS flow_state_id uuid NULL REFERENCES auth.flow_state (id) ON DELETE CASCADE;
        CREATE INDEX IF NOT EXISTS saml_relay_states_sso_provider_id_idx ON auth.saml_relay_states (sso_provider_id);
        CREATE INDEX IF NOT EXISTS saml_relay_states_for_email_idx ON auth.saml_relay_states (for_email);
        CREATE INDEX IF NOT EXISTS saml_relay_states_created_at_idx ON auth.saml_relay_states (created_at DESC);

        CREATE TABLE IF NOT EXISTS auth.saml_sp_key (
            singleton boolean NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
            private_key bytea NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE IF NOT EXISTS auth.saml_consumed_assertions (
            sso_provider_id uuid NOT NULL REFERENCES auth.sso_providers (id) ON DELETE CASCADE,
            assertion_id text NOT NULL,
            valid_until timestamptz NOT NULL,
            PRIMARY KEY (sso_provider_id, assertion_id)
        );
        CREATE INDEX IF NOT EXISTS saml_consumed_assertions_valid_until_idx ON auth.saml_consumed_assertions (valid_until);

        REVOKE ALL ON auth.sso_providers, auth.sso_domains, auth.saml_providers, auth.saml_relay_states, auth.saml_sp_key,
            auth.saml_consumed_assertions FROM PUBLIC, anon, authenticated;
        GRANT ALL ON auth.sso_providers, auth.sso_domains, auth.saml_providers, auth.saml_relay_states, auth.saml_sp_key,
            auth.saml_consumed_assertions TO service_role;
        """;
}
