using System.Globalization;
using System.Text.RegularExpressions;

namespace MadBase.Worker.Auth;

/// <summary>
/// A Sign-In with Ethereum (EIP-4361) or Sign-In with Solana message, parsed as GoTrue's siwe and siws parsers do
/// (one grammar, told apart by the header's account name): line 1 the domain and header, line 2 the address, line 3
/// empty, an optional statement, then <c>Key: value</c> fields and an optional <c>Resources:</c> list. Refusals carry
/// GoTrue's texts.
/// </summary>
internal sealed partial record SignInMessage(
    string Raw,
    string Domain,
    string Address,
    string? Statement,
    Uri Uri,
    string? ChainId,
    string? Nonce,
    DateTimeOffset IssuedAt,
    DateTimeOffset? ExpirationTime,
    DateTimeOffset? NotBefore)
{
    public static SignInMessage Parse(string raw, Web3Chain chain)
    {
        var p = chain.ErrorPrefix;
        var lines = raw.Split('\n');
        if (lines.Length < 6)
        {
            throw Refused($"{p}: message needs at least 6 lines");
        }

        var suffix = $" wants you to sign in with your {chain.AccountName} account:";
        if (!lines[0].EndsWith(suffix, StringComparison.Ordinal))
        {
            throw Refused($"{p}: message first line does not end in \"{suffix}\"");
        }

        var domain = lines[0][..^suffix.Length].Trim();
        if (!DomainPattern().IsMatch(domain))
        {
            throw Refused($"{p}: domain in first line of message is not valid");
        }

        var address = lines[1].Trim();
        if (!chain.AddressPattern.IsMatch(address))
        {
            throw Refused(chain.InvalidAddress);
        }

        if (lines[2].Length != 0)
        {
            throw Refused($"{p}: third line must be empty");
        }

        string? statement = null;
        var start = 3;
        if (lines[3].Length != 0 && lines[4].Length == 0)
        {
            statement = lines[3];
            start = 5;
        }

        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        var inResources = false;
        var resources = 0;
        for (var i = start; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (inResources && line.StartsWith("- ", StringComparison.Ordinal))
            {
                if (!Uri.TryCreate(line[2..].Trim(), UriKind.Absolute, out _))
                {
                    throw Refused($"{p}: Resource at position {resources} has invalid URI");
                }

                resources++;
                continue;
            }

            inResources = line == "Resources:";
            if (inResources || line.Length == 0)
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                throw Refused($"{p}: encountered unparsable line at index {i}");
            }

            fields[line[..colon]] = line[(colon + 1)..].Trim();
        }

        Uri? uri = null;
        if (fields.TryGetValue("URI", out var uriText) && !Uri.TryCreate(uriText, UriKind.Absolute, out uri))
        {
            throw Refused($"{p}: URI is not valid");
        }

        var chainId = fields.GetValueOrDefault("Chain ID");
        if ((chainId is not null || chain.ChainIdRequired) && !chain.IsValidChainId(chainId ?? string.Empty))
        {
            throw Refused($"{p}: Chain ID is not valid");
        }

        var issuedAt = Time(fields, "Issued At", $"{p}: Issued At is not a valid ISO8601 timestamp");
        var expiration = Time(fields, "Expiration Time", $"{p}: Expiration Time is not a valid ISO8601 timestamp");
        var notBefore = Time(fields, "Not Before", $"{p}: Not Before is not a valid ISO8601 timestamp");
        var version = fields.GetValueOrDefault("Version") ?? string.Empty;
        if (version != "1")
        {
            throw Refused($"{p}: Version value is not supported, expected 1 got \"{version}\"");
        }

        if (issuedAt is null)
        {
            throw Refused($"{p}: Issued At is not specified");
        }

        if (uri is null)
        {
            throw Refused($"{p}: URI is not specified");
        }

        // EIP-4361 asks a nonce of at least 8 letters and digits (GoTrue leaves this unchecked).
        var nonce = fields.GetValueOrDefault("Nonce");
        if (chain.NonceRequired && (nonce is null || !NoncePattern().IsMatch(nonce)))
        {
            throw Refused($"{p}: Nonce must be at least 8 letters and digits");
        }

        if (expiration is not null && issuedAt > expiration)
        {
            throw Refused($"{p}: Issued At is after Expiration Time");
        }

        if (notBefore is not null && expiration is not null && notBefore > expiration)
        {
            throw Refused($"{p}: Not Before is after Expiration Time");
        }

        return new SignInMessage(raw, domain, address, statement, uri, chainId, nonce, issuedAt.Value, expiration, notBefore);
    }

    private static DateTimeOffset? Time(Dictionary<string, string> fields, string name, string refusal)
    {
        if (!fields.TryGetValue(name, out var text))
        {
            return null;
        }

        return Rfc3339Pattern().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at
            : throw Refused(refusal);
    }

    private static AuthException Refused(string message) => new(AuthErrors.BadRequestValidation(message));

    [GeneratedRegex(@"^(localhost|(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z]{2,})(?::\d{1,5})?$")]
    private static partial Regex DomainPattern();

    [GeneratedRegex("^[a-zA-Z0-9]{8,}$")]
    private static partial Regex NoncePattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial Regex Rfc3339Pattern();
}

/// <summary>What tells the two sign-in messages apart: header, address format, chain ids, and GoTrue's error prefix.</summary>
internal sealed record Web3Chain(
    string Name, string ErrorPrefix, string AccountName, Regex AddressPattern, string InvalidAddress, bool ChainIdRequired, bool NonceRequired,
    Func<string, bool> IsValidChainId)
{
    /// <summary>EIP-4361: a 0x address, a positive EIP-155 chain id, a nonce.</summary>
    public static readonly Web3Chain Ethereum = new(
        "ethereum", "siwe", "Ethereum", new Regex("^0x[a-fA-F0-9]{40}$"), "siwe: wallet address is not a valid Ethereum address",
        ChainIdRequired: true, NonceRequired: true, id => int.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0);

    /// <summary>Sign-In with Solana: a base58 address, the network optional.</summary>
    public static readonly Web3Chain Solana = new(
        "solana", "siws", "Solana", new Regex("^[a-zA-Z0-9]{32,44}$"), "siws: wallet address is not in base58 format",
        ChainIdRequired: false, NonceRequired: false, id => Regex.IsMatch(id, "^solana:(main|dev|test|local)net$"));
}
