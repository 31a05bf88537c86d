using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using MadBase.ServiceDefaults.Projects;
using MadBase.Worker.Tenancy;

namespace MadBase.Worker.Auth;

/// <summary>
/// The project as a SAML service provider (GoTrue's newSAMLServiceProvider over crewjam/saml): its entity ID is
/// its metadata URL and its ACS sits beside it under <c>{API external URL}/sso/saml/</c>; it signs its
/// AuthnRequests with its RSA key, whose self-signed certificate its metadata publishes, and opens encrypted
/// assertions with it.
/// </summary>
internal sealed class SamlServiceProvider : IDisposable
{
    private const string RsaSha256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

    private readonly RSA key;

    private readonly bool allowEncryptedAssertions;

    private SamlServiceProvider(RSA key, X509Certificate2 certificate, string baseUrl, bool allowEncryptedAssertions)
    {
        this.key = key;
        this.allowEncryptedAssertions = allowEncryptedAssertions;
        Certificate = certificate;
        EntityId = baseUrl + "saml/metadata";
        AcsUrl = baseUrl + "saml/acs";
    }

    public string EntityId { get; }

    public string AcsUrl { get; }

    public X509Certificate2 Certificate { get; }

    /// <summary>
    /// The configured key (GOTRUE_SAML_PRIVATE_KEY), else the project's own from auth.saml_sp_key, made by the first
    /// caller (a concurrent first caller's key loses ON CONFLICT and both read the one stored).
    /// </summary>
    public static async Task<SamlServiceProvider> LoadAsync(RlsTransaction tx, AuthSettings settings, CancellationToken cancellationToken)
    {
        byte[] pkcs1;
        DateTimeOffset since;
        if (settings.Saml.PrivateKey is { } configured)
        {
            pkcs1 = Convert.FromBase64String(configured);
            since = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        }
        else
        {
            (pkcs1, since) = await StoredKeyAsync(tx, cancellationToken) ?? await CreateKeyAsync(tx, cancellationToken);
        }

        var rsa = RSA.Create();
        rsa.ImportRSAPrivateKey(pkcs1, out _);
        var baseUrl = settings.ApiExternalUrl.TrimEnd('/') + "/sso/";
        var allowEncrypted = settings.Saml.AllowEncryptedAssertions;
        return new SamlServiceProvider(rsa, SelfSigned(rsa, baseUrl, since, allowEncrypted), baseUrl, allowEncrypted);
    }

