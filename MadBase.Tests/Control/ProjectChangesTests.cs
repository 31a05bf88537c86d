using MadBase.ServiceDefaults.Projects;
using MadBase.Tests.Infrastructure;
using StackExchange.Redis;

namespace MadBase.Tests.Control;

/// <summary>Every admin change reaches the Gateway and Worker caches as a message on the changes channel.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ProjectChangesTests(PostgresFixture postgres, ControlFixture fixture) : IClassFixture<ControlFixture>
{
    [Fact]
    public async Task CreateUpdateDelete_WithRedis_PublishEachRef()
    {
        // The fixture runs Redis whenever redis-server is installed; without it there is no channel to watch.
        if (postgres.RedisConnectionString is not { } redis)
        {
            return;
        }

        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis);
        var received = new List<string>();
        var signal = new SemaphoreSlim(0);
        await multiplexer.GetSubscriber().SubscribeAsync(new RedisChannel(ProjectHeaders.ChangesChannel, RedisChannel.PatternMode.Literal), (_, value) =>
        {
            lock (received)
            {
                received.Add(value.ToString());
            }

            signal.Release();
        });
        var control = fixture.Control;
        var projectRef = ControlProcess.UniqueRef("pub");

        await control.SendForJsonAsync(HttpMethod.Post, "/admin/v1/projects", $$"""{"name": "Published", "ref": "{{projectRef}}"}""");
        await control.SendForJsonAsync(HttpMethod.Patch, $"/admin/v1/projects/{projectRef}", """{"name": "Renamed"}""");
        using var deleted = await control.SendAsync(HttpMethod.Delete, $"/admin/v1/projects/{projectRef}?confirm={projectRef}");

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await signal.WaitAsync(TimeSpan.FromSeconds(10)), $"only {i} of 3 changes were published");
        }

        lock (received)
        {
            Assert.Equal([projectRef, projectRef, projectRef], received);
        }
    }
}
