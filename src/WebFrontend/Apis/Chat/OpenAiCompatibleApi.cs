using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.Telemetry;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// OpenAI's chat completions API on every tenant's domain, so the official SDKs work against it: same budgets,
/// limits and storage as <c>/api/chat/call</c>. The tenant's system parameter is always the system message; a
/// caller's own system or developer messages are not sent upstream, so they cannot replace it.
/// </summary>
public static class OpenAiCompatibleApi
{
    public static IEndpointRouteBuilder MapOpenAiCompatibleApi(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("v1").ForTenantHost().WithOpenAiErrors().WithTags("OpenAI-compatible");
        v1.MapGet("models", ListModelsAsync);
        v1.MapPost("chat/completions", CompleteAsync).WithGrainCheckedAccess().Produces<ChatCompletion>().Produces(StatusCodes.Status200OK, contentType: "text/event-stream");
        return app;
    }

    public static async Task<Results<Ok<ModelList>, ApiProblem>> ListModelsAsync(HttpContext httpContext, [AsParameters] ChatServices services)
    {
        if (await services.Orleans.GetGrain<ITenantGrain>(httpContext.Tenant().TenantId).GetAsync() is not { } tenant)
        {
            return ApiProblem.From(ServiceError.UnknownHost);
        }
        var created = tenant.CreatedAt.ToUnixTimeSeconds();
        return TypedResults.Ok(new ModelList("list", [.. tenant.Settings.AllowedModels.Select(model => new ModelCard(model, "model", created, "tenantchat"))]));
    }

    public static async Task CompleteAsync(ChatCompletionBody body, HttpContext httpContext, [AsParameters] ChatServices services)
    {
        if (ToRequest(body, services.Options.Value, out var request) is { } invalid)
        {
            TenantChatMetrics.Refused(invalid.Code, httpContext.Tenant().TenantId);
            await invalid.ExecuteAsync(httpContext);
            return;
        }
        if (body.Stream == true)
        {
            var created = services.Clock.GetUtcNow().ToUnixTimeSeconds();
            var chunks = new CompletionChunks(request.RequestId, body.Model!, created, body.StreamOptions?.IncludeUsage == true);
            await services.Streaming.StreamAsync(httpContext, request, chunks.For);
            return;
        }
        var outcome = await services.Failover.ChatAsync(httpContext, request);
        if (!outcome.Succeeded)
        {
            await ApiProblem.From(outcome.Error).ExecuteAsync(httpContext);
            return;
        }
        var reply = outcome.Value;
        var usage = new CompletionUsage(reply.Usage.PromptTokens, reply.Usage.CompletionTokens, reply.Usage.TotalTokens);
        var completion = new ChatCompletion(CompletionId(reply.Id), "chat.completion", reply.CreatedAt.ToUnixTimeSeconds(), reply.Model,
            [new CompletionChoice(0, new AssistantMessage("assistant", reply.Response), "stop")], usage)
        {
            Handoff = reply.Handoff ? true : null,
            ConversationId = reply.Handoff ? reply.ConversationId : null,
        };
        await TypedResults.Ok(completion).ExecuteAsync(httpContext);
    }

    private static string CompletionId(Guid id) => $"chatcmpl-{id:N}";

