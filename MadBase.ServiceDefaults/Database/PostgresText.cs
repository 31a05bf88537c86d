using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MadBase.ServiceDefaults.Database;

/// <summary>
/// Text a project's database can hold. Postgres refuses NUL in text and jsonb (SQLSTATE 22021, 22P05), and a
/// lone UTF-16 surrogate, which JSON's <c>\ud800</c> escape can carry, has no UTF-8 form: System.Text.Json
/// throws when asked for it as a string and Npgsql cannot send it. The Worker's modules and Control check
/// client input with this before it reaches a statement, so such input is the client's 400 rather than a
/// failed statement.
/// </summary>
public static class PostgresText
{
    /// <summary>What every service answers (in its own error shape) when input fails these checks.</summary>
    public const string Refusal = "text must not contain NUL characters or unpaired UTF-16 surrogates";

    public static bool IsStorable(string? text)
    {
        if (text is null)
        {
            return true;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Query parameters, names and values, which handlers pass to statements as text.</summary>
    public static bool IsStorable(IQueryCollection query)
    {
        foreach (var (name, values) in query)
        {
            if (!IsStorable(name))
            {
                return false;
            }

            foreach (var value in values)
            {
                if (!IsStorable(value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    /// <summary>Every property name and string value of <paramref name="element"/>, however deep, is storable.</summary>
    public static bool IsStorable(JsonElement element) => AllStrings(element, IsStorable);

    /// <summary>
    /// Every property name and string value decodes to a .NET string (no lone surrogate escape); NUL is
    /// allowed. For JSON the service re-serialises but leaves to Postgres to judge (the json type takes NUL).
    /// </summary>
    public static bool IsDecodable(JsonElement element) => AllStrings(element, static _ => true);

    private static bool AllStrings(JsonElement element, Func<string, bool> accept)
    {
        // An explicit stack: nesting is bounded by the parser's MaxDepth, but recursion need not be relied on.
        var pending = new Stack<JsonElement>();
        pending.Push(element);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            switch (current.ValueKind)
            {
                case JsonValueKind.String when !(TryGetString(current, out var value) && accept(value)):
                    return false;
                case JsonValueKind.Array:
                    foreach (var item in current.EnumerateArray())
                    {
                        pending.Push(item);
                    }

                    break;
                case JsonValueKind.Object:
                    foreach (var property in current.EnumerateObject())
                    {
                        if (!(TryGetName(property, out var name) && accept(name)))
                        {
                            return false;
                        }

                        pending.Push(property.Value);
                    }

                    break;
            }
        }

        return true;
    }

    // JsonElement has no way to ask whether an escaped string decodes; it throws InvalidOperationException
    // when it does not, and that exception means exactly this (the parser has already checked the syntax).
    private static bool TryGetString(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = string.Empty;
            return false;
        }
    }

    /// <summary>A property's name, unless it escapes a lone surrogate and so has no .NET string.</summary>
    public static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = string.Empty;
            return false;
        }
    }
}
