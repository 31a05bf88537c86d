using System.Buffers.Binary;
using System.Formats.Cbor;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace MadBase.Tests.Auth;

/// <summary>
/// A FIDO2 authenticator in software, answering as a browser's does (the JSON of PublicKeyCredential.toJSON()):
/// a P-256 key, "none" attestation, a signature counter. Written from the WebAuthn spec, independent of the
/// server's library; the test chooses the origin and RP ID it claims, so every refusal can be provoked.
/// </summary>
internal sealed class SoftwareAuthenticator : IDisposable
{
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public byte[] CredentialId { get; } = RandomNumberGenerator.GetBytes(32);

    public string Id => Base64Url(CredentialId);

    public uint SignCount { get; set; }

    /// <summary>The answer to creation options (<c>options.challenge</c>, <c>options.rp.id</c>), from <paramref name="origin"/>.</summary>
    public object Attestation(JsonElement options, string origin, string? rpId = null, string? challenge = null)
    {
        var clientData = ClientData("webauthn.create", challenge ?? options.GetProperty("challenge").GetString()!, origin);
        var parameters = key.ExportParameters(false);
        var cose = new CborWriter(CborConformanceMode.Ctap2Canonical);
        cose.WriteStartMap(5);
        cose.WriteInt32(1);
        cose.WriteInt32(2); // kty: EC2
        cose.WriteInt32(3);
        cose.WriteInt32(-7); // alg: ES256
        cose.WriteInt32(-1);
        cose.WriteInt32(1); // crv: P-256
        cose.WriteInt32(-2);
        cose.WriteByteString(parameters.Q.X!);
        cose.WriteInt32(-3);
        cose.WriteByteString(parameters.Q.Y!);
        cose.WriteEndMap();

        var credentialLength = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(credentialLength, (ushort)CredentialId.Length);
        byte[] authData = [.. AuthData(rpId ?? options.GetProperty("rp").GetProperty("id").GetString()!, 0x45), .. new byte[16], .. credentialLength,
            .. CredentialId, .. cose.Encode()];

        var attestation = new CborWriter(CborConformanceMode.Ctap2Canonical);
        attestation.WriteStartMap(3);
        attestation.WriteTextString("fmt");
        attestation.WriteTextString("none");
        attestation.WriteTextString("attStmt");
        attestation.WriteStartMap(0);
        attestation.WriteEndMap();
        attestation.WriteTextString("authData");
        attestation.WriteByteString(authData);
        attestation.WriteEndMap();

        return new
        {
            id = Id,
            rawId = Id,
            type = "public-key",
            response = new
            {
                clientDataJSON = Base64Url(clientData),
                attestationObject = Base64Url(attestation.Encode()),
                transports = new[] { "internal" },
            },
            clientExtensionResults = new { },
            authenticatorAttachment = "platform",
        };
    }

    /// <summary>
    /// The answer to request options, the counter one up; a discoverable credential names its user
    /// (<paramref name="userHandle"/>, the id's text as GoTrue's user handle).
    /// </summary>
    public object Assertion(JsonElement options, string origin, string? userHandle, string? rpId = null, bool countUp = true)
    {
        if (countUp)
        {
            SignCount++;
        }

        var clientData = ClientData("webauthn.get", options.GetProperty("challenge").GetString()!, origin);
        var authData = AuthData(rpId ?? options.GetProperty("rpId").GetString()!, 0x05);
        var signature = key.SignData([.. authData, .. SHA256.HashData(clientData)], HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        return new
        {
            id = Id,
            rawId = Id,
            type = "public-key",
            response = new
            {
                clientDataJSON = Base64Url(clientData),
                authenticatorData = Base64Url(authData),
                signature = Base64Url(signature),
                userHandle = userHandle is null ? null : Base64Url(Encoding.UTF8.GetBytes(userHandle)),
            },
            clientExtensionResults = new { },
            authenticatorAttachment = "platform",
        };
    }

    public void Dispose() => key.Dispose();

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] ClientData(string type, string challenge, string origin) =>
        JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["type"] = type, ["challenge"] = challenge, ["origin"] = origin, ["crossOrigin"] = false });

    /// <summary>RP ID hash, flags (UP 0x01, UV 0x04, AT 0x40), counter.</summary>
    private byte[] AuthData(string rpId, byte flags)
    {
        var counter = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(counter, SignCount);
        return [.. SHA256.HashData(Encoding.UTF8.GetBytes(rpId)), flags, .. counter];
    }
}
