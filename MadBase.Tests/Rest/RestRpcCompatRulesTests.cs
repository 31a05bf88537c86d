using MadBase.Worker.Rest;
using MadBase.Worker.Rest.Parsing;
using Npgsql;

namespace MadBase.Tests.Rest;

/// <summary>PostgREST's rules that need no database: SQLSTATE statuses, RAISE 'PGRST', Prefer parsing, fuzzy hints.</summary>
public sealed class RestRpcCompatRulesTests
{
    [Theory]
    [InlineData("23505", false, 409)]
    [InlineData("23503", true, 409)]
    [InlineData("42501", false, 401)]
    [InlineData("42501", true, 403)]
    [InlineData("42P01", true, 404)]
    [InlineData("42883", true, 404)]
    [InlineData("25006", true, 405)]
    [InlineData("25P02", true, 500)]
    [InlineData("40001", true, 500)]
    [InlineData("40P01", true, 500)]
    [InlineData("57014", true, 500)]
    [InlineData("57P01", true, 503)]
    [InlineData("57P02", true, 503)]
    [InlineData("57P03", true, 503)]
    [InlineData("53300", true, 503)]
    [InlineData("53400", true, 500)]
    [InlineData("54001", true, 500)]
    [InlineData("08006", true, 503)]
    [InlineData("09000", true, 500)]
    [InlineData("0P000", true, 403)]
    [InlineData("28000", true, 403)]
    [InlineData("P0001", true, 400)]
    [InlineData("P0002", true, 500)]
    [InlineData("XX000", true, 500)]
    [InlineData("42P17", true, 500)]
    [InlineData("21000", true, 500)]
    [InlineData("22P02", true, 400)]
    [InlineData("23502", true, 400)]
    [InlineData("PT402", true, 402)]
    [InlineData("PT418", true, 418)]
    [InlineData("PTXYZ", true, 500)]
    public void FromPostgres_MapsStatusAsPostgrest(string state, bool authenticated, int status)
    {
        var error = RestException.FromPostgres(new PostgresException("m", "ERROR", "ERROR", state), anonymous: !authenticated);
        Assert.Equal(status, error.Status);
        Assert.Equal(state, error.Code);
    }

    [Fact]
    public void FromPostgres_SafeUpdateRefusal_IsTheClientsFault()
    {
        var error = RestException.FromPostgres(new PostgresException("DELETE requires a WHERE clause", "ERROR", "ERROR", "21000"), false);
        Assert.Equal(400, error.Status);
    }

    [Fact]
    public void FromPostgres_RaisePgrst_TakesStatusBodyAndHeaders()
    {
        var error = RestException.FromPostgres(
            new PostgresException("""{"code":"123","message":"m","details":"d"}""", "ERROR", "ERROR", "PGRST",
                detail: """{"status":401,"status_text":"Go away","headers":{"X-Powered-By":"Nerd"}}"""),
            anonymous: true);
        Assert.Equal((401, "123", "m", "d", null), (error.Status, error.Code, error.Message, error.Details, error.Hint));
        Assert.Equal("Go away", error.ReasonPhrase);
        Assert.Equal([new KeyValuePair<string, string>("X-Powered-By", "Nerd")], error.Headers!);
    }

    [Theory]
    [InlineData("not json", """{"status":400,"headers":{}}""", "Invalid JSON value for MESSAGE: 'not json'")]
    [InlineData("""{"message":"no code"}""", """{"status":400,"headers":{}}""", """Invalid JSON value for MESSAGE: '{"message":"no code"}'""")]
    [InlineData("""{"code":"1","message":"m"}""", null, "DETAIL is missing in the RAISE statement")]
    [InlineData("""{"code":"1","message":"m"}""", """{"status":400}""", """Invalid JSON value for DETAIL: '{"status":400}'""")]
    public void FromPostgres_RaisePgrstUnreadable_IsPGRST121(string message, string? detail, string details)
    {
        var error = RestException.FromPostgres(new PostgresException(message, "ERROR", "ERROR", "PGRST", detail: detail), false);
        Assert.Equal((500, "PGRST121", details), (error.Status, error.Code, error.Details));
    }

    [Fact]
    public void Preferences_FirstValueWins_AndAppliedFollowsPostgrestOrder()
    {
        var prefs = Preferences.Parse(["count=planned, return=representation", "count=exact, missing=default, handling=strict, max-affected=3, tx=rollback"]);
        Assert.Equal(CountPreference.Planned, prefs.Count);
        Assert.Equal("missing=default, return=representation, count=planned, tx=rollback, handling=strict, max-affected=3", prefs.Applied(PreferenceScope.Update, false));
        Assert.Equal("count=planned, tx=rollback, handling=strict", prefs.Applied(PreferenceScope.Read, false));
        Assert.Equal("return=representation, count=planned, tx=rollback, handling=strict", prefs.Applied(PreferenceScope.Upsert, false));
    }

    [Fact]
    public void Preferences_TxNotAllowed_IsNeitherAppliedNorInvalid()
    {
        var prefs = Preferences.Parse(["tx=rollback, handling=strict"], allowTx: false);
        Assert.Null(prefs.Rollback);
        Assert.Equal("handling=strict", prefs.Applied(PreferenceScope.Delete, false));
    }

    [Fact]
    public void Preferences_Strict_ListsEveryInvalidPreferenceWhereverItIs()
    {
        var error = Assert.Throws<RestException>(() => Preferences.Parse(["foo, return=minimal", "handling=strict, bar"]));
        Assert.Equal((400, "PGRST122", "Invalid preferences: foo, bar"), (error.Status, error.Code, error.Details));
        Assert.Equal("handling=lenient", Preferences.Parse(["foo, handling=lenient"]).Applied(PreferenceScope.Insert, true));
    }

    [Fact]
    public void Preferences_MaxAffected_EchoedOnlyWhenStrict()
    {
        Assert.Equal("count=exact", Preferences.Parse(["max-affected=2, count=exact"]).Applied(PreferenceScope.Delete, false));
        Assert.Equal("resolution=merge-duplicates", Preferences.Parse(["resolution=merge-duplicates"]).Applied(PreferenceScope.Insert, true));
        Assert.Null(Preferences.Parse(["resolution=merge-duplicates"]).Applied(PreferenceScope.Insert, false));
    }
}
