using MadBase.Tests.Infrastructure;
using Xunit.Abstractions;

namespace MadBase.Tests.Fuzz;

/// <summary>
/// Seeded, bounded fuzz of every route family through the gateway of the shared stack: each answer must be
/// below 500 and show no internal text (see <see cref="FuzzCheck"/>). The seeds are fixed, so a run sends the
/// same requests every time (about 3,000, some seconds in all); a failure lists each offending request as a
/// curl command line. The counts are what a CI run on two cores affords; to search wider, change a seed or a
/// count locally and turn what it finds into a regression test beside the module's others.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class StackFuzzTests(StackFixture stack, ITestOutputHelper output) : IAsyncLifetime
{
    private FuzzProject project = null!;

    public async Task InitializeAsync() => project = await FuzzProject.SharedAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public Task Auth_MalformedInput_NeverFailsOrLeaks() => RunAsync("auth", 1101, 600, AuthFuzzRoutes.Next);

    [Fact]
    public Task Rest_MalformedInput_NeverFailsOrLeaks() => RunAsync("rest", 2202, 1000, RestFuzzRoutes.Next);

    [Fact]
    public Task Storage_MalformedInput_NeverFailsOrLeaks() => RunAsync("storage", 3303, 1000, StorageFuzzRoutes.Next);

    [Fact]
    public Task Admin_MalformedInput_NeverFailsOrLeaks() => RunAsync("admin", 4404, 250, AdminFuzzRoutes.Next);

    [Fact]
    public Task Tokens_EveryShapeInEveryPlace_NeverFailOrLeak() => RunAsync("tokens", 5505, 400, TokenFuzzRoutes.Next);

    private async Task RunAsync(string family, int seed, int count, Func<Random, FuzzProject, FuzzRequest> next)
    {
        var random = new Random(seed);
        var check = new FuzzCheck(stack.ApiUrl, family, seed);
        for (var i = 0; i < count; i++)
        {
            await check.SendAsync(next(random, project));
        }

        output.WriteLine(check.Summary());
        check.AssertNoFindings();
    }
}
