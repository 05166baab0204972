using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;
using TenantChat.Grains.Models;
using TenantChat.WebFrontend.Apis;

namespace TenantChat.WebFrontend.Admin;

/// <summary>The assistant's settings (contract section 11): persona, capability modules, handoff phrase, system budget.</summary>
public sealed partial class TenantSettingsReader
{
    public const int MaxModules = 50;
    public const int MaxSystemTokens = 1_000_000;
    private const int MaxModuleKeyChars = 64;
    private const int MaxHandoffPhraseChars = 200;

    /// <summary>True when read: <c>null</c> (no persona) or <c>{ "name", "tone", "language"? }</c>.</summary>
    private bool ReadPersona(JsonNode? node, out Persona? persona)
    {
        const string shape = "persona must be null or { \"name\": 1 to 100 characters, \"tone\": \"professional\"|\"friendly\"|\"formal\"|\"casual\", "
            + "\"language\"?: a language tag such as \"en\" or \"pt-BR\" }.";
        persona = null;
        if (node is null)
        {
            return true;
        }
        if (node is not JsonObject fields || fields.Any(field => field.Key is not ("name" or "tone" or "language"))
            || TextOf(fields["name"]) is not { } name || name.Trim().Length is 0 or > 100 || StoredText.HasNul(name)
            || PersonaTones.Parse(TextOf(fields["tone"])) is not { } tone)
        {
            _errors["persona"] = [shape];
            return false;
        }
        string? language = null;
        if (fields["language"] is { } languageNode)
        {
            language = TextOf(languageNode);
            if (language is null || !IsLanguageTag(language))
            {
                _errors["persona"] = [shape];
                return false;
            }
        }
        persona = new Persona(name.Trim(), tone, language);
        return true;
    }

    /// <summary>Up to <see cref="MaxModules"/> modules <c>{ "key", "prompt", "priority"?: 0, "active"?: true }</c>, keys unique.</summary>
    private ImmutableArray<CapabilityModule>? ReadModules(JsonNode? node)
    {
        var shape = $"modules must be a list of at most {MaxModules} objects {{ \"key\": 1 to {MaxModuleKeyChars} letters, digits, '-', '_' or '.', "
            + $"\"prompt\": 1 to {MaxSystemPromptChars} characters, \"priority\"?: integer, \"active\"?: boolean }}.";
        if (node is not JsonArray array || array.Count > MaxModules)
        {
            _errors["modules"] = [shape];
            return null;
        }
        var modules = ImmutableArray.CreateBuilder<CapabilityModule>();
        var keys = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in array)
        {
            if (item is not JsonObject fields || fields.Any(field => field.Key is not ("key" or "prompt" or "priority" or "active"))
                || TextOf(fields["key"]) is not { } key || !IsModuleKey(key)
                || TextOf(fields["prompt"]) is not { } prompt || prompt.Trim().Length == 0 || prompt.EnumerateRunes().Count() > MaxSystemPromptChars
                || StoredText.HasNul(prompt)
                || !TryPriority(fields["priority"], out var priority)
                || !TryActive(fields, out var active))
            {
                _errors["modules"] = [shape];
                return null;
            }
            if (!keys.Add(key))
            {
                _errors["modules"] = [$"modules keys must be unique; '{key}' appears more than once."];
                return null;
            }
            modules.Add(new CapabilityModule(key, prompt, priority, active));
        }
        return modules.ToImmutable();
    }

    /// <summary>True when read: <c>null</c> (none) or 1 to 200 characters, kept trimmed.</summary>
    private bool ReadHandoffPhrase(JsonNode? node, out string? phrase)
    {
        phrase = null;
        if (node is null)
        {
            return true;
        }
        if (TextOf(node) is { } text && text.Trim().Length > 0 && text.Trim().EnumerateRunes().Count() <= MaxHandoffPhraseChars && !StoredText.HasNul(text))
        {
            phrase = text.Trim();
            return true;
        }
        _errors["handoff_phrase"] = [$"handoff_phrase must be null or 1 to {MaxHandoffPhraseChars} characters."];
        return false;
    }

    private static string? TextOf(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    /// <summary>BCP 47 in its plain shape: letter subtags and digit-or-letter subtags joined by '-', e.g. <c>en</c>, <c>pt-BR</c>, <c>zh-Hant</c>.</summary>
    private static bool IsLanguageTag(string tag) =>
        tag.Length is >= 2 and <= 35 && tag.Split('-') is var parts && parts[0].Length is >= 2 and <= 8 && parts[0].All(char.IsAsciiLetter)
        && parts.Skip(1).All(part => part.Length is >= 1 and <= 8 && part.All(char.IsAsciiLetterOrDigit));

    private static bool IsModuleKey(string key) =>
        key.Length is >= 1 and <= MaxModuleKeyChars && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool TryPriority(JsonNode? node, out int priority)
    {
        priority = 0;
        return node is null
            || (node is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue(out priority));
    }

    private static bool TryActive(JsonObject fields, out bool active)
    {
        active = true;
        if (!fields.TryGetPropertyValue("active", out var node))
        {
            return true;
        }
        if (node?.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            active = node.GetValue<bool>();
            return true;
        }
        return false;
    }
}
