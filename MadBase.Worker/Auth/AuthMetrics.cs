using System.Diagnostics.Metrics;
using MadBase.ServiceDefaults.Metrics;

namespace MadBase.Worker.Auth;

/// <summary>
/// <c>madbase.auth.sign_ins{method}</c>: sessions started (password, anonymous, OTP, magic link, PKCE…);
/// <c>madbase.auth.sign_in_failures{grant_type, error_code}</c>: <c>POST /token</c> answered with an error. Both
/// label sets are closed lists of ours (GoTrue's error codes, the grant types we know), never client text.
/// </summary>
internal static class AuthMetrics
{
    private static readonly Meter Meter = new(MadBaseMeters.Auth);

    private static readonly Counter<long> SignIns = Meter.CreateCounter<long>(
        "madbase.auth.sign_ins", unit: "{sign_in}", description: "Sessions started, by authentication method");

    private static readonly Counter<long> SignInFailures = Meter.CreateCounter<long>(
        "madbase.auth.sign_in_failures", unit: "{failure}", description: "Token grants refused, by grant type and GoTrue error code");

    public static void SignedIn(string method) =>
        SignIns.Add(1, new KeyValuePair<string, object?>("method", method));

    public static void SignInFailed(string grantType, string errorCode) =>
        SignInFailures.Add(
            1,
            new KeyValuePair<string, object?>("grant_type", grantType switch
            {
                "password" or "refresh_token" or "pkce" => grantType,
                _ => "unsupported",
            }),
            new KeyValuePair<string, object?>("error_code", errorCode));
}
