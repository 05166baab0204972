using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;
using TenantChat.WebFrontend.Accounts;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

public static class ChatApi
{
    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("api/chat").WithTags("Chat");
        chat.MapPost("call", CallAsync).WithGrainCheckedAccess();
        chat.MapPost("stream", StreamAsync).WithGrainCheckedAccess().Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        chat.MapGet("messages", ListMessagesAsync).RequireAuthorization(TenantAuthentication.UserPolicy);
        return app;
    }

    /// <summary>The tenant's stored exchanges, newest first, optionally of one conversation.</summary>
    public static async Task<Results<Ok<PageResponse<ChatMessageResponse>>, ApiProblem>> ListMessagesAsync(
        int? limit, string? cursor, [FromQuery(Name = "conversation_id")] string? conversationId, HttpContext httpContext, IClusterClient orleans)
    {
        if (Cursors.TryReadPaging(limit, cursor, out var pageSize, out var after) is { } invalid)
        {
            return invalid;
        }
        Guid? conversation = null;
        if (conversationId is not null)
        {
            if (!Guid.TryParse(conversationId, out var parsed))
            {
                return new ApiProblem(ProblemCode.ValidationFailed, "conversation_id must be a UUID.");
            }
            conversation = parsed;
        }
        var page = await orleans.GetGrain<IChatHistoryGrain>(0).ListAsync(httpContext.Tenant().TenantId, conversation, pageSize, after);
        return TypedResults.Ok(new PageResponse<ChatMessageResponse>([.. page.Items.Select(ChatMessageResponse.From)], Cursors.Encode(page.Next)));
    }

    public static async Task<Results<Ok<ChatCallResponse>, ApiProblem>> CallAsync(
        ChatCallBody body, HttpContext httpContext, IClusterClient orleans, IOptions<ChatOptions> options)
    {
        if (Validate(body, options.Value) is { } invalid)
        {
            TenantChatMetrics.Refused(invalid.Code, httpContext.Tenant().TenantId);
            return invalid;
        }
        var outcome = await FailoverRetry.ChatAsync(httpContext, orleans, ToRequest(body));
        return outcome.Succeeded ? TypedResults.Ok(ChatCallResponse.From(outcome.Value)) : ApiProblem.From(outcome.Error);
    }

    public static async Task StreamAsync(ChatCallBody body, HttpContext httpContext, IClusterClient orleans, IOptions<ChatOptions> options)
    {
        if (Validate(body, options.Value) is { } invalid)
        {
            TenantChatMetrics.Refused(invalid.Code, httpContext.Tenant().TenantId);
            await invalid.ExecuteAsync(httpContext);
            return;
        }
        await ChatStreaming.StreamAsync(httpContext, orleans, ToRequest(body), ChatStreaming.ContractEvents);
    }

    private static ChatRequest ToRequest(ChatCallBody body) => new(body.Prompt!, body.Model, body.Seed,
        body.ConversationId is null ? null : Guid.Parse(body.ConversationId), RequestId: Guid.CreateVersion7(), Handoff: body.Handoff == true,
        Channel: ConversationNames.ParseChannel(body.Channel) ?? ConversationChannel.Api);

    private static ApiProblem? Validate(ChatCallBody body, ChatOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        var promptLength = body.Prompt?.Trim().EnumerateRunes().Count() ?? 0;
        if (promptLength == 0)
        {
            errors["prompt"] = ["prompt is required and must not be blank."];
        }
        else if (promptLength > options.MaxPromptChars)
        {
            errors["prompt"] = [$"prompt must be at most {options.MaxPromptChars} characters."];
        }
        else if (StoredText.HasNul(body.Prompt))
        {
            errors["prompt"] = ["prompt " + StoredText.NulProblem];
        }
        if (body.Model is { } model && (model.Trim().Length == 0 || model.Length > 200 || StoredText.HasNul(model)))
        {
            errors["model"] = ["model, when given, must be a non-empty model name."];
        }
        if (body.ConversationId is { } conversationId && !Guid.TryParse(conversationId, out _))
        {
            errors["conversation_id"] = ["conversation_id must be a UUID."];
        }
        if (body.Channel is { } channel && channel is not ("api" or "widget"))
        {
            errors["channel"] = ["channel, when given, must be \"api\" or \"widget\"."];
        }
        return errors.Count == 0 ? null : ApiProblem.Validation(errors);
    }
}
