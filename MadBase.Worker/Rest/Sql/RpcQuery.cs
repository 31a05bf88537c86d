using MadBase.Worker.Rest.SchemaCache;
using NpgsqlTypes;

namespace MadBase.Worker.Rest.Sql;

/// <summary>
/// A function call with named arguments taken from one JSON parameter through json_to_record, so each
/// argument gets its declared type (arrays, json and composites included), as PostgREST's callPlan does.
/// </summary>
internal static class RpcQuery
{
    /// <summary>A relation: <c>(SELECT "pgrst_call".* FROM json_to_record($n) AS args(…), LATERAL fn(…) AS "pgrst_call")</c>.</summary>
    public static string CallSource(Statement st, DbFunction function, RpcArguments arguments)
    {
        var (from, call) = Call(st, function, arguments);
        return $"(SELECT \"pgrst_call\".* FROM {from}LATERAL {call} AS \"pgrst_call\")";
    }

    /// <summary>A scalar call: one value per row (several rows for setof).</summary>
    public static string ScalarRows(Statement st, DbFunction function, RpcArguments arguments)
    {
        var (from, call) = Call(st, function, arguments);
        var fromClause = from.Length == 0 ? string.Empty : " FROM " + from.TrimEnd(',', ' ');
        return $"SELECT {call} AS \"pgrst_scalar\"{fromClause}";
    }

    private static (string From, string Call) Call(Statement st, DbFunction function, RpcArguments arguments)
    {
        if (function.IsPositional)
        {
            // PostgREST's OnePosParam: the body as sent (a GET's arguments as JSON), as bytes for a bytea parameter,
            // else as text cast to the parameter's type.
            var type = function.Args[0].Type;
            var body = type == "bytea"
                ? st.Typed(arguments.Bytes, NpgsqlDbType.Bytea)
                : st.Typed(arguments.RawText, NpgsqlDbType.Text) + "::" + type;
            return (string.Empty, $"{function.QualifiedName}({body})");
        }

        // Only named parameters can be given: an unnamed one is never matched by a key (FunctionResolver).
        var given = function.Args.Where(a => a.Name.Length > 0 && arguments.Named.ContainsKey(a.Name)).ToList();
        var argsJson = arguments.Named.ToJsonString();
        if (given.Count == 0)
        {
            return (string.Empty, function.QualifiedName + "()");
        }

        var payload = st.Typed(argsJson, NpgsqlDbType.Json);
        var definitions = string.Join(", ", given.Select(a => $"{Ident.Quote(a.Name)} {a.Type}"));
        var call = string.Join(", ", given.Select(a => $"{(a.Variadic ? "VARIADIC " : string.Empty)}{Ident.Quote(a.Name)} := \"pgrst_args\".{Ident.Quote(a.Name)}"));
        return ($"json_to_record({payload}) AS \"pgrst_args\"({definitions}), ", $"{function.QualifiedName}({call})");
    }
}
