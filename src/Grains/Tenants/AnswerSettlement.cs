using TenantChat.Grains.Chat;
using TenantChat.Grains.Models;
using TenantChat.Grains.Tokens;
using TenantChat.Grains.Upstreams;

namespace TenantChat.Grains.Tenants;

/// <summary>Turns an upstream answer into what is stored and charged: never more than the call's reservation.</summary>
public static class AnswerSettlement
{
    /// <summary>
    /// The answer (every quote of <paramref name="secrets"/> redacted: the system parameter and its sections; cut to
    /// the completion allowance when the upstream could not be told one) and its usage: the upstream's own when it reports one (clamped to the reservation, then
    /// <c>OverReported</c>), else counted with o200k.
    /// </summary>
    public static (string Text, TokenUsage Usage, bool OverReported) Settle(
        UpstreamReply reply, IReadOnlyList<string> secrets, Reservation reservation, TokenCounter tokens)
    {
        var text = RedactorChain.Redact(reply.Text, secrets);
        if (reply.ReportedUsage is { } reported)
        {
            if (reported.TotalTokens <= reservation.Tokens)
            {
                return (text, reported, false);
            }
            var prompt = (int)Math.Min(reported.PromptTokens, reservation.Tokens);
            return (text, new TokenUsage(prompt, (int)(reservation.Tokens - prompt)), true);
        }
        var completionTokens = tokens.Count(text);
        if (completionTokens > reservation.CompletionAllowance)
        {
            text = tokens.Truncate(text, reservation.CompletionAllowance);
            completionTokens = tokens.Count(text);
        }
        return (text, new TokenUsage(reservation.PromptTokens, completionTokens), false);
    }
}