    /// <summary>
    /// The conversation the caller sends: user and assistant messages pair up into context turns, the last user
    /// messages are the prompt. The message count is bounded before any is read, and each message's text is at most
    /// a prompt's length; the tenant's grain keeps only its <c>max_context_turns</c> most recent turns.
    /// </summary>
    private static ApiProblem? ToRequest(ChatCompletionBody body, ChatOptions options, out ChatRequest request)
    {
        request = null!;
        if (string.IsNullOrWhiteSpace(body.Model))
        {
            return Invalid("model", "model is required.");
        }
        var maxTokens = body.MaxCompletionTokens ?? body.MaxTokens;
        if (maxTokens is < 1)
        {
            return Invalid(body.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens", "max_tokens must be positive.");
        }
        var messages = body.Messages ?? [];
        if (messages.Count > options.MaxMessages)
        {
            return Invalid("messages", $"messages must hold at most {options.MaxMessages} messages.");
        }
        var turns = ImmutableArray.CreateBuilder<ConversationTurn>();
        var pendingUser = new List<string>();
        for (var i = 0; i < messages.Count; i++)
        {
            var field = $"messages[{i}]";
            if (messages[i] is not { } message)
            {
                return Invalid(field, $"{field} must be a message object.");
            }
            if (Text(message.Content, field + ".content", options.MaxPromptChars, out var text) is { } invalid)
            {
                return invalid;
            }
            switch (message.Role)
            {
                case "system" or "developer":
                    continue;
                case "user":
                    pendingUser.Add(text);
                    break;
                case "assistant":
                    turns.Add(new ConversationTurn(string.Join('\n', pendingUser), text));
                    pendingUser.Clear();
                    break;
                default:
                    return Invalid(field + ".role", $"Message role '{message.Role}' is not supported.");
            }
        }
        var prompt = string.Join('\n', pendingUser);
        // A NUL was refused above, in whichever message it came.
        if (PromptRule.Check(prompt, options) is not PromptRule.Verdict.Accepted)
        {
            return Invalid("messages", $"messages must end with a user message of 1 to {options.MaxPromptChars} characters.");
        }
        request = new ChatRequest(prompt, body.Model, body.Seed, null, Guid.CreateVersion7(), Context: turns.ToImmutable(), MaxOutputTokens: maxTokens,
            Channel: ConversationChannel.OpenAi);
        return null;
    }

    /// <summary>A message's text: its string content, or its text parts joined; at most <paramref name="maxChars"/> characters.</summary>
    private static ApiProblem? Text(JsonElement? content, string field, int maxChars, out string text)
    {
        text = "";
        switch (content)
        {
            case { ValueKind: JsonValueKind.String } whole:
                text = whole.GetString()!;
                break;
            case { ValueKind: JsonValueKind.Array } parts:
                var joined = new StringBuilder();
                var index = 0;
                foreach (var part in parts.EnumerateArray())
                {
                    var at = $"{field}[{index++}]";
                    if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
                    {
                        return Invalid(at + ".type", $"{at} must be an object with a string type.");
                    }
                    if (type.GetString() != "text")
                    {
                        continue;
                    }
                    if (!part.TryGetProperty("text", out var partText) || partText.ValueKind != JsonValueKind.String)
                    {
                        return Invalid(at + ".text", $"{at}.text must be a string.");
                    }
                    joined.Append(partText.GetString());
                }
                text = joined.ToString();
                break;
            default:
                return Invalid(field, $"{field} must be a string or a list of text parts.");
        }
        return text.EnumerateRunes().Count() > maxChars ? Invalid(field, $"{field} must be at most {maxChars} characters.") : null;
    }

    private static ApiProblem Invalid(string field, string message) => ApiProblem.Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>OpenAI's <c>chat.completion.chunk</c> events for one stream.</summary>
    private sealed class CompletionChunks(Guid requestId, string model, long created, bool includeUsage)
    {
        private bool _started;

        public IEnumerable<object> For(ChatStreamEvent streamEvent)
        {
            var id = CompletionId(requestId);
            if (streamEvent.Delta is { } delta)
            {
                object content = _started ? new { content = delta } : new { role = "assistant", content = delta };
                _started = true;
                yield return new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = content, finish_reason = (string?)null } } };
            }
            else if (streamEvent.Final is { Handoff: true } handedOver)
            {
                // No content: the conversation waits for a person, whose replies are in the visitor's transcript.
                yield return new
                {
                    id, @object = "chat.completion.chunk", created, model,
                    choices = new[] { new { index = 0, delta = new { role = "assistant", content = "" }, finish_reason = "stop" } },
                    handoff = true, conversation_id = handedOver.ConversationId,
                };
            }
            else if (streamEvent.Final is { } final)
            {
                yield return new { id, @object = "chat.completion.chunk", created, model, choices = new[] { new { index = 0, delta = new { }, finish_reason = "stop" } } };
                if (includeUsage)
                {
                    var usage = new CompletionUsage(final.Usage.PromptTokens, final.Usage.CompletionTokens, final.Usage.TotalTokens);
                    yield return new { id, @object = "chat.completion.chunk", created, model, choices = Array.Empty<object>(), usage };
                }
            }
            else if (streamEvent.Error is { } error)
            {
                yield return new { error = new { message = error.Detail, type = "api_error", code = ApiProblem.CodeName(error.Code) } };
            }
        }
    }
}
