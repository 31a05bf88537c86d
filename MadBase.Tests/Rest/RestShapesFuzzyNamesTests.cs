using MadBase.Worker.Rest.Planning;

namespace MadBase.Tests.Rest;

/// <summary>
/// The close-name suggestions of PGRST200/202/205 hints score names as PostgREST's fuzzyset does: these are
/// the examples of PostgREST's own doctests (Error.hs noRelBetweenHint/noRpcHint), which must suggest the same.
/// </summary>
public sealed class RestShapesFuzzyNamesTests
{
    [Theory]
    [InlineData("film", "films")]
    [InlineData("role", "roles")]
    [InlineData("noclosealternative", null)]
    [InlineData("ROLES", "roles")]
    public void Closest_TableNames_AsPostgrest(string name, string? expected) =>
        Assert.Equal(expected, FuzzyNames.Closest(["films", "directors", "roles", "actors"], name));

    [Theory]
    [InlineData("testt", "test")]
    [InlineData("other", "another")]
    [InlineData("noclosealternative", null)]
    public void Closest_FunctionNames_AsPostgrest(string name, string? expected) =>
        Assert.Equal(expected, FuzzyNames.Closest(["test", "another"], name));

    // Parameter lists are compared as sorted "(a, b)" text: punctuation is dropped, spaces and commas kept.
    [Theory]
    [InlineData("(nam, pqaram, vall)", "(name, param, val)")]
    [InlineData("(param, val)", "(name, param, val)")]
    [InlineData("(attrs, id)", "(attr, id)")]
    [InlineData("(id)", "(attr, id)")]
    [InlineData("(noclosealternative)", null)]
    public void Closest_ParameterLists_AsPostgrest(string name, string? expected) =>
        Assert.Equal(expected, FuzzyNames.Closest(["(name, param, val)", "(attr, id)"], name));

    [Fact]
    public void Ranked_ExactMatchIgnoringCase_ScoresOneAlone() =>
        Assert.Equal([(1.0, "Books")], FuzzyNames.Ranked(["Books", "bookz", "book"], "books"));
}