    /// <summary>
    /// GoTrue's SP metadata: the key for signing, and for encryption too with GOTRUE_SAML_ALLOW_ENCRYPTED_ASSERTIONS,
    /// email and persistent NameIDs, the ACS for the HTTP-POST binding; valid 48 hours as crewjam's default, or five
    /// years for <c>download=true</c>.
    /// </summary>
    public string Metadata(DateTimeOffset validUntil)
    {
        var output = new StringBuilder();
        using (var writer = XmlWriter.Create(output, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("EntityDescriptor", SamlXml.Metadata);
            writer.WriteAttributeString("validUntil", Instant(validUntil));
            writer.WriteAttributeString("entityID", EntityId);
            writer.WriteStartElement("SPSSODescriptor", SamlXml.Metadata);
            writer.WriteAttributeString("validUntil", Instant(validUntil));
            writer.WriteAttributeString("protocolSupportEnumeration", SamlXml.Protocol);
            writer.WriteAttributeString("WantAssertionsSigned", "true");
            foreach (var use in allowEncryptedAssertions ? ["signing", "encryption"] : new[] { "signing" })
            {
                writer.WriteStartElement("KeyDescriptor", SamlXml.Metadata);
                writer.WriteAttributeString("use", use);
                writer.WriteStartElement("KeyInfo", SamlXml.DSig);
                writer.WriteStartElement("X509Data", SamlXml.DSig);
                writer.WriteElementString("X509Certificate", SamlXml.DSig, Convert.ToBase64String(Certificate.RawData));
                writer.WriteEndElement();
                writer.WriteEndElement();
                writer.WriteEndElement();
            }

            writer.WriteElementString("NameIDFormat", SamlXml.Metadata, SamlXml.EmailNameId);
            writer.WriteElementString("NameIDFormat", SamlXml.Metadata, SamlXml.PersistentNameId);
            writer.WriteStartElement("AssertionConsumerService", SamlXml.Metadata);
            writer.WriteAttributeString("Binding", SamlXml.PostBinding);
            writer.WriteAttributeString("Location", AcsUrl);
            writer.WriteAttributeString("index", "1");
            writer.WriteEndElement();
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        return output.ToString();
    }

    /// <summary>
    /// An AuthnRequest for the IdP's SSO endpoint in the HTTP-Redirect binding (SAML bindings §3.4.4): deflated,
    /// Base64, with the RelayState and a signature over the query as the binding defines it. Returns the URL and
    /// the request's ID, which the Response must name in InResponseTo.
    /// </summary>
    public (string Url, string RequestId) AuthnRequestRedirect(string ssoUrl, string relayState, string? nameIdFormat, DateTimeOffset now)
    {
        var requestId = "id-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(20));
        var xml = new StringBuilder();
        using (var writer = XmlWriter.Create(xml, new XmlWriterSettings { OmitXmlDeclaration = true }))
        {
            writer.WriteStartElement("samlp", "AuthnRequest", SamlXml.Protocol);
            writer.WriteAttributeString("xmlns", "saml", null, SamlXml.Assertion);
            writer.WriteAttributeString("ID", requestId);
            writer.WriteAttributeString("Version", "2.0");
            writer.WriteAttributeString("IssueInstant", Instant(now));
            writer.WriteAttributeString("Destination", ssoUrl);
            writer.WriteAttributeString("AssertionConsumerServiceURL", AcsUrl);
            writer.WriteAttributeString("ProtocolBinding", SamlXml.PostBinding);
            writer.WriteStartElement("saml", "Issuer", SamlXml.Assertion);
            writer.WriteAttributeString("Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:entity");
            writer.WriteString(EntityId);
            writer.WriteEndElement();
            writer.WriteStartElement("samlp", "NameIDPolicy", SamlXml.Protocol);
            writer.WriteAttributeString("Format", nameIdFormat ?? SamlXml.PersistentNameId);
            writer.WriteAttributeString("AllowCreate", "true");
            writer.WriteEndElement();
            writer.WriteEndElement();
        }

        using var deflated = new MemoryStream();
        using (var deflate = new DeflateStream(deflated, CompressionLevel.Optimal))
        {
            deflate.Write(Encoding.UTF8.GetBytes(xml.ToString()));
        }

        var query = "SAMLRequest=" + Uri.EscapeDataString(Convert.ToBase64String(deflated.ToArray()))
            + "&RelayState=" + Uri.EscapeDataString(relayState)
            + "&SigAlg=" + Uri.EscapeDataString(RsaSha256);
        var signature = key.SignData(Encoding.UTF8.GetBytes(query), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        query += "&Signature=" + Uri.EscapeDataString(Convert.ToBase64String(signature));
        return (ssoUrl + (ssoUrl.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query, requestId);
    }

    /// <summary>
    /// An EncryptedAssertion opened with this key. As GoTrue (crewjam decrypts whatever comes), also when the
    /// metadata does not offer the key for encryption: the assertion still has to be signed by the IdP.
    /// </summary>
    public XmlElement DecryptAssertion(XmlElement encryptedAssertion) => EncryptedAssertions.Decrypt(encryptedAssertion, key);

    public void Dispose()
    {
        key.Dispose();
        Certificate.Dispose();
    }

    public static string Instant(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// GoTrue's certificate for its key: self-signed for <c>_samlsp.{host}</c>. Its dates and serial are fixed by
    /// the key, so every worker makes the same certificate and the published metadata does not change. GoTrue adds
    /// data encipherment to its key usage when it allows encrypted assertions.
    /// </summary>
    private static X509Certificate2 SelfSigned(RSA rsa, string baseUrl, DateTimeOffset since, bool forEncryption)
    {
        // api_external_url is not checked when set; a value that is no URL still gets a certificate, not an error.
        var host = Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) && url.Host.Length > 0 ? url.Host : "localhost";
        var request = new CertificateRequest("CN=_samlsp." + host, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("_samlsp." + host);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | (forEncryption ? X509KeyUsageFlags.DataEncipherment : X509KeyUsageFlags.None), critical: true));
        var generator = X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1);
        return request.Create(request.SubjectName, generator, since, since.AddYears(50), [1]);
    }

    private static async Task<(byte[], DateTimeOffset)?> StoredKeyAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        await using var command = tx.CreateCommand("SELECT private_key, created_at FROM auth.saml_sp_key");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? (reader.GetFieldValue<byte[]>(0), reader.GetFieldValue<DateTimeOffset>(1))
            : null;
    }

    private static async Task<(byte[], DateTimeOffset)> CreateKeyAsync(RlsTransaction tx, CancellationToken cancellationToken)
    {
        using var rsa = RSA.Create(2048);
        await using (var insert = tx.CreateCommand("INSERT INTO auth.saml_sp_key (private_key, created_at) VALUES ($1, date_trunc('second', now())) ON CONFLICT DO NOTHING"))
        {
            insert.Parameters.AddWithValue(rsa.ExportRSAPrivateKey());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return await StoredKeyAsync(tx, cancellationToken) ?? throw new InvalidOperationException("auth.saml_sp_key has no key after inserting one");
    }
}
