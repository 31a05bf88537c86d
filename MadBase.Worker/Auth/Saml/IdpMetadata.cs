using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace MadBase.Worker.Auth;

/// <summary>
/// What MadBase needs from an identity provider's SAML metadata (GoTrue's parseSAMLMetadata): its entity ID, the
/// SSO endpoint of the HTTP-Redirect binding and the certificates its signatures must verify with.
/// </summary>
internal sealed record IdpMetadata(string EntityId, string? SsoRedirectUrl, IReadOnlyList<X509Certificate2> SigningCertificates)
{
    /// <summary>Parses the metadata or throws GoTrue's 400 validation error for what is wrong with it.</summary>
    public static IdpMetadata Parse(string xml)
    {
        // The XML is text here already; GoTrue refuses invalid UTF-8, which .NET has replaced by U+FFFD on the way in.
        if (xml.Contains('\uFFFD', StringComparison.Ordinal))
        {
            throw Invalid("SAML Metadata XML contains invalid UTF-8 characters, which are not supported at this time");
        }

        var document = SamlXml.Load(xml) ?? throw Invalid("SAML Metadata XML is not valid XML");
        var root = document.DocumentElement!;
        if (root.NamespaceURI == SamlXml.Metadata && root.LocalName == "EntitiesDescriptor")
        {
            // samlsp.ParseMetadata takes an EntitiesDescriptor holding one entity that is an IdP.
            root = root.GetElementsByTagName("EntityDescriptor", SamlXml.Metadata).OfType<XmlElement>()
                .FirstOrDefault(e => SamlXml.Child(e, SamlXml.Metadata, "IDPSSODescriptor") is not null)
                ?? throw Invalid("SAML Metadata does not contain any IDPSSODescriptor");
        }

        if (root.NamespaceURI != SamlXml.Metadata || root.LocalName != "EntityDescriptor")
        {
            throw Invalid("SAML Metadata XML is not an EntityDescriptor");
        }

        var entityId = root.GetAttribute("entityID");
        if (entityId.Length == 0)
        {
            throw Invalid("SAML Metadata does not contain an EntityID");
        }

        var descriptors = SamlXml.Children(root, SamlXml.Metadata, "IDPSSODescriptor").ToList();
        if (descriptors.Count < 1)
        {
            throw Invalid("SAML Metadata does not contain any IDPSSODescriptor");
        }

        if (descriptors.Count > 1)
        {
            throw Invalid("SAML Metadata contains multiple IDPSSODescriptors");
        }

        var descriptor = descriptors[0];
        var sso = SamlXml.Children(descriptor, SamlXml.Metadata, "SingleSignOnService")
            .FirstOrDefault(e => e.GetAttribute("Binding") == SamlXml.RedirectBinding)?.GetAttribute("Location");
        var certificates = new List<X509Certificate2>();
        foreach (var key in SamlXml.Children(descriptor, SamlXml.Metadata, "KeyDescriptor"))
        {
            if (key.GetAttribute("use") is not ("" or "signing"))
            {
                continue;
            }

            foreach (var data in key.GetElementsByTagName("X509Certificate", SamlXml.DSig).OfType<XmlElement>())
            {
                try
                {
                    var der = Convert.FromBase64String(data.InnerText.Trim());
                    certificates.Add(X509CertificateLoader.LoadCertificate(der));
                }
                catch (Exception e) when (e is FormatException or CryptographicException)
                {
                    throw Invalid("SAML Metadata contains a certificate that cannot be parsed");
                }
            }
        }

        return new IdpMetadata(entityId, string.IsNullOrEmpty(sso) ? null : sso, certificates);
    }

    private static AuthException Invalid(string message) => new(AuthErrors.BadRequestValidation(message));

    /// <summary>The raw bytes as GoTrue stores them: only valid UTF-8 is text.</summary>
    public static string DecodeUtf8(byte[] bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Invalid("SAML Metadata XML contains invalid UTF-8 characters, which are not supported at this time");
        }
    }
}
