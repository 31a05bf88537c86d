namespace MadBase.Worker.Storage.Buckets;

/// <summary>A bucket's <c>allowed_mime_types</c>, exact (<c>image/png</c>) or wildcard (<c>image/*</c>).</summary>
internal static class MimeTypes
{
    public static bool IsAllowed(IReadOnlyList<string>? allowed, string contentType)
    {
        if (allowed is null || allowed.Count == 0)
        {
            return true;
        }

        var type = Essence(contentType);
        foreach (var pattern in allowed)
        {
            var wanted = Essence(pattern);
            if (wanted == "*/*" || wanted == type)
            {
                return true;
            }

            if (wanted.EndsWith("/*", StringComparison.Ordinal) && type.StartsWith(wanted[..^1], StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"Text/Plain; charset=utf-8" → "text/plain".</summary>
    public static string Essence(string contentType) => contentType.Split(';')[0].Trim().ToLowerInvariant();
}
