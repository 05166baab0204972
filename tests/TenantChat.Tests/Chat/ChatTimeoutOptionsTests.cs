using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using TenantChat.Grains;

namespace TenantChat.Tests.Chat;

public sealed class ChatTimeoutOptionsTests
{
    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)))
            .Build();
        return new ServiceCollection().AddChatTimeouts(configuration).BuildServiceProvider();
    }

    [Fact]
    public void The_defaults_agree_with_the_attempt_timeout()
    {
        var startup = Services().GetRequiredService<IStartupValidator>();

        startup.Validate();
        var options = Services().GetRequiredService<IOptions<ChatTimeoutOptions>>().Value;
        Assert.True(options.RetryGrace > ChatTimeoutOptions.AttemptTimeout);
        Assert.True(options.GiveUpOnTimeoutAfter >= 2 * ChatTimeoutOptions.AttemptTimeout);
    }

    [Fact]
    public void A_retry_grace_no_longer_than_an_attempt_stops_the_process_at_start_up()
    {
        var startup = Services(("Chat:Timeouts:RetryGrace", "00:00:10")).GetRequiredService<IStartupValidator>();

        var refused = Assert.Throws<OptionsValidationException>(startup.Validate);
        Assert.Contains("Chat:Timeouts:RetryGrace", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Giving_up_on_a_timed_out_call_before_a_second_attempt_is_refused()
    {
        var startup = Services(("Chat:Timeouts:GiveUpOnTimeoutAfter", "00:00:15")).GetRequiredService<IStartupValidator>();

        var refused = Assert.Throws<OptionsValidationException>(startup.Validate);
        Assert.Contains("Chat:Timeouts:GiveUpOnTimeoutAfter", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00")]
    [InlineData("-00:00:01")]
    public void A_silo_loss_give_up_must_be_positive(string value)
    {
        var result = new ChatTimeoutValidator().Validate(null, new ChatTimeoutOptions { GiveUpOnSiloLossAfter = TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture) });

        Assert.True(result.Failed);
        Assert.Contains("GiveUpOnSiloLossAfter", result.FailureMessage, StringComparison.Ordinal);
    }
}
