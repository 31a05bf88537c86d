using System.Net.Mail;
using MadBase.ServiceDefaults.Projects;
using PhoneNumbers;

namespace MadBase.Worker.Auth;

/// <summary>Email, phone and password rules (GoTrue's validateEmail, validatePhone and checkPasswordStrength).</summary>
internal static class Credentials
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// GoTrue's validatePhone: '+' and spaces dropped, then E.164 (a country code and at most 15 digits), which
    /// libphonenumber must also find a possible number for its country; stored, as GoTrue, without the '+'.
    /// </summary>
    public static string ValidPhone(string? phone)
    {
        var digits = (phone ?? string.Empty).Trim();
        digits = (digits.StartsWith('+') ? digits[1..] : digits).Replace(" ", string.Empty, StringComparison.Ordinal);
        if (digits.Length is < 2 or > 15 || digits[0] == '0' || !digits.All(char.IsAsciiDigit) || !IsPossible(digits))
        {
            throw new AuthException(AuthErrors.BadRequestValidation("Invalid phone number format (E.164 required)"));
        }

        return digits;
    }

    private static bool IsPossible(string digits)
    {
        try
        {
            return Phones.IsPossibleNumber(Phones.Parse("+" + digits, null));
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    public static string ValidEmail(string? email)
    {
        var trimmed = (email ?? string.Empty).Trim();
        if (trimmed.Length == 0)
        {
            throw new AuthException(AuthErrors.BadRequestValidation("An email address is required"));
        }

        if (trimmed.Length > 255 || trimmed.Contains(' ', StringComparison.Ordinal)
            || !MailAddress.TryCreate(trimmed, out var parsed) || parsed.Address != trimmed || !parsed.Host.Contains('.', StringComparison.Ordinal))
        {
            throw new AuthException(new AuthError(400, "email_address_invalid", "Unable to validate email address: invalid format"));
        }

        return trimmed.ToLowerInvariant();
    }

    public static void CheckPassword(AuthSettings settings, string password)
    {
        if (PasswordHasher.IsTooLong(password))
        {
            throw new AuthException(AuthErrors.PasswordTooLong());
        }

        if (password.Length < settings.MinPasswordLength)
        {
            throw new AuthException(AuthErrors.WeakPassword(settings.MinPasswordLength));
        }
    }
}
