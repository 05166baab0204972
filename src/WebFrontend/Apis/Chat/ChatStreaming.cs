using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using TenantChat.Grains;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Problems;
using TenantChat.WebFrontend.Tenancy;

namespace TenantChat.WebFrontend.Apis.Chat;

/// <summary>
/// <c>POST /api/chat/stream</c> as server-sent events: <c>data: {"delta":..}</c> as the answer arrives, one final
/// event with the stored message's id and usage, then <c>data: [DONE]</c>. A call handed to a person has no delta:
/// its final event says <c>"handoff": true</c>. A refusal before the first delta is an
/// ordinary problem response; a failure after it is an <c>error</c> event, since the status line is already sent.
/// </summary>
public sealed class ChatStreaming(IClusterClient orleans, TenantGrainCalls tenants, IOptions<JsonOptions> json)
{
    /// <summary>The contract's own event payloads.</summary>
    public static IEnumerable<object> ContractEvents(ChatStreamEvent streamEvent) => streamEvent switch
    {
        { Delta: { } delta } => [new { delta }],
        { Final: { } final } => [new
        {
            final.Id, final.ConversationId, Usage = UsageBody.From(final.Usage), final.Model, final.Seed, final.CreatedAt, final.Cached, final.Handoff,
            Sources = SourceBody.From(final.Sources),
        }],
        { Error: { } error } => [new { Error = new { Code = ApiProblem.CodeName(error.Code), Message = error.Detail } }],
        _ => [],
    };

    /// <summary>Streams <paramref name="request"/>, writing each event as the <c>data:</c> payloads <paramref name="toPayloads"/> makes of it.</summary>
    public async Task StreamAsync(HttpContext httpContext, ChatRequest request, Func<ChatStreamEvent, IEnumerable<object>> toPayloads)
    {
        var jsonOptions = json.Value.SerializerOptions;
        // A refusal comes before anything ran, so a stale host mapping is followed like any grain call's.
        var (enumerator, started) = await tenants.CallAsync(httpContext,
            tenant => BeginAsync(tenant, request, httpContext.RequestAborted),
            begun => begun.Started ? begun.Events.Current.Error : null,
            begun => begun.Events.DisposeAsync());
        await using var events = enumerator;
        if (!started)
        {
            await new ApiProblem(ProblemCode.Internal, "The stream ended without an answer.").ExecuteAsync(httpContext);
            return;
        }
        if (enumerator.Current.Error is { } refused)
        {
            await ApiProblem.From(refused).ExecuteAsync(httpContext);
            return;
        }

        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // let nginx pass events through as they come
        do
        {
            if (enumerator.Current.Error is { } failed)
            {
                // The status line said 200, but the caller got this problem as an event: it is the call's outcome.
                httpContext.Features.Set(ApiProblem.From(failed));
            }
            foreach (var payload in toPayloads(enumerator.Current))
            {
                await response.WriteAsync($"data: {JsonSerializer.Serialize(payload, jsonOptions)}\n\n", httpContext.RequestAborted);
            }
            await response.Body.FlushAsync(httpContext.RequestAborted);
        }
        while (await enumerator.MoveNextAsync());
        await response.WriteAsync("data: [DONE]\n\n", httpContext.RequestAborted);
    }

    /// <summary>Starts the stream (its tenant grain checks the host) and reads its first event: a refusal or the first delta.</summary>
    private async Task<(IAsyncEnumerator<ChatStreamEvent> Events, bool Started)> BeginAsync(
        TenantContext tenant, ChatRequest request, CancellationToken cancellationToken)
    {
        var events = orleans.GetGrain<IChatStreamGrain>(request.RequestId).StreamAsync(tenant.TenantId, tenant.Domain, request);
        var enumerator = events.GetAsyncEnumerator(cancellationToken);
        try
        {
            // The first event comes once the call is admitted or refused, which may mean waiting for room in the budget.
            using var departure = orleans.StopWaitingOnAbort(tenant.TenantId, request.RequestId, cancellationToken);
            return (enumerator, await enumerator.MoveNextAsync());
        }
        catch
        {
            await enumerator.DisposeAsync();
            throw;
        }
    }
}
