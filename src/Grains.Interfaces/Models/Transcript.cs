using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>A conversation as its visitor reads it: every message, oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record class Transcript(
    [property: Id(0)] Guid Id,
    [property: Id(1)] ConversationStatus Status,
    [property: Id(2)] ImmutableArray<TranscriptMessage> Messages);
