using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;
using MadBase.Worker.Auth;
using Nethereum.Signer;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace MadBase.Tests.Auth;

/// <summary>
/// POST /token?grant_type=web3 with messages signed in the test by keys made here: Ethereum (secp256k1,
/// personal_sign) and Solana (ed25519), and each refusal of a message signed for another app or time.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class Web3Tests(StackFixture stack)
{
    private const string Site = "https://app.example.com";

    private Task<TestProject> Web3ProjectAsync() =>
        TestProject.SharedAsync(stack, "auth web3", "SELECT 1", new
        {
            auth = new { site_url = Site, web3 = new { ethereum_enabled = true, solana_enabled = true } },
        });

    [Fact]
    public async Task Ethereum_SignedSiweMessage_SignsInTheSameWalletUserTwice()
    {
        var auth = await Web3ProjectAsync();
        var key = EthECKey.GenerateKey();
        var address = key.GetPublicAddress();

        var first = await auth.AuthPostAsync("/token?grant_type=web3", EthereumGrant(key, Siwe(address)));
        var second = await auth.AuthPostAsync("/token?grant_type=web3", EthereumGrant(key, Siwe(address, statement: null)));

        first.AssertStatus(200);
        second.AssertStatus(200);
        var user = first.Element.GetProperty("user");
        Assert.Equal(user.GetProperty("id").GetString(), second.Element.GetProperty("user").GetProperty("id").GetString());
        Assert.Equal("web3", user.GetProperty("app_metadata").GetProperty("provider").GetString());
        var identity = user.GetProperty("identities")[0];
        Assert.Equal("web3", identity.GetProperty("provider").GetString());
        Assert.Equal($"web3:ethereum:{address}", identity.GetProperty("id").GetString());
        Assert.Equal("1", identity.GetProperty("identity_data").GetProperty("custom_claims").GetProperty("network").GetString());
        Assert.Equal(string.Empty, user.GetProperty("email").GetString());
        Assert.Equal("web3", AuthCalls.Claims(first.Element.GetProperty("access_token").GetString()!).GetProperty("amr")[0].GetProperty("method").GetString());
    }

    [Fact]
    public async Task Ethereum_MessageForAnotherAppTimeOrKey_IsRefused()
    {
        var auth = await Web3ProjectAsync();
        var key = EthECKey.GenerateKey();
        var address = key.GetPublicAddress();
        var now = DateTimeOffset.UtcNow;

        async Task<ApiResponse> Grant(string message, EthECKey? signer = null) =>
            await auth.AuthPostAsync("/token?grant_type=web3", EthereumGrant(signer ?? key, message));

        AssertInvalidGrant(await Grant(Siwe(address, domain: "evil.example.net")), "Signed Ethereum message is using URI which is not allowed on this server, message was signed for another app");
        AssertInvalidGrant(await Grant(Siwe(address, domain: "evil.example.net", uri: Site + "/login")), "Signed Ethereum message is using a Domain that does not match the one in URI which is not allowed on this server");
        AssertInvalidGrant(await Grant(Siwe(address, issuedAt: now.AddMinutes(-20))), "Ethereum message was issued too long ago");
        AssertInvalidGrant(await Grant(Siwe(address, issuedAt: now.AddMinutes(20))), "Ethereum message was issued too far in the future");
        AssertInvalidGrant(await Grant(Siwe(address, issuedAt: now.AddMinutes(-2), expires: now.AddMinutes(-1))), "Signed Ethereum message is expired");
        AssertInvalidGrant(await Grant(Siwe(address, notBefore: now.AddMinutes(1), expires: now.AddMinutes(5))), "Signed Ethereum message becomes valid in the future");
        AssertInvalidGrant(await Grant(Siwe(address), EthECKey.GenerateKey()), "Signature does not match address in message");
        AssertInvalidGrant(await Grant(Siwe(address, uri: "http://app.example.com/login")), "Signed Ethereum message is using URI which does not use HTTPS");

        await AssertValidationAsync(Grant(Siwe(address, nonce: "short")), "siwe: Nonce must be at least 8 letters and digits");
        await AssertValidationAsync(Grant(Siwe(address, chainId: "0")), "siwe: Chain ID is not valid");
        await AssertValidationAsync(Grant(Siwe(address).Replace("Version: 1", "Version: 2", StringComparison.Ordinal)), "siwe: Version value is not supported, expected 1 got \"2\"");
        await AssertValidationAsync(Grant(Siwe(address).Replace(address, "0x1234", StringComparison.Ordinal)), "siwe: wallet address is not a valid Ethereum address");
        await AssertValidationAsync(
            auth.AuthPostAsync("/token?grant_type=web3", new { chain = "ethereum", message = Siwe(address), signature = "0x1234" }),
            "signature must be 65 bytes long, encoded as a 130 character-long hexadecimal string");
        await AssertValidationAsync(
            auth.AuthPostAsync("/token?grant_type=web3", new { chain = "ethereum", message = "too short", signature = "0x" }), "message is too short");
        (await auth.AuthPostAsync("/token?grant_type=web3", new { chain = "bitcoin", message = Siwe(address), signature = "0x" }))
            .AssertAuthError(400, "web3_unsupported_chain");
    }

    [Fact]
    public async Task Solana_SignedMessage_SignsIn_AndAnotherKeysSignatureIsRefused()
    {
        var auth = await Web3ProjectAsync();
        var (privateKey, address) = SolanaKey();
        var message = Siws(address);

        var signedIn = await auth.AuthPostAsync("/token?grant_type=web3", new { chain = "solana", message, signature = SolanaSign(privateKey, message) });
        var forged = await auth.AuthPostAsync("/token?grant_type=web3", new { chain = "solana", message, signature = SolanaSign(SolanaKey().PrivateKey, message) });

        signedIn.AssertStatus(200);
        var identity = signedIn.Element.GetProperty("user").GetProperty("identities")[0];
        Assert.Equal($"web3:solana:{address}", identity.GetProperty("id").GetString());
        Assert.Equal("solana:mainnet", identity.GetProperty("identity_data").GetProperty("custom_claims").GetProperty("network").GetString());
        AssertInvalidGrant(forged, "Signature does not match address in message");
    }

    [Fact]
    public async Task Web3_ProjectWithoutIt_Returns422Web3ProviderDisabled()
    {
        var off = await TestProject.SharedAsync(stack, "auth phone off", "SELECT 1");
        var ethereumOnly = await PhoneTests.PhoneProjectAsync(stack);

        var disabled = await off.AuthPostAsync("/token?grant_type=web3", new { chain = "ethereum", message = "m", signature = "s" });
        var solana = await ethereumOnly.AuthPostAsync("/token?grant_type=web3", new { chain = "solana", message = "m", signature = "s" });

        disabled.AssertAuthError(422, "web3_provider_disabled");
        Assert.Equal("Web3 provider is disabled", disabled.Element.GetProperty("message").GetString());
        solana.AssertAuthError(422, "web3_provider_disabled");
        Assert.Equal("Solana Web3 provider is disabled", solana.Element.GetProperty("message").GetString());
    }

    private static object EthereumGrant(EthECKey key, string message) =>
        new { chain = "ethereum", message, signature = new EthereumMessageSigner().EncodeUTF8AndSign(message, key) };

    /// <summary>An EIP-4361 message as wallets (and auth-js) write it.</summary>
    private static string Siwe(
        string address,
        string domain = "app.example.com",
        string? uri = null,
        string? statement = "Sign in to the app",
        string chainId = "1",
        string nonce = "abcdef0123456789",
        DateTimeOffset? issuedAt = null,
        DateTimeOffset? expires = null,
        DateTimeOffset? notBefore = null)
    {
        var text = new StringBuilder();
        text.Append(domain).Append(" wants you to sign in with your Ethereum account:\n").Append(address).Append("\n\n");
        if (statement is not null)
        {
            text.Append(statement).Append("\n\n");
        }

        text.Append("URI: ").Append(uri ?? $"https://{domain}/login").Append('\n')
            .Append("Version: 1\n")
            .Append("Chain ID: ").Append(chainId).Append('\n')
            .Append("Nonce: ").Append(nonce).Append('\n')
            .Append("Issued At: ").Append(Iso(issuedAt ?? DateTimeOffset.UtcNow));
        if (expires is { } e)
        {
            text.Append("\nExpiration Time: ").Append(Iso(e));
        }

        if (notBefore is { } n)
        {
            text.Append("\nNot Before: ").Append(Iso(n));
        }

        return text.ToString();
    }

    private static string Siws(string address) =>
        $"app.example.com wants you to sign in with your Solana account:\n{address}\n\nSign in to the app\n\n"
        + $"URI: {Site}/login\nVersion: 1\nChain ID: solana:mainnet\nNonce: abcdef0123456789\nIssued At: {Iso(DateTimeOffset.UtcNow)}";

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static (byte[] PrivateKey, string Address) SolanaKey()
    {
        var privateKey = RandomNumberGenerator.GetBytes(Ed25519.SecretKeySize);
        var publicKey = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(privateKey, 0, publicKey, 0);
        return (privateKey, Base58.Encode(publicKey));
    }

    private static string SolanaSign(byte[] privateKey, string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var signature = new byte[Ed25519.SignatureSize];
        Ed25519.Sign(privateKey, 0, bytes, 0, bytes.Length, signature, 0);
        return Convert.ToBase64String(signature);
    }

    private static void AssertInvalidGrant(ApiResponse response, string description)
    {
        response.AssertStatus(400);
        Assert.Equal("invalid_grant", response.Element.GetProperty("error").GetString());
        Assert.Equal(description, response.Element.GetProperty("error_description").GetString());
    }

    private static async Task AssertValidationAsync(Task<ApiResponse> call, string message)
    {
        var response = await call;
        response.AssertAuthError(400, "validation_failed");
        Assert.Equal(message, response.Element.GetProperty("message").GetString());
    }
}
