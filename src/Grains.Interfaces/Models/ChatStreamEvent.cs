namespace TenantChat.Grains.Models;

/// <summary>One event of a streamed chat: a piece of the answer, the stored result at the end, or why it stopped.</summary>
[GenerateSerializer, Immutable]
public sealed record class ChatStreamEvent(
    [property: Id(0)] string? Delta,
    [property: Id(1)] ChatReply? Final = null,
    [property: Id(2)] ServiceError? Error = null);
