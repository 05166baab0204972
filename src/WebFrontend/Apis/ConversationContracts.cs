using TenantChat.Grains.Models;

namespace TenantChat.WebFrontend.Apis;

public sealed record class ReplyBody(string? Text);

public sealed record class ConversationPatchBody(string? Status);

public sealed record class ConversationResponse(Guid Id, string Status, string Channel, DateTimeOffset CreatedAt, DateTimeOffset LastMessageAt, int MessageCount)
{
    public static ConversationResponse From(ConversationView view) => new(view.Id, ConversationNames.Of(view.Status), ConversationNames.Of(view.Channel),
        view.CreatedAt, view.LastMessageAt, view.MessageCount);
}

public sealed record class ReplyResponse(Guid Id, Guid ConversationId, string Role, string Text, DateTimeOffset CreatedAt);

public sealed record class TranscriptResponse(Guid Id, string Status, IReadOnlyList<TranscriptMessageResponse> Messages);

public sealed record class TranscriptMessageResponse(string Role, string Text, DateTimeOffset CreatedAt);
