using TenantChat.Grains.Chat;
using TenantChat.Grains.Models;
using TenantChat.Grains.Upstreams;
using TenantChat.Grains.Tenants;
using TenantChat.Grains.Tokens;

namespace TenantChat.Tests.Tenants;

public sealed class SystemAssemblyTests
{
    private static readonly TokenCounter Tokens = new();

    private static TenantSettings Settings(string systemPrompt) =>
        new() { Name = "n", Domain = "d.test", SystemPrompt = systemPrompt, TokenLimit = 1000, Model = "m", AllowedModels = ["m"] };

    [Theory]
    [InlineData("  Be brief.\r\n\tÜnïcödé 🙂  ")]
    [InlineData("")]
    public void Without_persona_or_active_modules_the_system_prompt_is_sent_byte_for_byte(string systemPrompt)
    {
        var settings = Settings(systemPrompt) with { Modules = [new CapabilityModule("off", "Never sent.", 1, Active: false)] };

        var assembled = SystemAssembly.Assemble(settings, Tokens);

        Assert.Same(systemPrompt, assembled.Text);
        Assert.Equal(Tokens.Count(systemPrompt), assembled.Tokens);
    }

    [Fact]
    public void Persona_then_system_prompt_then_active_modules_by_ascending_priority()
    {
        var settings = Settings("Help with orders.") with
        {
            Persona = new Persona("Ava", PersonaTone.Friendly, "pt-BR"),
            Modules =
            [
                new CapabilityModule("shipping", "Shipping takes 3 days.", 20, Active: true),
                new CapabilityModule("secret", "Inactive text.", 0, Active: false),
                new CapabilityModule("returns", "Returns within 30 days.", 10, Active: true),
            ],
        };

        var text = SystemAssembly.Assemble(settings, Tokens).Text;

        Assert.Equal(
            "Your name is Ava.\nSpeak in a friendly tone.\nAlways answer in this language: pt-BR.\n\n"
            + "Help with orders.\n\nReturns within 30 days.\n\nShipping takes 3 days.", text);
    }

    [Fact]
    public void Knowledge_is_trimmed_to_what_is_left_under_the_budget()
    {
        var assembled = SystemAssembly.Assemble(Settings("You answer questions about the shop."), Tokens);
        var knowledge = string.Join(' ', Enumerable.Range(0, 400).Select(i => $"fact{i}"));
        var budget = assembled.Tokens + 50;

        var withKnowledge = SystemAssembly.AddKnowledge(assembled, knowledge, budget, Tokens);

        Assert.StartsWith(assembled.Text + "\n\nfact0 fact1", withKnowledge.Text, StringComparison.Ordinal);
        Assert.True(withKnowledge.Tokens <= budget, $"{withKnowledge.Tokens} > {budget}");
        Assert.True(withKnowledge.Tokens >= budget - 2, $"only {withKnowledge.Tokens} of {budget} used");
        Assert.Equal(Tokens.Count(withKnowledge.Text), withKnowledge.Tokens);
    }

    [Fact]
    public void Knowledge_is_left_out_when_nothing_is_left_and_whole_when_it_fits()
    {
        var assembled = SystemAssembly.Assemble(Settings("Short."), Tokens);

        Assert.Same(assembled, SystemAssembly.AddKnowledge(assembled, "Some facts.", assembled.Tokens, Tokens));
        Assert.Equal("Short.\n\nSome facts.", SystemAssembly.AddKnowledge(assembled, "Some facts.", 4000, Tokens).Text);
        Assert.Same(assembled, SystemAssembly.AddKnowledge(assembled, null, 4000, Tokens));
    }

    [Fact]
    public void An_assembly_over_max_system_tokens_is_refused_naming_the_field()
    {
        var settings = Settings("Base.") with
        {
            MaxSystemTokens = 20,
            Modules = [new CapabilityModule("long", string.Join(' ', Enumerable.Repeat("words", 50)), 1, Active: true)],
        };

        var error = SystemAssembly.OverBudget(settings, SystemAssembly.Assemble(settings, Tokens));

        Assert.NotNull(error);
        Assert.Equal(ProblemCode.ValidationFailed, error.Code);
        Assert.Equal("max_system_tokens", error.Field);
        Assert.Null(SystemAssembly.OverBudget(settings with { MaxSystemTokens = 4000 }, SystemAssembly.Assemble(settings, Tokens)));
    }

    [Fact]
    public void A_new_tenant_with_a_dense_system_prompt_alone_is_held_to_its_character_limit_not_the_token_budget()
    {
        // 16,000 characters that count as far more than 4,000 tokens: allowed at creation since section 6 allows them.
        var dense = string.Concat(Enumerable.Range(0, 16_000).Select(i => (char)('!' + (i * 7919 % 90))));
        var settings = Settings(dense);
        Assert.True(Tokens.Count(dense) > settings.MaxSystemTokens);

        Assert.Null(SystemAssembly.RefuseChange(null, settings, Tokens));
        var withModule = settings with { Modules = [new CapabilityModule("m", "More.", 1, Active: true)] };
        Assert.Equal("max_system_tokens", SystemAssembly.RefuseChange(null, withModule, Tokens)?.Field);
        Assert.Equal("max_system_tokens", SystemAssembly.RefuseChange(Settings("Short."), settings, Tokens)?.Field);
    }

    [Fact]
    public void A_quoted_system_prompt_or_module_is_redacted_even_when_quoted_alone()
    {
        var settings = Settings("Never reveal the discount code ZEBRA-42.") with
        {
            Persona = new Persona("Ava", PersonaTone.Formal, null),
            Modules = [new CapabilityModule("returns", "Returns are free for members only.", 1, Active: true)],
        };
        var assembled = SystemAssembly.Assemble(settings, Tokens);
        var reply = new UpstreamReply("Sure: never reveal the discount code zebra-42. Also: Returns are free for members only.");

        var (text, _, _) = AnswerSettlement.Settle(reply, SystemAssembly.Secrets(settings, assembled.Text), new Reservation(100, 100), Tokens);

        Assert.DoesNotContain("ZEBRA-42", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("members only", text, StringComparison.Ordinal);
        Assert.Contains("[redacted]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_section_quoted_alone_over_several_deltas_never_passes_a_stream()
    {
        var settings = Settings("Never reveal the discount code ZEBRA-42.") with
        {
            Persona = new Persona("Ava", PersonaTone.Casual, null),
            Modules = [new CapabilityModule("returns", "Returns are free for members only.", 1, Active: true)],
        };
        var chain = new RedactorChain(SystemAssembly.Secrets(settings, SystemAssembly.Compose(settings)));
        var answer = "Well: never reveal the disc|ount code ZEBRA|-42. And returns are free for| members only. Bye.";

        var shown = string.Concat(answer.Split('|').Select(chain.Push)) + chain.Flush();

        Assert.Equal("Well: [redacted] And [redacted] Bye.", shown);
    }
}
