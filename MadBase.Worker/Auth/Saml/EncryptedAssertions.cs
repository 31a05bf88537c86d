using System.Security.Cryptography;
using System.Security.Cryptography.Xml;
using System.Text;
using System.Xml;

namespace MadBase.Worker.Auth;

/// <summary>
/// An <c>EncryptedAssertion</c> (SAML core §2.3.4) opened with the service provider's RSA key, as crewjam's
/// decryptElement: the content key travels in one xenc:EncryptedKey, in the EncryptedData's KeyInfo or beside it.
/// <para>
/// Only what crewjam decrypts and .NET's EncryptedXml can: key transport RSA-OAEP (rsa-oaep-mgf1p, SHA-1) or
/// RSA 1.5, content AES-CBC (128, 192 or 256 bits); anything else is refused before any decryption. Every failure
/// after that is the one error: a key that is not ours, a changed ciphertext, bad padding, a plaintext that is no
/// Assertion (and, when the Response is not signed, an Assertion whose signature is missing or wrong: see the
/// validator). A content key that does not unwrap is replaced by a random one rather than refused on the spot
/// (RSA 1.5's implicit rejection), so the answer tells an attacker nothing about where decryption failed.
/// </para>
/// </summary>
internal static class EncryptedAssertions
{
    private const string Xenc = "http://www.w3.org/2001/04/xmlenc#";
    private const string RsaOaepMgf1p = Xenc + "rsa-oaep-mgf1p";
    private const string Rsa15 = Xenc + "rsa-1_5";
    private const string Sha1 = "http://www.w3.org/2000/09/xmldsig#sha1";

    /// <summary>The content algorithms and their key sizes in bytes.</summary>
    private static readonly Dictionary<string, int> ContentAlgorithms = new(StringComparer.Ordinal)
    {
        [EncryptedXml.XmlEncAES128Url] = 16,
        [EncryptedXml.XmlEncAES192Url] = 24,
        [EncryptedXml.XmlEncAES256Url] = 32,
    };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The decrypted Assertion, the root of a document of its own (where its signature is checked, as crewjam does).</summary>
    public static XmlElement Decrypt(XmlElement encryptedAssertion, RSA key)
    {
        var dataElement = SamlXml.Children(encryptedAssertion, Xenc, "EncryptedData").ToList() is [var only] ? only : throw Invalid("the EncryptedAssertion must carry one EncryptedData");
        var keyElements = (SamlXml.Child(dataElement, SamlXml.DSig, "KeyInfo") is { } keyInfo ? SamlXml.Children(keyInfo, Xenc, "EncryptedKey") : [])
            .Concat(SamlXml.Children(encryptedAssertion, Xenc, "EncryptedKey")).ToList();
        var keyElement = keyElements is [var one] ? one : throw Invalid("the EncryptedAssertion must carry one EncryptedKey");

        // The algorithms are read and checked before anything is decrypted.
        var contentMethod = SamlXml.Child(dataElement, Xenc, "EncryptionMethod")?.GetAttribute("Algorithm") ?? string.Empty;
        var keyMethod = SamlXml.Child(keyElement, Xenc, "EncryptionMethod");
        if (!ContentAlgorithms.TryGetValue(contentMethod, out var keySize) || keyMethod is null || KeyPadding(keyMethod) is not { } padding)
        {
            throw Invalid("the EncryptedAssertion uses an algorithm that is not allowed");
        }

        try
        {
            var data = new EncryptedData();
            data.LoadXml(dataElement);
            var wrapped = new EncryptedKey();
            wrapped.LoadXml(keyElement);
            if (data.CipherData.CipherValue is null || wrapped.CipherData.CipherValue is null)
            {
                // A CipherReference would have the ciphertext fetched from elsewhere.
                throw new CryptographicException("no CipherValue");
            }

            using var aes = Aes.Create();
            aes.Key = Unwrap(key, wrapped.CipherData.CipherValue, padding, keySize);
            var plaintext = new EncryptedXml().DecryptData(data, aes);
            var root = SamlXml.Load(StrictUtf8.GetString(plaintext))?.DocumentElement;
            if (root is { LocalName: "Assertion", NamespaceURI: SamlXml.Assertion })
            {
                return root;
            }
        }
        catch (Exception e) when (e is CryptographicException or FormatException or XmlException or ArgumentException)
        {
        }

        throw Undecryptable();
    }

    /// <summary>The one answer for an encrypted assertion that does not open, or opens to no Assertion the IdP signed.</summary>
    public static AuthException Undecryptable() =>
        Invalid("the EncryptedAssertion does not decrypt with this service provider's key to an Assertion signed by the identity provider");

    /// <summary>The content key, or a random one of the right size when it does not unwrap to one.</summary>
    private static byte[] Unwrap(RSA key, byte[] wrapped, RSAEncryptionPadding padding, int keySize)
    {
        byte[]? unwrapped;
        try
        {
            unwrapped = key.Decrypt(wrapped, padding);
        }
        catch (CryptographicException)
        {
            unwrapped = null;
        }

        return unwrapped is { } k && k.Length == keySize ? k : RandomNumberGenerator.GetBytes(keySize);
    }

    /// <summary>
    /// crewjam's key transports: RSA 1.5, and RSA-OAEP with SHA-1 (its default; its other digests would be MGF1 with
    /// SHA-1 beside them, which .NET's OAEP cannot do) and no OAEP parameters (crewjam passes none).
    /// </summary>
    private static RSAEncryptionPadding? KeyPadding(XmlElement method) => method.GetAttribute("Algorithm") switch
    {
        Rsa15 => RSAEncryptionPadding.Pkcs1,
        RsaOaepMgf1p when SamlXml.Child(method, Xenc, "OAEPparams") is null
            && SamlXml.Child(method, SamlXml.DSig, "DigestMethod")?.GetAttribute("Algorithm") is null or Sha1 => RSAEncryptionPadding.OaepSHA1,
        _ => null,
    };

    private static AuthException Invalid(string reason) => new(AuthErrors.BadRequestValidation("SAML Assertion is not valid: " + reason));
}
