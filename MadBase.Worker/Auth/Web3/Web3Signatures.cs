using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using Nethereum.Signer;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace MadBase.Worker.Auth;

/// <summary>The signature checks of web3.go: whose key signed the message, compared to the message's address.</summary>
internal static class Web3Signatures
{
    /// <summary>
    /// An EIP-191 personal_sign signature (65 bytes as hex, r‖s‖v, v 27/28 or 0/1) recovers to the message's
    /// address, compared case-insensitively as GoTrue does.
    /// </summary>
    public static bool IsEthereumSigner(SignInMessage message, string signatureHex)
    {
        var hex = signatureHex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? signatureHex[2..] : signatureHex;
        byte[] signature;
        try
        {
            signature = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            return false;
        }

        if (signature.Length != 65 || signature[64] is not (0 or 1 or 27 or 28))
        {
            return false;
        }

        if (signature[64] < 27)
        {
            signature[64] += 27;
        }

        try
        {
            var recovered = new EthereumMessageSigner().EncodeUTF8AndEcRecover(message.Raw, "0x" + Convert.ToHexString(signature));
            return string.Equals(recovered, message.Address, StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException or OverflowException)
        {
            return false; // not a point on the curve: signed by no key
        }
    }

    /// <summary>
    /// An ed25519 signature by the key the base58 address is, over the message itself (Phantom's Sign-In with Solana)
    /// or over it in the off-chain message envelope Ledger signs.
    /// </summary>
    public static bool IsSolanaSigner(SignInMessage message, byte[] signature)
    {
        if (Base58.Decode(message.Address) is not { Length: 32 } key || signature.Length != Ed25519.SignatureSize)
        {
            return false;
        }

        var raw = Encoding.UTF8.GetBytes(message.Raw);
        if (Ed25519.Verify(signature, 0, key, 0, raw, 0, raw.Length))
        {
            return true;
        }

        if (raw.Length > ushort.MaxValue)
        {
            return false;
        }

        // 0xff "solana offchain", version 0, the domain in 32 bytes, format 0 (ASCII), one signer, its key, the length (LE), the text.
        var envelope = new List<byte> { 0xff };
        envelope.AddRange("solana offchain"u8.ToArray());
        envelope.Add(0);
        var domain = new byte[32];
        var domainBytes = Encoding.UTF8.GetBytes(message.Domain);
        Array.Copy(domainBytes, domain, Math.Min(32, domainBytes.Length));
        envelope.AddRange(domain);
        envelope.Add(0);
        envelope.Add(1);
        envelope.AddRange(key);
        var length = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)raw.Length);
        envelope.AddRange(length);
        envelope.AddRange(raw);
        var signed = envelope.ToArray();
        return Ed25519.Verify(signature, 0, key, 0, signed, 0, signed.Length);
    }
}

/// <summary>Bitcoin's base58 alphabet, in which Solana writes its addresses (public keys).</summary>
internal static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>The bytes, or null for a character outside the alphabet.</summary>
    public static byte[]? Decode(string text)
    {
        var value = BigInteger.Zero;
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return null;
            }

            value = (value * 58) + digit;
        }

        var leadingZeros = text.TakeWhile(c => c == '1').Count();
        var bytes = value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true);
        return [.. new byte[leadingZeros], .. bytes];
    }

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var text = new StringBuilder();
        while (value > 0)
        {
            text.Insert(0, Alphabet[(int)(value % 58)]);
            value /= 58;
        }

        foreach (var b in bytes)
        {
            if (b != 0)
            {
                break;
            }

            text.Insert(0, '1');
        }

        return text.ToString();
    }
}
