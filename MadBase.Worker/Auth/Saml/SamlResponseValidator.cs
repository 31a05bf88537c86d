using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Cryptography.Xml;
using System.Xml;

namespace MadBase.Worker.Auth;

/// <summary>An attribute of the assertion: its Name, FriendlyName and values.</summary>
internal sealed record SamlAttributeValues(string Name, string FriendlyName, IReadOnlyList<string> Values);

/// <summary>What a verified assertion says (the parts GoTrue's SAMLAssertion reads).</summary>
internal sealed record SamlAssertion(
    string Id, DateTimeOffset ValidUntil, string? NameId, string? NameIdFormat, IReadOnlyList<SamlAttributeValues> Attributes, DateTimeOffset? SessionNotOnOrAfter);

/// <summary>
/// Checks a SAML Response of the HTTP-POST binding as crewjam's ServiceProvider.ParseResponse does, with .NET's
/// SignedXml for the signatures, and returns only what a verified signature covers.
/// <para>
/// Against XML signature wrapping: the document must hold exactly one Assertion, plain or encrypted, a direct child
/// of the Response (an encrypted one is decrypted with the SP key after the Response's signature, if any, is checked);
/// a signature counts only when it is a direct child of the element it signs, has one Reference and that Reference
/// is <c>#</c> + the element's own ID (IDs are unique in the document, else SignedXml refuses), with only the
/// enveloped-signature and canonicalization transforms. Everything read afterwards is read from that element.
/// </para>
/// </summary>
internal static class SamlResponseValidator
{
    /// <summary>crewjam's MaxClockSkew.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(180);

    private static readonly string[] SignatureMethods =
    [
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    ];

    private static readonly string[] DigestMethods =
    [
        "http://www.w3.org/2001/04/xmlenc#sha256",
        "http://www.w3.org/2001/04/xmldsig-more#sha384",
        "http://www.w3.org/2001/04/xmlenc#sha512",
    ];

    private static readonly string[] Transforms =
    [
        SignedXml.XmlDsigEnvelopedSignatureTransformUrl,
        SignedXml.XmlDsigExcC14NTransformUrl,
        SignedXml.XmlDsigExcC14NWithCommentsTransformUrl,
        SignedXml.XmlDsigC14NTransformUrl,
    ];

