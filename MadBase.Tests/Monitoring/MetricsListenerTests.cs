using MadBase.ServiceDefaults.Metrics;
using Microsoft.Extensions.Configuration;

namespace MadBase.Tests.Monitoring;

public sealed class MetricsListenerTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8002", 9464, "http://127.0.0.1:9464")]
    [InlineData("http://*:8080", 9464, "http://*:9464")]
    [InlineData("http://+:8080/", 9100, "http://+:9100")]
    [InlineData("http://[::1]:8080", 9464, "http://[::1]:9464")]
    [InlineData("http://localhost:5000", 9464, "http://localhost:9464")]
    public void MetricsUrl_ServiceUrl_SameHostOnTheMetricsPort(string serviceUrl, int port, string expected) =>
        Assert.Equal(expected, MetricsListener.MetricsUrl(serviceUrl, port));

    [Fact]
    public void ServiceUrls_OnlyHttpPorts_ListsEveryAddress()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["http_ports"] = "8080" }).Build();
        Assert.Equal(["http://*:8080"], MetricsListener.ServiceUrls(configuration));
    }
}
