// A SAML 2.0 identity provider on loopback for MadBase's SAML SSO tests (MadBase.Tests/Auth/SamlTests.cs).
//
//   GET /metadata  the IdP's metadata: its entity ID (this URL), its signing certificate, its SSO endpoint.
//   GET /sso       the SSO endpoint (HTTP-Redirect binding): reads the SAMLRequest the service provider sent and
//                  answers, as JSON, the form a browser would post to the ACS: {action, SAMLResponse, RelayState}.
//                  Test controls in the same query: email, sub (persistent NameID), name, and mode, one of
//                    assertion (default: the Assertion signed), response (the Response signed), unsigned,
//                    other-key (signed by a key the metadata does not name, its certificate in KeyInfo),
//                    tamper (the email changed after signing), wrap (a second, unsigned assertion beside the
//                    signed one), dup-id (another element with the signed assertion's ID), audience (another
//                    audience), expired (conditions ended ten minutes ago); and with the assertion encrypted to
//                    the certificate in encrypt_to (Base64 DER, the SP metadata's use="encryption" key):
//                    encrypted (the Assertion signed, then encrypted: RSA-OAEP, AES-256-CBC), encrypted-response
//                    (the Assertion unsigned, encrypted with RSA 1.5 and AES-128-CBC, the Response signed),
//                    encrypted-tamper (a bit of the ciphertext flipped), encrypted-other-key (encrypted to a key
//                    of the IdP's own), encrypted-gcm (AES-128-GCM content), encrypted-wrap (an unsigned plain
//                    assertion beside the encrypted one). session_ends (an ISO time) puts SessionNotOnOrAfter on
//                    the AuthnStatement.
//                  Without a SAMLRequest it makes an IdP-initiated Response for the given acs and audience.
//
// Started by the tests' NodeTool; prints one JSON line {"entity_id", "metadata_url"} once it listens.
import { createServer } from 'node:http';
import { X509Certificate, generateKeyPairSync, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import forge from 'node-forge';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import xmlenc from 'xml-encryption';

const SAML = 'urn:oasis:names:tc:SAML:2.0:assertion';
const SAMLP = 'urn:oasis:names:tc:SAML:2.0:protocol';

function keyAndCertificate(commonName) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' });
  const forgeKey = forge.pki.privateKeyFromPem(pem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(forgeKey.n, forgeKey.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const subject = [{ name: 'commonName', value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.sign(forgeKey, forge.md.sha256.create());
  const certPem = forge.pki.certificateToPem(cert);
  const base64 = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return { pem, certPem, base64 };
}

const idp = keyAndCertificate('madbase-test-idp');
const rogue = keyAndCertificate('madbase-test-idp');

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const newId = () => '_' + randomUUID().replace(/-/g, '');

function metadata(entityId, ssoUrl) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${escape(entityId)}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${idp.base64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="${escape(ssoUrl)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`;
}

function assertionXml({ id, issuer, email, sub, name, acs, audience, inResponseTo, now, expired, sessionEnds }) {
  const start = expired ? now - 15 * 60_000 : now - 30_000;
  const end = expired ? now - 10 * 60_000 : now + 5 * 60_000;
  const irt = inResponseTo ? ` InResponseTo="${escape(inResponseTo)}"` : '';
  const sessionEnd = sessionEnds ? ` SessionNotOnOrAfter="${escape(sessionEnds)}"` : '';
  return `<saml:Assertion xmlns:saml="${SAML}" ID="${id}" Version="2.0" IssueInstant="${iso(start)}">`
    + `<saml:Issuer>${escape(issuer)}</saml:Issuer>`
    + `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${escape(sub)}</saml:NameID>`
    + `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">`
    + `<saml:SubjectConfirmationData${irt} NotOnOrAfter="${iso(end)}" Recipient="${escape(acs)}"/>`
    + `</saml:SubjectConfirmation></saml:Subject>`
    + `<saml:Conditions NotBefore="${iso(start)}" NotOnOrAfter="${iso(end)}">`
    + `<saml:AudienceRestriction><saml:Audience>${escape(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>`
    + `<saml:AuthnStatement AuthnInstant="${iso(start)}" SessionIndex="${newId()}"${sessionEnd}><saml:AuthnContext>`
    + `<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>`
    + `</saml:AuthnContext></saml:AuthnStatement>`
    + `<saml:AttributeStatement>`
    + `<saml:Attribute Name="email"><saml:AttributeValue>${escape(email)}</saml:AttributeValue></saml:Attribute>`
    + `<saml:Attribute Name="displayName"><saml:AttributeValue>${escape(name)}</saml:AttributeValue></saml:Attribute>`
    + `<saml:Attribute Name="groups"><saml:AttributeValue>staff</saml:AttributeValue><saml:AttributeValue>admins</saml:AttributeValue></saml:Attribute>`
    + `</saml:AttributeStatement></saml:Assertion>`;
}

/** An enveloped signature over the element with that ID, placed after its Issuer (where SAML's schema puts it). */
function sign(xml, elementName, elementId, key) {
  const signer = new SignedXml({
    privateKey: key.pem,
    publicCert: key.certPem,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  });
  const element = `//*[local-name(.)='${elementName}' and @ID='${elementId}']`;
  signer.addReference({
    xpath: element,
    transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(xml, { prefix: 'ds', location: { reference: `${element}/*[local-name(.)='Issuer']`, action: 'after' } });
  return signer.getSignedXml();
}

const encrypt = promisify(xmlenc.encrypt);

/** The assertion as an EncryptedAssertion for that certificate (Base64 DER), with xml-encryption. */
async function encrypted(assertion, certificateBase64, mode) {
  const der = Buffer.from(certificateBase64, 'base64');
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
  const legacy = mode === 'encrypted-response';
  const data = await encrypt(assertion, {
    rsa_pub: new X509Certificate(der).publicKey.export({ type: 'spki', format: 'pem' }),
    pem,
    encryptionAlgorithm: mode === 'encrypted-gcm' ? 'http://www.w3.org/2009/xmlenc11#aes128-gcm'
      : legacy ? 'http://www.w3.org/2001/04/xmlenc#aes128-cbc' : 'http://www.w3.org/2001/04/xmlenc#aes256-cbc',
    keyEncryptionAlgorithm: legacy ? 'http://www.w3.org/2001/04/xmlenc#rsa-1_5' : 'http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p',
    // The CBC modes and RSA 1.5 are what SAML IdPs send and what the SP must accept; xml-encryption asks for consent.
    disallowEncryptionWithInsecureAlgorithm: false,
    warnInsecureAlgorithm: false,
  });
  let xml = `<saml:EncryptedAssertion>${data}</saml:EncryptedAssertion>`;
  if (mode === 'encrypted-tamper') {
    // The EncryptedData's CipherValue is the last one (the EncryptedKey's comes first): flip a bit of its last byte.
    const values = [...xml.matchAll(/<xenc:CipherValue>([^<]*)<\/xenc:CipherValue>/g)];
    const last = values[values.length - 1];
    const bytes = Buffer.from(last[1], 'base64');
    bytes[bytes.length - 1] ^= 0x01;
    xml = xml.slice(0, last.index) + `<xenc:CipherValue>${bytes.toString('base64')}</xenc:CipherValue>` + xml.slice(last.index + last[0].length);
  }

  return xml;
}

async function response(params) {
  const { mode, issuer, acs, inResponseTo } = params;
  const now = Date.now();
  const assertionId = newId();
  const responseId = newId();
  let assertion = assertionXml({ ...params, id: assertionId, now, expired: mode === 'expired' });
  if (['assertion', 'tamper', 'wrap', 'dup-id', 'audience', 'expired'].includes(mode) || (mode.startsWith('encrypted') && mode !== 'encrypted-response')) {
    assertion = sign(assertion, 'Assertion', assertionId, idp);
  } else if (mode === 'other-key') {
    assertion = sign(assertion, 'Assertion', assertionId, rogue);
  }

  if (mode === 'tamper') {
    assertion = assertion.split(escape(params.email)).join(escape('mallory@evil.example'));
  } else if (mode === 'wrap') {
    // The signed assertion stays as it was; an attacker's own assertion, unsigned, goes first beside it.
    const evil = assertionXml({ ...params, id: newId(), now, email: 'mallory@evil.example', sub: 'mallory' });
    assertion = evil + assertion;
  } else if (mode === 'dup-id') {
    // Another element claiming the signed assertion's ID, for a verifier that looks IDs up loosely.
    assertion = `<samlp:Extensions><x:Decoy xmlns:x="urn:decoy" ID="${assertionId}"/></samlp:Extensions>` + assertion;
  }

  if (mode.startsWith('encrypted')) {
    if (!params.encryptTo) {
      throw new Error('mode ' + mode + ' needs encrypt_to');
    }

    assertion = await encrypted(assertion, mode === 'encrypted-other-key' ? rogue.base64 : params.encryptTo, mode);
    if (mode === 'encrypted-wrap') {
      assertion = assertionXml({ ...params, id: newId(), now, email: 'mallory@evil.example', sub: 'mallory' }) + assertion;
    }
  }

  const irt = inResponseTo ? ` InResponseTo="${escape(inResponseTo)}"` : '';
  let xml = `<samlp:Response xmlns:samlp="${SAMLP}" xmlns:saml="${SAML}" ID="${responseId}" Version="2.0" IssueInstant="${iso(now)}"`
    + ` Destination="${escape(acs)}"${irt}>`
    + `<saml:Issuer>${escape(issuer)}</saml:Issuer>`
    + `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>`
    + assertion
    + `</samlp:Response>`;
  if (mode === 'response' || mode === 'encrypted-response') {
    xml = sign(xml, 'Response', responseId, idp);
  }

  return Buffer.from(xml, 'utf8').toString('base64');
}

function authnRequest(encoded) {
  const xml = inflateRawSync(Buffer.from(encoded, 'base64')).toString('utf8');
  const document = new DOMParser().parseFromString(xml, 'text/xml');
  const root = document.documentElement;
  if (root.localName !== 'AuthnRequest' || root.namespaceURI !== SAMLP) {
    throw new Error('not an AuthnRequest: ' + xml);
  }

  const issuer = root.getElementsByTagNameNS(SAML, 'Issuer')[0];
  return { id: root.getAttribute('ID'), acs: root.getAttribute('AssertionConsumerServiceURL'), issuer: issuer ? issuer.textContent : '', xml };
}

const server = createServer(async (req, res) => {
  const base = `http://127.0.0.1:${server.address().port}`;
  const url = new URL(req.url, base);
  const entityId = `${base}/metadata`;
  try {
    if (url.pathname === '/metadata') {
      res.writeHead(200, { 'content-type': 'application/samlmetadata+xml' });
      res.end(metadata(entityId, `${base}/sso`));
      return;
    }

    if (url.pathname === '/sso') {
      const q = url.searchParams;
      const request = q.get('SAMLRequest') ? authnRequest(q.get('SAMLRequest')) : null;
      const email = q.get('email') ?? 'saml.user@example.com';
      const acs = request?.acs ?? q.get('acs');
      const audience = q.get('mode') === 'audience' ? 'https://wrong-audience.example/' : (request?.issuer ?? q.get('audience'));
      const SAMLResponse = await response({
        mode: q.get('mode') ?? 'assertion',
        issuer: entityId,
        email,
        sub: q.get('sub') ?? 'id-' + email,
        name: q.get('name') ?? 'SAML User',
        acs,
        audience,
        inResponseTo: request?.id,
        encryptTo: q.get('encrypt_to'),
        sessionEnds: q.get('session_ends'),
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({
        action: acs,
        SAMLResponse,
        RelayState: q.get('RelayState') ?? '',
        request: request?.xml ?? null,
        signed: q.has('Signature') && q.get('SigAlg') === 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
      }));
      return;
    }

    res.writeHead(404).end();
  } catch (e) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(String(e?.stack ?? e));
  }
});

server.listen(0, '127.0.0.1', () => {
  const base = `http://127.0.0.1:${server.address().port}`;
  console.log(JSON.stringify({ entity_id: `${base}/metadata`, metadata_url: `${base}/metadata` }));
});
