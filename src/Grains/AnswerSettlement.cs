using TenantChat.Grains.Models;
using TenantChat.Grains.Providers;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains;

/// <summary>Turns an upstream answer into what is stored and charged: never more than the call's reservation.</summary>
public static class AnswerSettlement
{
    /// <summary>
    /// The answer (every one of <paramref name="secrets"/> redacted: the system parameter and its sections; cut to the completion allowance when the upstream could not be told
    /// one) and its usage: the upstream's own when it reports one (clamped to the reservation, then
    /// <c>OverReported</c>), else counted with o200k.
    /// </summary>
    public static (string Text, TokenUsage Usage, bool OverReported) Settle(
        UpstreamReply reply, IReadOnlyList<string> secrets, Reservation reservation, TokenCounter tokens)
    {
        var text = secrets.OrderByDescending(secret => secret.Length).Aggregate(reply.Text, RedactSystemPrompt);
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

    /// <summary>A model can be talked into quoting its instructions; the tenant's system parameter never leaves.</summary>
    private static string RedactSystemPrompt(string text, string systemPrompt) =>
        systemPrompt.Trim().Length >= 8 && text.Contains(systemPrompt.Trim(), StringComparison.OrdinalIgnoreCase)
            ? text.Replace(systemPrompt.Trim(), "[redacted]", StringComparison.OrdinalIgnoreCase)
            : text;
}
