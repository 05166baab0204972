using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace TenantChat.Grains;

/// <summary>
/// The waits of a chat call that must agree, read by both processes (section <c>Chat:Timeouts</c>):
/// <list type="bullet">
/// <item>the frontend waits <see cref="AttemptTimeout"/> for each attempt of <see cref="ITenantGrain.ChatAsync"/>
/// (its response timeout), then retries;</item>
/// <item>the tenant's grain keeps an attempt that a retry joined for <see cref="RetryGrace"/> after it ends, so the
/// next retry, sent up to <see cref="AttemptTimeout"/> later, still finds its outcome: RetryGrace &gt; AttemptTimeout;</item>
/// <item>the frontend stops retrying a call that only timed out after <see cref="GiveUpOnTimeoutAfter"/>: longer than
/// any chat call can run (upstream retries and fallbacks included), and at least two attempts:
/// GiveUpOnTimeoutAfter ≥ 2 × AttemptTimeout;</item>
/// <item>it stops retrying a call lost with its silo after <see cref="GiveUpOnSiloLossAfter"/>, enough for the
/// cluster to declare the silo dead and re-activate the grain elsewhere.</item>
/// </list>
/// Checked when each process starts (<see cref="ChatTimeoutServiceCollectionExtensions.AddChatTimeouts"/>).
/// </summary>
public sealed class ChatTimeoutOptions
{
    public const string Section = "Chat:Timeouts";

    /// <summary>A constant, because an attribute carries it (<see cref="ITenantGrain.ChatAsync"/>'s response timeout).</summary>
    public const string AttemptTimeoutText = "00:00:10";

    /// <summary>Shorter than Orleans' 30 s: a call lost with a silo that died without a word is retried sooner.</summary>
    public static TimeSpan AttemptTimeout { get; } = TimeSpan.Parse(AttemptTimeoutText, CultureInfo.InvariantCulture);

    public TimeSpan RetryGrace { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan GiveUpOnTimeoutAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Declaring a silo dead takes a few seconds, much longer on a starved machine.</summary>
    public TimeSpan GiveUpOnSiloLossAfter { get; set; } = TimeSpan.FromSeconds(45);
}

/// <summary>The relations stated on <see cref="ChatTimeoutOptions"/>.</summary>
public sealed class ChatTimeoutValidator : IValidateOptions<ChatTimeoutOptions>
{
    public ValidateOptionsResult Validate(string? name, ChatTimeoutOptions options)
    {
        var failures = new List<string>();
        if (options.RetryGrace <= ChatTimeoutOptions.AttemptTimeout)
        {
            failures.Add($"{ChatTimeoutOptions.Section}:RetryGrace ({options.RetryGrace}) must be longer than the attempt timeout ({ChatTimeoutOptions.AttemptTimeout}).");
        }
        if (options.GiveUpOnTimeoutAfter < 2 * ChatTimeoutOptions.AttemptTimeout)
        {
            failures.Add($"{ChatTimeoutOptions.Section}:GiveUpOnTimeoutAfter ({options.GiveUpOnTimeoutAfter}) must allow two attempts ({2 * ChatTimeoutOptions.AttemptTimeout}).");
        }
        if (options.GiveUpOnSiloLossAfter <= TimeSpan.Zero)
        {
            failures.Add($"{ChatTimeoutOptions.Section}:GiveUpOnSiloLossAfter ({options.GiveUpOnSiloLossAfter}) must be positive.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

public static class ChatTimeoutServiceCollectionExtensions
{
    /// <summary>Binds <see cref="ChatTimeoutOptions"/> and refuses to start when they disagree.</summary>
    public static IServiceCollection AddChatTimeouts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ChatTimeoutOptions>().Bind(configuration.GetSection(ChatTimeoutOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ChatTimeoutOptions>, ChatTimeoutValidator>();
        return services;
    }
}
