using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace MadBase.Worker.Rest.Sql;

/// <summary>SQL text under construction with its positional parameters; request values only ever go in as parameters.</summary>
internal sealed class Statement
{
    public StringBuilder Text { get; } = new();

    public List<NpgsqlParameter> Parameters { get; } = [];

    /// <summary>An untyped parameter, so Postgres infers its type from the context as it does for a literal.</summary>
    public string Unknown(string value)
    {
        Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Unknown });
        return "$" + Parameters.Count;
    }

    public string Typed(object value, NpgsqlDbType type)
    {
        Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return "$" + Parameters.Count;
    }

    public Statement Append(string sql)
    {
        Text.Append(sql);
        return this;
    }

    public override string ToString() => Text.ToString();
}