    /// <summary>The Response's root, for the IdP-initiated flow's peek at its Issuer before anything is verified.</summary>
    public static XmlElement? Parse(string base64Response)
    {
        string xml;
        try
        {
            xml = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64Response));
        }
        catch (FormatException)
        {
            throw Refused("SAMLResponse is not a valid Base64 string");
        }

        var root = SamlXml.Load(xml)?.DocumentElement;
        return root is { LocalName: "Response", NamespaceURI: SamlXml.Protocol } ? root : null;
    }

    /// <summary>The verified assertion, or a 400 validation_failed naming the first check that failed.</summary>
    public static SamlAssertion Validate(
        XmlElement response, IdpMetadata idp, SamlServiceProvider sp, string? expectedRequestId, DateTimeOffset now)
    {
        if (response.GetAttribute("Version") != "2.0")
        {
            throw Invalid("the Response is not SAML 2.0");
        }

        // Exactly one assertion in all, plain or encrypted, and it is a child of the Response.
        var document = response.OwnerDocument;
        var encrypted = document.GetElementsByTagName("EncryptedAssertion", SamlXml.Assertion).Count;
        if (encrypted + document.GetElementsByTagName("Assertion", SamlXml.Assertion).Count != 1)
        {
            throw Invalid("the Response must carry exactly one Assertion");
        }

        var carried = SamlXml.Child(response, SamlXml.Assertion, encrypted == 1 ? "EncryptedAssertion" : "Assertion")
            ?? throw Invalid("the Assertion is not a child of the Response");

        // SignedXml refuses a reference to a duplicated ID too; checked here for every element, whatever its ID is named.
        CheckUniqueIds(document);

        // A signature that is present must verify, whichever element carries it. The Response's covers an
        // encrypted assertion as it was sent, so it is checked before anything is decrypted.
        var responseSigned = SamlXml.Child(response, SamlXml.DSig, "Signature") is not null;
        if (responseSigned)
        {
            VerifySignature(response, idp.SigningCertificates, "Response");
        }

        // The decrypted Assertion is a document of its own, holding nothing but it (crewjam checks its signature there).
        var assertion = encrypted == 1 ? sp.DecryptAssertion(carried) : carried;
        try
        {
            if (encrypted == 1)
            {
                if (assertion.OwnerDocument.GetElementsByTagName("Assertion", SamlXml.Assertion).Count != 1
                    || assertion.OwnerDocument.GetElementsByTagName("EncryptedAssertion", SamlXml.Assertion).Count != 0)
                {
                    throw Invalid("the Response must carry exactly one Assertion");
                }

                CheckUniqueIds(assertion.OwnerDocument);
            }

            var assertionSigned = SamlXml.Child(assertion, SamlXml.DSig, "Signature") is not null;
            if (!responseSigned && !assertionSigned)
            {
                throw Invalid("neither the Response nor the Assertion is signed");
            }

            if (assertionSigned)
            {
                VerifySignature(assertion, idp.SigningCertificates, "Assertion");
            }
        }
        catch (AuthException) when (encrypted == 1 && !responseSigned)
        {
            // No signature vouched for this ciphertext: how a changed one fails after decrypting would tell an
            // attacker about its plaintext (XML encryption's CBC oracle), so it fails as an undecryptable one does.
            throw EncryptedAssertions.Undecryptable();
        }

        CheckResponse(response, idp, sp, expectedRequestId);
        return CheckAssertion(assertion, idp, sp, expectedRequestId, now);
    }

    private static void CheckResponse(XmlElement response, IdpMetadata idp, SamlServiceProvider sp, string? expectedRequestId)
    {
        if (response.GetAttribute("Destination") is { Length: > 0 } destination && destination != sp.AcsUrl)
        {
            throw Invalid("the Response's Destination is not this service provider's ACS URL");
        }

        CheckInResponseTo(response.GetAttribute("InResponseTo"), expectedRequestId, "Response");
        if (SamlXml.Child(response, SamlXml.Assertion, "Issuer") is { } issuer && issuer.InnerText.Trim() != idp.EntityId)
        {
            throw Invalid("the Response's Issuer is not the identity provider");
        }

        var status = SamlXml.Child(response, SamlXml.Protocol, "Status") is { } s ? SamlXml.Child(s, SamlXml.Protocol, "StatusCode") : null;
        if (status?.GetAttribute("Value") != "urn:oasis:names:tc:SAML:2.0:status:Success")
        {
            throw Invalid("the identity provider did not answer Success");
        }
    }

    private static SamlAssertion CheckAssertion(XmlElement assertion, IdpMetadata idp, SamlServiceProvider sp, string? expectedRequestId, DateTimeOffset now)
    {
        if (SamlXml.Child(assertion, SamlXml.Assertion, "Issuer")?.InnerText.Trim() != idp.EntityId)
        {
            throw Invalid("the Assertion's Issuer is not the identity provider");
        }

        var conditions = SamlXml.Child(assertion, SamlXml.Assertion, "Conditions") ?? throw Invalid("the Assertion has no Conditions");
        if (Time(conditions, "NotBefore") is { } notBefore && now + ClockSkew < notBefore)
        {
            throw Invalid("the Assertion is not valid yet");
        }

        if (Time(conditions, "NotOnOrAfter") is { } notOnOrAfter && now - ClockSkew >= notOnOrAfter)
        {
            throw Invalid("the Assertion has expired");
        }

        var audiences = SamlXml.Children(conditions, SamlXml.Assertion, "AudienceRestriction")
            .Select(r => SamlXml.Children(r, SamlXml.Assertion, "Audience").Select(a => a.InnerText.Trim()).ToList()).ToList();
        if (audiences.Count == 0 || audiences.Any(restriction => !restriction.Contains(sp.EntityId)))
        {
            throw Invalid("the Assertion's Audience is not this service provider");
        }

        var subject = SamlXml.Child(assertion, SamlXml.Assertion, "Subject") ?? throw Invalid("the Assertion has no Subject");
        var bearer = SamlXml.Children(subject, SamlXml.Assertion, "SubjectConfirmation")
            .FirstOrDefault(c => c.GetAttribute("Method") == "urn:oasis:names:tc:SAML:2.0:cm:bearer")
            ?? throw Invalid("the Assertion has no bearer SubjectConfirmation");
        var data = SamlXml.Child(bearer, SamlXml.Assertion, "SubjectConfirmationData") ?? throw Invalid("the SubjectConfirmation has no data");
        if (data.GetAttribute("Recipient") != sp.AcsUrl)
        {
            throw Invalid("the SubjectConfirmation's Recipient is not this service provider's ACS URL");
        }

        if (Time(data, "NotOnOrAfter") is not { } confirmationEnd || now - ClockSkew >= confirmationEnd)
        {
            throw Invalid("the SubjectConfirmation has expired");
        }

        CheckInResponseTo(data.GetAttribute("InResponseTo"), expectedRequestId, "SubjectConfirmation");

        var nameId = SamlXml.Child(subject, SamlXml.Assertion, "NameID");
        var attributes = SamlXml.Children(assertion, SamlXml.Assertion, "AttributeStatement")
            .SelectMany(statement => SamlXml.Children(statement, SamlXml.Assertion, "Attribute"))
            .Select(a => new SamlAttributeValues(
                a.GetAttribute("Name"),
                a.GetAttribute("FriendlyName"),
                SamlXml.Children(a, SamlXml.Assertion, "AttributeValue").Select(v => v.InnerText).ToList()))
            .ToList();
        var sessionEnd = SamlXml.Children(assertion, SamlXml.Assertion, "AuthnStatement")
            .Select(statement => Time(statement, "SessionNotOnOrAfter")).FirstOrDefault(t => t is not null);
        var validUntil = Time(conditions, "NotOnOrAfter") is { } end && end < confirmationEnd ? end : confirmationEnd;
        return new SamlAssertion(assertion.GetAttribute("ID"), validUntil + ClockSkew, nameId?.InnerText, nameId?.GetAttribute("Format"), attributes, sessionEnd);
    }

    private static void CheckUniqueIds(XmlDocument document)
    {
        var ids = document.SelectNodes("//@ID | //@Id | //@id")!.Cast<XmlNode>().Select(n => n.Value).ToList();
        if (ids.Distinct(StringComparer.Ordinal).Count() != ids.Count)
        {
            throw Invalid("an ID is used twice in the Response");
        }
    }

    /// <summary>SP-initiated: must name our request; IdP-initiated: there was none to name.</summary>
    private static void CheckInResponseTo(string inResponseTo, string? expectedRequestId, string where)
    {
        if (expectedRequestId is null ? inResponseTo.Length > 0 : inResponseTo != expectedRequestId)
        {
            throw Invalid($"the {where}'s InResponseTo is not the request this sign-in started with");
        }
    }

    private static void VerifySignature(XmlElement signed, IReadOnlyList<X509Certificate2> certificates, string what)
    {
        var id = signed.GetAttribute("ID");
        var signatureElement = SamlXml.Child(signed, SamlXml.DSig, "Signature")!;
        var signature = new SignedXml(signed);
        try
        {
            signature.LoadXml(signatureElement);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or XmlException)
        {
            throw Invalid($"the {what}'s signature is malformed");
        }

        if (id.Length == 0 || signature.SignedInfo?.References is not { Count: 1 } references
            || references[0] is not Reference reference || reference.Uri != "#" + id)
        {
            throw Invalid($"the {what}'s signature does not reference the {what}");
        }

        if (!SignatureMethods.Contains(signature.SignatureMethod) || !DigestMethods.Contains(reference.DigestMethod)
            || Enumerable.Range(0, reference.TransformChain.Count).Any(i => !Transforms.Contains(reference.TransformChain[i].Algorithm)))
        {
            throw Invalid($"the {what}'s signature uses an algorithm that is not allowed");
        }

        foreach (var certificate in certificates)
        {
            try
            {
                // The key is the metadata's, never one the signature's KeyInfo offers.
                if (signature.CheckSignature(certificate, verifySignatureOnly: true))
                {
                    return;
                }
            }
            catch (Exception e) when (e is CryptographicException or FormatException or XmlException)
            {
                // A duplicated ID, a reference that resolves to nothing, a value that is no Base64: not a valid signature.
                break;
            }
        }

        throw Invalid($"the {what}'s signature does not verify with the identity provider's certificate");
    }

    private static DateTimeOffset? Time(XmlElement element, string attribute) =>
        element.GetAttribute(attribute) is { Length: > 0 } text
            ? DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                ? time
                : throw Invalid($"{attribute} is not a valid time")
            : null;

    private static AuthException Invalid(string reason) => Refused("SAML Assertion is not valid: " + reason);

    private static AuthException Refused(string message) => new(AuthErrors.BadRequestValidation(message));
}
