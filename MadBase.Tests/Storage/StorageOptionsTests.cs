using MadBase.Worker.Storage;

namespace MadBase.Tests.Storage;

public sealed class StorageOptionsTests
{
    [Fact]
    public void Validate_Defaults_FileBackendValid()
    {
        Assert.Empty(new StorageOptions().Validate());
    }

    [Fact]
    public void Validate_S3WithoutSettings_NamesEachEnvironmentVariable()
    {
        var errors = new StorageOptions { Backend = "s3", Bucket = "" }.Validate().ToList();
        Assert.Contains(errors, e => e.StartsWith("Storage__Endpoint", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage__AccessKey", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage__SecretKey", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Storage__Bucket", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_UnknownBackend_Refused()
    {
        var error = Assert.Single(new StorageOptions { Backend = "ftp" }.Validate());
        Assert.Contains("Storage__Backend", error, StringComparison.Ordinal);
    }
}
