namespace TenantChat.Grains.Models;

/// <summary>
/// How a stream ended: the text generated, the usage the upstream reported (if any), the route that answered, and
/// whether the answer is whole (false when the caller left before the end).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record class StreamResult(
    [property: Id(0)] string Text,
    [property: Id(1)] TokenUsage? ReportedUsage,
    [property: Id(2)] UpstreamRoute AnsweredBy,
    [property: Id(3)] bool Complete);
