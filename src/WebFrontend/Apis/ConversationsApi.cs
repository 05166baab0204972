using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.IdentityModel.JsonWebTokens;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis;

/// <summary>
/// A tenant's conversations: listed and handled by its users (replies, status, erasure by an admin), and read by
/// the visitor at <c>/api/chat/conversations/{id}</c>, where the conversation's id is the only key. Another
/// tenant's conversation is <c>404</c> on every route.
/// </summary>
public static class ConversationsApi
{
    public const int MaxReplyChars = 16_000;

    public static IEndpointRouteBuilder MapConversationsApi(this IEndpointRouteBuilder app)
    {
        var conversations = app.MapGroup("api/conversations").ForTenantHost().WithTags("Conversations").RequireAuthorization(TenantAuthentication.UserPolicy);
        conversations.MapGet("", ListAsync);
        conversations.MapPost("{id:guid}/replies", ReplyAsync);
        conversations.MapPatch("{id:guid}", PatchAsync);
        conversations.MapDelete("{id:guid}", EraseAsync).RequireAuthorization(TenantAuthentication.AdminPolicy);
        app.MapGet("api/chat/conversations/{id:guid}", ReadTranscriptAsync).ForTenantHost().WithTags("Chat");
        return app;
    }

    public static async Task<Results<Ok<PageResponse<ConversationResponse>>, ApiProblem>> ListAsync(
        string? status, int? limit, string? cursor, HttpContext httpContext, IClusterClient orleans)
    {
        if (Cursors.TryReadPaging(limit, cursor, out var pageSize, out var after) is { } invalid)
        {
            return invalid;
        }
        ConversationStatus? only = null;
        if (status is not null && (only = ConversationNames.ParseStatus(status)) is null)
        {
            return Invalid("status", "status must be \"open\", \"needs_human\" or \"closed\".");
        }
        var page = await Grain(orleans).ListAsync(httpContext.Tenant().TenantId, only, pageSize, after);
        return TypedResults.Ok(new PageResponse<ConversationResponse>([.. page.Items.Select(ConversationResponse.From)], Cursors.Encode(page.Next)));
    }

    /// <summary>A tenant user's reply to the visitor; it costs no tokens and shows in the transcript at once.</summary>
    public static async Task<Results<Created<ReplyResponse>, ApiProblem>> ReplyAsync(Guid id, ReplyBody body, HttpContext httpContext, IClusterClient orleans)
    {
        var length = body.Text?.Trim().EnumerateRunes().Count() ?? 0;
        if (length == 0 || body.Text!.EnumerateRunes().Count() > MaxReplyChars)
        {
            return Invalid("text", $"text is required: 1 to {MaxReplyChars} characters.");
        }
        if (StoredText.HasNul(body.Text))
        {
            return Invalid("text", "text " + StoredText.NulProblem);
        }
        var author = Guid.TryParse(httpContext.User.FindFirstValue(JwtRegisteredClaimNames.Sub), out var accountId) ? accountId : (Guid?)null;
        var reply = await Grain(orleans).ReplyAsync(httpContext.Tenant().TenantId, id, author, body.Text);
        return reply is null
            ? NotFound()
            : TypedResults.Created($"/api/chat/conversations/{id}", new ReplyResponse(reply.Id, reply.ConversationId, "agent", reply.Text, reply.CreatedAt));
    }

    /// <summary>Opens or closes a conversation; <c>open</c> gives one waiting for a person back to the AI.</summary>
    public static async Task<Results<Ok<ConversationResponse>, ApiProblem>> PatchAsync(
        Guid id, ConversationPatchBody body, HttpContext httpContext, IClusterClient orleans)
    {
        if (ConversationNames.ParseStatus(body.Status) is not { } status || status == ConversationStatus.NeedsHuman)
        {
            return Invalid("status", "status must be \"open\" or \"closed\".");
        }
        var changed = await Grain(orleans).SetStatusAsync(httpContext.Tenant().TenantId, id, status);
        return changed is null ? NotFound() : TypedResults.Ok(ConversationResponse.From(changed));
    }

    /// <summary>Erases the conversation and its messages' text (a customer's right to erasure); charged usage stays.</summary>
    public static async Task<Results<NoContent, ApiProblem>> EraseAsync(Guid id, HttpContext httpContext, IClusterClient orleans) =>
        await Grain(orleans).EraseAsync(httpContext.Tenant().TenantId, id) ? TypedResults.NoContent() : NotFound();

    /// <summary>The visitor's view, for polling: <c>after</c> (an ISO time) returns only newer messages.</summary>
    public static async Task<Results<Ok<TranscriptResponse>, ApiProblem>> ReadTranscriptAsync(
        Guid id, string? after, HttpContext httpContext, IClusterClient orleans)
    {
        DateTimeOffset? since = null;
        if (after is not null)
        {
            // A '+' of an offset left unescaped in the query arrives as a space.
            if (!DateTimeOffset.TryParse(after.Replace(' ', '+'), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return Invalid("after", "after must be an ISO-8601 time, such as a message's created_at.");
            }
            since = parsed;
        }
        var transcript = await Grain(orleans).ReadTranscriptAsync(httpContext.Tenant().TenantId, id, since);
        return transcript is null
            ? NotFound()
            : TypedResults.Ok(new TranscriptResponse(transcript.Id, ConversationNames.Of(transcript.Status),
                [.. transcript.Messages.Select(m => new TranscriptMessageResponse(m.Role, m.Text, m.CreatedAt))]));
    }

    private static IConversationsGrain Grain(IClusterClient orleans) => orleans.GetGrain<IConversationsGrain>(0);

    private static ApiProblem NotFound() => new(ProblemCode.NotFound, "No such conversation.");

    private static ApiProblem Invalid(string field, string message) => ApiProblem.Validation(new Dictionary<string, string[]> { [field] = [message] });
}
