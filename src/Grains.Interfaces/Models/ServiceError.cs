namespace TenantChat.Grains.Models;

/// <summary>Why an operation was refused. <see cref="Detail"/> is safe to show a caller; <see cref="Field"/> names the input at fault.</summary>
[GenerateSerializer, Immutable]
public sealed record class ServiceError(
    [property: Id(0)] ProblemCode Code,
    [property: Id(1)] string Detail,
    [property: Id(2)] int? RetryAfterSeconds = null,
    [property: Id(3)] string? Field = null)
{
    /// <summary>The refusal for a host no tenant serves, in the same words wherever it is decided.</summary>
    public static ServiceError UnknownHost { get; } = new(ProblemCode.UnknownTenant, "No tenant is served on this host.");
}
