using System.Net.Mail;
using MadBase.ServiceDefaults.Projects;

namespace MadBase.Worker.Auth;

/// <summary>Email and password rules (GoTrue's validateEmail and checkPasswordStrength).</summary>
internal static class Credentials
{
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
