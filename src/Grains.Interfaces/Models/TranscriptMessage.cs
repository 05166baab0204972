namespace TenantChat.Grains.Models;

/// <summary>One message: <see cref="Role"/> is <c>user</c>, <c>assistant</c> or <c>agent</c> (a tenant user's reply).</summary>
[GenerateSerializer, Immutable]
public sealed record class TranscriptMessage(
    [property: Id(0)] string Role,
    [property: Id(1)] string Text,
    [property: Id(2)] DateTimeOffset CreatedAt);
