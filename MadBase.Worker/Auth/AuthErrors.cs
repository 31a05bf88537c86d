namespace MadBase.Worker.Auth;

/// <summary>The errors GoTrue answers with, by code and status (supabase/auth internal/api/errorcodes.go).</summary>
internal static class AuthErrors
{
    public static AuthError BadJson(string detail) => new(400, "bad_json", "Could not parse request body as JSON: " + detail);

    public static AuthError Validation(string message) => new(422, "validation_failed", message);

    public static AuthError BadRequestValidation(string message) => new(400, "validation_failed", message);

    public static AuthError InvalidCredentials() => new(400, "invalid_credentials", "Invalid login credentials");

    public static AuthError EmailNotConfirmed() => new(400, "email_not_confirmed", "Email not confirmed");

    public static AuthError UserBanned() => new(400, "user_banned", "User is banned");

    public static AuthError UserAlreadyExists() => new(422, "user_already_exists", "User already registered");

    public static AuthError EmailExists() => new(422, "email_exists", "A user with this email address has already been registered");

    public static AuthError SignupDisabled() => new(422, "signup_disabled", "Signups not allowed for this instance");

    public static AuthError AnonymousDisabled() => new(422, "anonymous_provider_disabled", "Anonymous sign-ins are disabled");

    public static AuthError EmailProviderDisabled() => new(400, "email_provider_disabled", "Email logins are disabled");

    public static AuthError WeakPassword(int minLength) =>
        new(422, "weak_password", $"Password should be at least {minLength} characters.") { WeakPasswordReasons = ["length"] };

    public static AuthError PasswordTooLong() =>
        new(422, "validation_failed", $"Password cannot be longer than {PasswordHasher.MaxBytes} characters");

    public static AuthError SamePassword() =>
        new(422, "same_password", "New password should be different from the old password.");

    // GoTrue's token.go answers an unknown grant type with the code invalid_credentials and this message.
    public static AuthError UnsupportedGrantType() =>
        new(400, "invalid_credentials", "unsupported_grant_type");

    public static AuthError RefreshTokenNotFound() =>
        new(400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found");

    public static AuthError RefreshTokenAlreadyUsed() =>
        new(400, "refresh_token_already_used", "Invalid Refresh Token: Already Used");

    public static AuthError RefreshSessionNotFound() =>
        new(400, "session_not_found", "Invalid Refresh Token: No Valid Session Found");

    public static AuthError SessionExpired() => new(400, "session_expired", "Invalid Refresh Token: Session Expired");

    public static AuthError BadJwt(string message) => new(403, "bad_jwt", message);

    public static AuthError SessionNotFound() =>
        new(403, "session_not_found", "Session from session_id claim in JWT does not exist");

    public static AuthError UserNotFoundFromJwt() => new(403, "user_not_found", "User from sub claim in JWT does not exist");

    public static AuthError UserNotFound() => new(404, "user_not_found", "User not found");

    public static AuthError NotAdmin() => new(403, "not_admin", "User not allowed");

    public static AuthError OtpExpired() => new(403, "otp_expired", "Token has expired or is invalid");

    public static AuthError FlowStateNotFound() => new(404, "flow_state_not_found", "invalid flow state, no valid flow state found");

    public static AuthError FlowStateExpired() => new(403, "flow_state_expired", "invalid flow state, flow state has expired");

    public static AuthError BadCodeVerifier() => new(403, "bad_code_verifier", "code challenge does not match previously saved code verifier");

    public static AuthError RateLimited() => new(429, "over_request_rate_limit", "Request rate limit reached");

    /// <summary>The project's database cannot be reached: that project's requests only, so 503 (GoTrue has no code of its own for it).</summary>
    public static AuthError DatabaseUnavailable() => new(503, "unexpected_failure", "Database is not available, try again later");

    public static AuthError EmailRateLimited(int seconds) =>
        new(429, "over_email_send_rate_limit", $"For security purposes, you can only request this after {seconds} seconds.");

    public static AuthError SmsRateLimited(int seconds) =>
        new(429, "over_sms_send_rate_limit", $"For security purposes, you can only request this after {seconds} seconds.");

    public static AuthError SmsSentLimitReached() => new(429, "over_sms_send_rate_limit", "SMS rate limit exceeded");

    public static AuthError PhoneProviderDisabled(string message) => new(400, "phone_provider_disabled", message);

    public static AuthError PhoneExists() => new(422, "phone_exists", "A user with this phone number has already been registered");

    /// <summary>An admin giving a user a number another user has (GoTrue's adminUserCreate and adminUserUpdate).</summary>
    public static AuthError PhoneTakenByAnother() => new(422, "phone_exists", "Phone number already registered by another user");

    // GoTrue's InvalidChannelError: without a Send SMS hook only 'sms' is deliverable here (no Twilio for WhatsApp).
    public static AuthError InvalidChannel() => BadRequestValidation(
        "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is only supported if Twilio or Twilio Verify is used as the provider.");

    public static AuthError NotFound() => new(404, "not_found", "Not found");
}
