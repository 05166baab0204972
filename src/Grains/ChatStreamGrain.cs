using System.Text;
using Orleans.Placement;
using TenantChat.Grains.Models;
using TenantChat.Grains.Providers;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains;

/// <summary>
/// Runs one streamed chat call. The tenant's grain admits it (reserving tokens) and settles it; the deltas flow
/// through here without touching the tenant's grain. The stream stops at the call's completion allowance. A
/// finished stream, and one whose caller went away, is stored and charged for exactly what was generated; one whose
/// upstream failed is charged nothing, as a failed call is.
/// </summary>
[PreferLocalPlacement]
public sealed class ChatStreamGrain(IChatUpstream upstream, TokenCounter tokens) : Grain, IChatStreamGrain
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
        var answer = new StringBuilder();
        TokenUsage? reported = null;
        UpstreamException? failure = null;
        var settled = false;
        using var cancel = new CancellationTokenSource();
        var chunks = upstream.StreamAsync(ToUpstream(ticket), cancel.Token).GetAsyncEnumerator(cancel.Token);
        try
        {
            var generated = 0;
            while (generated < ticket.CompletionAllowance)
            {
                (var more, failure) = await NextAsync(chunks);
                if (!more)
                {
                    break;
                }
                reported = chunks.Current.Usage ?? reported;
                var delta = chunks.Current.Delta;
                if (delta.Length == 0)
                {
                    continue;
                }
                // Counting each piece on its own over-counts slightly at the seams, so the cut is never late.
                var pieceTokens = tokens.Count(delta);
                if (generated + pieceTokens > ticket.CompletionAllowance)
                {
                    delta = tokens.Truncate(delta, ticket.CompletionAllowance - generated);
                    pieceTokens = ticket.CompletionAllowance - generated;
                }
                generated += pieceTokens;
                answer.Append(delta);
                yield return new ChatStreamEvent(delta);
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
                await SettleAsync(tenant, ticket, answer.ToString(), reported);
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
            var outcome = await SettleAsync(tenant, ticket, answer.ToString(), reported);
            yield return outcome.Succeeded ? new ChatStreamEvent(null, Final: outcome.Value) : new ChatStreamEvent(null, Error: outcome.Error);
        }
        // Only now, when the caller has asked past the last event, is this one-stream grain done.
        DeactivateOnIdle();
    }

    /// <summary>Stores and charges a stream that produced text; one that produced nothing only frees its reservation.</summary>
    private static async Task<Outcome<ChatReply>> SettleAsync(ITenantGrain tenant, StreamTicket ticket, string text, TokenUsage? reported)
    {
        if (text.Length == 0 && reported is null)
        {
            await tenant.AbandonStreamAsync(ticket.RequestId);
            return new ServiceError(ProblemCode.UpstreamError, "The AI provider returned nothing; nothing was charged.");
        }
        return await tenant.CompleteStreamAsync(ticket, text, reported);
    }

    private static async Task<(bool More, UpstreamException? Failure)> NextAsync(IAsyncEnumerator<UpstreamChunk> chunks)
    {
        try
        {
            return (await chunks.MoveNextAsync(), null);
        }
        catch (UpstreamException e)
        {
            return (false, e);
        }
    }

    private static UpstreamRequest ToUpstream(StreamTicket ticket) =>
        new(ticket.SystemPrompt, ticket.Context, ticket.Prompt, ticket.Model, ticket.Seed, ticket.CompletionAllowance);
}
