namespace MadBase.ServiceDefaults.RequestIds;

/// <summary>The <c>X-Request-Id</c> rules: keep a sane client value, otherwise make one.</summary>
public static class RequestId
{
    public const string HeaderName = "X-Request-Id";
    public const int MaxLength = 128;

    /// <summary>Printable ASCII without spaces, at most 128 characters: safe to log, echo and pass on.</summary>
    public static bool IsAcceptable(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is <= ' ' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    public static string New() => Guid.CreateVersion7().ToString("N");
}
