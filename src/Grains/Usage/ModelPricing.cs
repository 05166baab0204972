using Microsoft.Extensions.Options;
using TenantChat.Grains.Models;

namespace TenantChat.Grains.Usage;

/// <summary>One model's price in USD per million tokens.</summary>
public sealed class ModelPrice
{
    public decimal InputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }
}

/// <summary><c>Pricing:Models:{model}:InputPerMillion</c> and <c>OutputPerMillion</c>.</summary>
public sealed class PricingOptions
{
    public const string Section = "Pricing";

    public Dictionary<string, ModelPrice> Models { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}

/// <summary>Prices one exchange from its own token counts; a model without a configured price costs 0.</summary>
public sealed class ModelPricing(IOptions<PricingOptions> options)
{
    private const decimal Million = 1_000_000m;

    public decimal CostUsd(string model, TokenUsage usage) =>
        options.Value.Models.TryGetValue(model, out var price)
            ? (usage.PromptTokens * price.InputPerMillion + usage.CompletionTokens * price.OutputPerMillion) / Million
            : 0m;
}
