using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
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
        var chat = app.MapGroup("api/chat").ForTenantHost().WithTags("Chat");
        chat.MapPost("call", CallAsync).WithGrainCheckedAccess();
        chat.MapPost("stream", StreamAsync).WithGrainCheckedAccess().Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        chat.MapGet("messages", ListMessagesAsync).RequireAuthorization(TenantAuthentication.UserPolicy);
        return app;
    }

    /// <summary>The tenant's stored exchanges, newest first, optionally of one conversation.</summary>
    public static async Task<Results<Ok<PageResponse<ChatMessageResponse>>, ApiProblem>> ListMessagesAsync(
        int? limit, string? cursor, [FromQuery(Name = "conversation_id")] string? conversationId, HttpContext httpContext,
        [AsParameters] ChatServices services)
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
        var page = await services.Orleans.GetGrain<IChatHistoryGrain>(0).ListAsync(httpContext.Tenant().TenantId, conversation, pageSize, after);
        return TypedResults.Ok(new PageResponse<ChatMessageResponse>([.. page.Items.Select(ChatMessageResponse.From)], Cursors.Encode(page.Next)));
    }

    public static async Task<Results<Ok<ChatCallResponse>, ApiProblem>> CallAsync(
        ChatCallBody body, HttpContext httpContext, [AsParameters] ChatServices services)
    {
        if (Validate(body, services.Options.Value) is { } invalid)
        {
            TenantChatMetrics.Refused(invalid.Code, httpContext.Tenant().TenantId);
            return invalid;
        }
        var outcome = await services.Failover.ChatAsync(httpContext, ToRequest(body));
        return outcome.Succeeded ? TypedResults.Ok(ChatCallResponse.From(outcome.Value)) : ApiProblem.From(outcome.Error);
    }

    public static async Task StreamAsync(ChatCallBody body, HttpContext httpContext, [AsParameters] ChatServices services)
    {
        if (Validate(body, services.Options.Value) is { } invalid)
        {
            TenantChatMetrics.Refused(invalid.Code, httpContext.Tenant().TenantId);
            await invalid.ExecuteAsync(httpContext);
            return;
        }
        await services.Streaming.StreamAsync(httpContext, ToRequest(body), ChatStreaming.ContractEvents);
    }

    private static ChatRequest ToRequest(ChatCallBody body) => new(body.Prompt!, body.Model, body.Seed,
        body.ConversationId is null ? null : Guid.Parse(body.ConversationId), RequestId: Guid.CreateVersion7(), Handoff: body.Handoff == true,
        Channel: ConversationNames.ParseChannel(body.Channel) ?? ConversationChannel.Api);

    private static ApiProblem? Validate(ChatCallBody body, ChatOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        string? promptProblem = PromptRule.Check(body.Prompt, options) switch
        {
            PromptRule.Verdict.Blank => "prompt is required and must not be blank.",
            PromptRule.Verdict.TooLong => $"prompt must be at most {options.MaxPromptChars} characters.",
            PromptRule.Verdict.HasNul => "prompt " + StoredText.NulProblem,
            _ => null,
        };
        if (promptProblem is not null)
        {
            errors["prompt"] = [promptProblem];
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
