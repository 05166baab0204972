using System.Text.Json;
using Microsoft.Playwright;

namespace TenantChat.Tests.Browser;

/// <summary>Runs axe-core inside a page (through the browser's debugging protocol, so the page's CSP is untouched).</summary>
public static class Accessibility
{
    /// <summary>The serious and critical violations on the page (or within <paramref name="include"/>), as "rule: help (targets)".</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page, string axeSource, string? include = null)
    {
        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.EvaluateAsync(axeSource);
        }
        var violations = await page.EvaluateAsync<JsonElement>("""
            async (include) => {
              const results = await axe.run(include ? { include: [include] } : document);
              return results.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => v.id + ': ' + v.help + ' (' + v.nodes.map(n => n.target.join(' ')).join(', ') + ')');
            }
            """, include);
        return [.. violations.EnumerateArray().Select(item => item.GetString()!)];
    }
}
