using System.Security.Cryptography;

namespace MadBase.ServiceDefaults.Projects;

/// <summary>Project refs are short lowercase ids, safe as host labels and inside role and database names.</summary>
public static class ProjectRefs
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz";

    public static bool IsValid(string? value)
    {
        if (value is null || value.Length is < 3 or > 40 || value[0] is < 'a' or > 'z')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9')))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>20 lowercase letters, as Supabase's refs.</summary>
    public static string New() => RandomNumberGenerator.GetString(Alphabet, 20);
}
