using System.Text;
using Orleans.Placement;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Chat;

/// <summary>
/// Runs one streamed chat call. The tenant's grain admits it (reserving tokens) and settles it; the deltas flow
/// through here without touching the tenant's grain. The stream stops at the call's completion allowance. A
/// finished stream, and one whose caller went away, is stored and charged for exactly what was generated; one whose
/// upstream failed is charged nothing, as a failed call is. The tenant's fallbacks are tried in order while no
/// delta has been sent yet; once the caller has part of one answer, another model's cannot follow it.
/// </summary>
[PreferLocalPlacement]
public sealed class ChatStreamGrain(ChatUpstreams upstreams, TokenCounter tokens) : Grain, IChatStreamGrain
{
    public async IAsyncEnumerable<ChatStreamEvent> StreamAsync(Guid tenantId, string host, ChatRequest request)
    {
        var tenant = GrainFactory.GetGrain<ITenantGrain>(tenantId);
        var begun = await tenant.BeginStreamAsync(host, request);
        if (!begun.Succeeded)
        {
            yield return new ChatStreamEvent(null, Error: begun.Error);
            yield break;
        }
        var ticket = begun.Value;
        if (ticket.Answered is { } answered)
        {
            // A handoff has no answer: its stream is the final event alone.
            if (answered.Response.Length > 0)
            {
                yield return new ChatStreamEvent(answered.Response);
            }
            yield return new ChatStreamEvent(null, Final: answered);
            DeactivateOnIdle();
            yield break;
        }
        var answer = new StringBuilder();
        // Redacted on the way out: a quote of the system parameter split over deltas never reaches the caller.
        var redactor = new RedactorChain([ticket.SystemPrompt, .. ticket.Secrets]);
        TokenUsage? reported = null;
        var settled = false;
        using var cancel = new CancellationTokenSource();
        var (chunks, route, more, failure) = await upstreams.OpenStreamAsync(ticket.Routes, ToUpstream(ticket), cancel.Token);
        try
        {
            var generated = 0;
            while (more)
            {
                reported = chunks.Current.Usage ?? reported;
                var delta = chunks.Current.Delta;
                if (delta.Length > 0)
                {
                    // Counting each piece on its own over-counts slightly at the seams, so the cut is never late.
                    var pieceTokens = tokens.Count(delta);
                    if (generated + pieceTokens > ticket.CompletionAllowance)
                    {
                        delta = tokens.Truncate(delta, ticket.CompletionAllowance - generated);
                        pieceTokens = ticket.CompletionAllowance - generated;
                    }
                    generated += pieceTokens;
                    var shown = redactor.Push(delta);
                    if (shown.Length > 0)
                    {
                        answer.Append(shown);
                        yield return new ChatStreamEvent(shown);
                    }
                    if (generated >= ticket.CompletionAllowance)
                    {
                        break; // the answer is cut here: nothing more is read, and it is not whole
                    }
                }
                (more, failure) = await ChatUpstreams.NextAsync(chunks);
            }
            var rest = failure is null ? redactor.Flush() : "";
            if (rest.Length > 0)
            {
                answer.Append(rest);
                yield return new ChatStreamEvent(rest);
            }
            settled = true;
        }
        finally
        {
            await cancel.CancelAsync();
            await chunks.DisposeAsync();
            if (!settled)
            {
                // The caller went away mid-stream: the upstream is cancelled, what it generated is kept and charged.
                answer.Append(redactor.Flush());
                await SettleAsync(tenant, ticket, new StreamResult(answer.ToString(), reported, route, Complete: false));
                DeactivateOnIdle();
            }
        }

        if (failure is not null)
        {
            // A failed upstream call charges nothing and stores nothing, even if some of it was already shown.
            await tenant.AbandonStreamAsync(ticket.RequestId);
            yield return new ChatStreamEvent(null, Error: UpstreamErrors.ToServiceError(failure));
        }
        else
        {
            var outcome = await SettleAsync(tenant, ticket, new StreamResult(answer.ToString(), reported, route, Complete: !more));
            yield return outcome.Succeeded ? new ChatStreamEvent(null, Final: outcome.Value) : new ChatStreamEvent(null, Error: outcome.Error);
        }
        // Only now, when the caller has asked past the last event, is this one-stream grain done.
        DeactivateOnIdle();
    }

    /// <summary>Stores and charges a stream that produced text; one that produced nothing only frees its reservation.</summary>
    private static async Task<Outcome<ChatReply>> SettleAsync(ITenantGrain tenant, StreamTicket ticket, StreamResult result)
    {
        if (result.Text.Length == 0 && result.ReportedUsage is null)
        {
            await tenant.AbandonStreamAsync(ticket.RequestId);
            return new ServiceError(ProblemCode.UpstreamError, "The AI provider returned nothing; nothing was charged.");
        }
        return await tenant.CompleteStreamAsync(ticket, result);
    }

    private static UpstreamRequest ToUpstream(StreamTicket ticket) =>
        new(ticket.SystemPrompt, ticket.Context, ticket.Prompt, ticket.Model, ticket.Seed, ticket.CompletionAllowance);
}
