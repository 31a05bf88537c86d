using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using MadBase.Tests.Infrastructure;
using NetVips;

namespace MadBase.Tests.Storage;

/// <summary>
/// storage-api's image transformation (/render/image/authenticated|public|sign) with real libvips: sizes and
/// resize modes, formats chosen by option or by Accept, signed URLs carrying their transform, and refusals.
/// </summary>
[Collection(SecondStackCollection.Name)]
public sealed class ImageRenderTests(SecondStackFixture stack) : IAsyncLifetime
{
    private TestProject project = null!;

    public async Task InitializeAsync()
    {
        project = await TestProject.CreateAsync(stack, "storage render");
        await project.CreateBucketAsync("photos");
        await project.CreateBucketAsync("open", isPublic: true);

        // A 400×300 JPEG: its left quarter red, the rest blue, so a crop can be told from a squeeze.
        using var left = Image.Black(100, 300, bands: 3) + new double[] { 220, 30, 30 };
        using var right = Image.Black(300, 300, bands: 3) + new double[] { 30, 30, 220 };
        using var joined = left.Join(right, Enums.Direction.Horizontal).Cast(Enums.BandFormat.Uchar);
        var jpeg = joined.WriteToBuffer(".jpg");
        await UploadBytesAsync("photos", "cat.jpg", jpeg, "image/jpeg");
        await UploadBytesAsync("open", "cat.jpg", jpeg, "image/jpeg");
        using var text = await project.UploadAsync("photos", "notes.txt", "not an image");
        await StorageCalls.AssertOkAsync(text);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("width=100&height=100", 100, 100)]
    [InlineData("width=100&height=100&resize=cover", 100, 100)]
    [InlineData("width=100&height=100&resize=contain", 100, 75)]
    [InlineData("width=100&height=50&resize=fill", 100, 50)]
    [InlineData("width=200", 200, 150)]
    [InlineData("height=60", 80, 60)]
    [InlineData("width=1000&height=1000&resize=contain", 400, 300)]
    [InlineData("", 400, 300)]
    public async Task Authenticated_ResizesAsAsked_NeverEnlarging(string query, int width, int height)
    {
        var (image, type) = await RenderAsync("/render/image/authenticated/photos/cat.jpg?" + query);
        using (image)
        {
            Assert.Equal("image/jpeg", type);
            Assert.Equal((width, height), (image.Width, image.Height));
        }
    }

    [Fact]
    public async Task Cover_CropsTheOverflow_FillSqueezesIt()
    {
        // A square out of the 4:3 picture. Cover scales it to 120×90 and keeps the centre 90 columns, so the red
        // quarter (30 columns) loses 15 and ends at x=15; fill squeezes all 400 columns into 90, red ending at x=22.
        var (cover, _) = await RenderAsync("/render/image/authenticated/photos/cat.jpg?width=90&height=90&resize=cover");
        var (fill, _) = await RenderAsync("/render/image/authenticated/photos/cat.jpg?width=90&height=90&resize=fill");
        using (cover)
        using (fill)
        {
            Assert.True(cover.Getpoint(4, 45)[0] > 150 && fill.Getpoint(4, 45)[0] > 150, "the left edge is red in both");
            Assert.True(cover.Getpoint(19, 45)[2] > 150, "cover: blue at x=19");
            Assert.True(fill.Getpoint(19, 45)[0] > 150, "fill: still red at x=19");
        }
    }

    [Theory]
    [InlineData("format=webp", null, "image/webp")]
    [InlineData("format=avif", null, "image/avif")]
    [InlineData("width=50", "image/avif,image/webp,*/*", "image/webp")]
    [InlineData("width=50&format=origin", "image/webp,*/*", "image/jpeg")]
    [InlineData("width=50&quality=30", "image/png", "image/jpeg")]
    public async Task Format_ByOptionOrByAccept(string query, string? accept, string expected)
    {
        var (image, type) = await RenderAsync("/render/image/authenticated/photos/cat.jpg?" + query, accept);
        using (image)
        {
            Assert.Equal(expected, type);
            Assert.True(image.Width > 0);
        }
    }

