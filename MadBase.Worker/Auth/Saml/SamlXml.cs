using System.Xml;

namespace MadBase.Worker.Auth;

/// <summary>
/// XML from outside (IdP metadata, SAML Responses) loaded without DTDs or external resources, so entity expansion
/// and XXE cannot happen; whitespace is kept because signatures are computed over it.
/// </summary>
internal static class SamlXml
{
    public const string Assertion = "urn:oasis:names:tc:SAML:2.0:assertion";
    public const string Protocol = "urn:oasis:names:tc:SAML:2.0:protocol";
    public const string Metadata = "urn:oasis:names:tc:SAML:2.0:metadata";
    public const string DSig = "http://www.w3.org/2000/09/xmldsig#";
    public const string RedirectBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
    public const string PostBinding = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
    public const string PersistentNameId = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent";
    public const string EmailNameId = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
    public const string TransientNameId = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    public const string UnspecifiedNameId = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

    /// <summary>Null when the text is no well-formed XML (or carries a DTD).</summary>
    public static XmlDocument? Load(string text)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = 1_000_000,
            IgnoreProcessingInstructions = true,
        };
        var document = new XmlDocument { PreserveWhitespace = true, XmlResolver = null };
        try
        {
            using var reader = XmlReader.Create(new StringReader(text), settings);
            document.Load(reader);
            return document;
        }
        catch (XmlException)
        {
            return null;
        }
    }

    /// <summary>The element's children of that name, in document order.</summary>
    public static IEnumerable<XmlElement> Children(XmlElement parent, string ns, string localName) =>
        parent.ChildNodes.OfType<XmlElement>().Where(e => e.LocalName == localName && e.NamespaceURI == ns);

    public static XmlElement? Child(XmlElement parent, string ns, string localName) => Children(parent, ns, localName).FirstOrDefault();
}
