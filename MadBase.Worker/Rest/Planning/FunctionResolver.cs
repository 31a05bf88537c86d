using MadBase.Worker.Rest.SchemaCache;

namespace MadBase.Worker.Rest.Planning;

/// <summary>
/// Which overload of /rpc/{fn} a call means, as PostgREST's findProc decides: the overloads whose parameter
/// names fit the argument names, else (POST only) the one with a single unnamed parameter of the body's type.
/// </summary>
internal static class FunctionResolver
{
    public static DbFunction Resolve(SchemaModel schema, string schemaName, string name, RpcArguments arguments)
    {
        // PostgREST keeps a name's overloads sorted, fewest parameters first: PGRST203 lists them in that order.
        var overloads = schema.FunctionsNamed(schemaName, name).Order(OverloadOrder.Instance).ToList();
        var matching = overloads.Where(f => MatchesNames(f, arguments)).ToList();
        var fallback = overloads.Where(f => !MatchesNames(f, arguments) && TakesTheBody(f, arguments)).ToList();
        var candidates = matching.Count > 0 ? matching : fallback;
        return candidates.Count switch
        {
            1 => candidates[0],
            0 => throw NoFunction(schema, schemaName, name, overloads, arguments),
            _ => throw Ambiguous(candidates),
        };
    }

    /// <summary>
    /// Every argument names a parameter and every parameter without a default is named. A parameter with no name
    /// can only be named by "" when it is the function's only one (the call then passes the body whole); in any
    /// other function nothing can name it, so a required one makes the function uncallable by name.
    /// </summary>
    private static bool MatchesNames(DbFunction function, RpcArguments arguments)
    {
        if (function.Args.Count == 0)
        {
            return arguments.Keys.Count == 0 && !(arguments.IsPost && arguments.Media is RpcMedia.Text or RpcMedia.Xml or RpcMedia.OctetStream);
        }

        var nameable = function.IsPositional ? function.Args : function.Args.Where(a => a.Name.Length > 0).ToList();
        return arguments.Keys.All(key => nameable.Any(a => a.Name == key))
            && function.Args.All(a => a.HasDefault || arguments.Keys.Contains(a.Name) && nameable.Contains(a));
    }

    /// <summary>A POST whose body is of the type of the function's single unnamed parameter.</summary>
    private static bool TakesTheBody(DbFunction function, RpcArguments arguments) =>
        arguments.IsPost && function.IsPositional && (arguments.Media, function.Args[0].Type) switch
        {
            (RpcMedia.Json, "json" or "jsonb") => true,
            (RpcMedia.Text, "text") => true,
            (RpcMedia.Xml, "xml") => true,
            (RpcMedia.OctetStream, "bytea") => true,
            _ => false,
        };

    private static RestException Ambiguous(List<DbFunction> candidates) => new(
        StatusCodes.Status300MultipleChoices, "PGRST203",
        "Could not choose the best candidate function between: "
            + string.Join(", ", candidates.Select(f => $"{f.Schema}.{f.Name}({string.Join(", ", f.Args.Select(a => a.Name + " => " + a.Type))})")),
        null,
        "Try renaming the parameters or the function itself in the database so function overloading can be resolved");

    /// <summary>
    /// PGRST202 worded as PostgREST's NoRpc: the argument names sorted, "without parameters" when none, the body's
    /// type for a raw body, and a hint naming the closest function of the schema (or the closest parameter list
    /// of the overloads) — none for a raw body.
    /// </summary>
    private static RestException NoFunction(SchemaModel schema, string schemaName, string name, List<DbFunction> overloads, RpcArguments arguments)
    {
        var keys = arguments.Keys.Order(StringComparer.Ordinal).ToList();
        var function = schemaName + "." + name;
        var list = string.Join(", ", keys);
        var onlyTheBody = arguments.IsPost && arguments.Media is RpcMedia.Text or RpcMedia.Xml or RpcMedia.OctetStream;
        var withNames = keys.Count == 0 ? " without parameters" : (keys.Count > 1 ? " with parameters " : " with parameter ") + list;
        var inDetails = !arguments.IsPost ? withNames : arguments.Media switch
        {
            RpcMedia.Text => " with a single unnamed text parameter",
            RpcMedia.Xml => " with a single unnamed xml parameter",
            RpcMedia.OctetStream => " with a single unnamed bytea parameter",
            RpcMedia.Json => withNames + " or with a single unnamed json/jsonb parameter",
            _ => withNames,
        };
        var inMessage = onlyTheBody ? string.Empty : keys.Count == 0 ? " without parameters" : "(" + list + ")";
        return new RestException(
            StatusCodes.Status404NotFound, "PGRST202",
            $"Could not find the function {function}{inMessage} in the schema cache",
            $"Searched for the function {function}{inDetails}, but no matches were found in the schema cache.",
            onlyTheBody ? null : Hint(schema, schemaName, name, overloads, keys));
    }

    private static string? Hint(SchemaModel schema, string schemaName, string name, List<DbFunction> overloads, List<string> keys)
    {
        if (overloads.Count == 0)
        {
            var names = schema.Functions.Where(f => f.Schema == schemaName).Select(f => f.Name);
            return FuzzyNames.Closest(names, name) is { } closest ? $"Perhaps you meant to call the function {schemaName}.{closest}" : null;
        }

        static string Params(IEnumerable<string> names) => "(" + string.Join(", ", names.Order(StringComparer.Ordinal)) + ")";
        var lists = overloads.Select(f => Params(f.Args.Select(a => a.Name)));
        return FuzzyNames.Closest(lists, Params(keys)) is { } closestList ? $"Perhaps you meant to call the function {schemaName}.{name}{closestList}" : null;
    }

    /// <summary>
    /// PostgREST's Ord instance of a routine: fewer parameters first, then the parameters compared in order by
    /// name, type, required (optional first) and variadic (as Haskell compares records: ordinal text, False first).
    /// </summary>
    private sealed class OverloadOrder : IComparer<DbFunction>
    {
        public static readonly OverloadOrder Instance = new();

        public int Compare(DbFunction? x, DbFunction? y)
        {
            if (x is null || y is null)
            {
                return (x is null).CompareTo(y is null);
            }

            var byCount = x.Args.Count.CompareTo(y.Args.Count);
            for (var i = 0; byCount == 0 && i < x.Args.Count; i++)
            {
                var (a, b) = (x.Args[i], y.Args[i]);
                byCount = string.CompareOrdinal(a.Name, b.Name) is var byName and not 0 ? byName
                    : string.CompareOrdinal(a.Type, b.Type) is var byType and not 0 ? byType
                    : (!a.HasDefault).CompareTo(!b.HasDefault) is var byRequired and not 0 ? byRequired
                    : a.Variadic.CompareTo(b.Variadic);
            }

            return byCount;
        }
    }
}