    [Fact]
    public async Task Public_RendersWithoutAKey_OnlyForAPublicBucket()
    {
        using var open = await project.KeylessGetAsync("/render/image/public/open/cat.jpg?width=40");
        await StorageCalls.AssertOkAsync(open);
        using (var image = Image.NewFromBuffer(await open.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal(40, image.Width);
        }

        using var closed = await project.KeylessGetAsync("/render/image/public/photos/cat.jpg?width=40");
        await StorageCalls.AssertErrorAsync(closed, "404", "NoSuchBucket");
    }

    [Fact]
    public async Task SignedUrlWithTransform_RendersWithTheTokensOptions_AndRefusesATamperedToken()
    {
        using var sign = await project.StorageJsonAsync(
            HttpMethod.Post, "/object/sign/photos/cat.jpg", new { expiresIn = 60, transform = new { width = 50, height = 50, resize = "contain", format = "webp" } });
        var signedUrl = (await StorageCalls.ReadJsonAsync(sign)).GetProperty("signedURL").GetString()!;
        Assert.StartsWith("/render/image/sign/photos/cat.jpg?token=", signedUrl);

        // The query string cannot change what the token says.
        using var response = await project.KeylessGetAsync(signedUrl + "&width=300");
        await StorageCalls.AssertOkAsync(response);
        Assert.Equal("image/webp", response.Content.Headers.ContentType?.MediaType);
        using (var image = Image.NewFromBuffer(await response.Content.ReadAsByteArrayAsync()))
        {
            Assert.Equal((50, 38), (image.Width, image.Height));
        }

        using var tampered = await project.KeylessGetAsync(signedUrl[..^3] + "abc");
        await StorageCalls.AssertErrorAsync(tampered, "400", "InvalidJWT");
        using var otherObject = await project.KeylessGetAsync(signedUrl.Replace("cat.jpg", "notes.txt", StringComparison.Ordinal));
        await StorageCalls.AssertErrorAsync(otherObject, "400", "InvalidSignature");
    }

    [Theory]
    [InlineData("width=abc", "querystring/width must be integer")]
    [InlineData("width=-5", "querystring/width must be >= 0")]
    [InlineData("quality=10", "querystring/quality must be >= 20 and <= 100")]
    [InlineData("resize=zoom", "querystring/resize must be equal to one of the allowed values: cover, contain, fill")]
    [InlineData("format=gif", "querystring/format must be equal to one of the allowed values: origin, avif, webp")]
    public async Task BadOptions_Are400InStorageShape(string query, string message)
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/render/image/authenticated/photos/cat.jpg?" + query);
        var error = await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
        Assert.Equal(message, error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task NotAnImage_Is400NotA500()
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/render/image/authenticated/photos/notes.txt?width=10");
        var error = await StorageCalls.AssertErrorAsync(response, "400", "InvalidRequest");
        Assert.Equal("The source image is invalid or unsupported for rendering", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Anonymous_WithoutAPolicy_CannotRenderAPrivateObject()
    {
        using var response = await project.StorageAsync(HttpMethod.Get, "/render/image/authenticated/photos/cat.jpg?width=10", project.AnonKey);
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        await StorageCalls.AssertErrorAsync(response, "404", "NoSuchKey");
    }

    private async Task<(Image Image, string? Type)> RenderAsync(string path, string? accept = null)
    {
        using var request = project.StorageRequest(HttpMethod.Get, path);
        if (accept is not null)
        {
            request.Headers.Accept.ParseAdd(accept);
        }

        using var response = await TestHttp.Client.SendAsync(request);
        await StorageCalls.AssertOkAsync(response);
        return (Image.NewFromBuffer(await response.Content.ReadAsByteArrayAsync()), response.Content.Headers.ContentType?.MediaType);
    }

    private async Task UploadBytesAsync(string bucket, string path, byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await project.StorageAsync(HttpMethod.Post, $"/object/{bucket}/{path}", content: content);
        await StorageCalls.AssertOkAsync(response);
    }
}
