using MadBase.ServiceDefaults.RequestIds;

namespace MadBase.Tests.ServiceDefaults;

public sealed class RequestIdTests
{
    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("0f8fad5b-d9cb-469f-a165-70867728950e", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("new\nline", false)]
    [InlineData("ünïcode", false)]
    public void IsAcceptable_FollowsThePrintableRule(string value, bool acceptable) =>
        Assert.Equal(acceptable, RequestId.IsAcceptable(value));

    [Fact]
    public void IsAcceptable_LongerThan128_IsRefused()
    {
        Assert.True(RequestId.IsAcceptable(new string('a', 128)));
        Assert.False(RequestId.IsAcceptable(new string('a', 129)));
    }

    [Fact]
    public void New_IsAcceptableAndUnique() =>
        Assert.True(RequestId.IsAcceptable(RequestId.New()) && RequestId.New() != RequestId.New());
}
