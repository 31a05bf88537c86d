using System.Text;
using MadBase.ServiceDefaults.Security;

namespace MadBase.Tests.ServiceDefaults;

public sealed class JwtVerifierTests
{
    private const string Secret = "super-secret-jwt-token-with-at-least-32-characters-long";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualClock clock = new(Now);

    [Fact]
    public async Task VerifyAsync_ApiKey_GivesRoleRefAndSignedClaims()
    {
        var key = JwtIssuer.ApiKey("abcdefghij", "anon", Secret, Now);
        var result = await new JwtVerifier(clock).VerifyAsync(key, Secret, []);
        Assert.True(result.IsValid);
        Assert.Equal("anon", result.Role);
        Assert.Equal("abcdefghij", result.ProjectRef);
        Assert.Contains("\"iss\":\"supabase\"", result.ClaimsJson, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_OtherSecret_IsInvalid()
    {
        var key = JwtIssuer.ApiKey("abcdefghij", "anon", Secret, Now);
        var result = await new JwtVerifier(clock).VerifyAsync(key, Secret + "-other", []);
        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData(-29, true)]
    [InlineData(-31, false)]
    public async Task VerifyAsync_Expiry_HasThirtySecondsOfLeeway(int secondsSinceExpiry, bool valid)
    {
        var token = Sign(new() { ["sub"] = "u", ["role"] = "authenticated", ["exp"] = Now.ToUnixTimeSeconds() });
        clock.Now = Now.AddSeconds(-secondsSinceExpiry);
        Assert.Equal(valid, (await new JwtVerifier(clock).VerifyAsync(token, Secret, [])).IsValid);
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)]
    [InlineData(1, false)]
    public async Task VerifyExactAsync_Expiry_HasNoLeeway(int secondsSinceExpiry, bool valid)
    {
        var token = Sign(new() { ["url"] = "b/x", ["kind"] = "download", ["exp"] = Now.ToUnixTimeSeconds() });
        clock.Now = Now.AddSeconds(secondsSinceExpiry);
        var result = await new JwtVerifier(clock).VerifyExactAsync(token, Secret);
        Assert.Equal(valid, result.IsValid);
        Assert.Equal(valid ? null : "JWT expired", result.Error);
    }

    [Theory]
    [InlineData("nbf", 20, true)]
    [InlineData("nbf", 40, false)]
    [InlineData("iat", 20, true)]
    [InlineData("iat", 40, false)]
    public async Task VerifyAsync_FutureTimes_HaveThirtySecondsOfLeeway(string claim, int secondsAhead, bool valid)
    {
        var token = Sign(new() { ["role"] = "anon", [claim] = Now.AddSeconds(secondsAhead).ToUnixTimeSeconds() });
        Assert.Equal(valid, (await new JwtVerifier(clock).VerifyAsync(token, Secret, [])).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_AlgNone_IsInvalid()
    {
        var header = Base64Url("""{"alg":"none","typ":"JWT"}""");
        var payload = Base64Url("""{"role":"service_role"}""");
        Assert.False((await new JwtVerifier(clock).VerifyAsync($"{header}.{payload}.", Secret, [])).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_OtherHmacAlgorithm_IsInvalid()
    {
        var handler = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler();
        var token = handler.CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object> { ["role"] = "anon" },
            SigningCredentials = new(
                new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret + Secret)),
                Microsoft.IdentityModel.Tokens.SecurityAlgorithms.HmacSha512),
        });
        Assert.False((await new JwtVerifier(clock).VerifyAsync(token, Secret + Secret, [])).IsValid);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b.c")]
    [InlineData("a.b.c.d.e")]
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0.b.c.d.e")] // {"alg":"dir","enc":"A256GCM"}: a JWE's header
    [InlineData("eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIn0..c.d.e")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.x.y.z")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e.x")] // a one-character segment is no base64 at all
    [InlineData("eyJhbGciOiJIUzI1NiJ9..x")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.x=")]
    [InlineData(" . . ")]
    [InlineData("....")]
    public async Task VerifyAsync_Garbage_IsInvalidNotAnException(string token) =>
        Assert.False((await new JwtVerifier(clock).VerifyAsync(token, Secret, [])).IsValid);

    [Theory]
    [InlineData("RS256")]
    [InlineData("ES256")]
    public async Task VerifyAsync_AsymmetricKeyNamedByKid_IsValidAndSecretStillVerifies(string algorithm)
    {
        var key = SigningKey.Generate(algorithm, Now);
        var token = JwtIssuer.Sign(new Dictionary<string, object> { ["role"] = "authenticated", ["sub"] = "u" }, key);
        var verifier = new JwtVerifier(clock);

        Assert.True((await verifier.VerifyAsync(token, Secret, [key])).IsValid);
        Assert.False((await verifier.VerifyAsync(token, Secret, [SigningKey.Generate(algorithm, Now) with { Kid = key.Kid }])).IsValid);
        Assert.False((await verifier.VerifyAsync(token, Secret, [])).IsValid);
        Assert.True((await verifier.VerifyAsync(JwtIssuer.ApiKey("abcdefghij", "anon", Secret, Now), Secret, [key])).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_RetiredKey_VerifiesUntilVerifyUntilOnly()
    {
        var key = SigningKey.Generate("ES256", Now) with { RetiredAt = Now, VerifyUntil = Now.AddMinutes(1) };
        var token = JwtIssuer.Sign(new Dictionary<string, object> { ["role"] = "anon" }, key);
        var verifier = new JwtVerifier(clock);

        Assert.True((await verifier.VerifyAsync(token, Secret, [key])).IsValid);
        clock.Now = Now.AddMinutes(1);
        Assert.False((await verifier.VerifyAsync(token, Secret, [key])).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_Hs256KeyedWithThePublicKey_IsInvalid()
    {
        var key = SigningKey.Generate("RS256", Now);
        using var rsa = System.Security.Cryptography.RSA.Create();
        rsa.ImportPkcs8PrivateKey(Convert.FromBase64String(key.PrivateKey!), out _);
        var publicPem = rsa.ExportSubjectPublicKeyInfoPem();
        var signingInput = Base64Url($$"""{"alg":"HS256","kid":"{{key.Kid}}","typ":"JWT"}""") + "." + Base64Url("""{"role":"service_role"}""");
        var signature = System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(publicPem), Encoding.ASCII.GetBytes(signingInput));
        var token = signingInput + "." + Convert.ToBase64String(signature).TrimEnd('=').Replace('+', '-').Replace('/', '_');

        Assert.False((await new JwtVerifier(clock).VerifyAsync(token, Secret, [key])).IsValid);
        Assert.True((await new JwtVerifier(clock).VerifyAsync(token, publicPem, [key])).IsValid); // the forgery itself is well made
    }

    [Fact]
    public async Task VerifyAsync_SameTokenAgain_StillChecksExpiryOnEveryUse()
    {
        var token = Sign(new() { ["sub"] = "u", ["role"] = "authenticated", ["exp"] = Now.AddMinutes(1).ToUnixTimeSeconds() });
        var verifier = new JwtVerifier(clock);

        Assert.True((await verifier.VerifyAsync(token, Secret, [])).IsValid);
        Assert.True((await verifier.VerifyAsync(token, Secret, [])).IsValid);
        clock.Now = Now.AddMinutes(2);
        Assert.Equal("JWT expired", (await verifier.VerifyAsync(token, Secret, [])).Error);
    }

    [Fact]
    public async Task VerifyAsync_TokenVerifiedForOneSecret_IsNotTrustedUnderAnother()
    {
        var token = JwtIssuer.ApiKey("abcdefghij", "service_role", Secret, Now);
        var verifier = new JwtVerifier(clock);

        Assert.True((await verifier.VerifyAsync(token, Secret, [])).IsValid);
        Assert.False((await verifier.VerifyAsync(token, Secret + "-rotated", [])).IsValid);
        Assert.True((await verifier.VerifyAsync(token, Secret, [])).IsValid);
    }

    [Fact]
    public async Task VerifyAsync_TokenOfADroppedKey_IsNotTrustedFromAnEarlierVerification()
    {
        var key = SigningKey.Generate("RS256", Now);
        var token = JwtIssuer.Sign(new Dictionary<string, object> { ["role"] = "authenticated" }, key);
        var verifier = new JwtVerifier(clock);

        Assert.True((await verifier.VerifyAsync(token, Secret, [key])).IsValid);
        Assert.False((await verifier.VerifyAsync(token, Secret, [])).IsValid);
        Assert.False((await verifier.VerifyAsync(token, Secret, [SigningKey.Generate("RS256", Now) with { Kid = key.Kid }])).IsValid);
    }

    private static string Sign(Dictionary<string, object> claims) => JwtIssuer.Sign(claims, Secret);

    private static string Base64Url(string json) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
