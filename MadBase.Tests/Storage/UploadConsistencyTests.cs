using System.Net.Http.Headers;
using MadBase.Tests.Infrastructure;

namespace MadBase.Tests.Storage;

/// <summary>What clients racing or failing mid-upload leave behind: one clean winner, never half an object.</summary>
[Collection(SecondStackCollection.Name)]
public sealed class UploadConsistencyTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage consistency");
        await project.CreateBucketAsync("race");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ConcurrentUploads_NoUpsert_OneWinsOthersDuplicate()
    {
        var bodies = Enumerable.Range(0, 6).Select(i => $"client {i} " + new string((char)('a' + i), 200_000)).ToArray();
        var responses = await Task.WhenAll(bodies.Select(body => project.UploadAsync("race", "same.txt", body)));
        try
        {
            Assert.Single(responses, r => r.IsSuccessStatusCode);
            foreach (var loser in responses.Where(r => !r.IsSuccessStatusCode))
            {
                await StorageCalls.AssertErrorAsync(loser, "409", "Duplicate");
            }
        }
        finally
        {
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        Assert.Contains(await project.DownloadTextAsync("race", "same.txt"), bodies);
        Assert.Single(project.BlobFiles("race", "same.txt"));
        Assert.Equal(1, await project.CountObjectsAsync("race", "same.txt"));
    }

    [Fact]
    public async Task ConcurrentUploads_Upsert_LastCommitWinsAndOldBytesRemoved()
    {
        var bodies = Enumerable.Range(0, 6).Select(i => $"upsert {i} " + new string((char)('k' + i), 200_000)).ToArray();
        var responses = await Task.WhenAll(bodies.Select(body => project.UploadAsync("race", "upsert.txt", body, upsert: true)));
        foreach (var response in responses)
        {
            await StorageCalls.AssertOkAsync(response);
            response.Dispose();
        }

        Assert.Contains(await project.DownloadTextAsync("race", "upsert.txt"), bodies);
        Assert.Single(project.BlobFiles("race", "upsert.txt"));
    }

    [Fact]
    public async Task InterruptedUpload_ClientAborts_NoRowNoBlobNoTempFile()
    {
        using var abort = new CancellationTokenSource();
        var body = new PatternStream(20L * 1024 * 1024, async sent =>
        {
            if (sent > 2 * 1024 * 1024)
            {
                await abort.CancelAsync();
            }
        });
        using var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = project.StorageRequest(HttpMethod.Post, "/object/race/interrupted.bin", content: content);
        request.Headers.TransferEncodingChunked = true;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => TestHttp.Client.SendAsync(request, abort.Token));

        // The worker notices the aborted body asynchronously; give it a moment, then nothing may remain.
        var tempFolder = Path.Combine(stack.Stack.DataDirectory, "storage", ".tmp");
        for (var i = 0; i < 50 && Directory.EnumerateFiles(tempFolder).Any(); i++)
        {
            await Task.Delay(100);
        }

        Assert.Empty(Directory.EnumerateFiles(tempFolder));
        Assert.Equal(0, await project.CountObjectsAsync("race", "interrupted.bin"));
        Assert.Empty(project.BlobFiles("race", "interrupted.bin"));
    }
}
