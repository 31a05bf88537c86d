using System.Net.Http.Headers;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>
/// A 1 GiB object goes up and comes back through the gateway and a worker while both stay at flat memory:
/// bytes are streamed end to end, never held whole. Resident memory is sampled from /proc every 50 ms.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class LargeObjectMemoryTests(SecondStackFixture stack) : IAsyncLifetime
{
    private const long Size = 1L << 30;
    private const long AllowedGrowthBytes = 128L << 20;

    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage large", new { storage = new { file_size_limit = 2L << 30 } });
        await project.CreateBucketAsync("big");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task UploadAndDownload_OneGibibyte_GatewayAndWorkersStayFlat()
    {
        int[] pids = [stack.Stack.Gateway.ProcessId!.Value, .. stack.Stack.Workers.Select(w => w.ProcessId!.Value)];
        var baseline = pids.ToDictionary(pid => pid, ProcessMemory.ResidentBytes);

        using var sampler = new RssSampler(pids);
        using (var content = new StreamContent(new PatternStream(Size)))
        {
            content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var request = project.StorageRequest(HttpMethod.Post, "/object/big/one-gib.bin", content: content);
            request.Headers.TransferEncodingChunked = true;
            using var response = await TestHttp.Client.SendAsync(request);
            await StorageCalls.AssertOkAsync(response);
        }

        using (var request = project.StorageRequest(HttpMethod.Get, "/object/big/one-gib.bin"))
        using (var response = await TestHttp.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            await StorageCalls.AssertOkAsync(response);
            Assert.Equal(Size, response.Content.Headers.ContentLength);
            await using var body = await response.Content.ReadAsStreamAsync();
            Assert.True(await PatternStream.MatchesAsync(body, Size), "downloaded bytes differ from the upload");
        }

        foreach (var pid in pids)
        {
            var growth = sampler.Peak(pid) - baseline[pid];
            Assert.True(growth < AllowedGrowthBytes, $"process {pid} grew by {growth >> 20} MiB while streaming 1 GiB");
        }
    }

    private sealed class RssSampler : IDisposable
    {
        private readonly Dictionary<int, long> peaks;
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;

        public RssSampler(int[] pids)
        {
            peaks = pids.ToDictionary(pid => pid, ProcessMemory.ResidentBytes);
            loop = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    lock (peaks)
                    {
                        foreach (var pid in pids)
                        {
                            peaks[pid] = Math.Max(peaks[pid], ProcessMemory.ResidentBytes(pid));
                        }
                    }

                    await Task.Delay(50);
                }
            });
        }

        public long Peak(int pid)
        {
            lock (peaks)
            {
                return peaks[pid];
            }
        }

        public void Dispose()
        {
            stop.Cancel();
            loop.Wait();
            stop.Dispose();
        }
    }
}
