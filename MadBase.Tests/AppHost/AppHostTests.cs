using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using MadBase.AppHost.Supervision;
using MadBase.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace MadBase.Tests.AppHost;

/// <summary>The app model as a client sees it: everything through the gateway's one URL.</summary>
[Collection(AppHostCollection.Name)]
public sealed class AppHostTests(AppHostFixture fixture)
{
    [Fact]
    public async Task Signup_ThroughTheGateway_ReturnsASessionIssuedByTheGatewaysUrl()
    {
        string token = await SignUpAsync($"signup-{Guid.NewGuid():N}@example.com");

        // The default project was created with the gateway's real URL (the AppHost hands it to Control), so the
        // token's issuer is where this client reached it, not a default port.
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);
        using var payload = JsonDocument.Parse(Base64Url(token.Split('.')[1]));
        Assert.Equal(new Uri(gateway.BaseAddress!, "/auth/v1").ToString().TrimEnd('/'), payload.RootElement.GetProperty("iss").GetString());
    }

    [Fact]
    public async Task Rest_RowUnderRls_IsWrittenAndReadOnlyByItsOwner()
    {
        string owner = await SignUpAsync($"owner-{Guid.NewGuid():N}@example.com");
        string other = await SignUpAsync($"other-{Guid.NewGuid():N}@example.com");
        await ExecuteSqlAsync("""
            CREATE TABLE public.apphost_notes (
              id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              owner uuid NOT NULL DEFAULT auth.uid(),
              body text NOT NULL);
            ALTER TABLE public.apphost_notes ENABLE ROW LEVEL SECURITY;
            CREATE POLICY own_notes ON public.apphost_notes FOR ALL TO authenticated
              USING (owner = auth.uid()) WITH CHECK (owner = auth.uid());
            """);
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);

        using var insert = new HttpRequestMessage(HttpMethod.Post, "/rest/v1/apphost_notes")
        {
            Content = JsonContent.Create(new { body = "only mine" }),
        };
        insert.Headers.Authorization = new AuthenticationHeaderValue("Bearer", owner);
        insert.Headers.Add("Prefer", "return=representation");
        using HttpResponseMessage inserted = await gateway.SendAsync(insert);
        Assert.True(inserted.StatusCode == HttpStatusCode.Created, await inserted.Content.ReadAsStringAsync());

        Assert.Equal("""[{"body":"only mine"}]""", await ReadNotesAsync(gateway, owner));
        Assert.Equal("[]", await ReadNotesAsync(gateway, other));
        Assert.Equal("[]", await ReadNotesAsync(gateway, fixture.Project.AnonKey));
    }

    [Fact]
    public async Task Storage_Object_IsUploadedAndDownloaded()
    {
        using HttpClient gateway = fixture.Gateway(fixture.Project.ServiceRoleKey);
        gateway.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fixture.Project.ServiceRoleKey);
        using HttpResponseMessage bucket = await gateway.PostAsJsonAsync("/storage/v1/bucket", new { name = "apphost", @public = false });
        Assert.True(bucket.IsSuccessStatusCode, await bucket.Content.ReadAsStringAsync());
        byte[] bytes = Encoding.UTF8.GetBytes("bytes on the workers' local disk");

        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        using HttpResponseMessage uploaded = await gateway.PostAsync("/storage/v1/object/apphost/notes/hello.txt", content);
        Assert.True(uploaded.IsSuccessStatusCode, await uploaded.Content.ReadAsStringAsync());
        using HttpResponseMessage downloaded = await gateway.GetAsync("/storage/v1/object/apphost/notes/hello.txt");

        Assert.Equal(HttpStatusCode.OK, downloaded.StatusCode);
        Assert.Equal(bytes, await downloaded.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task StudioHealth_ReachesTheGatewayAndEveryWorker_ByTheUrlsTheAppHostGivesControl()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        // Another test may have just stopped or killed a worker; it is started again before that test ends.
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("worker-1", timeout.Token);
        await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync("worker-2", timeout.Token);
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/studio/api/health");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await fixture.ParameterValueAsync("admin-password", timeout.Token));

        using HttpResponseMessage response = await gateway.SendAsync(request, timeout.Token);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(timeout.Token));
        var services = body.RootElement.GetProperty("services").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("status").GetString());
        Assert.Equal(["control", "gateway", "worker-1", "worker-2"], services.Keys);
        Assert.All(services.Values, status => Assert.Contains(status, (string[])["Healthy", "Degraded"]));
    }

    [Fact]
    public async Task GatewayMetrics_OnItsInternalMetricsEndpoint_NotOnThePublicOne()
    {
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);
        using (HttpResponseMessage health = await gateway.GetAsync("/auth/v1/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }

        // The AppHost gives the gateway a second endpoint whose port it receives as Metrics__Port; the public one
        // stays the only external endpoint.
        IResource resource = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "gateway");
        EndpointAnnotation metricsEndpoint = resource.Annotations.OfType<EndpointAnnotation>().Single(e => e.Name == "metrics");
        Assert.False(metricsEndpoint.IsExternal);
        Uri metricsUrl = fixture.App.GetEndpoint("gateway", "metrics");
        Assert.NotEqual(gateway.BaseAddress!.Port, metricsUrl.Port);

        // The request above is recorded once its activity has stopped, which can trail its answer by a moment.
        string text = string.Empty;
        var clock = Stopwatch.StartNew();
        while (!text.Contains("http_server_request_duration_seconds_count{", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(text.Length == 0 ? 0 : 500);
            using HttpResponseMessage scraped = await TestHttp.Client.GetAsync(new Uri(metricsUrl, "/metrics"));
            Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
            Assert.StartsWith("text/plain", scraped.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            text = await scraped.Content.ReadAsStringAsync();
        }

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("madbase_gateway_upstream_in_rotation{", text, StringComparison.Ordinal);

        using HttpResponseMessage onPublic = await gateway.GetAsync("/metrics");
        string body = await onPublic.Content.ReadAsStringAsync();
        Assert.NotEqual(HttpStatusCode.OK, onPublic.StatusCode);
        Assert.DoesNotContain("# TYPE", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoppedWorker_RequestsKeepSucceeding()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        IResource worker = fixture.App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == "worker-1");
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);
        try
        {
            ExecuteCommandResult stopped = await fixture.App.ResourceCommands.ExecuteCommandAsync(
                worker, KnownResourceCommands.StopCommand, timeout.Token);
            Assert.True(stopped.Success, stopped.Message);
            await fixture.App.ResourceNotifications.WaitForResourceAsync(
                worker.Name, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), timeout.Token);

            // At once: reads whose connection is refused are sent to the other worker.
            for (int i = 0; i < 20; i++)
            {
                using HttpResponseMessage health = await gateway.GetAsync("/auth/v1/health", timeout.Token);
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            }

            // Once the gateway's health check (every second here) has taken it out: writes as well.
            await Task.Delay(TimeSpan.FromSeconds(2.5), timeout.Token);
            for (int i = 0; i < 2; i++)
            {
                Assert.False(string.IsNullOrEmpty(await SignUpAsync($"survivor-{Guid.NewGuid():N}@example.com")));
            }

            // Stopped on purpose: not restarted behind the user's back.
            Assert.True(fixture.App.ResourceNotifications.TryGetCurrentState(worker.Name, out ResourceEvent? current));
            Assert.Contains(current.Snapshot.State?.Text, KnownResourceStates.TerminalStates);
            Assert.Null(Restarts(current.Snapshot));
        }
        finally
        {
            // Back for the tests that follow; the gateway routes to it again once its health check passes.
            await fixture.App.ResourceCommands.ExecuteCommandAsync(worker, KnownResourceCommands.StartCommand, CancellationToken.None);
            await fixture.App.ResourceNotifications.WaitForResourceHealthyAsync(worker.Name, CancellationToken.None)
                .WaitAsync(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task KilledWorker_IsRestartedOnItsOwn_AndRequestsKeepSucceeding()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        ResourceNotificationService notifications = fixture.App.ResourceNotifications;
        // worker-1 serves meanwhile: healthy, and back in the gateway's rotation (its health check runs every second).
        await notifications.WaitForResourceHealthyAsync("worker-1", timeout.Token);
        ResourceEvent before = await notifications.WaitForResourceHealthyAsync("worker-2", timeout.Token);
        await Task.Delay(TimeSpan.FromSeconds(2.5), timeout.Token);
        Assert.Null(Restarts(before.Snapshot));
        // The resource's own process is `dotnet run`; the worker is the process listening on its port.
        int port = fixture.App.GetEndpoint("worker-2", "http").Port;
        int[] listeners = ListeningProcesses(port);
        Assert.Single(listeners);
        Assert.NotEqual(Environment.ProcessId, listeners[0]);
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);

        var clock = Stopwatch.StartNew();
        using (var worker = Process.GetProcessById(listeners[0]))
        {
            worker.Kill(); // SIGKILL
        }

        // Kill returns before the kernel has torn the process down: until its sockets are closed, connections are
        // still accepted and requests queued, then reset unanswered (taking a large process apart under load took
        // ~300 ms here). A request caught in that instant is one a dying worker took, not a refused connection;
        // what is held below is the gateway once the worker is gone.
        while (ListeningProcesses(port).Contains(listeners[0]))
        {
            await Task.Delay(10, timeout.Token);
        }

        Task<ResourceEvent> restarted = notifications.WaitForResourceAsync("worker-2", e =>
            e.Snapshot.State?.Text == KnownResourceStates.Running && Restarts(e.Snapshot) == 1, timeout.Token);
        // Meanwhile every read through the gateway succeeds (a refused connection is retried on worker-1). At least
        // one is made: a restart that beats the first read (seen under load) must not leave the gateway unchecked.
        do
        {
            using HttpResponseMessage health = await gateway.GetAsync("/auth/v1/health", timeout.Token);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            await Task.Delay(50, timeout.Token);
        }
        while (!restarted.IsCompleted);

        ResourceEvent after = await restarted;
        TimeSpan restartedAfter = clock.Elapsed;
        await notifications.WaitForResourceHealthyAsync("worker-2", timeout.Token);
        using HttpClient workerClient = fixture.App.CreateHttpClient("worker-2");
        using HttpResponseMessage workerHealth = await workerClient.GetAsync("/health", timeout.Token);

        Assert.Equal(HttpStatusCode.OK, workerHealth.StatusCode);
        Assert.True(restartedAfter < TimeSpan.FromSeconds(30), $"restarted after {restartedAfter}");
        Assert.Equal(1, Restarts(after.Snapshot));
        Assert.DoesNotContain(listeners[0], ListeningProcesses(port));
        Assert.False(string.IsNullOrEmpty(await SignUpAsync($"after-restart-{Guid.NewGuid():N}@example.com")));
    }

    /// <summary>
    /// Every service goes through ServiceResources.AddService; the workers are the ones whose own process can be told
    /// from outside (their endpoints are not proxied, so the service itself listens on the port).
    /// </summary>
    [Theory]
    [InlineData("worker-1")]
    [InlineData("worker-2")]
    public void Services_RunWithTheServiceRuntimeSettings(string name)
    {
        int[] listeners = ListeningProcesses(fixture.App.GetEndpoint(name, "http").Port);
        Assert.Single(listeners);
        Assert.Empty(ProcessEnvironment.MissingRuntimeSettings(listeners[0]));
    }

    private static int? Restarts(CustomResourceSnapshot snapshot)
    {
        return snapshot.Properties.FirstOrDefault(p => p.Name == ExitedResourceRestarter.RestartsProperty)?.Value is { } value
            ? Convert.ToInt32(value, CultureInfo.InvariantCulture)
            : null;
    }

    /// <summary>The processes with a socket listening on the TCP port (from /proc/net/tcp{,6} and /proc/*/fd).</summary>
    private static int[] ListeningProcesses(int port)
    {
        string hexPort = port.ToString("X4", CultureInfo.InvariantCulture);
        HashSet<string> sockets = [.. new[] { "/proc/net/tcp", "/proc/net/tcp6" }
            .SelectMany(File.ReadLines)
            .Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length > 9 && fields[1].EndsWith($":{hexPort}", StringComparison.Ordinal) && fields[3] == "0A")
            .Select(fields => $"socket:[{fields[9]}]")];
        var pids = new List<int>();
        foreach (string process in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                if (Directory.GetFiles(Path.Combine(process, "fd")).Any(fd => new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target)))
                {
                    pids.Add(pid);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to read.
            }
        }

        return [.. pids];
    }

    private static byte[] Base64Url(string text)
    {
        string padded = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '='));
    }

    private async Task<string> SignUpAsync(string email)
    {
        using HttpClient gateway = fixture.Gateway(fixture.Project.AnonKey);
        using HttpResponseMessage response = await gateway.PostAsJsonAsync(
            "/auth/v1/signup", new { email, password = "correct-horse-battery" });
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("access_token").GetString()!;
    }

    private async Task ExecuteSqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.ProjectConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> ReadNotesAsync(HttpClient gateway, string bearer)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/rest/v1/apphost_notes?select=body");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        using HttpResponseMessage response = await gateway.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return body;
    }
}
