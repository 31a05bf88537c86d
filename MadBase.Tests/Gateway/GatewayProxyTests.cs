using System.Net;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Gateway;

/// <summary>Forwarding through a real gateway process to real upstream servers: bodies, pooling, ids (balance: <see cref="GatewayAffinityTests"/>).</summary>
[Collection(StackCollection.Name)]
public sealed class GatewayProxyTests(StackFixture stack, GatewayRig rig) : IClassFixture<GatewayRig>, IAsyncLifetime
{
    public Task InitializeAsync() => rig.EnsureStartedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Post_OneMegabyteBody_ArrivesIntact()
    {
        var body = RandomNumberGenerator.GetBytes(1024 * 1024);
        var request = GatewayCalls.Request(HttpMethod.Post, "/rest/v1/things", stack.AnonKey);
        request.Content = new ByteArrayContent(body);

        var echo = await rig.Client.EchoAsync(request);

        Assert.Equal(body.Length, echo.BodyLength);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), echo.BodySha256);
    }

    [Fact]
    public async Task Get_FiftySequentialRequests_ReuseUpstreamConnections()
    {
        var ports = new HashSet<(string, int)>();
        for (var i = 0; i < 50; i++)
        {
            var echo = await rig.Client.EchoAsync("/rest/v1/things", stack.AnonKey);
            ports.Add((echo.Server, echo.RemotePort));
        }

        // Pooled: about one connection (the project's worker). Per request it would be 50.
        Assert.True(ports.Count <= 4, $"{ports.Count} distinct upstream connections: {string.Join(", ", ports)}");
    }

    [Fact]
    public async Task RequestId_Absent_IsGeneratedAndSeenUpstream()
    {
        using var response = await rig.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey));
        var echo = await response.ReadEchoAsync();

        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, echo.Header("X-Request-Id"));
    }

    [Fact]
    public async Task RequestId_Sane_IsKeptAndSeenUpstream()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        request.Headers.Add("X-Request-Id", "client-chosen-id-42");
        using var response = await rig.Client.SendAsync(request);
        var echo = await response.ReadEchoAsync();

        Assert.Equal("client-chosen-id-42", Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal("client-chosen-id-42", echo.Header("X-Request-Id"));
    }

    [Theory]
    [InlineData(200)]
    [InlineData(0)]
    public async Task RequestId_Insane_IsReplaced(int length)
    {
        // Too long, or with a tab (a control character HTTP still lets through).
        var sent = length > 0 ? new string('x', length) : "bad\tid";
        var request = GatewayCalls.Request(HttpMethod.Get, "/rest/v1/things", stack.AnonKey);
        request.Headers.TryAddWithoutValidation("X-Request-Id", sent);
        using var response = await rig.Client.SendAsync(request);
        var echo = await response.ReadEchoAsync();

        var id = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.NotEqual(sent, id);
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, echo.Header("X-Request-Id"));
    }

    [Fact]
    public async Task WebSocket_ApiKeyInQuery_UpgradesAndEchoes()
    {
        using var socket = new ClientWebSocket();
        var url = new UriBuilder(rig.Gateway.Url) { Scheme = "ws", Path = "/realtime/v1/websocket", Query = "apikey=" + stack.AnonKey + "&vsn=1.0.0" };
        await socket.ConnectAsync(url.Uri, CancellationToken.None);

        await socket.SendAsync(Encoding.UTF8.GetBytes("ping"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[64];
        var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);

        Assert.Equal("ping", Encoding.UTF8.GetString(buffer, 0, received.Count));
    }

    [Fact]
    public async Task SlowUpstream_PastTimeout_Returns504Json()
    {
        using var response = await rig.Client.SendAsync(GatewayCalls.Request(HttpMethod.Get, "/rest/v1/slow?seconds=20", stack.AnonKey));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal(("upstream timed out", 504), await response.ErrorAsync());
    }

    [Fact]
    public async Task UnknownPath_Returns404Json()
    {
        using var response = await rig.Client.GetAsync("/graphql/v2/nothing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(("no route matched", 404), await response.ErrorAsync());
    }

    [Fact]
    public async Task Admin_WithoutApiKey_ReachesControl()
    {
        var request = GatewayCalls.Request(HttpMethod.Get, "/admin/v1/projects", apiKey: null);
        request.Headers.Add("X-MadBase-Project", "forged");

        var echo = await rig.Client.EchoAsync(request);

        Assert.Equal("control", echo.Server);
        Assert.Null(echo.Header("X-MadBase-Project"));
    }

    [Fact]
    public async Task Health_ChecksItsOwnDependencies()
    {
        using var response = await rig.Client.GetAsync("/health");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"postgres\"", body, StringComparison.Ordinal);
        Assert.Contains("\"redis\"", body, StringComparison.Ordinal);
    }
}
