namespace MadBase.Worker.Functions;

/// <summary>A function's served version, as <c>madbase.functions</c> and its version row say.</summary>
internal sealed record DeployedFunction(string ProjectRef, string Slug, int Version, bool VerifyJwt, string Sha256);
