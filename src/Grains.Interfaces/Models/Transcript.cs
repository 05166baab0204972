using System.Collections.Immutable;

namespace TenantChat.Grains.Models;

/// <summary>A conversation as its visitor reads it: every message, oldest first.</summary>
[GenerateSerializer, Immutable]
public sealed record class Transcript(
    [property: Id(0)] Guid Id,
    [property: Id(1)] ConversationStatus Status,
    [property: Id(2)] ImmutableArray<TranscriptMessage> Messages);

/// <summary>One message: <see cref="Role"/> is <c>user</c>, <c>assistant</c> or <c>agent</c> (a tenant user's reply).</summary>
[GenerateSerializer, Immutable]
public sealed record class TranscriptMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Text,
    [property: Id(2)] DateTimeOffset CreatedAt);

/// <summary>A tenant user's reply as stored.</summary>
[GenerateSerializer, Immutable]
public sealed record class AgentReply(
    [property: Id(0)] Guid Id,
    [property: Id(1)] Guid ConversationId,
    [property: Id(2)] string Text,
    [property: Id(3)] DateTimeOffset CreatedAt);
