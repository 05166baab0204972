using TenantChat.Grains.Models;
using TenantChat.Grains.Tokens;

namespace TenantChat.Grains.Tenants;

/// <summary>
/// Builds the system parameter sent upstream from a tenant's settings: the persona's lines, then
/// <c>system_prompt</c>, then the active modules by ascending priority, then the knowledge retrieved for the call,
/// sections separated by a blank line. With no persona and no active module (and no knowledge) it is exactly
/// <c>system_prompt</c>, byte for byte, as it was before personas and modules existed.
/// </summary>
public static class SystemAssembly
{
    public const string SectionSeparator = "\n\n";

    /// <summary>The system parameter without knowledge: what the settings alone say, and what the budget is checked against.</summary>
    public static AssembledSystem Assemble(TenantSettings settings, TokenCounter tokens)
    {
        var text = Compose(settings);
        return new AssembledSystem(text, tokens.Count(text));
    }

    public static string Compose(TenantSettings settings)
    {
        if (settings.Persona is null && !ActiveModules(settings).Any())
        {
            return settings.SystemPrompt;
        }
        var sections = new List<string>();
        if (settings.Persona is { } persona)
        {
            sections.Add(string.Join('\n', PersonaLines(persona)));
        }
        sections.Add(settings.SystemPrompt);
        sections.AddRange(ActiveModules(settings).Select(module => module.Prompt));
        return string.Join(SectionSeparator, sections.Where(section => section.Length > 0));
    }

    public static IEnumerable<string> PersonaLines(Persona persona)
    {
        yield return $"Your name is {persona.Name}.";
        yield return $"Speak in a {PersonaTones.Of(persona.Tone)} tone.";
        if (persona.Language is { } language)
        {
            yield return $"Always answer in this language: {language}.";
        }
    }

    /// <summary>The modules that go upstream, in their order: active ones by ascending priority, ties by key.</summary>
    public static IEnumerable<CapabilityModule> ActiveModules(TenantSettings settings) =>
        settings.Modules.Where(module => module.Active).OrderBy(module => module.Priority).ThenBy(module => module.Key, StringComparer.Ordinal);

    /// <summary>
    /// The seam for the tenant's knowledge (issue 12): <paramref name="assembled"/> followed by as much of
    /// <paramref name="knowledge"/> as fits under <paramref name="maxSystemTokens"/>, cut at a token boundary.
    /// Nothing is added when no knowledge was retrieved or no room is left.
    /// </summary>
    public static AssembledSystem AddKnowledge(AssembledSystem assembled, string? knowledge, int maxSystemTokens, TokenCounter tokens)
    {
        if (string.IsNullOrEmpty(knowledge))
        {
            return assembled;
        }
        var separator = assembled.Text.Length == 0 ? "" : SectionSeparator;
        var room = maxSystemTokens - assembled.Tokens - tokens.Count(separator);
        while (room > 0)
        {
            var text = assembled.Text + separator + tokens.Truncate(knowledge, room);
            var count = tokens.Count(text);
            // Tokens can merge across the seam, so the whole is counted again; one token less until it fits.
            if (count <= maxSystemTokens)
            {
                return new AssembledSystem(text, count);
            }
            room -= count - maxSystemTokens;
        }
        return assembled;
    }

    /// <summary>Null when the assembly fits the tenant's <c>max_system_tokens</c>; else a refusal naming that field.</summary>
    public static ServiceError? OverBudget(TenantSettings settings, AssembledSystem assembled) =>
        assembled.Tokens <= settings.MaxSystemTokens
            ? null
            : new ServiceError(ProblemCode.ValidationFailed,
                $"The assembled system parameter (persona, system_prompt and active modules) would be {assembled.Tokens} tokens, "
                + $"over max_system_tokens ({settings.MaxSystemTokens}).", Field: "max_system_tokens");

    /// <summary>
    /// Null when settings may change from <paramref name="before"/> (null for a new tenant) to <paramref name="after"/>;
    /// else why not: the assembly without knowledge exceeds <c>max_system_tokens</c>. Only changes that alter the
    /// assembly or the budget are checked, so an unrelated change (a suspension, a new limit) never fails on a
    /// tenant whose system parameter predates the budget. A new tenant whose system parameter is its
    /// <c>system_prompt</c> alone is held to that field's own limit (16,000 characters), as tenants always were.
    /// </summary>
    public static ServiceError? RefuseChange(TenantSettings? before, TenantSettings after, TokenCounter tokens) =>
        (before is not null && before.MaxSystemTokens == after.MaxSystemTokens
            && string.Equals(Compose(before), Compose(after), StringComparison.Ordinal))
        || (before is null && after.Persona is null && !ActiveModules(after).Any())
            ? null
            : OverBudget(after, Assemble(after, tokens));

    /// <summary>
    /// What an answer must never quote back: the assembled parameter as a whole, and <c>system_prompt</c> and each
    /// active module's prompt on their own (a model may quote one section without the others).
    /// </summary>
    public static IReadOnlyList<string> Secrets(TenantSettings settings, string assembled) =>
        [assembled, settings.SystemPrompt, .. ActiveModules(settings).Select(module => module.Prompt)];
}
